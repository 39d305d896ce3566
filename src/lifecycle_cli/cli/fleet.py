"""`lifecycle vehicles` and `lifecycle show`."""

from __future__ import annotations

import typer

from lifecycle_cli.cli.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    check_format,
    fail,
    get_context,
    parse_day,
    today,
)

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


def register(app: typer.Typer) -> None:
    """Add the fleet verbs to the app."""

    @app.command("vehicles")
    def vehicles_command(
        ctx: typer.Context,
        on: str = typer.Option(None, "--date", help="日期 YYYY-MM-DD（默认门店时区的今天）"),
        stage: str = typer.Option(None, "--stage", help="只列出此阶段，如 保内后期"),
        store: str = typer.Option(None, "--store", help="门店"),
        model: str = typer.Option(None, "--model", help="车型"),
        fmt: str = typer.Option("table", "--format", help="table / csv / json"),
        english_headers: bool = typer.Option(False, "--english-headers", help="CSV 用英文表头"),
    ) -> None:
        """列出车辆及其生命周期阶段（按车龄和预计里程，取较后的阶段）。"""
        from lifecycle_cli.render.output import write_records
        from lifecycle_cli.store.fleet import iter_vehicle_stages, vehicle_record

        check_format(fmt)
        context = get_context(ctx)
        rules = context.rules()
        if stage is not None and stage not in rules.stage_names:
            fail(f"--stage 只能是 {' / '.join(rules.stage_names)}，不是 \"{stage}\"", EXIT_USAGE)
        day = parse_day(on, "--date") if on else today(rules)
        with context.engine().connect() as conn:
            records = [vehicle_record(vs) for vs in iter_vehicle_stages(conn, day, rules, store=store,
                                                                        model=model, stage=stage)]
        write_records(records, VEHICLE_HEADERS, fmt, english_headers=english_headers,
                      title=f"车辆生命周期阶段（{day}，共 {len(records)} 辆）")

    @app.command("show")
    def show_command(
        ctx: typer.Context,
        key: str = typer.Argument(..., help="车架号、车牌号、手机号或客户编号"),
        on: str = typer.Option(None, "--date", help="日期 YYYY-MM-DD（默认今天）"),
        fmt: str = typer.Option("table", "--format", help="table / json"),
    ) -> None:
        """查看一位客户或一辆车：阶段及原因、里程读数（含回退标记）、进厂记录。"""
        from lifecycle_cli.render.output import print_table, say, write_json
        from lifecycle_cli.store.fleet import customer_detail, find_customers

        check_format(fmt)
        context = get_context(ctx)
        rules = context.rules()
        day = parse_day(on, "--date") if on else today(rules)
        with context.engine().connect() as conn:
            pks = find_customers(conn, key)
            if not pks:
                fail(f"找不到 \"{key}\"：没有匹配的车架号、车牌号、手机号或客户编号", EXIT_PARTIAL)
            details = [customer_detail(conn, pk, day, rules) for pk in pks]
        if fmt == "json":
            write_json(details if len(details) > 1 else details[0])
            return
        for d in details:
            flags = []
            if d["do_not_contact"]:
                flags.append("免打扰")
            if not d["phone_valid"]:
                flags.append("号码无效")
            say(f"客户 {d['customer_id']}  {d['name'] or ''}  {d['phone'] or ''}  "
                f"生日 {d['birthday'] or '-'}  门店 {d['store'] or '-'}  {' '.join(flags)}".rstrip())
            for v in d["vehicles"]:
                say("")
                say(f"车辆 {v['vin']}  {v['plate'] or ''}  {v['model'] or ''}  交车 {v['delivery_date']}  "
                    f"销售顾问 {v['sales_consultant'] or '-'}  服务顾问 {v['service_advisor'] or '-'}")
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
