"""What `event add` says about a complaint's clock and what `event list --open` shows of it: age,
level, handler, deadlines (care-desk §6). Text for people; the clock itself is core/complaints.py's."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecycle_cli.core.rules import Rules

# `event list --open`: the open events with their age and the complaint clock.
OPEN_COLUMNS = {
    "event_id": "事件号",
    "kind_name": "类型名称",
    "event_date": "日期",
    "age_days": "已过天数",
    "level_name": "级别",
    "handler": "处理人",
    "vin": "车架号",
    "plate": "车牌号",
    "customer_id": "客户编号",
    "name": "客户姓名",
    "phone": "电话",
    "note": "说明",
    "response_due": "响应期限",
    "responded_on": "响应日期",
    "resolution_due": "解决期限",
    "clock": "期限状态",
}


def clock_fields(row: dict[str, Any], today: date) -> dict[str, Any]:
    """An event's clock for people and machines: level, handler, deadlines, age, and where it stands."""
    from lifecycle_cli.core.complaints import LEVELS

    level = row.get("level")
    return {
        "level": level, "level_name": LEVELS.get(level or "", ""), "handler": row.get("handler") or "",
        "response_due": row.get("response_due"), "responded_on": row.get("responded_on"),
        "resolution_due": row.get("resolution_due"), "age_days": (today - row["event_date"]).days,
        "clock": _standing(row, today),
    }


def _standing(row: dict[str, Any], today: date) -> str:
    """超过解决期限 / 未按时响应 / 待响应 / '' (on time, or an event without a clock)."""
    if row["status"] != "open" or row.get("resolution_due") is None:
        return ""
    if row["resolution_due"] < today:
        return f"已超过解决期限 {(today - row['resolution_due']).days} 天"
    responded, due = row.get("responded_on"), row.get("response_due")
    if responded is None:
        return "未按时响应" if due is not None and due < today else "待响应"
    return "未按时响应" if due is not None and responded > due else ""


def say_clock(event: dict[str, Any], rules: Rules) -> None:
    """`event add`'s lines on a new complaint: who handles it, by when it is answered and resolved."""
    from lifecycle_cli.core.complaints import LEVELS
    from lifecycle_cli.render.output import say

    if event.get("resolution_due") is None:
        return
    steps = "、".join(f"解决期限后 {days} 天升级至{rules.role_label(role)}" for days, role in rules.events.escalations)
    say(f"抱怨级别 {LEVELS.get(event.get('level') or '', '')}，处理人 {event['handler']}；响应期限 "
        f"{event['response_due']}，解决期限 {event['resolution_due']}" + (f"（未解决：{steps}）" if steps else ""))
