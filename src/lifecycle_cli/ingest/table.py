"""The shapes an opened export comes in: a `Table` of `Row`s, how its header maps to a kind's
columns (`HeaderMap`), and `FileRefused` for a file that cannot be read. No reading happens here
(see readers/), so every part of the import can name these without importing the readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MAX_UNPACKED_BYTES", "FileRefused", "HeaderMap", "Lines", "Record", "Row", "Table", "UncutRow"]

# The most an .xlsx may unpack to (the sum of its parts' sizes as the zip declares them; zipfile
# never unpacks a part beyond its declared size). A zip bomb is refused before openpyxl sees it.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class FileRefused(Exception):
    """A whole file that cannot be read; str(exc) is the Chinese reason."""


@dataclass
class Row:
    """One data row: its line (as seen in an editor / the sheet row number), values and text.

    `extra` counts the fields beyond the header's width, up to the last non-empty one (a trailing
    comma is not one); they are dropped from `cells` / `raw`, so a row is never wider than its header.
    """

    line: int
    cells: list[object]
    raw: list[str]
    extra: int = 0


class UncutRow(Row):
    """The row of a record whose values were parsed elsewhere (ingest/parse_ahead.py): its line and
    `extra` now, its cells cut from the record only when they are wanted (a row rejected while landing,
    for its rejects file) — or now, when the record may be wider than the header."""

    def __init__(self, record: Record, lines: Lines) -> None:
        self.line = record[0]
        self._lines = lines
        self._record: Record | None = record
        if lines.plain(record):
            self.extra = 0
        else:  # cut now for its width: its cells kept
            row = lines.row(record)
            self.cells, self.raw, self.extra, self._record = row.cells, row.raw, row.extra, None

    def __getattr__(self, name: str) -> Any:
        """`cells` and `raw`, cut the first time one is asked for."""
        record = self.__dict__.get("_record")
        if record is None or name not in ("cells", "raw"):
            raise AttributeError(name)
        row = self._lines.row(record)
        self.cells, self.raw, self._record = row.cells, row.raw, None
        return getattr(self, name)


# One data record as `Lines` streams it: (line, what it is made of, what `Lines` keeps of it: None
# for a record that certainly has no fields beyond the header's width, see Lines.plain).
Record = tuple[int, Any, Any]


class Lines:
    """A table's data records before they become Rows: what lets a re-import skip an unchanged line
    (ingest/digests.py) without cutting it into cells. This one is over Rows (a workbook's); a CSV
    file has its own (readers/csv_file.py), whose records are the lines' text."""

    def __init__(self, rows: Iterator[Row]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Record]:
        """The records, in the file's order (hint rows and blank rows skipped)."""
        return ((row.line, None, row) for row in self._rows)

    def texts(self, records: list[Record]) -> list[str]:
        """What each record is made of, as text: the same text, the same row."""
        return [repr(record[2].cells) for record in records]

    def row(self, record: Record) -> Row:
        """The record as a Row."""
        row: Row = record[2]
        return row

    def plain(self, record: Record) -> bool:
        """Whether the record has no fields beyond the header's width (Row.extra is 0)."""
        return not record[2].extra

    def portable(self) -> Lines | None:
        """What cuts these records into Rows in another process (sent there with the records), or None:
        the records are Rows already (a workbook's), nothing to cut elsewhere."""
        return None

    def close(self) -> None:
        """Release the open file, if any."""


@dataclass
class Table:
    """An opened export: header facts plus a stream of data rows (call close() if not exhausted)."""

    path: Path
    encoding: str | None
    delimiter: str | None
    header: list[str]
    header_line: int
    rows: Iterator[Row]
    sheet: str | None = None
    _closer: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    # The records before they become `rows` (a CSV file's lines); None: `rows` as Lines.
    _lines: Lines | None = field(default=None, repr=False, compare=False)

    def lines(self) -> Lines:
        """The data records as `Lines` (iterate either these or `rows`, not both)."""
        if self._lines is None:
            self._lines = Lines(self.rows)
        return self._lines

    def close(self) -> None:
        """Release the open file (safe to call more than once)."""
        if self._lines is not None:
            self._lines.close()
        close_rows = getattr(self.rows, "close", None)
        if close_rows is not None:
            close_rows()
        if self._closer is not None:
            closer, self._closer = self._closer, None
            closer()

    def __enter__(self) -> Table:
        """Use the table as a context manager that closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the table."""
        self.close()


@dataclass
class HeaderMap:
    """How the header cells of one file map to the canonical columns of a kind."""

    kind: str
    columns: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
