"""`lifecycle outcomes`: the call records of a month or a range of days, for the maker's audit
(care-desk §5). Phones are left out (masking is issue 19)."""

from pathlib import Path

import typer

from lifecycle_cli.cli.choices import Choice, Entry
from lifecycle_cli.cli.common import (
    EXIT_USAGE,
    EnglishHeadersOption,
    StoreOption,
    fail,
    get_context,
    parse_day,
    parse_month,
    today,
    write_records_workbook,
)
from lifecycle_cli.cli.helptext import LifecycleCommand
from lifecycle_cli.cli.privacy import UnmaskOption

OUTCOMES_FORMAT = Choice(fixed=lambda: (Entry(c) for c in ("table", "csv", "xlsx", "json")))
COLUMNS = {
    "date": "日期",
    "person": "记录人",
    "customer_id": "客户编号",
    "customer_name": "客户姓名",
    "task_id": "任务号",
    "code": "任务代码",
    "task": "任务",
    "result": "结果代码",
    "result_name": "结果",
    "note": "备注",
    "score": "满意度",
    "reason": "原因",
    "booked_for": "预约日期",
    "list_date": "清单日期",
    "withdrawn": "已撤销",
    "store": "门店",
}


def outcomes_command(
    ctx: typer.Context,
    month: str = typer.Option(None, "--month", metavar="月份", help="月份 YYYY-MM（默认本月）"),
    start: str = typer.Option(None, "--from", metavar="日期", help="起始日期 YYYY-MM-DD（与 --to 一起）"),
    end: str = typer.Option(None, "--to", metavar="日期", help="截止日期 YYYY-MM-DD"),
    store: StoreOption = None,
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=OUTCOMES_FORMAT.parse,
                            help="输出格式：table / csv / xlsx（需要 --out）/ json"),
    english_headers: EnglishHeadersOption = False,
    out: Path = typer.Option(None, "--out", metavar="文件", help="输出文件（--format xlsx 时必需）"),
    unmask: UnmaskOption = False,
) -> None:
    """回访记录：某月或某段日期的每次回访结果（记录人、客户、任务、结果、备注、满意度、原因），供厂家审核。"""
    from lifecycle_cli.cli.privacy import phones_for_export
    from lifecycle_cli.render.output import write_json, write_records
    from lifecycle_cli.service.outcomes import records

    context = get_context(ctx)
    rules = context.rules()
    if month and (start or end):
        fail("--month 和 --from / --to 只能给一种", EXIT_USAGE)
    if (start is None) != (end is None):
        fail("--from 和 --to 需要一起给出", EXIT_USAGE)
    if fmt == "xlsx" and out is None:
        fail("--format xlsx 需要 --out 文件", EXIT_USAGE)
    if start and end:
        first, last = parse_day(start, "--from"), parse_day(end, "--to")
        if last < first:
            fail("--to 早于 --from", EXIT_USAGE)
    else:
        first, last = parse_month(month or today(rules).strftime("%Y-%m"))
    rows = phones_for_export(ctx, records(context.engine(), rules, first, last, store), unmask, store=store)
    if fmt == "xlsx":
        write_records_workbook(out, rows, COLUMNS, english_headers, "回访记录")
        return
    if fmt == "json":
        write_json(rows)
        return
    shown = rows if fmt == "csv" else [{**r, "withdrawn": "是" if r["withdrawn"] else ""} for r in rows]
    write_records(shown, COLUMNS, fmt, english_headers=english_headers, title=f"回访记录 {first} – {last}")


def register(app: typer.Typer) -> None:
    """Add `outcomes` to the app."""
    app.command("outcomes", cls=LifecycleCommand)(outcomes_command)
