"""The random key moments (随机节点) that come from events: complaints, rescues, warranty claims
and breakdowns, their follow-up tasks and the KPI arithmetic of their handling. Pure.

The kinds, their names, aliases and follow-up touchpoints live in the rules file (`[events]`,
`rules.events`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.mileage import Projection
from lifecycle_cli.core.rule_sections import EventKind
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import (
    CustomerFacts,
    ScheduledTask,
    Scheduler,
    VehicleFacts,
    vehicle_projection,
    warranty_end,
)
from lifecycle_cli.core.staffing import Staffing

# An event's status: open until resolved, then resolved satisfied or unsatisfied.
STATUSES = ("open", "satisfied", "unsatisfied")
# A complaint a low score opened, withdrawn with that score (`done --undo`) before anyone worked it:
# kept as history, counted nowhere.
WITHDRAWN = "withdrawn"
STATUS_LABELS = {"open": "处理中", "satisfied": "已解决（满意）", "unsatisfied": "已解决（不满意）",
                 WITHDRAWN: "已撤销"}
# Call outcomes that mean the customer was reached (the follow-up happened).
CONTACT_RESULTS = ("reached", "booked", "declined")
# KPIs that are a count per month rather than a rate (value = numerator, denominator = 1 month).
COUNT_KPIS = frozenset({"campaigns_run"})


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


def find_event_kind(text: str, rules: Rules) -> EventKind | None:
    """The event kind a code, a Chinese name or an alias names (None when none does)."""
    wanted = _norm(text)
    for kind in rules.events.kinds.values():
        if wanted in {_norm(kind.code), _norm(kind.name), *(_norm(a) for a in kind.aliases)}:
            return kind
    return None


def accepted_kinds_text(rules: Rules) -> str:
    """'complaint 客户抱怨 / rescue 维修救援 / ...' for messages."""
    return " / ".join(f"{k.code} {k.name}" for k in rules.events.kinds.values())


def event_task(rules: Rules, calendar: HolidayCalendar, code: str, customer: CustomerFacts,
               vehicle: VehicleFacts, event_key: str, rule_date: date, projection: Projection,
               staffing: Staffing | None = None) -> ScheduledTask:
    """A follow-up task built exactly as the scheduler builds its tasks (owner, stage, holiday shift)."""
    # The window covers the task whatever a holiday does to its due date (the stage is shown then).
    scheduler = Scheduler(rules=rules, today=rule_date, start=rule_date, end=rule_date + timedelta(days=366),
                          calendar=calendar, staffing=staffing or Staffing())
    return scheduler._task(code, customer, vehicle, event_key, rule_date, projection=projection)


def followup_date(kind: EventKind, rules: Rules, event_date: date) -> date:
    """The rule date of an event's first follow-up: event date + the touchpoint's offset (1 day)."""
    return event_date + timedelta(days=rules.touchpoints[kind.followup].offset_days)


def resolved_followup_date(kind: EventKind, resolved_on: date) -> date | None:
    """The rule date of the follow-up after a resolution (complaints: the day after), else None."""
    if kind.after_resolved_days is None:
        return None
    return resolved_on + timedelta(days=kind.after_resolved_days)


def warranty_ended(vehicle: VehicleFacts, rules: Rules, on: date) -> date | None:
    """The day the warranty ended (36 months / 60,000 km projected) when it ended by `on`, else None."""
    end = warranty_end(vehicle, vehicle_projection(vehicle, rules, on), rules)
    return end if end <= on else None


def followed_up_in_time(event_date: date, due_date: date | None, attempts: Iterable[tuple[date, str]],
                        within_days: int) -> bool:
    """Whether a call got through by the deadline: event date + within_days, or the follow-up's due
    date when a statutory holiday moved it later."""
    deadline = event_date + timedelta(days=within_days)
    if due_date is not None and due_date > deadline:
        deadline = due_date
    return any(day <= deadline and result in CONTACT_RESULTS for day, result in attempts)


def timeliness_counts(events: Iterable[dict[str, Any]], on: date, within_days: int) -> tuple[int, int]:
    """(timely, counted) over events {event_date, due_date, attempts}: an event counts once its
    deadline has passed by `on`, or earlier when it was already followed up in time."""
    timely = counted = 0
    for e in events:
        ok = followed_up_in_time(e["event_date"], e.get("due_date"), e.get("attempts", ()), within_days)
        deadline = e["event_date"] + timedelta(days=within_days)
        if e.get("due_date") is not None and e["due_date"] > deadline:
            deadline = e["due_date"]
        if ok or deadline < on:
            counted += 1
            timely += ok
    return timely, counted
