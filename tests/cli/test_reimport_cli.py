"""A nightly full re-export: lines landed before are skipped by their digest before they are parsed
(ingest/digests.py), and nothing the import does or reports changes because of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    CUSTOMER_COLUMNS,
    VEHICLE_COLUMNS,
    Files,
    customer,
    make_vin,
    run,
    run_ok,
    sql_rows,
    summary_rows,
    vehicle,
    visit,
)
from sqlalchemy import create_engine, text

from lifecycle_cli.ingest import digests
from lifecycle_cli.ingest.kinds.customers import Customers
from lifecycle_cli.ingest.kinds.vehicles import Vehicles
from lifecycle_cli.ingest.kinds.visits import Visits

V1, V2 = make_vin(1), make_vin(2)


def rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    customers = [customer("C001", "张伟", 1), customer("C002", "李静", 2)]
    vehicles = [vehicle(V1, "C001", "2024-03-15", plate="粤A12345", km="12000", km_date="2025-03-01"),
                vehicle(V2, "C002", "2025-06-01", plate="粤B23456")]
    visits = [visit("RO001", V1, "2024-06-20", 3800, "保养"), visit("", V2, "2025-09-01", 4200, "维修")]
    return customers, vehicles, visits


def write(files: Files) -> list[Path]:
    customers, vehicles, visits = rows()
    return [files.customers(customers), files.vehicles(vehicles), files.visits(visits)]


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many lines each kind parsed (the kinds' own parse, counted on the way through)."""
    counts = {"customers": 0, "vehicles": 0, "visits": 0}
    for kind in (Customers, Vehicles, Visits):
        def counting(self: Any, p: Any, row: Any, report: Any, _parse: Any = kind.parse, _name: str = kind.name) -> Any:
            counts[_name] += 1
            return _parse(self, p, row, report)
        monkeypatch.setattr(kind, "parse", counting)
    return counts


def reimport(db: Path, parsed: dict[str, int], *paths: Any) -> dict[str, dict[str, int]]:
    """Import again, the parse counts from zero; the summary."""
    return reimport_with(db, parsed, "import", *paths)


def reimport_with(db: Path, parsed: dict[str, int], *args: Any) -> dict[str, dict[str, int]]:
    """Run a command (an import) with the parse counts from zero; its summary."""
    for key in parsed:
        parsed[key] = 0
    return summary_rows(run_ok(db, *args).stdout)


def test_an_unchanged_re_export_is_not_parsed_and_counts_unchanged(db: Path, files: Files,
                                                                   parsed: dict[str, int]) -> None:
    paths = write(files)
    run_ok(db, "import", *paths)
    before = sql_rows(db, "select * from customer order by id") + sql_rows(db, "select * from visit order by id")

    summary = reimport(db, parsed, *paths)

    assert parsed == {"customers": 0, "vehicles": 0, "visits": 0}
    for name in ("customers.csv", "vehicles.csv", "visits.csv"):
        assert summary[name]["read"] == summary[name]["unchanged"] == 2, name
    assert sql_rows(db, "select * from customer order by id") + sql_rows(db, "select * from visit order by id") \
        == before
    # one changed line is parsed and updated as before; the other stays skipped
    customers, _, _ = rows()
    customers[1]["name"] = "李静怡"
    summary = reimport(db, parsed, files.customers(customers), *paths[1:])
    assert parsed == {"customers": 1, "vehicles": 0, "visits": 0}
    assert (summary["customers.csv"]["updated"], summary["customers.csv"]["unchanged"]) == (1, 1)
    assert sql_rows(db, "select name from customer where customer_id = 'C002'") == [("李静怡",)]


def test_a_dry_run_stores_no_digest(db: Path, files: Files) -> None:
    """Digests land in the import's transaction: a run that commits nothing leaves none."""
    paths = write(files)
    run_ok(db, "import", *paths[:1])
    run_ok(db, "import", "--dry-run", *paths[1:])
    assert sql_rows(db, "select count(*) from customer where line_digest is not null") == [(2,)]
    assert sql_rows(db, "select count(*) from vehicle") == [(0,)]


@pytest.mark.parametrize(("name", "change"), [
    ("a file with fewer columns", "columns"),
    ("another --date-format", "date_format"),
    ("another parse version", "version"),
    ("other rules", "rules"),
])
def test_what_the_line_means_is_in_its_digest(db: Path, files: Files, parsed: dict[str, int], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, name: str, change: str) -> None:
    paths = write(files)
    run_ok(db, "import", *paths)
    before: list[Any] = []
    after: list[Any] = []
    if change == "columns":  # the same cells of the columns it has: not "unchanged" against the fuller file
        customers, _, _ = rows()
        columns = tuple(c for c in CUSTOMER_COLUMNS if c != "store")
        paths[0] = files.customers([{k: v for k, v in r.items() if k != "store"} for r in customers],
                                   columns=columns)
    elif change == "date_format":
        after.append("--date-format=%Y-%m-%d")
    elif change == "version":
        monkeypatch.setattr(digests, "PARSE_VERSION", digests.PARSE_VERSION + 1)
    else:
        rules = tmp_path / "rules.toml"
        rules.write_text('[visit_kinds]\nrepair = ["维修", "机修"]\n', encoding="utf-8")
        before = ["--rules", rules]
    reimport_with(db, parsed, *before, "import", *after, *paths)
    if change == "columns":
        assert parsed == {"customers": 2, "vehicles": 0, "visits": 0}, name
    else:
        assert parsed == {"customers": 2, "vehicles": 2, "visits": 2}, name


def test_a_rejected_line_is_rejected_and_said_again_and_a_warned_line_warned_again(
        db: Path, files: Files, parsed: dict[str, int]) -> None:
    customers, vehicles, visits = rows()
    customers[1]["phone"] = "12345"  # kept and flagged: a warning
    visits.append(visit("RO009", make_vin(9), "2025-10-01", 5000))  # no such car: rejected
    paths = [files.customers(customers), files.vehicles(vehicles), files.visits(visits)]
    first = run(db, "import", *paths)
    for _ in range(2):
        for key in parsed:
            parsed[key] = 0
        again = run(db, "import", *paths)
        assert again.exit_code == first.exit_code == 1
        assert f'visits.csv:4: vin: 车架号 "{make_vin(9)}" 不存在' in again.stderr
        assert 'customers.csv:3: phone: 号码无效，已保留并标记 "12345"' in again.stderr
        assert parsed == {"customers": 1, "vehicles": 0, "visits": 1}
        summary = summary_rows(again.stdout)
        assert summary["visits.csv"]["rejected"] == 1 and summary["visits.csv"]["unchanged"] == 2
        assert summary["customers.csv"]["warnings"] == 1 and summary["customers.csv"]["unchanged"] == 2


def test_a_duplicate_key_is_warned_and_the_later_line_wins_even_when_it_was_landed_before(
        db: Path, files: Files, parsed: dict[str, int]) -> None:
    customers, _, _ = rows()
    run_ok(db, "import", files.customers(customers))
    changed = dict(customers[0], name="张三")
    result = run(db, "import", files.customers([changed, *customers]))
    assert "customers.csv:3: 与第 2 行重复（C001），以后出现的这一行为准" in result.stderr
    assert sql_rows(db, "select name from customer where customer_id = 'C001'") == [("张伟",)]
    # the later line carried a warning: it is read again next time, and still wins
    result = run(db, "import", files.customers([changed, *customers]))
    assert "customers.csv:3: 与第 2 行重复（C001）" in result.stderr
    assert sql_rows(db, "select name from customer where customer_id = 'C001'") == [("张伟",)]


def test_a_desk_edit_of_a_file_value_is_overwritten_by_the_unchanged_file_as_before(
        db: Path, files: Files, parsed: dict[str, int]) -> None:
    """vehicle set writes a value the file carries: it clears the digest, so the next import reads
    the line and sets the file's value back (what it did before digests)."""
    customers, vehicles, _ = rows()
    vehicles[0]["compulsory_insurance_expiry"] = "2027-03-01"
    path = files.vehicles(vehicles, columns=(*vehicles[1], "compulsory_insurance_expiry"))
    run_ok(db, "import", files.customers(customers), path)
    run_ok(db, "vehicle", "set", V1, "--compulsory-expiry", "2027-06-01")
    assert sql_rows(db, "select line_digest from vehicle where vin = ?", (V1,)) == [(None,)]
    summary = reimport(db, parsed, path)
    assert parsed["vehicles"] == 1
    assert (summary["vehicles.csv"]["updated"], summary["vehicles.csv"]["unchanged"]) == (1, 1)
    assert sql_rows(db, "select compulsory_insurance_expiry from vehicle where vin = ?", (V1,)) == [("2027-03-01",)]


def test_a_kept_value_is_counted_kept_again(db: Path, files: Files, parsed: dict[str, int]) -> None:
    """A car without its own advisor gets its work order's: read again, its line (an empty advisor cell)
    would keep that value, so the car keeps its line's digest and the line is remembered as kept
    (store/kept_lines.py): every later import skips it like any unchanged line and still counts it as
    keeping the value."""
    customers, vehicles, visits = rows()
    vehicles[1]["service_advisor"] = ""
    paths = [files.customers(customers), files.vehicles(vehicles), files.visits(visits)]
    run_ok(db, "import", *paths)
    assert sql_rows(db, "select service_advisor from vehicle where vin = ?", (V2,)) == [(visits[1]["advisor"],)]
    for _ in range(2):
        for key in parsed:
            parsed[key] = 0
        result = run_ok(db, "import", *paths)
        assert "vehicles.csv：1 行保留了已有值（文件未提供）" in result.stdout
        assert parsed == {"customers": 0, "vehicles": 0, "visits": 0}
        assert summary_rows(result.stdout)["vehicles.csv"]["unchanged"] == len(vehicles)
    assert sql_rows(db, "select tbl, count(*) from kept_line group by tbl") == [("vehicle", 1)]


def test_a_work_orders_advisor_for_a_file_without_the_column_is_not_counted_kept(
        db: Path, files: Files, parsed: dict[str, int]) -> None:
    """A vehicles file without the advisor column does not speak of it: the car takes its work order's
    advisor, keeps its line's digest and is neither read again nor counted as keeping anything."""
    customers, vehicles, visits = rows()
    columns = [c for c in VEHICLE_COLUMNS if c != "service_advisor"]
    bare = [{c: v for c, v in row.items() if c in columns} for row in vehicles]
    paths = [files.customers(customers), files.vehicles(bare, columns=columns), files.visits(visits)]
    run_ok(db, "import", *paths)
    assert sql_rows(db, "select count(*) from vehicle where service_advisor is not null")[0][0] >= 1
    for key in parsed:
        parsed[key] = 0
    result = run_ok(db, "import", *paths)
    assert "保留了已有值" not in result.stdout
    assert parsed == {"customers": 0, "vehicles": 0, "visits": 0}
    assert sql_rows(db, "select count(*) from kept_line") == [(0,)]


def test_a_kept_line_that_keeps_nothing_any_more_is_forgotten(db: Path, files: Files,
                                                              parsed: dict[str, int]) -> None:
    """The stored value a line kept goes (here the car's advisor is cleared through the database, as
    a desk edit would, which also clears the digest): the same line lands keeping nothing, is no
    longer remembered as kept, and the next imports say nothing kept."""
    customers, vehicles, visits = rows()
    vehicles[1]["service_advisor"] = ""
    paths = [files.customers(customers), files.vehicles(vehicles), files.visits(visits)]
    run_ok(db, "import", *paths)
    run_ok(db, "import", *paths)  # the car's line kept its work order's advisor: remembered
    assert sql_rows(db, "select count(*) from kept_line") == [(1,)]
    engine = create_engine(f"sqlite:///{db}" if isinstance(db, Path) else str(db))
    with engine.begin() as conn:
        conn.execute(text("update vehicle set service_advisor = null, line_digest = null where vin = :vin"),
                     {"vin": vehicles[1]["vin"]})
    engine.dispose()
    result = run_ok(db, "import", paths[1])
    assert "保留了已有值" not in result.stdout
    assert sql_rows(db, "select count(*) from kept_line") == [(0,)]
    for key in parsed:
        parsed[key] = 0
    result = run_ok(db, "import", paths[1])
    assert "保留了已有值" not in result.stdout
    assert parsed["vehicles"] == 0
