"""`lifecycle event ...` (complaints, rescues, warranty claims, breakdowns) and
`lifecycle campaign ...` (a segment contacted on a date): the random key moments (随机节点)."""

from typing import TYPE_CHECKING, Any

import typer

from lifecycle_cli.cli.choices import (
    AGE_BAND,
    CAMPAIGN_KIND,
    CHANNEL,
    CHURN_CATEGORY,
    COMPLAINT_LEVEL,
    EVENT_KIND,
    EVENT_STATUS,
    FORMAT,
    ROLE,
    STAGE,
)
from lifecycle_cli.cli.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    EnglishHeadersOption,
    FormatOption,
    StoreOption,
    day_or_today,
    fail,
    get_context,
    parse_day,
    today,
)
from lifecycle_cli.cli.helptext import HelpGroup, LifecycleCommand
from lifecycle_cli.cli.privacy import UnmaskOption, phones_for_export

if TYPE_CHECKING:
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.core.segments import Segment
    from lifecycle_cli.service.events import CampaignOptions
    from lifecycle_cli.store.events import Selection

event_app = typer.Typer(
    cls=HelpGroup,
    help="随机节点事件：客户抱怨、维修救援、保修索赔、保修外故障，各生成回访任务。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
campaign_app = typer.Typer(
    cls=HelpGroup,
    help="客户服务活动：四季活动、主题服务活动、爱车养护沙龙……按细分客群在活动日生成回访任务。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

EVENT_COLUMNS = {
    "event_id": "事件号",
    "kind": "类型",
    "kind_name": "类型名称",
    "event_date": "日期",
    "vin": "车架号",
    "plate": "车牌号",
    "customer_id": "客户编号",
    "name": "客户姓名",
    "phone": "电话",
    "note": "说明",
    "status": "状态",
    "resolved_on": "处理日期",
    "followup_task_id": "回访任务号",
    "followup_due": "回访日期",
    "followup_status": "回访状态",
    "resolved_task_id": "处理后回访任务号",
    "resolved_followup_due": "处理后回访日期",
}
CAMPAIGN_COLUMNS = {
    "campaign_id": "活动号",
    "name": "活动名称",
    "kind": "类型",
    "date": "活动日期",
    "channel": "方式",
    "owner_role": "岗位",
    "segment_text": "客群",
    "vehicles": "车辆数",
    "customers": "客户数",
    "excluded_do_not_contact": "免打扰排除",
    "tasks": "任务数",
    "tasks_open": "未完成",
    "tasks_closed": "已完成",
    "outcomes_text": "回访结果",
}
TARGET_COLUMNS = {
    "customer_id": "客户编号",
    "name": "客户姓名",
    "phone": "电话",
    "vin": "车架号",
    "plate": "车牌号",
    "model": "车型",
    "store": "门店",
    "stage": "活动日阶段",
    "task_id": "任务号",
    "owner": "负责人",
    "task_status": "任务状态",
    "last_result": "最近结果",
    "last_attempt": "最近尝试",
}


def _rules_problem(exc: Exception) -> None:
    fail(f"规则文件中事件/活动的设置无效：{exc}", EXIT_USAGE)


# --------------------------------------------------------------------------- events


def _event_record(row: dict[str, Any], rules: "Rules") -> dict[str, Any]:
    from lifecycle_cli.core.events import STATUS_LABELS

    kind = rules.events.kinds.get(row["kind"])
    return {
        "event_id": row["id"], "kind": row["kind"], "kind_name": kind.name if kind else row["kind"],
        "event_date": row["event_date"], "vin": row["vin"], "plate": row.get("plate") or "",
        "customer_id": row.get("customer_id") or "", "name": row.get("name") or "",
        "phone": row.get("phone") or "", "note": row["note"], "status": row["status"],
        "status_name": STATUS_LABELS.get(row["status"], row["status"]), "resolved_on": row["resolved_on"],
        "followup_task_id": row["followup_task_id"], "followup_due": row.get("followup_due"),
        "followup_status": row.get("followup_status"), "resolved_task_id": row["resolved_task_id"],
        "resolved_followup_due": row.get("resolved_followup_due"),
    }


@event_app.command("add", cls=LifecycleCommand)
def event_add(
    ctx: typer.Context,
    vin: str = typer.Argument(..., metavar="车架号", help="车架号"),
    kind: str = typer.Argument(..., metavar="事件类型", callback=EVENT_KIND.parse,
                               help="代码或名称：complaint 客户抱怨 / rescue 维修救援 / warranty_claim 保修索赔 / "
                                    "breakdown 保修外故障（或规则文件中的其他事件类型）"),
    on: str = typer.Option(None, "--date", metavar="日期", help="事件日期 YYYY-MM-DD（默认今天）"),
    note: str = typer.Option("", "--note", metavar="文本", help="说明"),
    level: str = typer.Option("store", "--level", metavar="级别", callback=COMPLAINT_LEVEL.parse,
                              help="客户抱怨的级别：store 店内（默认）/ oem 厂家（厂家400热线转来）"),
) -> None:
    """记录一个事件，并生成次日的回访任务（抱怨另有处理人、响应与解决期限，超期升级；处理后还有一次回访）。"""
    from lifecycle_cli.cli.complaints import say_clock
    from lifecycle_cli.render.output import say, warn
    from lifecycle_cli.service.events import add_event

    context = get_context(ctx)
    rules = context.rules()
    found = rules.events.kinds[kind]  # the code of a kind of these rules (EVENT_KIND checked it)
    day = day_or_today(on, rules)
    result = add_event(context.engine(), rules, vin, found, day, note, level)
    event = result.event
    if not result.created:
        say(f"事件 #{event['id']} 已记录过（同一车辆、类型、日期和说明），未做任何更改")
        return
    for warning in result.warnings:
        warn(f"警告 {warning}")
    say(f"已记录事件 #{event['id']}：{found.name}，{event['vin']}，{day}" + (f"，{note}" if note else ""))
    task = result.task
    if task is not None:
        name = rules.touchpoints[task["code"]].name
        say(f"回访任务 #{task['id']}：{name}，{task['due_date']}，负责人 {task['owner']}")
    else:
        say("回访期限在门店上线（首次生成回访清单）之前已过，不生成回访任务")
    say_clock(event, rules)


@event_app.command("resolve", cls=LifecycleCommand)
def event_resolve(
    ctx: typer.Context,
    event_id: int = typer.Argument(..., metavar="事件号", help="事件号（event add / event list 中的 #）"),
    satisfied: bool = typer.Option(None, "--satisfied/--unsatisfied", help="客户对处理结果满意 / 不满意"),
    on: str = typer.Option(None, "--date", metavar="日期", help="处理完成日期 YYYY-MM-DD（默认今天）"),
) -> None:
    """事件处理完毕：记录客户是否满意；客户抱怨在处理后次日再回访一次。"""
    from lifecycle_cli.render.output import say
    from lifecycle_cli.service.events import resolve_event

    if satisfied is None:
        fail("请指定 --satisfied（满意）或 --unsatisfied（不满意）", EXIT_USAGE)
    context = get_context(ctx)
    rules = context.rules()
    day = day_or_today(on, rules)
    engine = context.engine()
    try:
        task = resolve_event(engine, rules, event_id, satisfied, day)
    except (KeyError, TypeError, ValueError) as exc:
        _rules_problem(exc)
    word = "满意" if satisfied else "不满意"
    say(f"事件 #{event_id} 已于 {day} 处理完毕（{word}）")
    if task is not None:
        name = rules.touchpoints[task["code"]].name
        say(f"处理后回访任务 #{task['id']}：{name}，{task['due_date']}，负责人 {task['owner']}")


@event_app.command("list", cls=LifecycleCommand)
def event_list(
    ctx: typer.Context,
    kind: str = typer.Option(None, "--kind", metavar="事件类型", callback=EVENT_KIND.parse,
                             help="只看此类型：complaint 客户抱怨 / rescue 维修救援 / warranty_claim 保修索赔 / "
                                  "breakdown 保修外故障"),
    status: str = typer.Option(None, "--status", metavar="状态", callback=EVENT_STATUS.parse,
                               help="只看此状态：open 处理中 / satisfied 满意 / unsatisfied 不满意"),
    store: StoreOption = None,
    since: str = typer.Option(None, "--since", metavar="日期", help="事件日期从 YYYY-MM-DD"),
    until: str = typer.Option(None, "--until", metavar="日期", help="事件日期到 YYYY-MM-DD"),
    open_only: bool = typer.Option(False, "--open", help="只看未处理完的事件，含已过天数、级别、处理人、响应与解决期限"),
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
    unmask: UnmaskOption = False,
) -> None:
    """事件清单（最新在前），含回访任务与处理状态；--open 看未处理完的事件与抱怨期限。"""
    from lifecycle_cli.cli.complaints import OPEN_COLUMNS, clock_fields
    from lifecycle_cli.render.output import write_records
    from lifecycle_cli.service.events import EventFilters, list_events

    context = get_context(ctx)
    rules = context.rules()
    first = parse_day(since, "--since") if since else None
    last = parse_day(until, "--until") if until else None
    if open_only and status not in (None, "open"):
        fail("--open 不能与 --status 满意 / 不满意 一起使用", EXIT_USAGE)
    rows = list_events(context.engine(), EventFilters(kind=kind, status="open" if open_only else status, store=store,
                                                      since=first, until=last))
    now = today(rules)
    records = phones_for_export(ctx, [{**_event_record(r, rules), **clock_fields(r, now)} for r in rows], unmask,
                                store=store)
    if fmt == "table":
        for r in records:
            r["status"] = r["status_name"]
    write_records(records, OPEN_COLUMNS if open_only else EVENT_COLUMNS, fmt, english_headers=english_headers,
                  title=f"{'未处理完的' if open_only else ''}事件清单（共 {len(records)} 个）")


# --------------------------------------------------------------------------- campaigns


def _build_segment(rules: "Rules", *, stages: list[str], bands: list[str], models: list[str], stores: list[str],
                   km_min: int | None, km_max: int | None, visits_min: int | None, visits_max: int | None,
                   churn: list[str]) -> "Segment":
    """The segment from the options (stages, bands and churn categories already checked by their
    choices), or a usage error naming the value and what is accepted."""
    from lifecycle_cli.core.segments import Segment

    for option, value in (("--km-min", km_min), ("--km-max", km_max), ("--visits-min", visits_min),
                          ("--visits-max", visits_max)):
        if value is not None and value < 0:
            fail(f"{option} 不能为负数：{value}", EXIT_USAGE)
    if km_min is not None and km_max is not None and km_min >= km_max:
        fail(f"--km-min {km_min} 必须小于 --km-max {km_max}（区间为 [最小, 最大)）", EXIT_USAGE)
    if visits_min is not None and visits_max is not None and visits_min > visits_max:
        fail(f"--visits-min {visits_min} 不能大于 --visits-max {visits_max}", EXIT_USAGE)
    return Segment(
        stages=tuple(dict.fromkeys(stages)),
        age_bands=tuple(dict.fromkeys(bands)),
        models=tuple(dict.fromkeys(m.strip() for m in models)),
        stores=tuple(dict.fromkeys(s.strip() for s in stores)),
        km_min=km_min, km_max=km_max, visits_min=visits_min, visits_max=visits_max,
        churn_categories=tuple(dict.fromkeys(churn)),
    )


def _outcomes_text(outcomes: dict[str, int]) -> str:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS

    return "、".join(f"{OUTCOME_LABELS.get(k, k)} {n}" for k, n in sorted(outcomes.items())) or ""


def _campaign_for_people(record: dict[str, Any], rules: "Rules") -> dict[str, Any]:
    from lifecycle_cli.core.segments import segment_from_dict

    tp = rules.touchpoints.get(record["kind"])
    return {
        **record,
        "kind_name": tp.name if tp else record["kind"],
        "segment_text": segment_from_dict(record["segment"]).describe(rules),
        "outcomes_text": _outcomes_text(record["outcomes"]),
    }


@campaign_app.command("add", cls=LifecycleCommand)
def campaign_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="活动名称", help="活动名称，如 冬季免费检测"),
    kind: str = typer.Option(..., "--kind", metavar="活动类型", callback=CAMPAIGN_KIND.parse,
                             help="代码或名称：seasonal_campaign 四季活动 / theme_campaign 主题服务活动 / "
                                  "care_salon 爱车养护沙龙（或规则文件中的其他活动类型）"),
    on: str = typer.Option(None, "--date", metavar="日期",
                           help="活动日期 YYYY-MM-DD（默认今天）：任务当天出现在回访清单"),
    stages: list[str] = typer.Option(None, "--stage", metavar="阶段", callback=STAGE.parse,
                                     help="活动日的生命周期阶段（可重复）：新车体验期 / 保内初期 / 保内后期 / "
                                          "保修外期 / 换车升级期"),
    bands: list[str] = typer.Option(None, "--age-band", metavar="车龄段", callback=AGE_BAND.parse,
                                    help="车龄段（可重复）：0-1 1年内 / 1-3 1-3年 / 3-5 3-5年 / 5+ 5年以上"),
    models: list[str] = typer.Option(None, "--model", metavar="车型", help="车型（可重复）"),
    channel: str = typer.Option(None, "--channel", metavar="方式", callback=CHANNEL.parse,
                                help="联系方式：phone 电话 / sms 短信（默认按活动类型）"),
    role: str = typer.Option(None, "--owner-role", metavar="岗位", callback=ROLE.parse,
                             help="负责岗位（默认按活动类型）：sales_manager 销售经理 / sales_consultant 销售顾问 / "
                                  "service_advisor 服务顾问 / customer_care 客服专员 / service_manager 服务经理 / "
                                  "insurance_specialist 续保专员 / aftersales_manager 售后经理 / general_manager 总经理"),
    stores: list[str] = typer.Option(None, "--store", metavar="门店", help="门店（可重复）"),
    km_min: int = typer.Option(None, "--km-min", metavar="公里", help="活动日预计里程下限（含）"),
    km_max: int = typer.Option(None, "--km-max", metavar="公里", help="活动日预计里程上限（不含）"),
    visits_min: int = typer.Option(None, "--visits-min", metavar="次数", help="近12个月进厂次数下限（含）"),
    visits_max: int = typer.Option(None, "--visits-max", metavar="次数", help="近12个月进厂次数上限（含）"),
    churn: list[str] = typer.Option(None, "--churn-category", metavar="流失类型", callback=CHURN_CATEGORY.parse,
                                    help="流失类型（可重复）：首保流失 / 定保流失 / 保修期内流失 / 出保修期流失 / 流失返回"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不询问，直接创建（cron、脚本用）"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只统计客群，不创建活动"),
) -> None:
    """创建活动：先显示客群选中的客户与车辆数，确认后为每位客户在活动日生成一项任务（免打扰客户除外）。"""
    from lifecycle_cli.render.output import say, warn
    from lifecycle_cli.service.events import CampaignOptions, add_campaign

    context = get_context(ctx)
    rules = context.rules()
    name, channel, role = _campaign_names(rules, name, kind, channel, role)
    day = day_or_today(on, rules)
    try:
        segment = _build_segment(rules, stages=stages or [], bands=bands or [], models=models or [],
                                 stores=stores or [], km_min=km_min, km_max=km_max, visits_min=visits_min,
                                 visits_max=visits_max, churn=churn or [])
    except (KeyError, TypeError, ValueError) as exc:
        _rules_problem(exc)
    options = CampaignOptions(name=name, kind=kind, day=day, channel=channel, role=role, segment=segment)
    added = add_campaign(context.engine(), rules, options, lambda selection: _go_on(
        selection, options, rules, yes=yes, dry_run=dry_run))
    created = added.created
    if created is None:
        return
    say(f"已创建活动 #{created['id']}「{name}」：{created['tasks']} 项任务，"
        f"{created['due_date']}，{rules.role_label(role)}，{rules.channels[channel]}")
    if created["due_date"] != day:
        warn(f"提示：{day} 是法定节假日，电话任务顺延至 {created['due_date']}（原定日期保留在任务中）")


def _campaign_names(rules: "Rules", name: str, kind: str, channel: str | None,
                    role: str | None) -> tuple[str, str, str]:
    """The campaign's name (stripped), channel and owner role (the kind's by default), or a usage error
    (the kind, and a channel or role given, were checked by their choices)."""
    if not name.strip():
        fail("活动名称不能为空", EXIT_USAGE)
    tp = rules.touchpoints[kind]  # its role and channel are in the rules' tables (checked when they load)
    return name.strip(), channel or tp.channel, role or tp.role


def _go_on(selection: "Selection", options: "CampaignOptions", rules: "Rules", *, yes: bool, dry_run: bool) -> bool:
    """Show what the segment selected; go on unless a dry run; ask unless --yes (not confirmed: exit 1)."""
    from lifecycle_cli.render.output import print_table, say

    tp = rules.touchpoints[options.kind]
    say(f"活动「{options.name}」（{tp.name}，{options.day}）客群：{options.segment.describe(rules)}")
    say(f"选中客户 {selection.customers} 位、车辆 {len(selection.targets)} 辆；"
        f"免打扰客户 {selection.excluded_customers} 位已排除")
    print_table(["阶段", "车辆数"], [[s, n] for s, n in sorted(
        selection.by_stage().items(), key=lambda item: rules.stages.names.index(item[0]))],
        title="选中车辆按活动日阶段")
    if dry_run:
        say("演练（--dry-run）：未创建活动，未生成任务")
        return False
    if not yes:
        try:
            confirmed = typer.confirm(f"为 {selection.customers} 位客户各生成一项任务？", default=False)
        except typer.Abort:
            confirmed = False
        if not confirmed:
            fail("未确认，未创建活动（脚本中请加 --yes）", EXIT_PARTIAL)
    return True


@campaign_app.command("list", cls=LifecycleCommand)
def campaign_list(
    ctx: typer.Context,
    since: str = typer.Option(None, "--since", metavar="日期", help="活动日期从 YYYY-MM-DD"),
    until: str = typer.Option(None, "--until", metavar="日期", help="活动日期到 YYYY-MM-DD"),
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
    unmask: UnmaskOption = False,
) -> None:
    """活动清单：客群、车辆与客户数、任务完成情况、回访结果。"""
    from lifecycle_cli.render.output import write_records
    from lifecycle_cli.service.events import list_campaigns

    context = get_context(ctx)
    rules = context.rules()
    first = parse_day(since, "--since") if since else None
    last = parse_day(until, "--until") if until else None
    records = phones_for_export(
        ctx, [_campaign_for_people(r, rules) for r in list_campaigns(context.engine(), first, last)], unmask)
    if fmt == "table":
        for r in records:
            r["kind"] = r["kind_name"]
            r["owner_role"] = rules.role_label(r["owner_role"])
            r["channel"] = rules.channels.get(r["channel"], r["channel"])
    write_records(records, CAMPAIGN_COLUMNS, fmt, english_headers=english_headers,
                  title=f"活动清单（共 {len(records)} 个）")


@campaign_app.command("show", cls=LifecycleCommand)
def campaign_show(
    ctx: typer.Context,
    campaign_id: int = typer.Argument(..., metavar="活动号", help="活动号（campaign list 中的活动号）"),
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=FORMAT.parse,
                            help="输出格式：table / csv（目标车辆）/ json"),
    english_headers: EnglishHeadersOption = False,
    unmask: UnmaskOption = False,
) -> None:
    """一个活动：客群、目标车辆、生成的任务与目前的回访结果。"""
    from lifecycle_cli.core.calllist import OUTCOME_LABELS
    from lifecycle_cli.render.output import print_table, say, write_json, write_records
    from lifecycle_cli.service.events import campaign

    context = get_context(ctx)
    rules = context.rules()
    record = _campaign_for_people(campaign(context.engine(), campaign_id), rules)
    targets = phones_for_export(ctx, [{**t, "task_status": t.pop("status")} for t in record.pop("targets")], unmask)
    if fmt == "json":
        write_json({**record, "targets": targets})
        return
    if fmt == "csv":
        write_records(targets, TARGET_COLUMNS, fmt, english_headers=english_headers)
        return
    closed = {"reached": "已接通", "booked": "已预约", "declined": "拒绝", "wrong_number": "号码错误",
              "unreachable": "无法联系"}
    for t in targets:
        if t["task_status"] == "open":
            t["task_status"] = "待回访"
        elif t["task_status"] is not None:
            t["task_status"] = closed.get(t.pop("closed_reason") or "", "已关闭")
        t["last_result"] = OUTCOME_LABELS.get(t["last_result"] or "", t["last_result"])
    say(f"活动 #{record['campaign_id']}「{record['name']}」：{record['kind_name']}，{record['date']}，"
        f"{rules.role_label(record['owner_role'])}，{rules.channels.get(record['channel'], record['channel'])}")
    say(f"客群：{record['segment_text']}")
    print_table(
        ["目标车辆", "目标客户", "免打扰排除", "任务", "待回访", "已完成", "回访结果"],
        [[record["vehicles"], record["customers"], record["excluded_do_not_contact"], record["tasks"],
          record["tasks_open"], record["tasks_closed"], record["outcomes_text"]]],
        title="活动概况",
    )
    write_records(targets, TARGET_COLUMNS, "table", title=f"目标车辆（{len(targets)} 辆）")
