"""Stream the rows of a CSV or .xlsx export: encoding, delimiter, header row and hint row
are worked out here; values are left as they are (see values.py)."""

from __future__ import annotations

import codecs
import csv
import datetime
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer

from lifecycle_cli.ingest.headers import KINDS, find_header_row, is_hint_row, map_headers

__all__ = ["MAX_UNPACKED_BYTES", "FileRefused", "Row", "Table", "detect_encoding", "open_table"]

SAMPLE_SIZE = 64 * 1024
HEADER_SEARCH_ROWS = 10
ENCODING_HINT = "请用 --encoding 指定（常见：gb18030、utf-8）"

# charset-normalizer often labels GBK text as one of these; GB18030 is a superset of GBK.
# (Big5 is left out on purpose: real Big5 decoded as GB18030 is garbage, so a Big5 guess
# only leads to gb18030 when the text also reads as common simplified Chinese.)
_GB_LOOKALIKES = frozenset(
    {"gb18030", "gbk", "gb2312", "cp936", "hz", "euc_cn", "iso2022_cn", "cp949", "euc_kr", "johab"}
)
_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_FIELD_SIZE_LIMIT = 16 * 1024 * 1024
_CHECK_CHUNK = 1024 * 1024
# The most an .xlsx may unpack to (the sum of its parts' sizes as the zip declares them; zipfile
# never unpacks a part beyond its declared size). A zip bomb is refused before openpyxl sees it.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
UNPACKED_LIMIT_OPTION = "--max-unpacked-mb"


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


# --------------------------------------------------------------------------- encoding


def _decodes(sample: bytes, encoding: str) -> str | None:
    """The sample decoded (a character cut at the end is tolerated), or None on errors / U+FFFD."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text = decoder.decode(sample, final=False)
    except (UnicodeDecodeError, UnicodeError):
        return None
    if "\ufffd" in text:
        return None
    return text


def _mostly_gb2312(text: str) -> bool:
    """True when the non-ASCII characters are nearly all common (GB2312) Chinese characters."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return False
    common = 0
    for ch in non_ascii:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(non_ascii) >= 0.9


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV sample: utf-8-sig / utf-16 (BOM), utf-8 or gb18030; FileRefused otherwise."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8") is not None:
        return "utf-8"
    gb_text = _decodes(sample, "gb18030")
    if gb_text is not None:
        guesses: set[str] = set()
        best = charset_normalizer.from_bytes(sample).best()
        if best is not None:
            guesses = {best.encoding, *best.could_be_from_charset}
        if guesses & _GB_LOOKALIKES or _mostly_gb2312(gb_text):
            return "gb18030"
    raise FileRefused(f"无法识别文件编码，{ENCODING_HINT}")


def _check_forced_encoding(encoding: str, sample: bytes) -> str:
    """Validate a user-given encoding against the sample; its codec name on success."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise FileRefused(f'未知的编码 "{encoding}"，{ENCODING_HINT}') from None
    if name.replace("_", "-") == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    if _decodes(sample, name) is None:
        raise FileRefused(f'无法用编码 "{encoding}" 读取文件，{ENCODING_HINT}')
    return name


# --------------------------------------------------------------------------- CSV dialect


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


# --------------------------------------------------------------------------- helpers


def _is_blank_row(cells: Sequence[object]) -> bool:
    """True when no cell holds anything but whitespace."""
    if cells:  # a data row almost always starts with its key: answer without the generator
        first = cells[0]
        if first is not None and (not isinstance(first, str) or first.strip()):
            return False
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _cell_text(value: object) -> str:
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


def _choose_header(records: Sequence[Sequence[object]], kind: str | None) -> int | None:
    """Index of the header among the first records: a full match, else the best partial one."""
    if not records:
        return None
    found = find_header_row(records, kind)
    if found is not None:
        return found
    kinds = [kind] if kind else list(KINDS)
    best_index, best_score = None, 0
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        texts = [_cell_text(c) for c in record]
        score = max(len(map_headers(texts, k).columns) for k in kinds)
        if score > best_score:
            best_index, best_score = index, score
    if best_index is not None and best_score >= 2:
        return best_index
    for index, record in enumerate(records):
        if not _is_blank_row(record):
            return index
    return None  # pragma: no cover - callers pass at least one non-blank record


def _header_texts(cells: Sequence[object]) -> list[str]:
    """Header cells as stripped text, without trailing empty cells."""
    texts = [_cell_text(c).strip().lstrip("\ufeff") for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def _make_row(line: int, cells: list[Any], width: int, filler: object) -> Row:
    """A Row whose cells are padded or cut to the header width (the cut fields counted in `extra`)."""
    extra = 0
    if len(cells) < width:
        cells = cells + [filler] * (width - len(cells))
    elif len(cells) > width:
        used = len(cells)
        while used > width and _is_blank_row(cells[used - 1 : used]):
            used -= 1
        extra = used - width
        cells = cells[:width]
    # CSV cells are text already (filler ""): they are their own raw text.
    return Row(line=line, cells=cells, raw=cells if filler == "" else [_cell_text(c) for c in cells], extra=extra)


def _data_rows(
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
            if _is_blank_row(cells):
                continue
            if under_header:
                if is_hint_row(cells):
                    continue
                under_header = False
            yield _make_row(line, list(cells), width, filler)


# --------------------------------------------------------------------------- CSV


def _open_csv(path: Path, encoding: str | None, kind: str | None) -> Table:
    """Open a CSV (or tab / semicolon separated) text file."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_SIZE)
    wide = sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        encoding is not None and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    )
    if b"\x00" in sample and not wide:
        raise FileRefused(f"不是 CSV 或 xlsx 文件（看起来是二进制文件）：{path.name}")
    enc = detect_encoding(sample) if encoding is None else _check_forced_encoding(encoding, sample)
    text = _decodes(sample, enc) or ""
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
        first: list[tuple[int, list[str]]] = []
        for item in head_records:
            if not first and _is_blank_row(item[1]):
                continue
            first.append(item)
            if len(first) >= HEADER_SEARCH_ROWS:
                break
    finally:
        head_records.close()
    if not first:
        raise FileRefused(f"文件是空的：{path.name}")
    header_index = _choose_header([cells for _, cells in first], kind)
    assert header_index is not None
    header_line, header_cells = first[header_index]
    header = _header_texts(header_cells)
    width = len(header)

    def rows() -> Iterator[Row]:
        """Data rows after the header (hint row and blank rows skipped)."""
        records = _csv_records(path, enc, delimiter)
        try:
            after = (item for item in records if item[0] > header_line)
            yield from _data_rows((), after, width, "")
        finally:
            records.close()

    return Table(
        path=path,
        encoding=enc,
        delimiter=delimiter,
        header=header,
        header_line=header_line,
        rows=rows(),
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
                raise FileRefused(
                    f"第 {previous + 1} 行附近无法用编码 {encoding} 解码，{ENCODING_HINT}"
                ) from None
            except csv.Error as exc:
                reason = (f"有字段超过 {_FIELD_SIZE_LIMIT // (1024 * 1024)} MB，可能是引号没有配对"
                          if "field larger" in str(exc) else "无法按 CSV 格式解析")
                raise FileRefused(f"第 {previous + 1} 行：CSV 格式错误（{reason}）") from None
            start = previous + 1
            previous = reader.line_num
            if start == 1 and cells and cells[0].startswith("\ufeff"):
                cells[0] = cells[0].lstrip("\ufeff")
            yield start, cells


# --------------------------------------------------------------------------- xlsx


def _megabytes(size: int) -> str:
    """A size in MB for a message (one decimal under 10 MB)."""
    mb = size / (1024 * 1024)
    return f"{mb:.1f}" if mb < 10 else f"{mb:,.0f}"


def _open_xlsx(path: Path, sheet: str | None, kind: str | None, max_unpacked_bytes: int) -> Table:
    """Open an .xlsx workbook (read-only, streaming) and find the header row of a sheet."""
    import openpyxl  # imported here: loading openpyxl is slow and CSV imports do not need it

    # openpyxl warns in English about what it skips (extensions, styles, bad date serials); the
    # rows' problems are reported by the import itself.
    warnings.filterwarnings("ignore", module=r"openpyxl(\..*)?$")

    binary = path.open("rb")
    try:
        try:
            with zipfile.ZipFile(binary) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise FileRefused(f"无法读取 Excel 文件（文件已损坏或不是 .xlsx）：{path.name}") from None
        names = {info.filename for info in infos}
        if "xl/workbook.bin" in names:
            raise FileRefused(f"不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx 或 CSV：{path.name}")
        if "xl/workbook.xml" not in names:
            if "content.xml" in names:
                raise FileRefused(f"不支持 .ods 格式，请另存为 .xlsx 或 CSV：{path.name}")
            raise FileRefused(f"不是 CSV 或 xlsx 文件（是一个 zip 压缩包）：{path.name}")
        unpacked = sum(info.file_size for info in infos)
        if unpacked > max_unpacked_bytes:
            raise FileRefused(
                f"Excel 文件解压后有 {_megabytes(unpacked)} MB，超过上限 {_megabytes(max_unpacked_bytes)} MB，"
                f"未打开：{path.name}（确是正常的大文件时，可另存为 CSV 导入，或用 {UNPACKED_LIMIT_OPTION} 提高上限）"
            )
        binary.seek(0)
        try:
            workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for broken files
            raise FileRefused(f"无法读取 Excel 文件（{type(exc).__name__}）：{path.name}") from None
    except BaseException:
        binary.close()
        raise

    def close() -> None:
        """Close the workbook and the file under it."""
        workbook.close()
        binary.close()

    try:
        if not workbook.worksheets:
            raise FileRefused(f"Excel 文件中没有工作表：{path.name}")
        worksheet = workbook[_pick_sheet(list(workbook.sheetnames), sheet)]
        stream = _guarded(_xlsx_rows(workbook, worksheet), path)
        return _sheet_table(path, str(worksheet.title), stream, kind, close)
    except BaseException:
        close()
        raise


EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


def _xlsx_rows(workbook: Any, worksheet: Any) -> Iterator[tuple[int, list[object]]]:
    """(sheet row number, values) of a read-only worksheet, every row from 1 on (missing rows empty).

    Like openpyxl's iter_rows(values_only=True) without trusting the file: a cell whose value does
    not read as its declared type (t="n" holding text, t="d" holding year 0, t="s" pointing past
    the shared strings) keeps its text, so the row gets a clear reason from values.py; the
    sheet's <dimension> is ignored (some exporters write a wrong one).
    """
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

    class TolerantParser(WorkSheetParser):
        """openpyxl's streaming sheet parser, keeping a bad cell's text instead of failing."""

        def parse_row(self, row: Any) -> Any:
            """A row whose number is not a plain number is numbered after the previous one."""
            number = row.get("r")
            if number is not None and not (number.isdigit() and 0 < int(number) <= EXCEL_MAX_ROWS):
                del row.attrib["r"]
            return super().parse_row(row)

        def parse_cell(self, element: Any) -> Any:
            """openpyxl's cell, or the cell's own text when its value does not read as its type."""
            try:
                return super().parse_cell(element)
            except Exception:  # any failure of one cell keeps its text
                pass
            try:
                row, column = coordinate_to_tuple(element.get("r") or "")
            except Exception:  # a broken reference: the next column of this row
                row, column = self.row_counter, self.col_counter + 1
            self.col_counter = column
            return {"row": row, "column": column, "value": element.findtext(VALUE_TAG), "data_type": "s",
                    "style_id": 0}

    source = worksheet._get_source()
    parser = TolerantParser(
        source,
        worksheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    expected = 1
    try:
        for number, cells in parser.parse():
            if number < expected:
                continue  # a row out of order or repeated (openpyxl drops it too)
            if number > EXCEL_MAX_ROWS:
                raise FileRefused(f"第 {number} 行超出 Excel 的最大行数（{EXCEL_MAX_ROWS:,}），文件已损坏")
            while expected < number:
                yield expected, []
                expected += 1
            width = max((c["column"] for c in cells if c["column"] <= EXCEL_MAX_COLUMNS), default=0)
            values: list[object] = [None] * width
            for cell in cells:
                if 0 < cell["column"] <= width:
                    values[cell["column"] - 1] = cell["value"]
            yield number, values
            expected = number + 1
    finally:
        source.close()


def _guarded(stream: Iterator[tuple[int, list[object]]], path: Path) -> Iterator[tuple[int, list[object]]]:
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


def _pick_sheet(names: list[str], sheet: str | None) -> str:
    """The sheet asked for (trimmed, then case-insensitive), else the first; FileRefused lists the sheets."""
    if sheet is None:
        return names[0]
    wanted = sheet.strip()
    matches = [n for n in names if n.strip() == wanted] or [n for n in names if n.strip().lower() == wanted.lower()]
    if not matches:
        listed = "、".join(f'"{n}"' for n in names)
        raise FileRefused(f'找不到工作表 "{sheet}"，文件中的工作表有：{listed}')
    return matches[0]


def _sheet_table(path: Path, sheet_name: str, stream: Iterator[tuple[int, list[object]]], kind: str | None,
                 close: Callable[[], None]) -> Table:
    """A Table over one worksheet's rows: the header found in the first rows, the rest streamed."""
    first: list[tuple[int, list[object]]] = []
    for item in stream:
        if not first and _is_blank_row(item[1]):
            continue
        first.append(item)
        if len(first) >= HEADER_SEARCH_ROWS:
            break
    if not first:
        raise FileRefused(f"文件是空的（工作表 {sheet_name} 没有数据）：{path.name}")
    header_index = _choose_header([cells for _, cells in first], kind)
    assert header_index is not None
    header_line, header_cells = first[header_index]
    header = _header_texts(header_cells)
    width = len(header)

    def rows() -> Iterator[Row]:
        """Data rows after the header (hint row and blank rows skipped)."""
        try:
            yield from _data_rows(first[header_index + 1 :], stream, width, None)
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


def _open_xls(path: Path, sheet: str | None, kind: str | None) -> Table:
    """Open a legacy .xls workbook (Excel 97-2003, often saved by WPS) with python-calamine."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken or encrypted files
        raise FileRefused(f"无法读取 .xls 文件（{type(exc).__name__}，可能已加密或损坏）：{path.name}") from None
    names = list(workbook.sheet_names)
    if not names:
        raise FileRefused(f"Excel 文件中没有工作表：{path.name}")
    name = _pick_sheet(names, sheet)
    # calamine gives "" for an empty cell where openpyxl gives None: make them alike.
    # A NUL character (possible in BIFF strings) cannot be stored: it is dropped.
    stream: Iterator[tuple[int, list[object]]] = (
        (number, [None if value == "" else value.replace("\x00", "") if type(value) is str else value
                  for value in values])
        for number, values in enumerate(workbook.get_sheet_by_name(name).iter_rows(), start=1)
    )
    return _sheet_table(path, name, _guarded(stream, path), kind, lambda: None)


# --------------------------------------------------------------------------- entry point


def open_table(
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    kind: str | None = None,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> Table:
    """Open a CSV or .xlsx export and find its header; FileRefused (Chinese reason) if it cannot be read.

    An .xlsx whose sheets and shared strings declare more than `max_unpacked_bytes` is refused.
    """
    path = Path(path)
    if not path.exists():
        raise FileRefused(f"文件不存在：{path}")
    if not path.is_file():
        raise FileRefused(f"不是文件：{path}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise FileRefused(f"无法打开文件：{path}（{exc.strerror or exc}）") from None
    if size == 0:
        raise FileRefused(f"文件是空的：{path.name}")
    suffix = path.suffix.lower()
    if magic.startswith(_OLE2_MAGIC):
        if suffix in _XLSX_SUFFIXES:
            raise FileRefused(
                f"无法读取：文件可能设置了密码（加密的 Excel 文件），请去掉密码后另存为 .xlsx：{path.name}"
            )
        return _open_xls(path, sheet, kind)
    if magic.startswith(_ZIP_MAGIC):
        return _open_xlsx(path, sheet, kind, max_unpacked_bytes)
    if suffix in _XLSX_SUFFIXES:
        raise FileRefused(f"无法读取 Excel 文件（文件已损坏或不是 .xlsx）：{path.name}")
    if magic.startswith(b"%PDF"):
        raise FileRefused(f"不是 CSV 或 xlsx 文件（是 PDF 文件）：{path.name}")
    return _open_csv(path, encoding, kind)
