"""A call sheet coming back (`done --from`): the CSV / xlsx `due` wrote, filled in by the desk in
Excel or WPS. Not an import kind: its rows are attempts on stored tasks, not facts to land.

Read with the import's readers (`open_table`: encoding, GBK, xlsx, Excel's floats and dates) and
its value parsers; headers in Chinese or English, in any order, extra columns ignored. Each row
becomes a `SheetRow` or a `SheetProblem` naming its line and column; rows without a result are
skipped here (counted), so the caller only sees what the desk filled in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lifecycle_cli.core.outcomes import DESK_COLUMNS, SHEET_KEY_COLUMNS, result_code
from lifecycle_cli.ingest.readers import FileRefused, Row, open_table
from lifecycle_cli.ingest.values import BadValue, parse_date, parse_text
from lifecycle_cli.ingest.values.cells import is_blank

_COLUMNS = {**SHEET_KEY_COLUMNS, **DESK_COLUMNS}
# The key of a questionnaire's column: this prefix and the question.
QUESTION = "answer:"
_REQUIRED = ("task_id", "result")


@dataclass(frozen=True)
class SheetRow:
    """One filled-in row: what the desk reported on one task."""

    line: int
    task_id: int
    result: str
    customer_id: str | None = None
    list_date: date | None = None
    owner: str | None = None
    note: str | None = None
    booked_for: date | None = None
    score: int | None = None
    reason: str | None = None
    # The questionnaire's answers ([survey] questions: one column each), as (question, score).
    answers: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class SheetProblem:
    """A row that cannot be used: its line, the column's header as the file has it, the reason."""

    line: int
    column: str
    reason: str


@dataclass
class CallSheet:
    """A read call sheet: its filled rows, the rows refused, how many rows had no result."""

    path: Path
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    blank: int = 0


def _norm(text: str) -> str:
    return "".join(str(text).split()).casefold().lstrip("\ufeff")


_HEADER_WORDS = {_norm(w): key for key, name in _COLUMNS.items() for w in (key, name)}


def read_call_sheet(path: Path, questions: Sequence[str] = ()) -> CallSheet:
    """Read a call sheet; FileRefused (Chinese) when it is not one (no 任务号 / 结果 column). A column
    headed by a question of the questionnaire holds that question's score (1-5)."""
    sheet = CallSheet(path)
    asked = {_norm(q): f"{QUESTION}{q}" for q in questions}
    with open_table(path) as table:
        columns: dict[str, tuple[int, str]] = {}
        for index, header in enumerate(table.header):
            key = _HEADER_WORDS.get(_norm(header)) or asked.get(_norm(header))
            if key is not None and key not in columns:
                columns[key] = (index, str(header).strip())
        missing = [_COLUMNS[k] for k in _REQUIRED if k not in columns]
        if missing:
            raise FileRefused(f"{path}: 不是回访清单：缺少列 {'、'.join(missing)}"
                              "（请用 lifecycle due 导出的 CSV / xlsx）")
        for row in table.rows:
            _read_row(sheet, row, columns)
    return sheet


def _read_row(sheet: CallSheet, row: Row, columns: dict[str, tuple[int, str]]) -> None:
    def cell(key: str) -> object:
        found = columns.get(key)
        return row.cells[found[0]] if found is not None and found[0] < len(row.cells) else None

    if is_blank(cell("result")):
        sheet.blank += 1
        return
    values: dict[str, object] = {}
    answers: list[tuple[str, int]] = []
    for key in [*(k for k in _PARSERS if k in columns), *(k for k in columns if k.startswith(QUESTION))]:
        question = key.removeprefix(QUESTION) if key.startswith(QUESTION) else None
        try:
            if question is None:
                values[key] = _PARSERS[key](cell(key))
            elif (score := _whole_number(cell(key), question)) is not None:
                answers.append((question, score))
        except BadValue as exc:
            sheet.problems.append(SheetProblem(row.line, columns[key][1], str(exc)))
            return
    if values.get("task_id") is None:
        sheet.problems.append(SheetProblem(row.line, columns["task_id"][1], "缺少任务号"))
        return
    sheet.rows.append(SheetRow(
        line=row.line, task_id=values["task_id"], result=values["result"],  # type: ignore[arg-type]
        customer_id=values.get("customer_id"), list_date=values.get("day"),  # type: ignore[arg-type]
        owner=values.get("owner"), note=values.get("note"),  # type: ignore[arg-type]
        booked_for=values.get("booked_for"), score=values.get("score"),  # type: ignore[arg-type]
        reason=values.get("reason"), answers=tuple(answers),  # type: ignore[arg-type]
    ))


def _whole_number(value: object, what: str) -> int | None:
    """A whole number from a cell: 12, "12", 12.0 (Excel turned it into a float), "12.0"."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadValue(f"{what}应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise BadValue(f"{what}应为整数：{value:g}")
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise BadValue(f"{what}应为整数：{text[:40]}") from None
    if not number.is_integer() or "e" in text.lower():
        raise BadValue(f"{what}应为整数：{text[:40]}")
    return int(number)


def _result(value: object) -> str:
    word = parse_text(value) or ""
    code = result_code(word)
    if code is None:
        raise BadValue(f"无法识别的回访结果「{word[:40]}」（可填：接通、未接通、关机、停机、已预约、改约、拒绝、"
                       "号码错误、空号、非本人、车已卖、要求免打扰、已发送）")
    return code


_PARSERS: dict[str, Callable[[object], object]] = {
    "task_id": lambda v: _whole_number(v, "任务号"),
    "result": _result,
    "customer_id": parse_text,
    "day": parse_date,
    "owner": parse_text,
    "note": parse_text,
    "booked_for": parse_date,
    "score": lambda v: _whole_number(v, "满意度"),
    "reason": parse_text,
}
