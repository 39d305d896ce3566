"""`lifecycle report` (stages, KPIs, churn, workload) and `lifecycle churn` (the win-back list)."""

from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from lifecycle_cli.cli.choices import CHURN_CATEGORY, REPORT_FORMAT
from lifecycle_cli.cli.common import (
    EXIT_USAGE,
    Context,
    EnglishHeadersOption,
    FormatOption,
    StoreOption,
    day_or_today,
    fail,
    get_context,
    parse_month,
    today,
)
from lifecycle_cli.cli.helptext import LifecycleCommand
from lifecycle_cli.cli.privacy import UnmaskOption

if TYPE_CHECKING:
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.service.report import ReportOptions


def _report_options(on: str | None, month: str | None, store: str | None, rules: "Rules",
                    months: int | None = None) -> "ReportOptions":
    """The day looked at (default today), the KPI month (default the day's), the store and the trend's months."""
    from lifecycle_cli.service.report import ReportOptions

    day = day_or_today(on, rules)
    text = month or day.strftime("%Y-%m")
    first, last = parse_month(text)
    return ReportOptions(day=day, month=text, first=first, last=last, store=store, months=months)


def _check_report_options(fmt: str, out: Path | None, months: int | None, workload_only: bool) -> int | None:
    """Refuse what does not go together (exit 2); the trend's months (html / xlsx: 12 unless given)."""
    from lifecycle_cli.service.report_trend import MAX_MONTHS

    files = fmt in ("html", "xlsx")
    if files and out is None:
        fail(f"--format {fmt} 需要 --out 文件（例如 --out report.{fmt}）", EXIT_USAGE)
    if out is not None and not files:
        fail("--out 只用于 --format html / xlsx（输出文件）", EXIT_USAGE)
    if workload_only and files:
        fail(f"--workload 不能与 --format {fmt} 一起使用（报表文件已含工作量）", EXIT_USAGE)
    if months is not None and not 1 <= months <= MAX_MONTHS:
        fail(f"--months：月数应在 1 到 {MAX_MONTHS} 之间，而不是 {months}", EXIT_USAGE)
    if months is not None and fmt not in ("json", "html", "xlsx"):
        fail("--months（KPI 趋势）只用于 --format json / html / xlsx", EXIT_USAGE)
    return months or (12 if files else None)


def _write_report_file(context: Context, data: dict[str, Any], rules: "Rules", fmt: str, out: Path) -> None:
    """The manager's page (html) or workbook (xlsx) at `out`; its path on stdout; exit 2 when it cannot be
    written."""
    from lifecycle_cli import __version__
    from lifecycle_cli.core.rules import state_digest
    from lifecycle_cli.files import OutputRefused, save_workbook, write_atomically
    from lifecycle_cli.render.output import say

    try:
        if fmt == "html":
            from lifecycle_cli.render.report_html import report_page

            about = {"database": context.url(), "rules_digest": state_digest(rules), "version": __version__}
            page = report_page(data, rules, about)

            def write(fh: IO[str]) -> None:
                fh.write(page)

            write_atomically(out, write, newline="\n")
        else:
            from lifecycle_cli.render.report_xlsx import report_workbook

            save_workbook(out, report_workbook(data, rules))
    except OutputRefused as exc:
        fail(f"--out：{exc}", EXIT_USAGE)
    say(str(out))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _kpi_text(code: str, value: float | None) -> str:
    """A KPI value for people: a percentage, or a count for the count KPIs (campaigns_run)."""
    from lifecycle_cli.core.events import COUNT_KPIS

    return f"{value:g}" if code in COUNT_KPIS and value is not None else _pct(value)


def _bar(share: float | None, width: int = 30) -> str:
    if not share:
        return ""
    return "█" * max(1, round(share * width))


def render_report(data: dict[str, Any], rules: "Rules") -> None:
    """The report as tables and bars for people."""
    from lifecycle_cli.core.facts import VEHICLE_STATUS_LABELS
    from lifecycle_cli.render.output import print_table, say

    scope = f"（{data['store']}）" if data["store"] else ""
    say(f"车辆生命周期报表{scope}：报表日期 {data['date']}，KPI 月份 {data['month']}")
    total = sum(v["count"] for v in data["stages"].values())
    print_table(
        ["阶段", "车辆数", "占比", ""],
        [[name, v["count"], _pct(v["share"]), _bar(v["share"])] for name, v in data["stages"].items()]
        + [["合计", total, "", ""]],
        title="生命周期阶段分布",
    )
    say("不计入阶段分布（车辆已离开）：" + "，".join(
        f"{VEHICLE_STATUS_LABELS.get(code, code)} {n}" for code, n in data["inactive"].items()))
    for key, label in (("stages_by_store", "门店"), ("stages_by_model", "车型")):
        rows = [
            [group, *[counts[name]["count"] for name in rules.stages.names], sum(c["count"] for c in counts.values())]
            for group, counts in data[key].items()
        ]
        print_table([label, *rules.stages.names, "合计"], rows, title=f"按{label}的阶段分布")
    marks = {True: "✓ 达标", False: "✗ 未达标", None: ""}
    print_table(
        ["KPI", "代码", "数值", "分子", "分母", "目标", "是否达标"],
        [[k["name"], code, _kpi_text(code, k["value"]), k["numerator"], k["denominator"],
          _kpi_text(code, k["target"]) if k["target"] is not None else "", marks[k["met"]]]
         for code, k in data["kpis"].items()],
        title=f"KPI（{data['month']}）",
        styles=["green" if k["met"] else ("red" if k["met"] is False else None) for k in data["kpis"].values()],
    )
    render_satisfaction(data["satisfaction"], data["month"])
    print_table(["流失类型", "车辆数"], [[c, n] for c, n in data["churn"].items()],
                title=f"流失情况（{data['date']}；流失返回为本月）")
    print_table(["流失原因", "次数"], [[rules.churn_reasons.get(c, c), n] for c, n in data["churn_reasons"].items()],
                title=f"流失原因（{data['month']}，拒绝与流失招揽回访记录的原因）")
    days = [(date.fromisoformat(str(data["date"])) + timedelta(days=i)).isoformat() for i in range(rules.call_list.ahead_days)]
    print_table(
        ["负责人", "逾期", *[d[5:] for d in days], "合计"],
        [[w["owner"], w["overdue"], *[w["by_day"].get(d, "") for d in days], w["total"]] for w in data["workload"]],
        title=f"未来 {rules.call_list.ahead_days} 天工作量（按负责人、按天的待办任务）",
    )
    print_table(list(WORKLOAD_COLUMNS.values()), [list(w.values()) for w in workload_for_people(data["workload_days"])],
                title="产能（按负责人、按天：本月已过的天与今天为已定清单，之后为预测）")


def render_satisfaction(block: dict[str, Any], month: str) -> None:
    """满意度 of the month: the average, per service advisor, per sales consultant, per assigned person
    (专属管家满意度, with a staff file); each customer's latest score of the month."""
    from lifecycle_cli.render.output import print_table

    average = "—" if block["average_score"] is None else f"{block['average_score']:.2f}"
    rows = [["全部", "", block["surveyed"], average]]
    for key, label in (("by_service_advisor", "服务顾问"), ("by_sales_consultant", "销售顾问")):
        rows += [[label, g["name"] or "（未记录）", g["customers"], f"{g['average_score']:.2f}"] for g in block[key]]
    rows += [[f"专属管家·{g['role_name']}", g["name"], g["customers"], f"{g['average_score']:.2f}"]
             for g in block["by_assigned_person"]]
    print_table(["按", "人员", "客户数", "平均满意度"], rows, title=f"满意度（{month}，每位客户取当月最近一次评分）")


def workload_for_people(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The levelled days as the terminal shows them: completion as a percentage (blank: nothing listed, or a
    day ahead)."""
    return [{k: (_pct(w[k]) if w[k] is not None else "") if k == "completion" else w[k] for k in WORKLOAD_COLUMNS}
            for w in rows]


# The report's levelled days (care-desk §2), for `report --workload` and the report's table.
WORKLOAD_COLUMNS = {
    "owner": "负责人",
    "date": "日期",
    "capacity": "产能",
    "listed": "已列入",
    "deferred": "顺延",
    "lapsed_capacity": "超出产能过期",
    "worked": "已完成",
    "completion": "完成率",
}


CHURN_COLUMNS = {
    "category": "流失类型",
    "customer_id": "客户编号",
    "name": "客户姓名",
    "phone": "电话",
    "vin": "车架号",
    "plate": "车牌号",
    "model": "车型",
    "store": "门店",
    "service_advisor": "服务顾问",
    "maintenance_due": "应保养日期",
    "last_visit": "最近进厂",
    "days_lost": "流失天数",
    "returned_on": "返回日期",
    "reason_name": "流失原因",
}


def register(app: typer.Typer) -> None:
    """Add the report verbs to the app."""
    _register_report(app)
    _register_churn(app)


def _register_report(app: typer.Typer) -> None:
    @app.command("report", cls=LifecycleCommand)
    def report_command(
        ctx: typer.Context,
        on: str = typer.Option(None, "--date", metavar="日期", help="报表日期 YYYY-MM-DD（默认今天）"),
        month: str = typer.Option(None, "--month", metavar="月份", help="KPI 月份 YYYY-MM（默认报表日期所在月）"),
        store: StoreOption = None,
        fmt: str = typer.Option("table", "--format", metavar="格式", callback=REPORT_FORMAT.parse,
                                help="输出格式：table / csv（KPI 表）/ json / html（经理报表网页，需要 --out）"
                                     " / xlsx（Excel 工作簿，需要 --out）"),
        months: int = typer.Option(None, "--months", metavar="月数",
                                   help="KPI 趋势：到 KPI 月份为止的月数（json 加 trend；html / xlsx 默认 12）"),
        out: Path = typer.Option(None, "--out", metavar="文件", help="--format html / xlsx 的输出文件"),
        workload_only: bool = typer.Option(False, "--workload",
                                           help="只输出各负责人每天的产能、已列入、顺延、超出产能过期"),
        english_headers: EnglishHeadersOption = False,
        unmask: UnmaskOption = False,
    ) -> None:
        """售后经理报表：阶段分布、KPI（含分子分母与目标）、流失分类、未来工作量；html / xlsx 为带图表的文件。"""
        from lifecycle_cli.cli.privacy import phones_for_export
        from lifecycle_cli.render.output import write_csv, write_json, write_records
        from lifecycle_cli.render.progress import progress_line
        from lifecycle_cli.service.report import report

        trend_months = _check_report_options(fmt, out, months, workload_only)
        context = get_context(ctx)
        rules = context.rules()
        options = _report_options(on, month, store, rules, trend_months)
        engine = context.engine(mapped=True)  # its passes over every car and task read the file mapped
        with progress_line() as steps:  # a report before any `due` after a big import stores the days ahead
            data = report(engine, rules, today(rules), options, steps)
        if unmask:  # no phone in it; --unmask is logged all the same
            phones_for_export(ctx, [data], unmask, store=store)
        if out is not None:
            _write_report_file(context, data, rules, fmt, out)
        elif workload_only:
            rows = workload_for_people(data["workload_days"]) if fmt == "table" else data["workload_days"]
            write_records(rows, WORKLOAD_COLUMNS, fmt, english_headers=english_headers,
                          title=f"产能（{options.day}）")
        elif fmt == "json":
            write_json(data)
        elif fmt == "csv":
            write_csv(
                ["code", "name", "value", "numerator", "denominator", "target", "met"],
                [[code, k["name"], k["value"], k["numerator"], k["denominator"], k["target"], k["met"]]
                 for code, k in data["kpis"].items()],
            )
        else:
            render_report(data, rules)


def _register_churn(app: typer.Typer) -> None:
    app.command("churn", cls=LifecycleCommand)(churn_command)


def churn_command(
    ctx: typer.Context,
    category: str = typer.Option(None, "--category", metavar="流失类型", callback=CHURN_CATEGORY.parse,
                                 help="只看此流失类型：首保流失 / 定保流失 / 保修期内流失 / 出保修期流失 / 流失返回"),
    store: StoreOption = None,
    on: str = typer.Option(None, "--date", metavar="日期", help="日期 YYYY-MM-DD（默认今天）"),
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
    unmask: UnmaskOption = False,
) -> None:
    """流失客户清单（招揽名单）：客户、电话、最近进厂、流失天数；免打扰客户不列出。"""
    from lifecycle_cli.cli.privacy import phones_for_export
    from lifecycle_cli.render.output import warn, write_records
    from lifecycle_cli.service.report import churn_list

    context = get_context(ctx)
    rules = context.rules()
    options = _report_options(on, None, store, rules)
    listed, left_out = churn_list(context.engine(), rules, options, category)
    rows = phones_for_export(ctx, listed, unmask, store=store)
    write_records(rows, CHURN_COLUMNS, fmt, english_headers=english_headers,
                  title=f"流失客户清单（{options.day}，共 {len(rows)} 辆）")
    if left_out:
        warn(f"免打扰客户 {left_out} 位未列出")
