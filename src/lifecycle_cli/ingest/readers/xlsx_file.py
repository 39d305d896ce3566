"""Excel .xlsx workbooks: the zip checked (and its declared unpacked size) before openpyxl opens
it read-only, rows streamed by a tolerant subclass of openpyxl's sheet parser."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lifecycle_cli.ingest.readers.rows import guarded, pick_sheet, sheet_table
from lifecycle_cli.ingest.table import FileRefused, Table

UNPACKED_LIMIT_OPTION = "--max-unpacked-mb"


def _megabytes(size: int) -> str:
    """A size in MB for a message (one decimal under 10 MB)."""
    mb = size / (1024 * 1024)
    return f"{mb:.1f}" if mb < 10 else f"{mb:,.0f}"


def open_xlsx(path: Path, sheet: str | None, kind: str | None, max_unpacked_bytes: int) -> Table:
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
        worksheet = workbook[pick_sheet(list(workbook.sheetnames), sheet)]
        stream = guarded(_xlsx_rows(workbook, worksheet), path)
        return sheet_table(path, str(worksheet.title), stream, kind, close)
    except BaseException:
        close()
        raise


EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


def _tolerant_parser(workbook: Any, worksheet: Any, source: Any) -> Any:
    """openpyxl's streaming sheet parser over `source`, keeping a bad cell's text instead of failing."""
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

    return TolerantParser(
        source,
        worksheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def _xlsx_rows(workbook: Any, worksheet: Any) -> Iterator[tuple[int, list[object]]]:
    """(sheet row number, values) of a read-only worksheet, every row from 1 on (missing rows empty).

    Like openpyxl's iter_rows(values_only=True) without trusting the file: a cell whose value does
    not read as its declared type (t="n" holding text, t="d" holding year 0, t="s" pointing past
    the shared strings) keeps its text, so the row gets a clear reason from values/; the
    sheet's <dimension> is ignored (some exporters write a wrong one).
    """
    source = worksheet._get_source()
    parser = _tolerant_parser(workbook, worksheet, source)
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
