"""`lifecycle due` (the call list) and `lifecycle done` (record a call's outcome): options parsed
here, the work in service/calllist.py and service/outcomes.py, the output in render/calllist.py."""

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lifecycle_cli.cli.choices import DUE_FORMAT, RESULT, ROLE, SPLIT_BY, TASK_CODE
from lifecycle_cli.cli.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    Context,
    EnglishHeadersOption,
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


def compute_call_list(context: Context, options: "CallListOptions") -> "CallList":
    """The call list of the options (its tasks stored first; a progress line on a terminal: the first
    list after a big import builds many customers' tasks)."""
    from lifecycle_cli.render.progress import progress_line
    from lifecycle_cli.service.calllist import call_list

    engine, rules = context.engine(), context.rules()
    with progress_line() as steps:
        return call_list(engine, rules, today(rules), options, steps)


def show_call_list(context: Context, options: "CallListOptions", fmt: str, english_headers: bool = False) -> None:
    """Compute and print a call list."""
    from lifecycle_cli.render.calllist import render_call_list

    render_call_list(compute_call_list(context, options), fmt, english_headers)


def sheet_call_list(context: Context, options: "CallListOptions", out: Path, english_headers: bool = False) -> None:
    """The call sheet as one workbook (`due --format xlsx --out FILE`); exit 2 when it cannot be written."""
    from lifecycle_cli.files import OutputRefused
    from lifecycle_cli.render.calllist import holiday_notes, sheet_headers, task_rows
    from lifecycle_cli.render.callsheet import write_sheet_workbook
    from lifecycle_cli.render.output import say

    if out.is_dir():
        fail(f"--out：{out} 已是一个文件夹（--format xlsx 不带 --split-by 时 --out 是一个文件）", EXIT_USAGE)
    calls = compute_call_list(context, options)
    holiday_notes(calls)
    scripts = call_scripts(context, calls)
    try:
        write_sheet_workbook(out, sheet_headers(english_headers, calls.questions, script=True),
                             task_rows(calls.lines, calls.questions, scripts),
                             title=f"回访清单 {options.day}")
    except OutputRefused as exc:
        fail(f"--out：{exc}", EXIT_USAGE)
    say(str(out))


def call_scripts(context: Context, calls: "CallList") -> dict[int, str]:
    """Each listed task's call script (the workbook's 话术 column)."""
    from lifecycle_cli.service.scripts import task_scripts

    ids = [task["task_id"] for line in calls.lines for task in line["tasks"]]
    return task_scripts(context.engine(), context.rules(), ids)


def split_call_list(context: Context, options: "CallListOptions", out: Path, english_headers: bool = False,
                    fmt: str = "csv") -> None:
    """One call sheet per owner in the folder `out`: an `out` that cannot be a folder is refused before any
    work (exit 2); a file that cannot be written is reported and the others are still written (exit 1)."""
    from lifecycle_cli.files import OutputRefused, check_directory
    from lifecycle_cli.render.calllist import write_split_files

    try:
        check_directory(out)
    except OutputRefused as exc:
        fail(f"--out：{exc}", EXIT_USAGE)
    calls = compute_call_list(context, options)
    scripts = call_scripts(context, calls) if fmt == "xlsx" else None
    failed, owners = write_split_files(calls, out, english_headers, fmt, scripts)
    if failed:
        fail(f"{failed} 位负责人的清单未写入（共 {owners} 位），其余已写入 {out}", EXIT_PARTIAL)


def _check_due_options(*, use_today: bool, on: str | None, split_by: str | None, out: Path | None,
                       fmt: str) -> None:
    if use_today and on:
        fail("--today 和 --date 只能给一个", EXIT_USAGE)
    if split_by is not None and out is None:
        fail("--split-by owner 需要和 --out DIR 一起使用", EXIT_USAGE)
    if fmt == "xlsx" and out is None:
        fail("--format xlsx 需要 --out 文件（或与 --split-by owner 一起用 --out 目录）", EXIT_USAGE)
    if split_by is None and out is not None and fmt != "xlsx":
        fail("--out 只用于 --format xlsx（一个文件）或 --split-by owner（一个目录）", EXIT_USAGE)
    if split_by is not None and fmt not in ("csv", "xlsx", "table"):
        fail("--split-by owner 写 CSV 或 xlsx 文件（--format csv / xlsx）", EXIT_USAGE)


def due_command(
    ctx: typer.Context,
    use_today: bool = typer.Option(False, "--today", help="今天（门店时区；不给日期时的默认值）"),
    on: str = typer.Option(None, "--date", metavar="日期", help="清单日期 YYYY-MM-DD"),
    days: int = typer.Option(1, "--days", min=1, max=366, metavar="天数", help="往后几天（按天分组）"),
    owner: str = typer.Option(None, "--owner", metavar="姓名", help="只看此负责人的清单（与其分文件相同）"),
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
                                  "no_show_followup 预约未到店回访 / appointment_reminder 预约到店提醒 / "
                                  "purchase_anniversary 购车周年关怀 / birthday_greeting 客户生日祝福 / "
                                  "care_call 双月关怀回访 / holiday_greeting 节日祝福 / pre_holiday_check 节前出行检查提醒 / "
                                  "complaint_followup 客户抱怨处理回访 / complaint_escalation 客户抱怨升级处理 / "
                                  "rescue_followup 维修救援回访 / "
                                  "warranty_claim_followup 保修索赔回访 / breakdown_followup 保修外车辆故障回访 / "
                                  "seasonal_campaign 四季活动 / theme_campaign 主题服务活动 / care_salon 爱车养护沙龙"),
    no_overdue: bool = typer.Option(False, "--no-overdue", help="不显示逾期任务"),
    no_capacity: bool = typer.Option(False, "--no-capacity",
                                     help="不按产能顺延：列出全部到期任务（经理查看积压）"),
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=DUE_FORMAT.parse,
                            help="输出格式：table / csv / json / xlsx（回访清单工作簿，需要 --out）"),
    english_headers: EnglishHeadersOption = False,
    split_by: str = typer.Option(None, "--split-by", metavar="方式", callback=SPLIT_BY.parse,
                                 help="owner 负责人：每位负责人一个回访清单文件（CSV，或 --format xlsx）"),
    out: Path = typer.Option(None, "--out", metavar="路径",
                             help="--split-by 的输出目录；--format xlsx 不分人时的输出文件"),
) -> None:
    """回访清单：每位客户每天一行，合并当天所有任务，按优先级排序。"""
    from lifecycle_cli.service.calllist import CallListOptions

    context = get_context(ctx)
    rules = context.rules()
    _check_due_options(use_today=use_today, on=on, split_by=split_by, out=out, fmt=fmt)
    options = CallListOptions(day=day_or_today(on, rules), days=days, owner=owner, role=role, store=store,
                              code=code, include_overdue=not no_overdue, capacity=not no_capacity)
    if split_by is not None:
        split_call_list(context, options, out, english_headers, "xlsx" if fmt == "xlsx" else "csv")
    elif fmt == "xlsx":
        sheet_call_list(context, options, out, english_headers)
    else:
        show_call_list(context, options, fmt, english_headers)


_RESULT_HELP = ("回访结果（代码或名称）：reached 接通 / no_answer 未接通 / switched_off 关机 / suspended 停机 / "
                "booked 已预约 / reschedule 改约 / declined 拒绝 / wrong_number 号码错误 / invalid_number 空号 / "
                "not_owner 非本人 / vehicle_sold 车已卖 / do_not_contact 要求免打扰 / sms_opt_out 短信退订 / sent 已发送")


def done_command(
    ctx: typer.Context,
    task_id: int = typer.Argument(None, metavar="任务号", help="任务号（清单中 # 后的数字）"),
    result: str = typer.Option(None, "--result", metavar="结果", callback=RESULT.parse, help=_RESULT_HELP),
    note: str = typer.Option(None, "--note", metavar="文本", help="备注"),
    booked_for: str = typer.Option(None, "--booked-for", metavar="日期",
                                   help="预约到店日期 YYYY-MM-DD（booked / reschedule 时）"),
    score: int = typer.Option(None, "--score", metavar="分数",
                              help="满意度 1–5（接通 / 已预约的交车回访和维修保养后回访）"),
    reason: str = typer.Option(None, "--reason", metavar="原因", help="原因（拒绝、流失）"),
    answers: list[str] = typer.Option(None, "--answer", metavar="题目=N",
                                      help="满意度问卷的一题（可重复），如 维修质量=4；题目见规则文件 [survey] questions"),
    on: str = typer.Option(None, "--date", metavar="日期", help="尝试日期 YYYY-MM-DD（默认今天）"),
    by: str = typer.Option(None, "--by", metavar="姓名", help="记录人（--from 时默认为清单的负责人）"),
    sheet: Path = typer.Option(None, "--from", metavar="文件",
                               help="读回由 due 导出并填好 结果 / 备注 / 预约日期 / 满意度 / 原因 的回访清单（CSV / xlsx）"),
    undo: bool = typer.Option(False, "--undo", help="撤销此任务最近一次回访结果（保留为已撤销记录）"),
) -> None:
    """记录回访结果：一个任务（任务号 --result），或整份填好的回访清单（--from 文件）；--undo 撤销。"""
    context = get_context(ctx)
    rules = context.rules()
    now = today(rules)
    day = day_or_today(on, rules)
    within_a_year(day, now, "--date")
    if sheet is not None:
        if task_id is not None or result is not None or undo or answers:
            fail("--from 不能与任务号、--result、--answer、--undo 一起使用（问卷各题为清单中的列）", EXIT_USAGE)
        _done_from(context, rules, now, sheet, day, by)
        return
    if task_id is None:
        fail("请给出任务号（或用 --from 文件 读回整份回访清单）", EXIT_USAGE)
    if undo:
        if result is not None:
            fail("--undo 不能与 --result 一起使用", EXIT_USAGE)
        _undo(context, rules, task_id)
        return
    if result is None:
        fail("缺少 --result（回访结果）", EXIT_USAGE)
    done_one(context, rules, now, day, task_id, result, note=note, booked_for=booked_for, score=score,
              reason=reason, by=by, answers=answers or [])


def done_one(context: Context, rules: "Rules", now: date, day: date, task_id: int, result: str, *,
              note: str | None, booked_for: str | None, score: int | None, reason: str | None,
              by: str | None, answers: list[str]) -> None:
    from lifecycle_cli.core.complaints import parse_answer
    from lifecycle_cli.service.outcomes import OutcomeOptions, record

    given: dict[str, int] = {}
    for text in answers:
        try:
            question, value = parse_answer(text, rules.survey.questions)
        except ValueError as exc:
            fail(f"--answer：{exc}", EXIT_USAGE)
        if question in given:
            fail(f"--answer：题目「{question}」给了两次", EXIT_USAGE)
        given[question] = value
    booked = parse_day(booked_for, "--booked-for") if booked_for else None
    if booked is not None and result not in ("booked", "reschedule"):
        fail("--booked-for 只用于 --result booked（已预约）或 reschedule（改约）", EXIT_USAGE)
    if booked is not None:
        within_a_year(booked, now, "--booked-for", not_before=day, before_what="尝试日期")
    options = OutcomeOptions(task_id, result, day, note=note, booked_for=booked, score=score, reason=reason,
                             recorded_by=by, answers=tuple(given.items()))
    _say_recorded(record(context.engine(), rules, now, options), options, rules)


def _done_from(context: Context, rules: "Rules", now: date, sheet: Path, day: date, by: str | None) -> None:
    from lifecycle_cli.ingest.readers import FileRefused
    from lifecycle_cli.render.output import say, warn
    from lifecycle_cli.service.outcomes import record_sheet

    try:
        done = record_sheet(context.engine(), rules, now, sheet, day, by)
    except FileRefused as exc:
        fail(f"--from：{exc}", EXIT_USAGE)
    for message in done.rejected:
        warn(message)
    say(f"{sheet}：已记录 {done.recorded} 条，跳过 {done.skipped} 条，拒绝 {len(done.rejected)} 条")
    if done.rejected:
        fail(f"{len(done.rejected)} 行未记录（见上），其余已记录", EXIT_PARTIAL)


def _undo(context: Context, rules: "Rules", task_id: int) -> None:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS
    from lifecycle_cli.render.output import say
    from lifecycle_cli.service.outcomes import undo

    outcome, done = undo(context.engine(), rules, task_id)
    state = "任务重新打开" if done.task["status"] == "open" else "任务仍为关闭"
    say(f"已撤销：任务 {task_id}（{done.name}）{outcome['attempt_date']} 的「{OUTCOME_LABELS.get(outcome['result'], '')}」，"
        f"{state}")
    complaint = outcome.get("complaint")
    if complaint is not None:
        event_id, withdrawn = complaint
        say(f"这次回访的低分登记的客户抱怨 #{event_id} 已一并撤销（其回访与升级任务已关闭）" if withdrawn else
            f"这次回访的低分登记的客户抱怨 #{event_id} 已有处理记录，保留（需要时用 lifecycle event resolve 结案）")


def _say_recorded(done: "Recorded", options: "OutcomeOptions", rules: "Rules") -> None:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS, STAYS_OPEN_CODES, closed_reason_label
    from lifecycle_cli.render.output import say

    task, task_id, name = done.task, options.task_id, done.name
    label = OUTCOME_LABELS[options.result]
    extra = f"，预约 {options.booked_for}" if options.booked_for else ""
    if options.result == "reschedule":
        say(f"已记录：任务 {task_id}（{name}）改约{extra}")
    elif task["status"] == "open" and task["code"] in STAYS_OPEN_CODES:
        say(f"已记录：任务 {task_id}（{name}）{label}，第 {task['attempts']} 次；抱怨处理完毕（event resolve）前"
            "每天仍在清单上")
    elif task["status"] == "open":
        left = rules.schedule.max_attempts - task["attempts"]
        say(f"已记录：任务 {task_id}（{name}）{label}，第 {task['attempts']} 次尝试；"
            f"下一个工作日再回访（还可尝试 {left} 次）")
    elif task["closed_reason"] == "unreachable":
        say(f"已记录：任务 {task_id}（{name}）{label}，已尝试 {task['attempts']} 次，任务关闭（"
            f"{closed_reason_label('unreachable')}）")
    elif options.result in ("wrong_number", "invalid_number", "not_owner"):
        say(f"已记录：任务 {task_id}（{name}）{label}，号码已标记为无效，该客户的电话任务已关闭，"
            "导入新号码后恢复")
    elif options.result == "vehicle_sold":
        say(f"已记录：任务 {task_id}（{name}）{label}，该车的待办任务已关闭")
    elif options.result == "do_not_contact":
        say(f"已记录：任务 {task_id}（{name}）{label}，该客户已设为免打扰，不再出现在任何清单")
    elif options.result == "sms_opt_out":
        say(f"已记录：任务 {task_id}（{name}）{label}，该客户不再收到短信（待发短信已关闭；电话回访照常）")
    else:
        say(f"已记录：任务 {task_id}（{name}）{label}{extra}，任务完成")
    if task.get("complaint_event_id") is not None:
        say(f"满意度 {options.score} 分（不高于 {rules.survey.complaint_at} 分）：已自动登记客户抱怨 "
            f"#{task['complaint_event_id']}（lifecycle event list --open 查看处理人与期限）")


def register(app: typer.Typer) -> None:
    """Add the call-list verbs to the app."""
    app.command("due", cls=LifecycleCommand)(due_command)
    app.command("done", cls=LifecycleCommand)(done_command)
