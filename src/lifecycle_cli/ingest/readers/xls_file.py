"""Legacy .xls workbooks (Excel 97-2003, often saved by WPS), read with python-calamine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lifecycle_cli.ingest.readers.rows import guarded, pick_sheet, sheet_table
from lifecycle_cli.ingest.table import FileRefused, Table


def open_xls(path: Path, sheet: str | None, kind: str | None) -> Table:
    """Open a legacy .xls workbook (Excel 97-2003, often saved by WPS) with python-calamine."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken or encrypted files
        raise FileRefused(f"无法读取 .xls 文件（{type(exc).__name__}，可能已加密或损坏）：{path.name}") from None
    names = list(workbook.sheet_names)
    if not names:
        raise FileRefused(f"Excel 文件中没有工作表：{path.name}")
    name = pick_sheet(names, sheet)
    # calamine gives "" for an empty cell where openpyxl gives None: make them alike.
    # A NUL character (possible in BIFF strings) cannot be stored: it is dropped.
    stream: Iterator[tuple[int, list[object]]] = (
        (number, [None if value == "" else value.replace("\x00", "") if type(value) is str else value
                  for value in values])
        for number, values in enumerate(workbook.get_sheet_by_name(name).iter_rows(), start=1)
    )
    return sheet_table(path, name, guarded(stream, path), kind, lambda: None)
