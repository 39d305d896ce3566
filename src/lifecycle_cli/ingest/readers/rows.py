"""What the three readers share: the header row found among the first rows, the template hint
rows under it skipped, data rows cut to the header's width; a sheet's rows as a Table."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from lifecycle_cli.ingest.headers import KINDS, find_header_row, is_hint_row, map_headers
from lifecycle_cli.ingest.table import FileRefused, Row, Table

HEADER_SEARCH_ROWS = 10


def is_blank_row(cells: Sequence[object]) -> bool:
    """True when no cell holds anything but whitespace."""
    if cells:  # a data row almost always starts with its key: answer without the generator
        first = cells[0]
        if first is not None and (not isinstance(first, str) or first.strip()):
            return False
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def cell_text(value: object) -> str:
    """A cell as text for the rejects file / header ('' for None, '12345' for 12345.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def first_records(stream: Iterator[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """The first records from the first non-blank one on, as many as the header is searched among
    (the stream goes on after them)."""
    first: list[tuple[int, list[Any]]] = []
    for item in stream:
        if not first and is_blank_row(item[1]):
            continue
        first.append(item)
        if len(first) >= HEADER_SEARCH_ROWS:
            break
    return first


def choose_header(records: Sequence[Sequence[object]], kind: str | None) -> int | None:
    """Index of the header among the first records: a full match, else the best partial one."""
    if not records:
        return None
    found = find_header_row(records, kind)
    if found is not None:
        return found
    kinds = [kind] if kind else list(KINDS)
    best_index, best_score = None, 0
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        texts = [cell_text(c) for c in record]
        score = max(len(map_headers(texts, k).columns) for k in kinds)
        if score > best_score:
            best_index, best_score = index, score
    if best_index is not None and best_score >= 2:
        return best_index
    for index, record in enumerate(records):
        if not is_blank_row(record):
            return index
    return None  # pragma: no cover - callers pass at least one non-blank record


def header_texts(cells: Sequence[object]) -> list[str]:
    """Header cells as stripped text, without trailing empty cells."""
    texts = [cell_text(c).strip().lstrip("\ufeff") for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def make_row(line: int, cells: list[Any], width: int, filler: object) -> Row:
    """A Row whose cells are padded or cut to the header width (the cut fields counted in `extra`)."""
    extra = 0
    if len(cells) < width:
        cells = cells + [filler] * (width - len(cells))
    elif len(cells) > width:
        used = len(cells)
        while used > width and is_blank_row(cells[used - 1 : used]):
            used -= 1
        extra = used - width
        cells = cells[:width]
    # CSV cells are text already (filler ""): they are their own raw text.
    return Row(line=line, cells=cells, raw=cells if filler == "" else [cell_text(c) for c in cells], extra=extra)


def data_rows(
    buffered: Sequence[tuple[int, Sequence[object]]],
    stream: Iterator[tuple[int, Sequence[object]]],
    width: int,
    filler: object,
) -> Iterator[Row]:
    """Rows after the header: the hint rows right under it (blank rows between allowed) and blank
    rows are skipped; from the first data row on, every non-blank row is data."""
    under_header = True
    for source in (iter(buffered), stream):
        for line, cells in source:
            if is_blank_row(cells):
                continue
            if under_header:
                if is_hint_row(cells):
                    continue
                under_header = False
            yield make_row(line, list(cells), width, filler)


def guarded(stream: Iterator[tuple[int, list[object]]], path: Path) -> Iterator[tuple[int, list[object]]]:
    """The workbook's rows; a failure of the library mid-sheet becomes FileRefused naming the row."""
    number = 0
    try:
        for number, values in stream:
            yield number, values
    except FileRefused:
        raise
    except Exception as exc:  # a broken part deep in the sheet (XML, zip CRC)
        raise FileRefused(
            f"第 {number + 1} 行附近无法读取（{type(exc).__name__}），文件可能已损坏：{path.name}"
        ) from None
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def pick_sheet(names: list[str], sheet: str | None) -> str:
    """The sheet asked for (trimmed, then case-insensitive), else the first; FileRefused lists the sheets."""
    if sheet is None:
        return names[0]
    wanted = sheet.strip()
    matches = [n for n in names if n.strip() == wanted] or [n for n in names if n.strip().lower() == wanted.lower()]
    if not matches:
        listed = "、".join(f'"{n}"' for n in names)
        raise FileRefused(f'找不到工作表 "{sheet}"，文件中的工作表有：{listed}')
    return matches[0]


def found_header(first: Sequence[tuple[int, Sequence[object]]], kind: str | None) -> tuple[int, int, list[str]]:
    """The header among a file's first non-blank records: its place among them, its line and its
    cells' texts."""
    index = choose_header([cells for _, cells in first], kind)
    assert index is not None
    line, cells = first[index]
    return index, line, header_texts(cells)


def sheet_table(path: Path, sheet_name: str, stream: Iterator[tuple[int, list[object]]], kind: str | None,
                 close: Callable[[], None]) -> Table:
    """A Table over one worksheet's rows: the header found in the first rows, the rest streamed."""
    first = first_records(stream)
    if not first:
        raise FileRefused(f"文件是空的（工作表 {sheet_name} 没有数据）：{path.name}")
    header_index, header_line, header = found_header(first, kind)
    width = len(header)

    def rows() -> Iterator[Row]:
        """Data rows after the header (hint row and blank rows skipped)."""
        try:
            yield from data_rows(first[header_index + 1 :], stream, width, None)
        finally:
            close()

    return Table(
        path=path,
        encoding=None,
        delimiter=None,
        header=header,
        header_line=header_line,
        rows=rows(),
        sheet=sheet_name,
        _closer=close,
    )
