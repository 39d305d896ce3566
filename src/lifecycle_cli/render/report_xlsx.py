"""The manager's workbook (`report --format xlsx`): one sheet per section (阶段分布, KPI, 趋势, 流失, 工作量,
活动), Chinese headers, numbers as numbers (rates formatted as percentages), native Excel charts for the
stage distribution and the KPI trend. The values are those of `report --format json`; a KPI with a zero
denominator reads — (in 趋势 an empty cell, so the chart's line breaks instead of falling to 0)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from lifecycle_cli.render.output import csv_cell

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from lifecycle_cli.core.rules import Rules

PERCENT = "0.0%"
NONE = "—"


def _value(value: Any) -> Any:
    """A cell: text escaped as in CSV (a name `=HYPERLINK(...)` stays text), dates as dates, the rest as is."""
    if isinstance(value, str):
        return csv_cell(value)
    if isinstance(value, date):
        return value
    return value


def _rows(sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Any]],
          formats: dict[int, str] | None = None) -> tuple[int, int]:
    """Append a header row and its rows (then a blank row); the first and last data row."""
    from openpyxl.styles import Font

    sheet.append(list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    first = sheet.max_row + 1
    for row in rows:
        sheet.append([_value(v) for v in row])
        for column, number_format in (formats or {}).items():
            sheet.cell(row=sheet.max_row, column=column).number_format = number_format
    last = sheet.max_row
    sheet.append([])
    return first, last


def _stacked_chart(sheet: Worksheet, title: str, first: int, last: int, columns: int, anchor: str) -> None:
    """A native stacked bar chart of a table: categories in column A, one series per stage column."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title, chart.y_axis.title = title, "车辆数"
    chart.add_data(Reference(sheet, min_col=2, max_col=columns + 1, min_row=first - 1, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, anchor)


def _stages(book: Workbook, data: dict[str, Any], rules: Rules) -> None:
    from lifecycle_cli.core.facts import VEHICLE_STATUS_LABELS

    sheet = book.create_sheet("阶段分布")
    names = list(rules.stages.names)
    _rows(sheet, ["阶段", "车辆数", "占比"],
          [[n, data["stages"][n]["count"], data["stages"][n]["share"]] for n in names], {3: PERCENT})
    anchor_row = 1
    for key, label in (("stages_by_store", "门店"), ("stages_by_model", "车型")):
        groups = data[key]
        first, last = _rows(sheet, [label, *names], [[g, *[groups[g][n]["count"] for n in names]] for g in groups])
        if groups:
            _stacked_chart(sheet, f"按{label}的阶段分布", first, last, len(names), f"{'I'}{anchor_row}")
            anchor_row += 20
    _rows(sheet, ["车辆状态（不计入阶段分布）", "车辆数"],
          [[VEHICLE_STATUS_LABELS.get(s, s), n] for s, n in data["inactive"].items()])
    sheet.column_dimensions["A"].width = 24


def _kpi_format(code: str) -> str:
    from lifecycle_cli.core.events import COUNT_KPIS

    return "0" if code in COUNT_KPIS else PERCENT


def _kpis(book: Workbook, data: dict[str, Any]) -> None:
    sheet = book.create_sheet("KPI")
    marks = {True: "达标", False: "未达标", None: NONE}
    rows = [[k["name"], code, NONE if k["value"] is None else k["value"], k["numerator"], k["denominator"],
             NONE if k["target"] is None else k["target"], marks[k["met"]]] for code, k in data["kpis"].items()]
    _rows(sheet, ["KPI", "代码", "数值", "分子", "分母", "目标", "是否达标"], rows)
    for row, code in enumerate(data["kpis"], start=2):
        for column in (3, 6):
            sheet.cell(row=row, column=column).number_format = _kpi_format(code)
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 18, 30


def _trend(book: Workbook, data: dict[str, Any]) -> None:
    from openpyxl.chart import LineChart, Reference

    sheet = book.create_sheet("趋势")
    codes = list(data["kpis"])
    trend = data.get("trend", [])
    first, last = _rows(sheet, ["月份", *[data["kpis"][c]["name"] for c in codes]],
                        [[t["month"], *[t["kpis"][c]["value"] for c in codes]] for t in trend],
                        {i: _kpi_format(c) for i, c in enumerate(codes, start=2)})
    rates = [i for i, c in enumerate(codes, start=2) if _kpi_format(c) == PERCENT]
    if trend and rates:
        chart = LineChart()
        chart.title, chart.y_axis.title, chart.y_axis.number_format = "KPI 月度趋势", "比率", PERCENT
        for column in rates:
            chart.add_data(Reference(sheet, min_col=column, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
        chart.display_blanks = "gap"
        chart.width, chart.height = 30, 14
        sheet.add_chart(chart, f"A{last + 3}")


def _churn(book: Workbook, data: dict[str, Any], rules: Rules) -> None:
    sheet = book.create_sheet("流失")
    _rows(sheet, ["流失类型", "车辆数"], list(data["churn"].items()))
    _rows(sheet, ["流失原因", "次数"], [[rules.churn_reasons.get(c, c), n] for c, n in data["churn_reasons"].items()])
    sheet.column_dimensions["A"].width = 16


def _workload(book: Workbook, data: dict[str, Any]) -> None:
    sheet = book.create_sheet("工作量")
    columns = ("owner", "date", "capacity", "listed", "deferred", "lapsed_capacity", "worked", "completion")
    rows = [[date.fromisoformat(str(w["date"])) if k == "date" else w[k] for k in columns] for w in data["workload_days"]]
    _rows(sheet, ["负责人", "日期", "产能", "已列入", "顺延", "超出产能过期", "已完成", "完成率"], rows,
          {2: "yyyy-mm-dd", 8: "0.0%"})
    sheet.column_dimensions["B"].width = 12
    sheet.freeze_panes = "A2"


def _campaigns(book: Workbook, data: dict[str, Any], rules: Rules) -> None:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS

    sheet = book.create_sheet("活动")
    results = list(dict.fromkeys(r for c in data["campaigns"] for r in c["outcomes"]))
    counts = ("vehicles", "customers", "tasks", "tasks_open", "tasks_closed")
    rows = []
    for c in data["campaigns"]:
        tp = rules.touchpoints.get(c["kind"])
        rows.append([c["campaign_id"], c["name"], tp.name if tp else c["kind"], date.fromisoformat(str(c["date"])),
                     rules.channels.get(c["channel"], c["channel"]), *[c[k] for k in counts],
                     *[c["outcomes"].get(r, 0) for r in results]])
    _rows(sheet, ["活动编号", "活动", "类型", "日期", "渠道", "车辆数", "客户数", "任务数", "进行中", "已结束",
                  *[OUTCOME_LABELS.get(r, r) for r in results]], rows, {4: "yyyy-mm-dd"})
    sheet.column_dimensions["B"].width = 20


def report_workbook(data: dict[str, Any], rules: Rules) -> Workbook:
    """The workbook of the report's JSON object (its `trend` fills 趋势)."""
    from openpyxl import Workbook

    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    _stages(book, data, rules)
    _kpis(book, data)
    _trend(book, data)
    _churn(book, data, rules)
    _workload(book, data)
    _campaigns(book, data, rules)
    book.properties.title = f"车辆生命周期报表 {data['store'] or '全部门店'} {data['date']}"
    return book
