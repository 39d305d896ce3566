"""Reading one row of a mapped file: `RowParser` gives the parsed cell of a canonical column (a bad
or missing required value raises `RowError` naming the column as the file heads it)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.table import HeaderMap, Row, Table
from lifecycle_cli.ingest.values.cells import clean_str

__all__ = ["Parser", "RowError", "RowParser", "parse_plate", "put", "put_read"]

Parser = Callable[[object], Any]
_T = TypeVar("_T")
_Day = date  # inside RowParser, `date` names its method


class RowError(Exception):
    """A row that cannot land: the column (as headed in the file) and the reason."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


class RowParser:
    """Turns one raw row of a mapped file into canonical values.

    `labels` name the columns a file may lack (客户编号 for customer_id) in messages about them.
    """

    def __init__(self, table: Table, header_map: HeaderMap, *, date_format: str | None = None,
                 labels: Mapping[str, str] | None = None) -> None:
        self.table = table
        self.map = header_map
        self.labels = labels or {}
        self.parse_date: Parser = (V.parse_date if date_format is None
                                   else functools.partial(V.parse_date, date_format=date_format))
        self._plans: dict[str, Any] = {}

    def header_of(self, column: str) -> str:
        """The header text the file uses for a canonical column."""
        index = self.map.columns.get(column)
        if index is None or index >= len(self.table.header):
            return self.labels.get(column, column)
        return self.table.header[index]

    def cell(self, row: Row, column: str) -> object:
        """The raw cell of a canonical column (None when the file has no such column)."""
        index = self.map.columns.get(column)
        if index is None or index >= len(row.cells):
            return None
        return row.cells[index]

    def has(self, column: str) -> bool:
        """Whether the file carries this column."""
        return column in self.map.columns

    def value(self, row: Row, column: str, parse: Parser, *, required: bool = False) -> Any:
        """Parse one cell; a bad or missing required value raises RowError naming the column."""
        index = self.map.columns.get(column)
        try:
            result = parse(row.cells[index] if index is not None and index < len(row.cells) else None)
        except V.BadValue as exc:
            raise RowError(self.header_of(column), str(exc)) from None
        if required and result is None:
            raise RowError(self.header_of(column), "必填项为空")
        return result

    def date(self, row: Row, column: str, *, required: bool = False) -> date | None:
        """Parse a date cell with the import's --date-format, if any."""
        value: date | None = self.value(row, column, self.parse_date, required=required)
        return value

    def reader(self, column: str, parse: Parser, *, required: bool = False) -> Callable[[Row], Any]:
        """`value(row, column, parse, required=)` bound once per file: the column's index and header
        are looked up here, not for every row (the same values and the same RowError). `parse` is a
        cell parser (pure): an empty text cell gets what it gave for "" when bound."""
        index = self.map.columns.get(column)
        header = self.header_of(column)
        if index is None:
            index = -1  # no such column: every row's cell is None
        if parse is V.parse_text:
            return _text_reader(index, header if required else None)
        if parse is V.parse_date:
            return _date_reader(index, header, required)
        return _general_reader(index, header, parse, required)

    def date_reader(self, column: str, *, required: bool = False) -> Callable[[Row], _Day | None]:
        """`date(row, column, required=)` bound once per file."""
        return self.reader(column, self.parse_date, required=required)

    def plan(self, key: str, build: Callable[[], _T]) -> _T:
        """What `build` makes for this file, made on the first call with `key` (a kind's row parse with
        its columns' readers bound once per file)."""
        try:
            made: _T = self._plans[key]
        except KeyError:
            made = self._plans[key] = build()
        return made


def _text_reader(index: int, required: str | None) -> Callable[[Row], str | None]:
    """The reader of a text column (V.parse_text, inlined for a text cell); `required`: the header
    of a column that must have a value."""
    parse_text, clean = V.parse_text, clean_str

    def read(row: Row) -> str | None:
        cells = row.cells
        cell = cells[index] if 0 <= index < len(cells) else None
        # what parse_text gives for text
        value = (clean(cell) or None) if type(cell) is str else parse_text(cell)
        if value is None and required is not None:
            raise RowError(required, "必填项为空")
        return value

    return read


def _general_reader(index: int, header: str, parse: Parser, required: bool) -> Callable[[Row], Any]:
    """RowParser.reader's reader for any pure cell parser (an empty text cell: what it gave for "")."""
    try:
        blank_none = parse("") is None
    except V.BadValue:
        blank_none = False

    def read(row: Row) -> Any:
        cells = row.cells
        cell = cells[index] if 0 <= index < len(cells) else None
        if blank_none and cell == "":
            result = None
        else:
            try:
                result = parse(cell)
            except V.BadValue as exc:
                raise RowError(header, str(exc)) from None
        if result is None and required:
            raise RowError(header, "必填项为空")
        return result

    return read


def _date_reader(index: int, header: str, required: bool) -> Callable[[Row], date | None]:
    """The reader of a date column without --date-format: a canonical date met before is looked up,
    any other cell goes to the general reader."""
    known_date, general = V.known_date, _general_reader(index, header, V.parse_date, required)

    def read(row: Row) -> date | None:
        cells = row.cells
        cell = cells[index] if 0 <= index < len(cells) else None
        if type(cell) is str:
            day = known_date(cell)
            if day is not None:
                return day
        result: date | None = general(row)
        return result

    return read


def put_read(out: dict[str, Any], empty: dict[str, Any], row: Row,
             readers: Iterable[tuple[str, Callable[[Row], Any]]]) -> None:
    """`put` of each (column, reader)'s cell of the row, the default None (one call per row, not per cell)."""
    for column, read in readers:
        value = read(row)
        if value is None:
            empty[column] = None
        else:
            out[column] = value


def put(out: dict[str, Any], empty: dict[str, Any], column: str, value: Any, default: Any = None) -> None:
    """A parsed cell: a value the file holds goes to the row; an empty one only to its insert-only
    defaults (it never overwrites what is stored)."""
    if value is None:
        empty[column] = default
    else:
        out[column] = value


def parse_plate(value: object) -> str | None:
    """A licence plate without spaces or '·', upper-cased; blank -> None."""
    text = V.parse_text(value)
    return text.replace(" ", "").replace("·", "").upper() if text else None
