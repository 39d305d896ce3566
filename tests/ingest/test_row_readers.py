"""The row readers bound once per file (RowParser.reader, issue 21) answer exactly as RowParser.value:
the same value or the same RowError (column as headed, reason) for every kind of cell, a column the
file lacks, a short row; and what a kind remembers per file or per cell is what it would compute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import ImportContext
from lifecycle_cli.ingest.kinds.visits import Visits
from lifecycle_cli.ingest.messages import MessageLog
from lifecycle_cli.ingest.parsing import RowError, RowParser, parse_plate
from lifecycle_cli.ingest.readers import open_table
from lifecycle_cli.ingest.readers.rows import make_row
from lifecycle_cli.ingest.report import ImportOptions
from lifecycle_cli.ingest.table import HeaderMap, Row, Table
from lifecycle_cli.ingest.values.words import parse_visit_kind

HEADER = ["车架号", "日期", "里程", "金额", "姓名", "免打扰", "车牌"]
COLUMNS = {"vin": 0, "visit_date": 1, "mileage_km": 2, "amount": 3, "name": 4, "do_not_contact": 5, "plate": 6}
PARSERS: list[tuple[str, Callable[[object], Any]]] = [
    ("vin", V.parse_vin), ("vin", V.tidy_vin), ("visit_date", V.parse_date), ("mileage_km", V.parse_km),
    ("amount", V.parse_amount), ("name", V.parse_text), ("do_not_contact", V.parse_bool), ("plate", parse_plate),
    ("store", V.parse_text),  # a column the file lacks
]
ROWS = [
    ["LVRHDA3K9MZ000000", "2026-02-03", "12345", "554.64", "王振", "0", "粤B 12345"],
    ["", "", "", "", "", "", ""],
    ["  ", " ", "\u3000", " ", "\u200b", " ", " "],
    ["LVRHDA3K9MZ00000O", "2026-02-30", "-5", "1e3", " 王振 ", "maybe", "粤·B12345"],
    [None, None, None, None, None, None, None],
    ["lvrhda3k9mz000000", dt.date(2026, 2, 3), 12345.0, 12.5, 3.0, 1, 12],
    ["LVRHDA3K9MZ000000"],  # a short row (not from a reader: they pad rows to the header's width)
]


def _outcome(call: Callable[..., Any], *args: Any, **kwargs: Any) -> object:
    try:
        return ("value", call(*args, **kwargs))
    except RowError as exc:
        return ("RowError", exc.column, exc.reason)


@pytest.mark.parametrize("required", [False, True])
@pytest.mark.parametrize(("column", "parse"), PARSERS)
def test_a_bound_reader_is_value(column: str, parse: Callable[[object], Any], required: bool) -> None:
    table = Table(path=Path("x.csv"), encoding="utf-8", delimiter=",", header=HEADER, header_line=1, rows=iter(()))
    p = RowParser(table, HeaderMap(kind="visits", columns=COLUMNS), labels={"store": "门店"})
    read = p.reader(column, parse, required=required)
    for number, cells in enumerate(ROWS, start=2):
        row = Row(line=number, cells=list(cells), raw=[str(c) for c in cells])
        assert _outcome(read, row) == _outcome(p.value, row, column, parse, required=required), cells


def test_a_bound_date_reader_uses_the_date_format() -> None:
    table = Table(path=Path("x.csv"), encoding="utf-8", delimiter=",", header=HEADER, header_line=1, rows=iter(()))
    p = RowParser(table, HeaderMap(kind="visits", columns=COLUMNS), date_format="%m/%d/%Y")
    read = p.date_reader("visit_date", required=True)
    assert read(Row(line=2, cells=["", "02/03/2026"], raw=[])) == dt.date(2026, 2, 3)
    assert _outcome(read, Row(line=2, cells=["", "2026-02-03"], raw=[])) == (
        "RowError", "日期", '无法识别的日期 "2026-02-03"（应为 %m/%d/%Y 格式）')


def test_the_plan_is_made_once_per_parser() -> None:
    table = Table(path=Path("x.csv"), encoding="utf-8", delimiter=",", header=HEADER, header_line=1, rows=iter(()))
    p = RowParser(table, HeaderMap(kind="visits", columns=COLUMNS))
    made: list[int] = []
    assert p.plan("k", lambda: made.append(1) or len(made)) == 1
    assert p.plan("k", lambda: made.append(1) or len(made)) == 1
    assert p.plan("other", lambda: made.append(1) or len(made)) == 2


@pytest.mark.parametrize("value", ["保养", " 保养 ", "首保索赔", "MAINTENANCE", "Repair", "钣喷", "洗车", "", "\u3000", None, 3.0])
def test_the_visit_kind_of_a_cell_is_remembered_as_parse_visit_kind_answers(value: object) -> None:
    rules = load_rules()
    visits = Visits(ImportContext(rules, ImportOptions(today=dt.date(2026, 11, 23)), MessageLog()))
    text = V.parse_text(value)
    expected = None if text is None else parse_visit_kind(text, rules.visit_kinds.order)
    assert visits._kind_of_text(value) == expected
    assert visits._kind_of_text(value) == expected  # remembered


def test_a_csv_line_becomes_the_row_make_row_makes(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("vin,customer_id,delivery_date\nA,C1,2024-01-01\nB,C2\nC,,\n\"D\",C4,2024-01-04\nE,C5,x,,\n",
                    encoding="utf-8")
    table = open_table(path, encoding=None, sheet=None, kind=None, max_unpacked_bytes=10**6)
    lines = table.lines()
    records = list(lines)
    rows = [lines.row(record) for record in records]
    table.close()
    expected = [make_row(line, text.split(",") if cells is None else cells, 3, "") for line, text, cells in records]
    assert rows == expected
    assert [(r.line, r.cells, r.raw, r.extra) for r in rows] == [
        (2, ["A", "C1", "2024-01-01"], ["A", "C1", "2024-01-01"], 0),
        (3, ["B", "C2", ""], ["B", "C2", ""], 0),
        (4, ["C", "", ""], ["C", "", ""], 0),
        (5, ["D", "C4", "2024-01-04"], ["D", "C4", "2024-01-04"], 0),
        (6, ["E", "C5", "x"], ["E", "C5", "x"], 0),
    ]
