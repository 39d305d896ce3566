"""`lifecycle vehicles` and `lifecycle show`."""

from datetime import date
from typing import Any

import typer

from lifecycle_cli.cli.choices import FORMAT_NO_CSV, STAGE, VEHICLE_STATUS
from lifecycle_cli.cli.common import (
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
from lifecycle_cli.cli.privacy import UnmaskOption

VEHICLE_HEADERS = {
    "vin": "车架号",
    "customer_id": "客户编号",
    "plate": "车牌号",
    "model": "车型",
    "store": "门店",
    "delivery_date": "交车日期",
    "age_months": "车龄(月)",
    "stage": "生命周期阶段",
    "stage_by_age": "按车龄",
    "stage_by_mileage": "按里程",
    "projected_km": "预计里程",
    "daily_km": "日均里程",
    "last_reading_date": "最近读数日期",
    "last_reading_km": "最近读数里程",
}
SOURCE_LABELS = {"delivery": "交车", "vehicle": "车辆档案", "visit": "进厂"}
KIND_LABELS = {"maintenance": "保养", "repair": "维修", "warranty": "保修", "accident": "事故", "other": "其他"}


def vehicles_command(
    ctx: typer.Context,
    on: str = typer.Option(None, "--date", metavar="日期", help="日期 YYYY-MM-DD（默认门店时区的今天）"),
    stage: str = typer.Option(None, "--stage", metavar="阶段", callback=STAGE.parse,
                              help="只列出此阶段：新车体验期 / 保内初期 / 保内后期 / 保修外期 / 换车升级期"),
    store: StoreOption = None,
    model: str = typer.Option(None, "--model", metavar="车型", help="只列出此车型"),
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
    unmask: UnmaskOption = False,
) -> None:
    """列出车辆及其生命周期阶段（按车龄和预计里程，取较后的阶段）。"""
    from lifecycle_cli.cli.privacy import phones_for_export
    from lifecycle_cli.render.output import write_records
    from lifecycle_cli.service.fleet import FleetOptions, vehicles

    context = get_context(ctx)
    rules = context.rules()
    options = FleetOptions(day=day_or_today(on, rules), stage=stage, store=store, model=model)
    records = phones_for_export(ctx, vehicles(context.engine(), rules, options), unmask, store=store)
    write_records(records, VEHICLE_HEADERS, fmt, english_headers=english_headers,
                  title=f"车辆生命周期阶段（{options.day}，共 {len(records)} 辆）")


def show_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="查找", help="车架号、车牌号、手机号或客户编号"),
    on: str = typer.Option(None, "--date", metavar="日期", help="日期 YYYY-MM-DD（默认今天）"),
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=FORMAT_NO_CSV.parse,
                            help="输出格式：table / json"),
    unmask: UnmaskOption = False,
) -> None:
    """查看一位客户或一辆车：阶段及原因、里程读数（含回退标记）、进厂记录、待办电话任务的话术。"""
    from lifecycle_cli.cli.privacy import phones_for_export
    from lifecycle_cli.render.output import write_json
    from lifecycle_cli.service.fleet import customers

    context = get_context(ctx)
    rules = context.rules()
    day = day_or_today(on, rules)
    details = phones_for_export(ctx, customers(context.engine(), rules, key, day), unmask)
    if fmt == "json":
        write_json(details if len(details) > 1 else details[0])
        return
    from lifecycle_cli.render.scripts import print_scripts
    from lifecycle_cli.service.scripts import customer_scripts

    for d in details:
        _show_customer(d, day)
        print_scripts(customer_scripts(context.engine(), rules, d["customer_id"]))


def register(app: typer.Typer) -> None:
    """Add the fleet verbs to the app."""
    from lifecycle_cli.cli.customers import customer_app

    app.add_typer(vehicle_app(), name="vehicle")
    app.add_typer(customer_app(), name="customer")
    app.command("vehicles", cls=LifecycleCommand)(vehicles_command)
    app.command("show", cls=LifecycleCommand)(show_command)


def _show_customer(d: dict[str, Any], day: date) -> None:
    """One customer in full, for people: flags, vehicles, readings, visits."""
    from lifecycle_cli.render.output import print_table, say

    flags = []
    if d["do_not_contact"]:
        flags.append("免打扰")
    if d["sms_opt_out"]:
        flags.append("短信退订")
    if not d["phone_valid"]:
        flags.append("号码无效")
    say(f"客户 {d['customer_id']}  {d['name'] or ''}  {d['phone'] or ''}  "
        f"生日 {d['birthday'] or '-'}  门店 {d['store'] or '-'}  {' '.join(flags)}".rstrip())
    for v in d["vehicles"]:
        say("")
        say(f"车辆 {v['vin']}  {v['plate'] or ''}  {v['model'] or ''}  交车 {v['delivery_date']}  "
            f"销售顾问 {v['sales_consultant'] or '-'}  服务顾问 {v['service_advisor'] or '-'}")
        say(f"  商业险到期 {v['commercial_insurance_expiry'] or '-'}  交强险到期 "
            f"{v['compulsory_insurance_expiry'] or '-'}  年审到期 {v['inspection_due'] or '-'}")
        say(f"  {day} 阶段：{v['stage']}（按车龄 {v['age_months']} 个月：{v['stage_by_age']}；"
            f"按预计里程 {v['projected_km']:,} km：{v['stage_by_mileage']}；取较后者）")
        basis = ("实测" if v["daily_km_measured"] else "默认值")
        say(f"  日均里程 {v['daily_km']} km（{basis}，基于 {v['ref_reading_date']} {v['ref_reading_km']:,} km"
            f" → {v['last_reading_date']} {v['last_reading_km']:,} km）")
        print_table(
            ["日期", "里程", "来源", "说明"],
            [[r["date"], r["km"], SOURCE_LABELS.get(r["source"], r["source"]),
              "里程回退，未用于推算" if r["rollback"] else ""] for r in v["readings"]],
            title="里程读数",
        )
        print_table(
            ["进厂日期", "里程", "类型", "金额", "顾问", "工单号"],
            [[x["visit_date"], x["mileage_km"], KIND_LABELS.get(x["kind"], x["kind"]), x["amount"],
              x["advisor"], x["ro_number"]] for x in v["visits"]],
            title="进厂记录",
        )


DATE_LABELS = {
    "commercial_insurance_expiry": "商业险到期",
    "compulsory_insurance_expiry": "交强险到期",
    "inspection_due": "年审到期",
}


def set_command(
    ctx: typer.Context,
    vin: str = typer.Argument(..., metavar="车架号", help="车架号"),
    insurance_expiry: str = typer.Option(None, "--insurance-expiry", metavar="日期",
                                         help="保险到期 YYYY-MM-DD（同时设置商业险和交强险，续保后用）"),
    commercial: str = typer.Option(None, "--commercial-expiry", metavar="日期", help="商业险到期 YYYY-MM-DD"),
    compulsory: str = typer.Option(None, "--compulsory-expiry", metavar="日期", help="交强险到期 YYYY-MM-DD"),
    inspection: str = typer.Option(None, "--inspection-due", metavar="日期", help="年审到期 YYYY-MM-DD"),
    status: str = typer.Option(None, "--status", metavar="状态", callback=VEHICLE_STATUS.parse,
                               help="车辆状态：active 在用 / sold 已售 / scrapped 报废 / transferred 过户"
                                    "（非在用的车不再生成任务，也不计入流失）"),
) -> None:
    """设置保险到期、年审到期日期或车辆状态；保险到期在到期前延后即记为续保，本期续保邀约随之关闭。"""
    from lifecycle_cli.core.insurance import expiry_too_far
    from lifecycle_cli.render.output import say, warn
    from lifecycle_cli.service.fleet import set_dates

    values = {}
    if insurance_expiry is not None:
        expiry = parse_day(insurance_expiry, "--insurance-expiry")
        values = {"commercial_insurance_expiry": expiry, "compulsory_insurance_expiry": expiry}
    for column, text, option in (("commercial_insurance_expiry", commercial, "--commercial-expiry"),
                                 ("compulsory_insurance_expiry", compulsory, "--compulsory-expiry"),
                                 ("inspection_due", inspection, "--inspection-due")):
        if text is not None:
            values[column] = parse_day(text, option)
    if not values and status is None:
        fail("请至少给出一个日期或状态：--insurance-expiry / --commercial-expiry / --compulsory-expiry / "
             "--inspection-due / --status", EXIT_USAGE)
    context = get_context(ctx)
    rules = context.rules()
    day = today(rules)
    key = vin.strip().replace(" ", "").upper()
    if status is not None:
        _set_status(context.engine(), rules, day, key, status)
    if not values:
        return
    done = set_dates(context.engine(), rules, day, key, values)
    for column in values:
        if column != "inspection_due" and expiry_too_far(values[column], day, rules):
            warn(f"警告 {DATE_LABELS[column]} {values[column]} 在 {rules.insurance.max_years_ahead} 年以后，"
                 "可能录入有误（已保留）")
    shown = "，".join(f"{DATE_LABELS[c]} {done.before[c] or '-'} → {done.after[c] or '-'}" for c in values)
    say(f"已更新 {done.vin}{f'（{done.plate}）' if done.plate else ''}：{shown}")
    change = done.change
    closed = done.closed_renewals
    tail = f"，关闭 {closed} 项未完成的续保邀约" if closed else ""
    if change is not None and change.renewed:
        say(f"已续保：保险到期由 {change.old} 延后到 {change.new}{tail}")
    elif change is not None:
        say(f"保险到期由 {change.old} 改为 {change.new or '-'}{tail}")


def _set_status(engine: Any, rules: Any, day: date, vin: str, status: str) -> None:
    """`vehicle set --status`: the change and the tasks it closed or brought back, in Chinese."""
    from lifecycle_cli.core.facts import VEHICLE_STATUS_LABELS
    from lifecycle_cli.render.output import say
    from lifecycle_cli.service.fleet import set_status

    done = set_status(engine, rules, day, vin, status)
    before, after = VEHICLE_STATUS_LABELS.get(done.before, done.before), VEHICLE_STATUS_LABELS[done.after]
    tasks = []
    if done.closed:
        tasks.append(f"关闭 {done.closed} 项待办任务")
    if done.opened:
        tasks.append(f"恢复 {done.opened} 项任务")
    tail = f"，{'，'.join(tasks)}" if tasks else ""
    say(f"已更新 {done.vin}{f'（{done.plate}）' if done.plate else ''}：车辆状态 {before} → {after}{tail}")


def vehicle_app() -> typer.Typer:
    """`lifecycle vehicle set`: correct one vehicle's insurance and inspection dates by hand."""
    sub = typer.Typer(cls=HelpGroup, help="修改一辆车的档案（保险到期、年审到期、车辆状态）。", no_args_is_help=True, rich_markup_mode=None)
    sub.command("set", cls=LifecycleCommand)(set_command)
    return sub
