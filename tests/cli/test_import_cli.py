"""`lifecycle import` end to end: canonical CSVs into a real SQLite file."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    VEHICLE_COLUMNS,
    VISIT_COLUMNS,
    Files,
    customer,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    summary_rows,
    vehicle,
    visit,
)

V1, V2, V3, V4 = make_vin(1), make_vin(2), make_vin(3), make_vin(4)


def base_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Three customers, three cars, four visits (one without a work-order number)."""
    customers = [
        customer("C001", "张伟", 1, birthday="1985-03-12"),
        customer("C002", "李静", 2),
        customer("C003", "王芳", 3),
    ]
    vehicles = [
        vehicle(V1, "C001", "2024-03-15", plate="粤A12345", km="12000", km_date="2025-03-01"),
        vehicle(V2, "C002", "2025-06-01", plate="粤B23456"),
        vehicle(V3, "C003", "2026-01-10", plate="粤C34567"),
    ]
    visits = [
        visit("RO001", V1, "2024-06-20", 3800),
        visit("RO002", V1, "2025-01-05", 9100, "repair"),
        visit("RO003", V2, "2025-09-01", 4200),
        visit("", V3, "2026-04-01", 3000),
    ]
    return customers, vehicles, visits


def write_base(files: Files) -> tuple[Path, Path, Path]:
    customers, vehicles, visits = base_rows()
    return files.customers(customers), files.vehicles(vehicles), files.visits(visits)


def db_counts(db: Path) -> dict[str, int]:
    """Row counts of the data tables, read straight from the database."""
    return {t: sql_rows(db, f"select count(*) from {t}")[0][0]
            for t in ("customer", "vehicle", "visit", "odometerreading")}


def customer_names(db: Path) -> dict[str, str]:
    return dict(sql_rows(db, "select customer_id, name from customer"))


def vins(db: Path) -> set[str]:
    return {v["vin"] for v in run_json(db, "vehicles", "--date", "2026-11-23")}


def visit_keys(db: Path, key: str) -> list[tuple[str, int]]:
    """(visit_date, km) of the visits `show KEY` lists, across the customer's cars."""
    detail = run_json(db, "show", key, "--date", "2026-11-23")
    return sorted((x["visit_date"], x["mileage_km"]) for v in detail["vehicles"] for x in v["visits"])


# --------------------------------------------------------------------------- happy path


def test_files_in_any_order_import_customers_then_vehicles_then_visits(db: Path, files: Files) -> None:
    customers, vehicles, visits = write_base(files)

    result = run_ok(db, "import", visits, vehicles, customers)  # visits first on the command line

    summary = summary_rows(result.stdout)
    assert summary["customers.csv"] == {"read": 3, "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 0,
                                        "warnings": 0, "status": "完成"}
    assert summary["vehicles.csv"]["inserted"] == 3
    assert summary["visits.csv"]["read"] == 4
    assert summary["visits.csv"]["inserted"] == 4
    assert summary["visits.csv"]["rejected"] == 0
    assert result.stderr == ""  # valid VINs and phones: not even a warning
    assert str(db) in result.stdout  # the summary says where the data went
    assert vins(db) == {V1, V2, V3}
    assert visit_keys(db, "C001") == [("2024-06-20", 3800), ("2025-01-05", 9100)]
    assert visit_keys(db, "C003") == [("2026-04-01", 3000)]


def test_reimporting_the_same_files_changes_nothing(db: Path, files: Files) -> None:
    paths = write_base(files)
    run_ok(db, "import", *paths)
    before = db_counts(db)

    result = run_ok(db, "import", *paths)

    summary = summary_rows(result.stdout)
    for name, read in (("customers.csv", 3), ("vehicles.csv", 3), ("visits.csv", 4)):
        assert summary[name]["read"] == read
        assert summary[name]["unchanged"] == read, name
        assert summary[name]["inserted"] == summary[name]["updated"] == summary[name]["rejected"] == 0
    assert db_counts(db) == before
    assert before == {"customer": 3, "vehicle": 3, "visit": 4, "odometerreading": 1}


def test_a_changed_field_is_updated_and_counted(db: Path, files: Files) -> None:
    run_ok(db, "import", *write_base(files))
    customers, vehicles, visits = base_rows()
    customers[1]["name"] = "李静怡"
    vehicles[2]["plate"] = "粤C99999"
    visits[2]["mileage_km"] = 4300  # RO003: keyed on its work-order number, the km is a field

    result = run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))

    summary = summary_rows(result.stdout)
    assert (summary["customers.csv"]["updated"], summary["customers.csv"]["unchanged"]) == (1, 2)
    assert (summary["vehicles.csv"]["updated"], summary["vehicles.csv"]["unchanged"]) == (1, 2)
    assert (summary["visits.csv"]["updated"], summary["visits.csv"]["unchanged"]) == (1, 3)
    assert all(summary[n]["inserted"] == 0 for n in summary)
    assert customer_names(db)["C002"] == "李静怡"
    assert run_json(db, "show", "粤C99999", "--date", "2026-11-23")["customer_id"] == "C003"
    assert visit_keys(db, "C002") == [("2025-09-01", 4300)]
    assert db_counts(db)["visit"] == 4


# --------------------------------------------------------------------------- refused files


def test_a_file_missing_a_required_column_is_refused_whole_and_the_others_import(db: Path, files: Files) -> None:
    customers, vehicles, visits = base_rows()
    no_km = [c for c in VISIT_COLUMNS if c != "mileage_km"]
    bad_visits = files.visits(({k: v for k, v in r.items() if k != "mileage_km"} for r in visits),
                              columns=no_km)

    result = run(db, "import", bad_visits, files.customers(customers), files.vehicles(vehicles))

    assert result.exit_code == 2
    refusal = [line for line in result.stderr.splitlines() if line.startswith(f"{bad_visits}:")]  # as given
    assert len(refusal) == 1
    assert "mileage_km" in refusal[0]
    summary = summary_rows(result.stdout)
    assert summary["visits.csv"]["status"] == "整个文件未导入"
    assert summary["visits.csv"]["inserted"] == 0
    assert summary["customers.csv"]["inserted"] == 3
    assert summary["vehicles.csv"]["inserted"] == 3
    assert db_counts(db)["visit"] == 0
    assert vins(db) == {V1, V2, V3}


def test_a_vehicles_file_without_delivery_date_is_refused_naming_the_column(db: Path, files: Files) -> None:
    customers, vehicles, _ = base_rows()
    columns = [c for c in VEHICLE_COLUMNS if c != "delivery_date"]
    bad = files.vehicles(({k: v for k, v in r.items() if k != "delivery_date"} for r in vehicles), columns=columns)
    run_ok(db, "import", files.customers(customers))

    detected = run(db, "import", bad)
    forced = run(db, "import", "--kind", "vehicles", bad)

    assert detected.exit_code == forced.exit_code == 2
    assert "交车日期" in detected.stderr  # the file cannot even be told apart without it
    assert "delivery_date" in forced.stderr and "缺少" in forced.stderr
    assert db_counts(db)["vehicle"] == 0


# --------------------------------------------------------------------------- rejected rows

BAD_ROWS = [
    pytest.param("customers", customer("C004", "赵敏", 4, birthday="1990-02-30"), "birthday", "1990-02-30",
                 id="impossible-birthday"),
    pytest.param("vehicles", vehicle(V4, "C001", "31/12/2025"), "delivery_date", "31/12/2025",
                 id="day-first-delivery-date"),
    pytest.param("visits", visit("RO004", V3, "2026-06-31", 6000), "visit_date", "2026-06-31",
                 id="impossible-visit-date"),
    pytest.param("visits", visit("RO004", V3, "2026-06-30", "六千"), "mileage_km", "六千",
                 id="mileage-not-a-number"),
    pytest.param("vehicles", vehicle(V4, "C999", "2025-12-31"), "customer_id", "C999",
                 id="unknown-customer"),
    pytest.param("visits", visit("RO004", V4, "2026-06-30", 6000), "vin", V4, id="unknown-vin"),
]


@pytest.mark.parametrize(("kind", "bad_row", "column", "shown"), BAD_ROWS)
def test_a_bad_row_is_rejected_with_file_line_column_and_the_good_rows_land(
    db: Path, files: Files, kind: str, bad_row: dict[str, Any], column: str, shown: str
) -> None:
    rows = dict(zip(("customers", "vehicles", "visits"), base_rows(), strict=True))
    rows[kind].insert(1, bad_row)  # header is line 1, first good row line 2: the bad row is line 3
    paths = [files.customers(rows["customers"]), files.vehicles(rows["vehicles"]), files.visits(rows["visits"])]

    result = run(db, "import", *paths)

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"{files.folder / kind}.csv:3: {column}: "), errors[0]  # the path as given
    assert shown in errors[0]
    assert str(errors[0]) not in result.stdout  # diagnostics on stderr only
    summary = summary_rows(result.stdout)
    assert summary[f"{kind}.csv"]["rejected"] == 1
    assert summary[f"{kind}.csv"]["inserted"] == len(rows[kind]) - 1
    assert db_counts(db) == {"customer": 3, "vehicle": 3, "visit": 4, "odometerreading": 1}


def test_line_numbers_count_file_lines_not_data_rows(db: Path, files: Files) -> None:
    customers, vehicles, visits = base_rows()
    vehicles.append(vehicle(V4, "C001", "2025-13-01"))  # the 4th data row: line 5

    result = run(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"{files.folder / 'vehicles.csv'}:5: delivery_date: ")


def test_dry_run_checks_everything_and_writes_nothing(db: Path, files: Files) -> None:
    customers, vehicles, visits = base_rows()
    vehicles.append(vehicle(V4, "C001", "2025-13-01"))
    paths = [files.customers(customers), files.vehicles(vehicles), files.visits(visits)]

    dry = run(db, "import", "--dry-run", *paths)

    assert dry.exit_code == 1  # the bad row is still reported
    assert "vehicles.csv:5: delivery_date: " in dry.stderr
    assert "演练" in dry.stdout
    assert summary_rows(dry.stdout)["customers.csv"]["inserted"] == 3
    assert db_counts(db) == {"customer": 0, "vehicle": 0, "visit": 0, "odometerreading": 0}
    assert run_json(db, "vehicles", "--date", "2026-11-23") == []

    real = run(db, "import", *paths)
    assert summary_rows(real.stdout)["customers.csv"]["inserted"] == 3  # not "unchanged": nothing was written


def test_rejects_file_can_be_fixed_and_reimported(db: Path, files: Files, tmp_path: Path) -> None:
    customers, vehicles, visits = base_rows()
    vehicles.insert(1, vehicle(V4, "C001", "2025-13-01", plate="粤A55555"))
    rejects_dir = tmp_path / "rejects"

    result = run(db, "import", "--rejects", rejects_dir, files.customers(customers), files.vehicles(vehicles),
                 files.visits(visits))

    assert result.exit_code == 1
    rejects = rejects_dir / "vehicles.rejects.csv"
    assert str(rejects) in result.stdout
    assert sorted(p.name for p in rejects_dir.iterdir()) == ["vehicles.rejects.csv"]
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # opens in Excel
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][: len(VEHICLE_COLUMNS)] == list(VEHICLE_COLUMNS)
    assert len(table[0]) == len(VEHICLE_COLUMNS) + 1  # the reason column
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert row["vin"] == V4 and row["delivery_date"] == "2025-13-01"
    reason = table[1][-1]
    assert reason.startswith("delivery_date: ")
    assert V4 not in vins(db)

    # The user fixes the date in the rejects file and imports that file again.
    table[1][table[0].index("delivery_date")] = "2025-12-01"
    with rejects.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(table)
    again = run(db, "import", rejects)

    assert again.exit_code == 0, again.stderr
    assert summary_rows(again.stdout)["vehicles.rejects.csv"]["inserted"] == 1
    assert V4 in vins(db)
    assert run_json(db, "show", "粤A55555", "--date", "2026-11-23")["customer_id"] == "C001"


def test_bad_options_are_usage_errors(db: Path, files: Files) -> None:
    customers, _, _ = write_base(files)
    assert refusal(db, "import", "--kind", "cars", customers) == (
        '--kind: 不认识 "cars"，可用：customers 客户 / vehicles 车辆 / visits 进厂记录 / events 事件 / staff 人员')
    missing = run(db, "import", files.folder / "nope.csv")
    assert (missing.exit_code, missing.stderr) == (
        2, f"{files.folder / 'nope.csv'}: 整个文件未导入：文件不存在：{files.folder / 'nope.csv'}\n")
    assert db_counts(db)["customer"] == 0



def test_a_files_rows_are_reported_to_the_terminals_one_progress_line_and_erased_before_the_result(
    db: Path, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from lifecycle_cli.render.progress import StepProgress

    seen = []

    class Terminal(StepProgress):
        """The progress line of a terminal (its rendering: tests/render/test_progress.py)."""

        def file_rows(self, path: Path, count: int) -> None:
            seen.append((path.name, count))
            super().file_rows(path, count)

    monkeypatch.setattr("lifecycle_cli.render.progress.terminal_progress",
                        lambda: Terminal(stream=io.StringIO()))
    rows = [{"customer_id": f"C{i:05d}", "name": f"客户{i}", "phone": f"138{i:08d}"} for i in range(10_000)]
    path = files.customers(rows, columns=("customer_id", "name", "phone"))

    result = run_ok(db, "import", "--dry-run", path)

    assert seen == [("customers.csv", 10_000)]  # every 10,000 rows read, to the same line as the steps
    assert summary_rows(result.stdout)["customers.csv"]["read"] == 10_000

# --------------------------------------------------------------------------- one transaction

IMPORT_CODE = "from lifecycle_cli.cli.app import main; main()"


def stop_import_midway(db: Path, paths: list[Path], sig: signal.Signals, writing: Callable[[], bool]) -> None:
    """Run `import PATHS` in a child process, send it `sig` once `writing()` says its pages reach the disk,
    and check how it ended: Ctrl-C exits 130 saying it was interrupted, a kill is a kill."""
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORT_CODE, "--db", str(db), "import", *map(str, paths)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 30
        while not writing():
            assert proc.poll() is None, "the import finished before it could be interrupted"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err.decode()
        assert "中断" in err.decode()
    else:
        assert proc.returncode == -signal.SIGKILL


@pytest.mark.sqlite_only("waits for the SQLite write-ahead log file to grow before stopping the import")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_an_import_stopped_midway_leaves_the_database_as_it_was(
    db: Path, files: Files, tmp_path: Path, sig: signal.Signals
) -> None:
    paths = write_base(files)
    run_ok(db, "import", *paths)
    before_counts, before_names = db_counts(db), customer_names(db)
    # The second import renames every customer (customers land first) and then loads a long visits file.
    customers, _, _ = base_rows()
    renamed = files.customers([{**c, "name": c["name"] + "改"} for c in customers], name="customers2.csv")
    big = big_visits_file(tmp_path)
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # Uncommitted pages spill into the WAL once the import is well under way.
    stop_import_midway(db, [renamed, big], sig, lambda: wal.exists() and wal.stat().st_size > 0)
    assert db_counts(db) == before_counts
    assert customer_names(db) == before_names
    assert index_names(db) == declared_indexes()  # the visit indexes this big load deferred are back
    # The file is healthy: the first import's files are still all "unchanged".
    again = summary_rows(run_ok(db, "import", *paths).stdout)
    assert [again[p.name]["unchanged"] for p in paths] == [3, 3, 4]


def big_visits_file(tmp_path: Path, rows: int = 120_000) -> Path:
    """A long visits file for the base cars (work orders RB0000000...)."""
    big = tmp_path / "big_visits.csv"
    with big.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(VISIT_COLUMNS) + "\n")
        for i in range(rows):
            fh.write(f"RB{i:07d},{(V1, V2, V3)[i % 3]},2026-{1 + i % 10:02d}-{1 + i % 28:02d},{i},repair,100,王强\n")
    return big


def journal_mode(db: Path) -> str:
    """The database file's journal mode as a new connection finds it (WAL is kept in the file's header)."""
    import sqlite3

    with closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


@contextmanager
def pragma_at_index_builds(pragma: str) -> Iterator[list[tuple[str, Any]]]:
    """(index name, `PRAGMA pragma` on the building connection) of every CREATE [UNIQUE] INDEX run in
    this process while inside: what SQLite was set to when the import built its indexes."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[tuple[str, Any]] = []

    def creating(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
            name = statement.split(" ON ")[0].split()[-1]
            seen.append((name, conn.connection.driver_connection.execute(f"PRAGMA {pragma}").fetchone()[0]))

    event.listen(Engine, "before_cursor_execute", creating)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", creating)


@pytest.mark.sqlite_only("the SQLite journal")
def test_a_first_import_writes_in_place_under_a_rollback_journal_and_the_wal_comes_back(
    db: Path, files: Files
) -> None:
    """Into empty tables the pages are written in place (no WAL to checkpoint at the commit); an import
    into a database holding rows goes through the WAL so readers keep reading while it writes."""
    customers, vehicles, visits = base_rows()
    with pragma_at_index_builds("journal_mode") as built:
        run_ok(db, "import", files.customers(customers), files.vehicles(vehicles))
    first = {mode for _, mode in built}
    assert journal_mode(db) == "wal"
    with pragma_at_index_builds("journal_mode") as built:
        run_ok(db, "import", files.visits(visits))  # the visits table was empty, the others not
    second = {mode for _, mode in built}
    assert (first, second) == ({"delete"}, {"wal"})
    assert journal_mode(db) == "wal"
    assert db_counts(db) == {"customer": 3, "vehicle": 3, "visit": 4, "odometerreading": 1}


@pytest.mark.sqlite_only("waits for the SQLite rollback journal before stopping the import")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_a_first_import_stopped_midway_leaves_the_database_empty_and_healthy(
    db: Path, files: Files, tmp_path: Path, sig: signal.Signals
) -> None:
    customers, vehicles, _ = base_rows()
    paths = [files.customers(customers), files.vehicles(vehicles), big_visits_file(tmp_path)]
    journal, empty_size = Path(f"{db}-journal"), db.stat().st_size
    # The import writes pages in place once its cache spills, past the empty file's end; the journal holds
    # the empty file's pages it changed.
    stop_import_midway(db, paths, sig, lambda: journal.exists() and db.stat().st_size > empty_size + 500_000)
    run_ok(db, "db", "status")  # the next command rolls a killed import's journal back
    assert db_counts(db) == {"customer": 0, "vehicle": 0, "visit": 0, "odometerreading": 0}
    assert sql_rows(db, "PRAGMA integrity_check") == [("ok",)]
    run_ok(db, "import", *write_base(files))
    assert db_counts(db) == {"customer": 3, "vehicle": 3, "visit": 4, "odometerreading": 1}
    assert journal_mode(db) == "wal"
    assert index_names(db) == declared_indexes()


@pytest.mark.parametrize("orphan", [False, True])
def test_a_first_load_checks_its_rows_links_once_before_the_commit(db: Path, orphan: bool) -> None:
    """Into empty tables SQLite does not check each row's links as it lands (a million cars naming their
    owners in no order: 2.2 s); check_links() checks them all at once, and the row-by-row checks come back."""
    if not str(db).endswith(".db"):
        pytest.skip("SQLite's foreign-key checks")
    from lifecycle_cli.store.bulkload import LinksBroken, first_load
    from lifecycle_cli.store.db import open_database
    from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES

    _, engine = open_database(str(db), create=True)
    try:
        with engine.connect() as conn:
            sqlite = conn.connection.driver_connection
            with first_load(conn) as loading:
                assert sqlite.execute("PRAGMA foreign_keys").fetchone()[0] == 0
                trans = conn.begin()
                if not orphan:
                    conn.execute(CUSTOMERS.insert().values(id=7, customer_id="C007", name="张伟"))
                conn.execute(VEHICLES.insert().values(id=1, customer_pk=7, vin=V1, delivery_date=date(2025, 1, 1)))
                if orphan:
                    with pytest.raises(LinksBroken, match="vehicle 第 1 行指向的 customer"):
                        loading.check_links()
                else:
                    loading.check_links()
                trans.rollback()
            assert sqlite.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("orphan", [False, True])
def test_a_postgresql_first_load_adds_its_tables_links_back_checked_at_once(db: Path | str, orphan: bool) -> None:
    """On PostgreSQL the foreign keys of the empty tables a load fills are dropped while the rows land (a
    trigger's lookup per row: 4.5 s for a million cars' owners) and added back at the end with the same
    definitions; a row whose link does not hold then fails the import (LinksBroken), nothing lands."""
    if str(db).endswith(".db"):
        pytest.skip("PostgreSQL's foreign keys")
    from sqlalchemy import text

    from lifecycle_cli.store.bulkload import LinksBroken, indexes_deferred
    from lifecycle_cli.store.db import open_database
    from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES

    def links(conn: Any) -> list[tuple[str, str, str]]:
        return [tuple(r) for r in conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text IN ('customer', 'vehicle', 'visit') ORDER BY 1, 2"))]

    _, engine = open_database(str(db), create=True)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            before = links(conn)
            assert ("vehicle", "vehicle_customer_pk_fkey", "FOREIGN KEY (customer_pk) REFERENCES customer(id)") in before
            refused = pytest.raises(LinksBroken, match="vehicle 的关联不存在（vehicle_customer_pk_fkey")
            with refused if orphan else nullcontext(), indexes_deferred(conn, {"customer": 1, "vehicle": 1, "visit": 1}):
                assert links(conn) == []
                if not orphan:
                    conn.execute(CUSTOMERS.insert().values(id=7, customer_id="C007", name="张伟"))
                conn.execute(VEHICLES.insert().values(id=1, customer_pk=7, vin=V1, delivery_date=date(2025, 1, 1)))
            if not orphan:
                assert links(conn) == before
            trans.rollback()
            assert links(conn) == before
    finally:
        engine.dispose()


def test_a_connection_closed_inside_the_first_load_settings_ends_them_quietly(db: Path) -> None:
    """A Ctrl-C inside a statement makes SQLAlchemy close the connection (invalidate): the import's settings
    have nothing left to give back, and the interruption is said as one (exit 130), not as an internal
    error from giving them back (sqlite3.ProgrammingError: a closed database; the Ctrl-C test met it)."""
    if not str(db).endswith(".db"):
        pytest.skip("SQLite's settings")
    from lifecycle_cli.store.bulkload import first_load, sorting_on_disk
    from lifecycle_cli.store.db import open_database

    _, engine = open_database(str(db), create=True)
    try:
        with engine.connect() as conn, pytest.raises(KeyboardInterrupt), sorting_on_disk(conn), first_load(conn):
            conn.begin()
            conn.invalidate()  # what SQLAlchemy does to a connection a Ctrl-C interrupted mid-statement
            raise KeyboardInterrupt
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- indexes of a big load

def index_names(db: Path | str) -> set[str]:
    """The indexes the customer, vehicle and visit tables carry in the database."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    try:
        inspector = inspect(engine)
        return {str(ix["name"]) for t in ("customer", "vehicle", "visit") for ix in inspector.get_indexes(t)}
    finally:
        engine.dispose()


def links_of(db: Path | str) -> set[tuple[str, str, str]]:
    """(table, column, the table it names) of the foreign keys the customer, vehicle and visit tables hold."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    try:
        inspector = inspect(engine)
        return {(t, column, fk["referred_table"]) for t in ("customer", "vehicle", "visit")
                for fk in inspector.get_foreign_keys(t) for column in fk["constrained_columns"]}
    finally:
        engine.dispose()


def declared_links() -> set[tuple[str, str, str]]:
    from lifecycle_cli.store.bulkload import BULK_TABLES

    return {(table.name, fk.parent.name, fk.column.table.name) for table in BULK_TABLES for fk in table.foreign_keys}


def declared_indexes() -> set[str]:
    from lifecycle_cli.store.bulkload import BULK_TABLES

    return {str(ix.name) for table in BULK_TABLES for ix in table.indexes}


def test_a_first_import_defers_the_read_indexes_and_ends_with_every_one(db: Path, files: Files) -> None:
    from lifecycle_cli.store.bulkload import IMPORT_LOOKUPS, deferrable
    from lifecycle_cli.store.tables import VEHICLES

    # What is deferred: the vehicle's report / call-list indexes; never what the import looks rows up by.
    names = {str(ix.name) for ix in deferrable(VEHICLES)}
    assert "ix_vehicle_service_due" in names and "ix_vehicle_warranty_end" in names
    assert not names & IMPORT_LOOKUPS and not any(ix.unique for ix in deferrable(VEHICLES))
    run_ok(db, "import", *write_base(files))
    assert index_names(db) == declared_indexes()
    assert links_of(db) == declared_links() != set()  # PostgreSQL dropped the links of the tables it filled
    assert db_counts(db) == {"customer": 3, "vehicle": 3, "visit": 4, "odometerreading": 1}


def test_deferred_indexes_come_back_when_the_import_fails(db: Path) -> None:
    """The DROPs belong to the import's transaction (the sqlite3 driver would run them on their own)."""
    from lifecycle_cli.store.bulkload import indexes_deferred
    from lifecycle_cli.store.db import open_database

    _, engine = open_database(str(db), create=True)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            with pytest.raises(RuntimeError), indexes_deferred(conn, {"customer": 10, "vehicle": 10}) as dropped:
                assert "ix_customer_store" in dropped and "ix_vehicle_service_due" in dropped
                assert "ix_visit_visit_date" not in dropped  # no visits file: the table is left alone
                raise RuntimeError("a row the import cannot take")
            trans.rollback()
    finally:
        engine.dispose()
    assert index_names(db) == declared_indexes()


def test_sqlite_builds_an_imports_indexes_sorting_on_disk(db: Path, files: Files) -> None:
    """In-memory temporary storage made SQLite's index sort read its runs back slowly (1M: 18 s against
    9 s): every CREATE INDEX of an import (the lookups after each first file, the deferred ones at the end)
    sorts spilling to files; the connection's in-memory setting comes back after."""
    if not str(db).endswith(".db"):
        pytest.skip("SQLite's temporary storage")
    with pragma_at_index_builds("temp_store") as seen:
        run_ok(db, "import", *write_base(files))
    assert {name for name, _ in seen} >= {"ix_customer_customer_id", "ix_vehicle_vin", "ix_visit_ro_number",
                                          "ix_vehicle_service_due", "ix_visit_visit_date"}
    assert {store for _, store in seen} == {1}, seen  # 1: FILE


def test_sqlite_sorts_an_imports_indexes_with_helper_threads(db: Path, files: Files) -> None:
    """The index builds' sorter may use SORT_THREADS threads (1M: 10.0 s with none, 7.0 s with 4)."""
    if not str(db).endswith(".db"):
        pytest.skip("SQLite's sorter")
    from lifecycle_cli.store.bulkload import SORT_THREADS

    with pragma_at_index_builds("threads") as seen:
        run_ok(db, "import", *write_base(files))
    assert {"ix_customer_customer_id", "ix_vehicle_service_due"} <= {name for name, _ in seen}
    assert {threads for _, threads in seen} == {SORT_THREADS}, seen


@pytest.mark.parametrize("temp_table", [False, True])
def test_sorting_on_disk_comes_back_and_leaves_a_connection_holding_temporary_tables_alone(
    db: Path, temp_table: bool
) -> None:
    """Outside a transaction the switch is always allowed; inside one SQLite refuses it once the connection
    opened its temporary database (here a temporary table): then nothing changes."""
    from lifecycle_cli.store.bulkload import SORT_THREADS, sorting_on_disk
    from lifecycle_cli.store.db import open_database

    _, engine = open_database(str(db), create=True)
    if engine.dialect.name != "sqlite":
        engine.dispose()
        pytest.skip("SQLite's temporary storage")
    try:
        with engine.connect() as conn:
            def temp_store() -> int:
                return int(conn.connection.driver_connection.execute("PRAGMA temp_store").fetchone()[0])

            if temp_table:
                conn.exec_driver_sql("CREATE TEMPORARY TABLE held (a)")
                conn.exec_driver_sql("INSERT INTO held VALUES (1)")  # the driver's transaction is open
            def threads() -> int:
                return int(conn.connection.driver_connection.execute("PRAGMA threads").fetchone()[0])

            with sorting_on_disk(conn):
                inside = (temp_store(), threads())
            assert inside == ((2, 0) if temp_table else (1, SORT_THREADS))  # 1 FILE, 2 MEMORY
            assert (temp_store(), threads()) == (2, 0)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("stored", "incoming", "sqlite", "postgresql"),
    [
        (0, 0, False, False),  # nothing comes: nothing to defer
        (0, 1, True, True),  # a first import
        (3, 3, True, False),  # doubles the table: SQLite defers, PostgreSQL only for an empty table
        (3, 2, False, False),  # an incremental import keeps the indexes up to date row by row
    ],
)
def test_indexes_are_deferred_only_for_a_load_that_at_least_doubles_the_table(
    db: Path, files: Files, stored: int, incoming: int, sqlite: bool, postgresql: bool
) -> None:
    from lifecycle_cli.store.bulkload import worth_deferring
    from lifecycle_cli.store.db import open_database
    from lifecycle_cli.store.tables import CUSTOMERS

    customers = [customer(f"C{i:03d}", f"客户{i}", i) for i in range(1, stored + 1)]
    if customers:
        run_ok(db, "import", files.customers(customers))
    _, engine = open_database(str(db), create=True)
    try:
        with engine.connect() as conn:
            expected = sqlite if conn.dialect.name == "sqlite" else postgresql
            assert worth_deferring(conn, CUSTOMERS, incoming) is expected
    finally:
        engine.dispose()


def test_a_first_import_leaves_the_postgresql_planner_statistics_of_what_it_loaded(db: Path, files: Files) -> None:
    """PostgreSQL plans by statistics that autovacuum gathers a minute or more after a load: a first import
    ANALYZEs what it filled in bulk (at 1M the first report ran 213 s before, 10 s with them)."""
    if isinstance(db, Path):
        pytest.skip("PostgreSQL's planner statistics")
    never = sql_rows(db, "select relname from pg_class where relname in ('customer', 'vehicle', 'visit', "
                         "'odometerreading') and reltuples < 0")
    assert sorted(name for (name,) in never) == ["customer", "odometerreading", "vehicle", "visit"]
    run_ok(db, "import", *write_base(files))
    assert sql_rows(db, "select relname, reltuples from pg_class where relname in ('customer', 'vehicle', 'visit', "
                        "'odometerreading') order by relname") == [
        ("customer", 3), ("odometerreading", 1), ("vehicle", 3), ("visit", 4)]


def repeated_key_files(files: Files) -> list[Path]:
    """Files naming a customer, a car and a work order twice, the repeats in later batches of two rows;
    a visit without a work-order number, and a second vehicles file naming a car of the first."""
    customers = [customer("C001", "张伟", 1), customer("C002", "李静", 2), customer("C003", "王芳", 3),
                 customer("C001", "张伟伟", 1, birthday="1985-03-12"), customer("C004", "赵磊", 4)]
    cars = [vehicle(V1, "C001", "2024-03-15", plate="粤A12345"), vehicle(V2, "C002", "2025-06-01"),
            vehicle(V3, "C009", "2026-01-10"),  # no such owner: rejected
            vehicle(V1, "C004", "2024-03-15", plate="粤A54321", km="12000", km_date="2025-03-01"),
            vehicle(V3, "C003", "2026-01-10")]  # the rejected line's car, now with an owner
    more_cars = [vehicle(V4, "C004", "2026-10-01"), vehicle(V2, "C002", "2025-06-01", plate="粤B23456")]
    visits = [visit("RO001", V1, "2024-06-20", 3800), visit("RO002", V1, "2025-01-05", 9100, "repair"),
              visit("", V3, "2026-04-01", 3000), visit("RO001", V1, "2024-06-21", 3900),
              visit("", V3, "2026-04-01", 3000, amount="320.00"), visit("RO003", V2, "2025-09-01", 4200)]
    return [files.customers(customers), files.vehicles(cars), files.vehicles(more_cars, name="more_cars.csv"),
            files.visits(visits)]


def stored_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The imported rows by their natural keys (no ids), to compare two databases."""
    return {
        "customer": sql_rows(db, "select customer_id, name, birthday, phone from customer order by customer_id"),
        "vehicle": sql_rows(db, "select v.vin, c.customer_id, v.plate, v.mileage_km, v.service_due from vehicle v "
                                "join customer c on c.id = v.customer_pk order by v.vin"),
        "visit": sql_rows(db, "select x.ro_number, v.vin, x.visit_date, x.mileage_km, x.amount from visit x "
                              "join vehicle v on v.id = x.vehicle_pk order by v.vin, x.visit_date, x.ro_number"),
        "reading": sql_rows(db, "select v.vin, r.reading_date, r.km from odometerreading r "
                                "join vehicle v on v.id = r.vehicle_pk order by v.vin"),
    }


def test_a_first_import_lands_repeated_keys_as_an_import_into_a_filled_database_does(
    db: Path, files: Files, new_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into empty tables a key named for the first time is new without a look and the lookup indexes are
    built after each file (store/bulkload.lookups_built_after); a key named again, in a later batch, in
    the second vehicles file, or a visit without a number reads through an index built for it then."""
    monkeypatch.setattr("lifecycle_cli.ingest.pipeline.BATCH_ROWS", 2)
    paths = repeated_key_files(files)
    first = run(db, "import", *paths)
    assert first.exit_code == 1, first.stdout  # the car without an owner
    filled = new_db("filled.db")
    other = files.customers([customer("C900", "钱多", 9)], name="c900.csv")
    run_ok(filled, "import", other, files.vehicles([vehicle(make_vin(90), "C900", "2023-01-01")], name="v900.csv"),
           files.visits([visit("RO900", make_vin(90), "2023-06-01", 5000)], name="x900.csv"))
    again = run(filled, "import", *paths)
    assert again.exit_code == 1
    assert summary_rows(first.stdout) == summary_rows(again.stdout)
    assert "与第 2 行重复（C001）" in first.stderr and "与第 2 行重复（RO001）" in first.stderr, first.stderr
    mine, theirs = stored_rows(db), stored_rows(filled)
    for table in ("customer", "vehicle", "visit", "reading"):
        assert mine[table] == [r for r in theirs[table] if "C900" not in r and make_vin(90) not in r
                               and "RO900" not in r], table
    assert mine["customer"][0][:3] == ("C001", "张伟伟", "1985-03-12")
    assert mine["vehicle"][0][:3] == (V1, "C004", "粤A54321")
    assert len(mine["visit"]) == 4  # RO001 once (the later line), RO002, RO003, V3's visit once
    assert index_names(db) == declared_indexes()


def test_new_rows_are_numbered_after_the_stored_ones_and_linked_by_those_numbers(db: Path, files: Files) -> None:
    """SQLite numbers new rows itself (no id lookup after the insert): the links must still be right."""
    run_ok(db, "import", *write_base(files))
    more = [customer("C004", "赵磊", 4), customer("C001", "张伟", 1, birthday="1985-03-12")]
    cars = [vehicle(V4, "C004", "2026-10-01"), vehicle(V1, "C001", "2025-06-01", km="8000")]
    run_ok(db, "import", files.customers(more, name="more.csv"), files.vehicles(cars, name="more_cars.csv"))
    ids = sql_rows(db, "select id from customer order by id")
    assert [i for (i,) in ids] == [1, 2, 3, 4]
    owners = dict(sql_rows(db, "select v.vin, c.customer_id from vehicle v join customer c on c.id = v.customer_pk"))
    assert owners == {V1: "C001", V2: "C002", V3: "C003", V4: "C004"}
    vins_of_visits = {vin for (vin,) in sql_rows(db, "select v.vin from visit x join vehicle v on v.id = x.vehicle_pk")}
    assert vins_of_visits <= {V1, V2, V3}


def test_a_work_order_moved_to_another_car_refreshes_both_cars(db: Path, files: Files) -> None:
    # RO003 was keyed to V2 by mistake; the corrected export names V1. V2 has no maintenance left
    # (its stored state must say so), V1 gains that visit.
    paths = write_base(files)
    run_ok(db, "import", *paths)
    assert sql_rows(db, f"select last_maintenance_date, has_maintenance from vehicle where vin = '{V2}'") == [
        ("2025-09-01", 1)]
    _, _, visits = base_rows()
    moved = [{**v, "vin": V1} if v["ro_number"] == "RO003" else v for v in visits]

    run_ok(db, "import", files.visits(moved, name="visits_fixed.csv"))

    assert sql_rows(db, f"select last_maintenance_date, has_maintenance from vehicle where vin = '{V2}'") == [
        (None, 0)]
    assert sql_rows(db, f"select last_maintenance_date from vehicle where vin = '{V1}'") == [("2025-09-01",)]
