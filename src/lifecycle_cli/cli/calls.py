"""`lifecycle due` (the call list) and `lifecycle done` (record a call's outcome): options parsed
here, the work in service/calllist.py and service/outcomes.py, the output in render/calllist.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lifecycle_cli.cli.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    Context,
    EnglishHeadersOption,
    FormatOption,
    StoreOption,
    check_format,
    day_or_today,
    fail,
    get_context,
    parse_day,
    today,
    within_a_year,
)

if TYPE_CHECKING:
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.service.calllist import CallList, CallListOptions
    from lifecycle_cli.service.outcomes import OutcomeOptions, Recorded


def compute_call_list(context: Context, options: CallListOptions) -> CallList:
    """The call list of the options (its tasks stored first; a progress line on a terminal: the first
    list after a big import builds many customers' tasks)."""
    from lifecycle_cli.render.progress import progress_line
    from lifecycle_cli.service.calllist import call_list

    engine, rules = context.engine(), context.rules()
    with progress_line() as steps:
        return call_list(engine, rules, today(rules), options, steps)


def show_call_list(context: Context, options: CallListOptions, fmt: str, english_headers: bool = False) -> None:
    """Compute and print a call list."""
    from lifecycle_cli.render.calllist import render_call_list

    render_call_list(compute_call_list(context, options), fmt, english_headers)


def split_call_list(context: Context, options: CallListOptions, out: Path, english_headers: bool = False) -> None:
    """One CSV per owner in the folder `out`: an `out` that cannot be a folder is refused before any
    work (exit 2); a file that cannot be written is reported and the others are still written (exit 1)."""
    from lifecycle_cli.files import OutputRefused, check_directory
    from lifecycle_cli.render.calllist import write_split_files

    try:
        check_directory(out)
    except OutputRefused as exc:
        fail(f"--out：{exc}", EXIT_USAGE)
    failed, owners = write_split_files(compute_call_list(context, options), out, english_headers)
    if failed:
        fail(f"{failed} 位负责人的清单未写入（共 {owners} 位），其余已写入 {out}", EXIT_PARTIAL)


def _check_due_options(rules: Rules, *, use_today: bool, on: str | None, code: str | None, role: str | None,
                       split_by: str | None, out: Path | None) -> None:
    if use_today and on:
        fail("--today 和 --date 只能给一个", EXIT_USAGE)
    if code is not None and code not in rules.touchpoints:
        fail(f"--code 不认识 \"{code}\"，可用：{', '.join(rules.touchpoints)}", EXIT_USAGE)
    if role is not None and role not in rules.roles:
        fail(f"--role 不认识 \"{role}\"，可用：{', '.join(rules.roles)}", EXIT_USAGE)
    if split_by is not None and split_by != "owner":
        fail("--split-by 目前只支持 owner", EXIT_USAGE)
    if (split_by is None) != (out is None):
        fail("--split-by owner 需要和 --out DIR 一起使用", EXIT_USAGE)


def due_command(
    ctx: typer.Context,
    use_today: bool = typer.Option(False, "--today", help="今天（门店时区；不给日期时的默认值）"),
    on: str = typer.Option(None, "--date", help="清单日期 YYYY-MM-DD"),
    days: int = typer.Option(1, "--days", min=1, max=366, help="往后几天（按天分组）"),
    owner: str = typer.Option(None, "--owner", help="只看此负责人的任务"),
    role: str = typer.Option(None, "--role", help="只看此岗位：sales_manager / sales_consultant / "
                                                   "service_advisor / customer_care"),
    store: StoreOption = None,
    code: str = typer.Option(None, "--code", help="只看此任务代码，如 first_service_invite"),
    no_overdue: bool = typer.Option(False, "--no-overdue", help="不显示逾期任务"),
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
    split_by: str = typer.Option(None, "--split-by", help="owner：每位负责人一个 CSV 文件"),
    out: Path = typer.Option(None, "--out", help="--split-by 的输出目录"),
) -> None:
    """回访清单：每位客户每天一行，合并当天所有任务，按优先级排序。"""
    from lifecycle_cli.service.calllist import CallListOptions

    check_format(fmt)
    context = get_context(ctx)
    rules = context.rules()
    _check_due_options(rules, use_today=use_today, on=on, code=code, role=role, split_by=split_by, out=out)
    options = CallListOptions(day=day_or_today(on, rules), days=days, owner=owner, role=role, store=store,
                              code=code, include_overdue=not no_overdue)
    if split_by is None:
        show_call_list(context, options, fmt, english_headers)
    else:
        split_call_list(context, options, out, english_headers)


def done_command(
    ctx: typer.Context,
    task_id: int = typer.Argument(..., help="任务号（清单中 # 后的数字）"),
    result: str = typer.Option(..., "--result", help="reached 接通 / no_answer 未接通 / booked 已预约 / "
                                                       "declined 拒绝 / wrong_number 号码错误"),
    note: str = typer.Option(None, "--note", help="备注"),
    booked_for: str = typer.Option(None, "--booked-for", help="预约到店日期 YYYY-MM-DD（booked 时）"),
    on: str = typer.Option(None, "--date", help="尝试日期（默认今天）"),
) -> None:
    """记录一次回访结果。"""
    from lifecycle_cli.core.calllist import OUTCOMES
    from lifecycle_cli.service.outcomes import OutcomeOptions, record

    if result not in OUTCOMES:
        fail(f"--result 只能是 {' / '.join(OUTCOMES)}，不是 \"{result}\"", EXIT_USAGE)
    context = get_context(ctx)
    rules = context.rules()
    now = today(rules)
    day = day_or_today(on, rules)
    within_a_year(day, now, "--date")
    booked = parse_day(booked_for, "--booked-for") if booked_for else None
    if booked is not None and result != "booked":
        fail("--booked-for 只用于 --result booked", EXIT_USAGE)
    if booked is not None:
        within_a_year(booked, now, "--booked-for", not_before=day, before_what="尝试日期")
    options = OutcomeOptions(task_id, result, day, note=note, booked_for=booked)
    _say_recorded(record(context.engine(), rules, now, options), options, rules)


def _say_recorded(done: Recorded, options: OutcomeOptions, rules: Rules) -> None:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS
    from lifecycle_cli.render.output import say

    task, task_id, name = done.task, options.task_id, done.name
    label = OUTCOME_LABELS[options.result]
    if task["status"] == "open":
        left = rules.schedule.max_attempts - task["attempts"]
        say(f"已记录：任务 {task_id}（{name}）{label}，第 {task['attempts']} 次尝试；"
            f"明天再回访（还可尝试 {left} 次）")
    elif task["closed_reason"] == "unreachable":
        say(f"已记录：任务 {task_id}（{name}）{label}，已尝试 {task['attempts']} 次，任务关闭（无法联系）")
    else:
        extra = f"，预约 {options.booked_for}" if options.booked_for else ""
        say(f"已记录：任务 {task_id}（{name}）{label}{extra}，任务完成")


def register(app: typer.Typer) -> None:
    """Add the call-list verbs to the app."""
    app.command("due")(due_command)
    app.command("done")(done_command)
