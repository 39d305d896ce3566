"""The call sheet as an Excel workbook (`due --format xlsx`, one per person with --split-by): the
same columns as the CSV, header frozen, ids and phones as text (Excel neither rounds nor drops a
leading 0), a drop-down of the result names on 结果, widths set. Text cells are escaped like the
CSV's (render.output.csv_cell), so a name `=HYPERLINK(...)` stays text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from lifecycle_cli.core.calllist import MESSAGE_OUTCOMES, OUTCOME_LABELS
from lifecycle_cli.render.output import csv_cell

# Columns kept as text whatever they hold (keys and Chinese headers).
_TEXT_COLUMNS = frozenset({"task_id", "任务号", "customer_id", "客户编号", "phone", "电话", "vin", "车架号"})
_RESULT_HEADERS = frozenset({"result", "结果"})
_WIDE = {"hint": 40, "话术要点": 40, "script": 60, "话术": 60, "note": 30, "备注": 30, "name": 18, "任务": 18, "vin": 20, "车架号": 20}
# Columns of several lines (a call script): wrapped, so Excel shows its lines instead of one long run.
_WRAPPED = frozenset({"script", "话术"})
_MAX_ROWS = 1_048_576  # Excel's last row


def _cell_value(value: Any, as_text: bool) -> Any:
    if value is None:
        return None
    if as_text:
        return csv_cell(str(value))
    if isinstance(value, str):
        return csv_cell(value)
    return value


def write_sheet_workbook(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
                         title: str = "回访清单", dropdown: bool = True) -> Path:
    """Write the call sheet workbook atomically (files.save_workbook); OutputRefused when it cannot.
    dropdown=False: no result drop-down (an export of records, not a sheet to fill in)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    from lifecycle_cli.files import save_workbook

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title[:31]  # Excel's limit
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    text_at = [h in _TEXT_COLUMNS for h in headers]
    for row in rows:
        sheet.append([_cell_value(v, text_at[i]) for i, v in enumerate(row)])
    last = sheet.max_row
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        dated = any(isinstance(r[index - 1], date) for r in rows[:50])
        for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
            if text_at[index - 1] or (dropdown and header in _RESULT_HEADERS):
                cell.number_format = "@"
            elif dated:
                cell.number_format = "yyyy-mm-dd"
            if header in _WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = _WIDE.get(header, 12)
        if dropdown and header in _RESULT_HEADERS:
            names = ",".join(name for code, name in OUTCOME_LABELS.items() if code not in MESSAGE_OUTCOMES)
            validation = DataValidation(type="list", formula1=f'"{names}"', allow_blank=True,
                                        showErrorMessage=False)
            validation.promptTitle = "回访结果"
            validation.prompt = "请从下拉列表选择回访结果"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{min(last + 200, _MAX_ROWS)}")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.title = title
    return save_workbook(path, workbook)
