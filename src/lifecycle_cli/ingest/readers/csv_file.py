"""CSV (or tab / semicolon separated) text files: decoded whole once before any row lands, the
delimiter sniffed, records streamed with the line a person sees in an editor."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from lifecycle_cli.ingest.headers import is_hint_row
from lifecycle_cli.ingest.readers.encoding import (
    ENCODING_HINT,
    check_forced_encoding,
    decodes,
    detect_encoding,
)
from lifecycle_cli.ingest.readers.rows import (
    HEADER_SEARCH_ROWS,
    first_records,
    found_header,
    is_blank_row,
    make_row,
)
from lifecycle_cli.ingest.table import FileRefused, Lines, Record, Row, Table

SAMPLE_SIZE = 64 * 1024
_FIELD_SIZE_LIMIT = 16 * 1024 * 1024
_CHECK_CHUNK = 1024 * 1024


def _sniff_delimiter(text: str) -> str:
    """The delimiter among ',', tab, ';' that occurs most (outside quotes) in the first records."""
    best_counts = {",": 0, "\t": 0, ";": 0}
    counts = dict.fromkeys(best_counts, 0)
    records = 0
    in_quotes = False
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
        elif in_quotes:
            continue
        elif ch in counts:
            counts[ch] += 1
        elif ch in "\r\n":
            for d, n in counts.items():
                best_counts[d] = max(best_counts[d], n)
            counts = dict.fromkeys(counts, 0)
            records += 1
            if records >= HEADER_SEARCH_ROWS * 2:
                break
    for d, n in counts.items():
        best_counts[d] = max(best_counts[d], n)
    # max() keeps the first of equal counts, so ',' wins ties.
    return max(best_counts, key=lambda d: best_counts[d])


def open_csv(path: Path, encoding: str | None, kind: str | None) -> Table:
    """Open a CSV (or tab / semicolon separated) text file."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_SIZE)
    wide = sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        encoding is not None and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    )
    if b"\x00" in sample and not wide:
        raise FileRefused(f"不是 CSV 或 xlsx 文件（看起来是二进制文件）：{path.name}")
    enc = detect_encoding(sample) if encoding is None else check_forced_encoding(encoding, sample)
    text = decodes(sample, enc) or ""
    head = text.lstrip("\ufeff").lstrip()[:200].lower()
    if head.startswith(("<html", "<!doctype", "<table", "<?xml")):
        raise FileRefused(
            f"这是网页/XML 文件，不是 CSV 或 xlsx：{path.name}（请在 Excel 中打开后另存为 .xlsx 或 CSV）"
        )
    delimiter = _sniff_delimiter(text.lstrip("\ufeff"))
    _check_text(path, enc)

    if csv.field_size_limit() < _FIELD_SIZE_LIMIT:
        csv.field_size_limit(_FIELD_SIZE_LIMIT)

    # Find the header with a short-lived reader; the rows are streamed by a second one that
    # opens the file only when iteration starts (so an unused Table holds no open file).
    head_records = _csv_records(path, enc, delimiter)
    try:
        first = first_records(head_records)
    finally:
        head_records.close()
    if not first:
        raise FileRefused(f"文件是空的：{path.name}")
    _, header_line, header = found_header(first, kind)
    lines = CsvLines(path, enc, delimiter, header_line, len(header))
    return Table(
        path=path,
        encoding=enc,
        delimiter=delimiter,
        header=header,
        header_line=header_line,
        rows=(lines.row(record) for record in lines),
        _lines=lines,
    )


def _check_text(path: Path, encoding: str) -> None:
    """Decode the whole file once, a megabyte at a time, so that a byte the encoding cannot read or a
    NUL character far down refuses the file before any of its rows lands; the reason names the line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHECK_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                before = exc.object[: exc.start].decode(encoding, errors="replace")
                line = lines + before.count("\n") + 1
                raise FileRefused(f"第 {line} 行无法用编码 {encoding} 解码，{ENCODING_HINT}") from None
            nul = text.find("\x00")
            if nul >= 0:
                line = lines + text.count("\n", 0, nul) + 1
                raise FileRefused(f"第 {line} 行含有空字符（NUL），文件可能已损坏：{path.name}")
            lines += text.count("\n")
            if not chunk:
                return


def _csv_records(path: Path, encoding: str, delimiter: str) -> Generator[tuple[int, list[str]], None, None]:
    """(line where the record starts, cells) for each CSV record; the file is closed at the end."""
    with path.open("r", encoding=encoding, errors="strict", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        previous = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise _undecodable(previous + 1, encoding) from None
            except csv.Error as exc:
                raise _malformed(previous + 1, exc) from None
            start = previous + 1
            previous = reader.line_num
            if start == 1 and cells and cells[0].startswith("\ufeff"):
                cells[0] = cells[0].lstrip("\ufeff")
            yield start, cells


def _undecodable(line: int, encoding: str) -> FileRefused:
    """A line the encoding cannot read (the whole file was checked first: it changed since)."""
    return FileRefused(f"第 {line} 行附近无法用编码 {encoding} 解码，{ENCODING_HINT}")


def _malformed(line: int, exc: csv.Error) -> FileRefused:
    """A record the CSV reader cannot parse."""
    reason = (f"有字段超过 {_FIELD_SIZE_LIMIT // (1024 * 1024)} MB，可能是引号没有配对"
              if "field larger" in str(exc) else "无法按 CSV 格式解析")
    return FileRefused(f"第 {line} 行：CSV 格式错误（{reason}）")


class CsvLines(Lines):
    """A CSV file's data records as the text of their lines: a line without a quote is its cells
    joined by the delimiter, cut only when its row is wanted (most lines of a re-import are skipped
    by their digest, uncut); a line with a quote is read by the csv module with the lines its
    record spans. Records: (line where it starts, its text, its cells or None: not cut yet, and
    then no wider than the header)."""

    def __init__(self, path: Path, encoding: str, delimiter: str, header_line: int, width: int) -> None:
        self.path, self.encoding, self.delimiter = path, encoding, delimiter
        self.header_line, self.width = header_line, width
        self._stream: Generator[Record, None, None] | None = None

    def __iter__(self) -> Iterator[Record]:
        """The records after the header: blank ones and the hint rows right under it skipped."""
        self._stream = self._records()
        return self._stream

    def close(self) -> None:
        """Close the file if the records are being read."""
        if self._stream is not None:
            self._stream.close()

    def texts(self, records: list[Record]) -> list[str]:
        """The records' text."""
        return [record[1] for record in records]

    def row(self, record: Record) -> Row:
        """The record cut into cells, padded or cut to the header's width."""
        line, text, cells = record
        if cells is None:
            cells = text.split(self.delimiter)  # never wider than the header (see _records)
            if len(cells) == self.width:
                return Row(line=line, cells=cells, raw=cells)  # what make_row gives
        return make_row(line, cells, self.width, "")

    def plain(self, record: Record) -> bool:
        """Whether the record has no fields beyond the header's width (a line not cut has none)."""
        return record[2] is None or not self.row(record).extra

    def portable(self) -> CsvLines:
        """These lines without their open file: `row` is all another process needs of them."""
        return CsvLines(self.path, self.encoding, self.delimiter, self.header_line, self.width)

    def _records(self) -> Generator[Record, None, None]:
        """The loop over the lines: a quoted record and a line too long for the csv module's field
        limit go through the csv module (its errors and its line count), others are split only when
        they may be blank, may have fields beyond the header's width or may be a hint row."""
        delimiter, header_line, width, under_header = self.delimiter, self.header_line, self.width, True
        with self.path.open("r", encoding=self.encoding, errors="strict", newline="") as fh:
            lines = iter(fh)
            number = 0
            try:
                for line in lines:
                    number += 1
                    start = number
                    if '"' in line or len(line) > _FIELD_SIZE_LIMIT:
                        text, cells, used = self._quoted(line, lines, start)
                        number += used - 1
                        if start <= header_line or is_blank_row(cells):
                            continue
                    else:
                        if start <= header_line:
                            continue
                        text, cells = line.rstrip("\r\n"), None
                        first = text[:1]
                        if not first or first == delimiter or first.isspace():  # blank maybe
                            cells = text.split(delimiter)
                            if is_blank_row(cells):
                                continue
                        elif text.count(delimiter) >= width:  # fields beyond the header's maybe
                            cells = text.split(delimiter)
                    if under_header:
                        if is_hint_row(text.split(delimiter) if cells is None else cells):
                            continue
                        under_header = False
                    yield start, text, cells
            except UnicodeDecodeError:
                raise _undecodable(number + 1, self.encoding) from None

    def _quoted(self, first: str, lines: Iterator[str], start: int) -> tuple[str, list[Any], int]:
        """The record that starts with `first` read by the csv module: its text, cells and lines."""
        taken = [first]

        def source() -> Iterator[str]:
            yield first
            for line in lines:
                taken.append(line)
                yield line

        reader = csv.reader(source(), delimiter=self.delimiter)
        try:
            cells = next(reader)
        except UnicodeDecodeError:
            raise _undecodable(start + len(taken) - 1, self.encoding) from None
        except csv.Error as exc:
            raise _malformed(start, exc) from None
        return "".join(taken), cells, len(taken)
