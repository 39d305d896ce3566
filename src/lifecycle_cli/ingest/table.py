"""The shapes an opened export comes in: a `Table` of `Row`s, how its header maps to a kind's
columns (`HeaderMap`), and `FileRefused` for a file that cannot be read. No reading happens here
(see readers/), so every part of the import can name these without importing the readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MAX_UNPACKED_BYTES", "FileRefused", "HeaderMap", "Row", "Table"]

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

    def close(self) -> None:
        """Release the open file (safe to call more than once)."""
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
