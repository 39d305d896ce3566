"""A day's messages (短信): one per customer per day from their sms tasks, and the scripts' words. Pure.

All of one customer's sms tasks of one day are one message (care-desk §9): 【signature】, the opening,
each task's template in the call list's priority order, and the opt-out tail when any of them is
marketing. The message's code is its top task's (a merged festival greeting keeps holiday_greeting).
The same field values fill the call scripts (core/scripts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lifecycle_cli.core.festivals import FESTIVAL_CODES, festival_label
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.templates import chinese_date, fill, salutation, sms_parts


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message or a call is for."""

    customer_id: str
    name: str | None
    gender: str | None
    phone: str | None
    store: str | None


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What a task's words may name: its code and event, its day, its car (empty for a customer's own task)."""

    task_id: int
    code: str
    event_key: str
    day: date
    vin: str = ""
    plate: str | None = None
    model: str | None = None
    advisor: str | None = None
    store: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One message for the gateway: the JSON keys of `lifecycle messages`, and its day and store."""

    day: date
    customer_id: str
    name: str
    phone: str
    store: str
    code: str
    vin: str
    text: str
    parts: int
    task_ids: tuple[int, ...]

    def record(self) -> dict[str, object]:
        """The JSON contract: customer_id, name, phone, code, vin, text, parts, task_ids; and `date`, the
        day it goes out (a batch of several days, `--days N`)."""
        return {"customer_id": self.customer_id, "name": self.name, "phone": self.phone, "code": self.code,
                "vin": self.vin, "text": self.text, "parts": self.parts, "task_ids": list(self.task_ids),
                "date": self.day.isoformat()}


def field_values(who: Recipient, task: TaskFacts, rules: Rules) -> dict[str, str]:
    """The value of each template field for this customer and task ('' : none, the fallback fills it)."""
    store = task.store or who.store or ""
    return {
        "称呼": salutation(who.name, who.gender),
        "车牌": task.plate or "",
        "车型": task.model or "",
        "门店": store,
        "顾问": task.advisor or "",
        "门店电话": rules.store_settings(store).phone,
        "节日": festival_label(task.event_key) if task.code in FESTIVAL_CODES else "",
        "日期": chinese_date(event_day(task)),
    }


def event_day(task: TaskFacts) -> date:
    """The day a task's words speak of: an appointment's own day (its key `appointment:ID:DATE`), else its day."""
    parts = task.event_key.split(":")
    if len(parts) == 3 and parts[0] == "appointment":
        try:
            return date.fromisoformat(parts[2])
        except ValueError:
            pass
    return task.day


def words(template: str, who: Recipient, task: TaskFacts, rules: Rules) -> str:
    """A template filled for this customer and task (empty values take the rules' fallbacks)."""
    return fill(template, field_values(who, task, rules), rules.messages.fallbacks)


def compose(who: Recipient, tasks: Sequence[TaskFacts], rules: Rules) -> Message | None:
    """The one message of a customer's sms tasks of one day (the tasks with a template; None: none has)."""
    m = rules.messages
    rank = rules.call_list.priority_of
    kept = sorted((t for t in tasks if t.code in m.templates), key=lambda t: (rank(t.code), t.task_id))
    if not kept:
        return None
    top = kept[0]
    store = top.store or who.store or ""
    signature = rules.store_settings(store).signature or store
    body = "".join(words(m.templates[t.code], who, t, rules) for t in kept)
    tail = m.opt_out_tail if any(t.code in m.marketing for t in kept) else ""
    text = (f"【{signature}】" if signature else "") + words(m.opening, who, top, rules) + body + tail
    return Message(day=top.day, customer_id=who.customer_id, name=who.name or "", phone=who.phone or "",
                   store=store, code=top.code, vin=top.vin, text=text, parts=sms_parts(text),
                   task_ids=tuple(t.task_id for t in kept))
