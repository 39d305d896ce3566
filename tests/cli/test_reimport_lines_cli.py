"""A re-import reads a CSV file's lines as text and cuts only the ones it must parse
(readers/csv_file.py CsvLines), and asks the database for the landed rows' keys in one statement
(store/digests.py): what the import says and does is the same as when every line is parsed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import STORE, Files, make_vin, phone, run, sql_rows, summary_rows, vehicle, visit

from lifecycle_cli.ingest.kinds.customers import Customers
from lifecycle_cli.ingest.kinds.visits import Visits

V1, V2 = make_vin(1), make_vin(2)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lines each import parsed (customers and visits), by line number."""
    lines: list[int] = []
    for kind in (Customers, Visits):
        def counting(self: Any, p: Any, row: Any, report: Any, _parse: Any = kind.parse) -> Any:
            lines.append(row.line)
            return _parse(self, p, row, report)
        monkeypatch.setattr(kind, "parse", counting)
    return lines


def test_quoted_records_blank_and_hint_lines_and_wide_lines_read_the_same_on_every_import(
        db: Path, tmp_path: Path, parsed: list[int]) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,name,phone,birthday,do_not_contact,store\r\n"
        "必填,选填,必填,选填,选填,选填\r\n"  # 2: the template's hint row
        "\r\n"  # 3: blank
        f'C001,"张伟",{phone(1)},,0,"{STORE}"\r\n'  # 4: quoted cells
        f'C002,李静,{phone(2)},,0,"广州\r\n天河店"\r\n'  # 5-6: a record over two lines
        " ,, ,,,\r\n"  # 7: blank cells
        f"C003,王芳,{phone(3)},,0,{STORE},多余\r\n"  # 8: a field beyond the header's
        f"C004,赵敏,{phone(4)},,0,{STORE},,,\r\n"  # 9: empty fields beyond it (not extra)
        f'C005,"孙,丽",{phone(5)},,0,{STORE}\r\n'  # 10: the delimiter inside quotes
        f"C002,李静,{phone(2)},,0,{STORE}\r\n",  # 11: the same customer as lines 5-6
        encoding="utf-8", newline="")
    first = run(db, "import", path)
    assert first.exit_code == 0, first.stderr
    wide = "customers.csv:8: 本行有 1 个多余字段（表头只有 6 列），已忽略"
    duplicate = "customers.csv:11: 与第 5 行重复（C002），以后出现的这一行为准"
    assert wide in first.stderr and duplicate in first.stderr
    assert summary_rows(first.stdout)["customers.csv"]["read"] == 6
    stored = sql_rows(db, "select customer_id, name, store from customer order by customer_id")
    assert stored == [("C001", "张伟", STORE), ("C002", "李静", STORE), ("C003", "王芳", STORE),
                      ("C004", "赵敏", STORE), ("C005", "孙,丽", STORE)]
    for _ in range(2):
        parsed.clear()
        again = run(db, "import", path)
        assert (again.exit_code, again.stderr) == (0, first.stderr)
        # the warned lines are read again; 5-6 because its row holds line 11's digest, line 11 because it was warned
        assert parsed == [5, 8, 11]
        summary = summary_rows(again.stdout)["customers.csv"]
        assert (summary["read"], summary["unchanged"], summary["warnings"]) == (6, 4, 2)
        assert sql_rows(db, "select customer_id, name, store from customer order by customer_id") == stored


@pytest.mark.parametrize("car", ["vin", "plate"])
def test_a_landed_work_order_without_a_number_is_skipped_by_its_key_as_the_file_names_the_car(
        db: Path, files: Files, parsed: list[int], car: str) -> None:
    """The key the database gives a skipped line (store/digests.py) is the one the parser makes: a
    later line with the same car, day and km is the duplicate of the skipped one."""
    customers = files.customers([{"customer_id": "C001", "name": "张伟", "phone": phone(1), "store": STORE}])
    vehicles = files.vehicles([vehicle(V1, "C001", "2024-03-15", plate="粤A12345"),
                               vehicle(V2, "C001", "2024-05-01", plate="粤B23456")])
    columns = (car, "visit_date", "mileage_km", "kind", "amount")

    def row(vin: str, plate: str, km: int, amount: str) -> dict[str, Any]:
        record = {**visit("", vin, "2024-06-20", km, amount=amount), "plate": plate}
        return {k: v for k, v in record.items() if k in columns}

    one = [row(V1, "粤A12345", 3800, "300.00"), row(V2, "粤B23456", 4100, "200.00")]
    assert run(db, "import", customers, vehicles, files.visits(one, columns=columns)).exit_code == 0
    parsed.clear()
    result = run(db, "import", files.visits([*one, row(V1, "粤A12345", 3800, "450.00")], columns=columns))
    name = V1 if car == "vin" else "粤A12345"
    assert f"visits.csv:4: 与第 2 行重复（{name}|2024-06-20|3800），以后出现的这一行为准" in result.stderr
    assert parsed == [4]
    summary = summary_rows(result.stdout)["visits.csv"]
    assert (summary["read"], summary["unchanged"], summary["updated"]) == (3, 2, 1)
    assert sql_rows(db, "select amount from visit order by mileage_km") == [(450.0,), (200.0,)]
