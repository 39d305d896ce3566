"""`lifecycle appointments` (reception's list of the days' appointments, 预约), and the short forms of
`done` that make and move one: `booked TASK --booked-for D`, `reschedule TASK --booked-for D2`."""

from datetime import timedelta
from pathlib import Path

import typer

from lifecycle_cli.cli.choices import Choice, Entry
from lifecycle_cli.cli.common import (
    EXIT_USAGE,
    EnglishHeadersOption,
    StoreOption,
    day_or_today,
    fail,
    get_context,
    today,
    within_a_year,
    write_records_workbook,
)
from lifecycle_cli.cli.helptext import LifecycleCommand

APPOINTMENTS_FORMAT = Choice(fixed=lambda: (Entry(c) for c in ("table", "csv", "json", "xlsx")))
# The JSON contract (care-desk §6): one object per appointment with exactly these keys.
JSON_KEYS = ("appointment_id", "customer_id", "name", "phone", "vin", "plate", "date", "purpose", "booked_by",
             "task_id", "status")
COLUMNS = {
    "date": "预约日期",
    "customer_id": "客户编号",
    "name": "姓名",
    "phone": "电话",
    "plate": "车牌",
    "vin": "车架号",
    "purpose": "预约事项",
    "booked_by": "预约人",
    "status": "状态",
    "task_id": "任务号",
    "appointment_id": "预约号",
}


def appointments_command(
    ctx: typer.Context,
    use_today: bool = typer.Option(False, "--today", help="今天（门店时区；不给日期时的默认值）"),
    on: str = typer.Option(None, "--date", metavar="日期", help="预约日期 YYYY-MM-DD"),
    days: int = typer.Option(1, "--days", min=1, max=366, metavar="天数", help="往后几天"),
    store: StoreOption = None,
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=APPOINTMENTS_FORMAT.parse,
                            help="输出格式：table / csv / json / xlsx（需要 --out）"),
    english_headers: EnglishHeadersOption = False,
    out: Path = typer.Option(None, "--out", metavar="文件", help="输出文件（--format xlsx 时必需）"),
) -> None:
    """预约到店清单（前台用）：客户、电话、车辆、预约事项、预约人、状态（已预约 / 已到店 / 未到店）。"""
    from lifecycle_cli.render.output import write_json, write_records
    from lifecycle_cli.service.appointments import appointments

    context = get_context(ctx)
    rules = context.rules()
    if use_today and on:
        fail("--today 和 --date 只能给一个", EXIT_USAGE)
    if fmt == "xlsx" and out is None:
        fail("--format xlsx 需要 --out 文件", EXIT_USAGE)
    if out is not None and fmt != "xlsx":
        fail("--out 只用于 --format xlsx", EXIT_USAGE)
    first = day_or_today(on, rules)
    last = first + timedelta(days=days - 1)
    rows = appointments(context.engine(), rules, today(rules), first, last, store)
    if fmt == "json":
        write_json([{k: r[k] for k in JSON_KEYS} for r in rows])
        return
    shown = [{**r, "purpose": r["purpose_name"], "status": r["status_name"]} for r in rows]
    if fmt == "xlsx":
        write_records_workbook(out, shown, COLUMNS, english_headers, "预约到店")
        return
    title = f"预约到店 {first}" + (f" – {last}" if last != first else "")
    write_records(shown, COLUMNS, fmt, english_headers=english_headers, title=title)


def _booking(ctx: typer.Context, task_id: int, result: str, booked_for: str, note: str | None, on: str | None,
             by: str | None) -> None:
    from lifecycle_cli.cli.calls import done_one

    context = get_context(ctx)
    rules = context.rules()
    now = today(rules)
    day = day_or_today(on, rules)
    within_a_year(day, now, "--date")
    done_one(context, rules, now, day, task_id, result, note=note, booked_for=booked_for, score=None, reason=None,
              by=by, answers=[])


_TASK = typer.Argument(..., metavar="任务号", help="任务号（清单中 # 后的数字）")
_NOTE = typer.Option(None, "--note", metavar="文本", help="备注")
_ON = typer.Option(None, "--date", metavar="日期", help="回访日期 YYYY-MM-DD（默认今天）")
_BY = typer.Option(None, "--by", metavar="姓名", help="记录人（默认为任务的负责人）")


def booked_command(
    ctx: typer.Context,
    task_id: int = _TASK,
    booked_for: str = typer.Option(..., "--booked-for", metavar="日期", help="预约到店日期 YYYY-MM-DD"),
    note: str = _NOTE,
    on: str = _ON,
    by: str = _BY,
) -> None:
    """记录已预约（done 任务号 --result booked 的简写）：生成预约，前一天短信提醒，未到店次日回访。"""
    _booking(ctx, task_id, "booked", booked_for, note, on, by)


def reschedule_command(
    ctx: typer.Context,
    task_id: int = _TASK,
    booked_for: str = typer.Option(..., "--booked-for", metavar="日期", help="新的预约到店日期 YYYY-MM-DD"),
    note: str = _NOTE,
    on: str = _ON,
    by: str = _BY,
) -> None:
    """改约（done 任务号 --result reschedule 的简写）：把此任务的预约改到新的日期。"""
    _booking(ctx, task_id, "reschedule", booked_for, note, on, by)


def register(app: typer.Typer) -> None:
    """Add `appointments`, `booked` and `reschedule` to the app."""
    app.command("appointments", cls=LifecycleCommand)(appointments_command)
    app.command("booked", cls=LifecycleCommand)(booked_command)
    app.command("reschedule", cls=LifecycleCommand)(reschedule_command)
