"""Reading one row of a mapped file: `RowParser` gives the parsed cell of a canonical column (a bad
or missing required value raises `RowError` naming the column as the file heads it)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.table import HeaderMap, Row, Table

__all__ = ["Parser", "RowError", "RowParser", "parse_plate", "put"]

Parser = Callable[[object], Any]


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
