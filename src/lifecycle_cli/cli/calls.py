"""`lifecycle due` (the call list) and `lifecycle done` (record a call's outcome): options parsed
here, the work in service/calllist.py and service/outcomes.py, the output in render/calllist.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lifecycle_cli.cli.choices import RESULT, ROLE, SPLIT_BY, TASK_CODE
from lifecycle_cli.cli.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    Context,
    EnglishHeadersOption,
    FormatOption,
    StoreOption,
    day_or_today,
    fail,
    get_context,
    parse_day,
    today,
    within_a_year,
)
from lifecycle_cli.cli.helptext import LifecycleCommand

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


def _check_due_options(*, use_today: bool, on: str | None, split_by: str | None, out: Path | None) -> None:
    if use_today and on:
        fail("--today 和 --date 只能给一个", EXIT_USAGE)
    if (split_by is None) != (out is None):
        fail("--split-by owner 需要和 --out DIR 一起使用", EXIT_USAGE)


def due_command(
    ctx: typer.Context,
    use_today: bool = typer.Option(False, "--today", help="今天（门店时区；不给日期时的默认值）"),
    on: str = typer.Option(None, "--date", metavar="日期", help="清单日期 YYYY-MM-DD"),
    days: int = typer.Option(1, "--days", min=1, max=366, metavar="天数", help="往后几天（按天分组）"),
    owner: str = typer.Option(None, "--owner", metavar="姓名", help="只看此负责人的任务"),
    role: str = typer.Option(None, "--role", metavar="岗位", callback=ROLE.parse,
                             help="只看此岗位（代码或名称）：sales_manager 销售经理 / sales_consultant 销售顾问 / "
                                  "service_advisor 服务顾问 / customer_care 客服专员 / service_manager 服务经理 / "
                                  "insurance_specialist 续保专员 / aftersales_manager 售后经理 / general_manager 总经理"),
    store: StoreOption = None,
    code: str = typer.Option(None, "--code", metavar="任务代码", callback=TASK_CODE.parse,
                             help="只看此任务（代码或名称）：delivery_call_24h 交车24小时感谢回访 / "
                                  "delivery_call_7d 交车7日回访 / visit_45d 购车1.5月回访 / "
                                  "first_service_invite 首保邀约 / service_invite 定期保养邀约 / "
                                  "churn_winback 流失客户招揽 / warranty_expiry_check 保修到期前检测邀约 / "
                                  "trade_in_offer 二手车置换邀约 / insurance_renewal_invite 续保邀约 / "
                                  "inspection_reminder 年审提醒 / post_service_followup 维修保养后三日回访 / "
                                  "purchase_anniversary 购车周年关怀 / birthday_greeting 客户生日祝福 / "
                                  "care_call 双月关怀回访 / holiday_greeting 节日祝福 / "
                                  "complaint_followup 客户抱怨处理回访 / rescue_followup 维修救援回访 / "
                                  "warranty_claim_followup 保修索赔回访 / breakdown_followup 保修外车辆故障回访 / "
                                  "seasonal_campaign 四季活动 / theme_campaign 主题服务活动 / care_salon 爱车养护沙龙"),
    no_overdue: bool = typer.Option(False, "--no-overdue", help="不显示逾期任务"),
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
    split_by: str = typer.Option(None, "--split-by", metavar="方式", callback=SPLIT_BY.parse,
                                 help="owner 负责人：每位负责人一个 CSV 文件"),
    out: Path = typer.Option(None, "--out", metavar="目录", help="--split-by 的输出目录"),
) -> None:
    """回访清单：每位客户每天一行，合并当天所有任务，按优先级排序。"""
    from lifecycle_cli.service.calllist import CallListOptions

    context = get_context(ctx)
    rules = context.rules()
    _check_due_options(use_today=use_today, on=on, split_by=split_by, out=out)
    options = CallListOptions(day=day_or_today(on, rules), days=days, owner=owner, role=role, store=store,
                              code=code, include_overdue=not no_overdue)
    if split_by is None:
        show_call_list(context, options, fmt, english_headers)
    else:
        split_call_list(context, options, out, english_headers)


def done_command(
    ctx: typer.Context,
    task_id: int = typer.Argument(..., metavar="任务号", help="任务号（清单中 # 后的数字）"),
    result: str = typer.Option(..., "--result", metavar="结果", callback=RESULT.parse,
                               help="回访结果（代码或名称）：reached 接通 / no_answer 未接通 / booked 已预约 / "
                                    "declined 拒绝 / wrong_number 号码错误"),
    note: str = typer.Option(None, "--note", metavar="文本", help="备注"),
    booked_for: str = typer.Option(None, "--booked-for", metavar="日期",
                                   help="预约到店日期 YYYY-MM-DD（booked 时）"),
    on: str = typer.Option(None, "--date", metavar="日期", help="尝试日期 YYYY-MM-DD（默认今天）"),
) -> None:
    """记录一次回访结果。"""
    from lifecycle_cli.service.outcomes import OutcomeOptions, record

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
    app.command("due", cls=LifecycleCommand)(due_command)
    app.command("done", cls=LifecycleCommand)(done_command)
