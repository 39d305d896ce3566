"""The complaint clock in the database (care-desk §6, §9): a complaint's handler, level, deadlines and
escalation tasks when it is recorded; the response when its follow-up reaches the customer; the
escalations closed when it is resolved; a low satisfaction score opening a complaint.

The deadlines and tasks are core/complaints.py's; this module only reads and writes them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.complaints import (
    ESCALATION_CODE,
    RESPONSE_RESULTS,
    complaint_clock,
    complaint_handler,
    escalation_tasks,
)
from lifecycle_cli.core.events import WITHDRAWN
from lifecycle_cli.core.mileage import Projection
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import CustomerFacts, VehicleFacts
from lifecycle_cli.core.staffing import Staffing
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.tables import EVENTS, OUTCOMES, TASKS

COMPLAINT = "complaint"


def start_clock(conn: Connection, rules: Rules, calendar: HolidayCalendar, event: dict[str, Any],
                facts: tuple[CustomerFacts, VehicleFacts, Projection, Staffing], *, escalate: bool) -> dict[str, Any]:
    """Give a new complaint (other kinds: nothing) its handler and deadlines and, when `escalate` (its follow-up was created:
    not history from before go-live), its escalation tasks. Returns the event's new values."""
    if event["kind"] != COMPLAINT:
        return {}
    customer, vehicle, projection, staffing = facts
    kind = rules.events.kinds[COMPLAINT]
    clock = complaint_clock(event["event_date"], rules, calendar)
    values = {
        "level": event.get("level") or "store",
        "handler": complaint_handler(rules, staffing, rules.touchpoints[kind.followup].role, customer, vehicle),
        "response_due": clock.response_due,
        "resolution_due": clock.resolution_due,
    }
    conn.execute(update(EVENTS).where(EVENTS.c.id == event["id"]).values(**values))
    if escalate:
        rows = [
            {"customer_pk": event["customer_pk"], "vehicle_pk": event["vehicle_pk"], "vin": task.vin,
             "code": task.code, "event_key": task.event_key, "rule_date": task.rule_date, "due_date": task.due_date,
             "window_end": task.window_end, "stage": task.stage, "owner": task.owner, "role": task.role,
             "channel": task.channel, "store": task.store, "status": "open", "attempts": 0}
            for task in escalation_tasks(rules, calendar, clock, event["id"], customer, vehicle, projection, staffing)
        ]
        if rows:
            conn.execute(insert(TASKS), rows)
    return values


def close_escalations(conn: Connection, event_id: int, on: date) -> int:
    """A resolved complaint's open escalation tasks close (resolved); how many did."""
    t = TASKS
    result = conn.execute(update(t).where(
        t.c.code == ESCALATION_CODE, t.c.event_key.like(f"event:{event_id}:escalation:%"), t.c.status == "open",
    ).values(status="closed", closed_reason="resolved", closed_on=on))
    return int(result.rowcount or 0)


def note_response(conn: Connection, rules: Rules, task: Any, result: str, on: date) -> None:
    """A complaint's follow-up that reached the customer is the complaint's response (its first one)."""
    if result not in RESPONSE_RESULTS or task["code"] != rules.events.kinds[COMPLAINT].followup:
        return
    e = EVENTS
    conn.execute(update(e).where(e.c.followup_task_id == task["id"], e.c.kind == COMPLAINT,
                                 e.c.responded_on.is_(None)).values(responded_on=on))


def withdraw_response(conn: Connection, task_id: int, outcome: dict[str, Any]) -> None:
    """`done --undo` of the response: the complaint is unanswered again (a later reach answers it)."""
    e = EVENTS
    conn.execute(update(e).where(e.c.followup_task_id == task_id, e.c.kind == COMPLAINT,
                                 e.c.responded_on == outcome["attempt_date"]).values(responded_on=None))


def complaint_from_score(conn: Connection, rules: Rules, task: Any, outcome_id: int, score: int,
                         on: date, note: str | None) -> int | None:
    """A low satisfaction score opens a complaint on the call's car, linked to the call; its event id
    (None when the task has no car)."""
    from lifecycle_cli.store.events import NewEvent, add_events

    if task["vehicle_pk"] is None:
        return None
    text = f"满意度 {score} 分（回访任务 {task['id']}）" + (f"：{note.strip()}" if note and note.strip() else "")
    item = NewEvent(task["vehicle_pk"], rules.events.kinds[COMPLAINT], on, text, source="score", outcome_id=outcome_id)
    result = add_events(conn, rules, HolidayCalendar(), [item])[0]
    event = getattr(result, "event", None)
    return int(event["id"]) if event is not None else None


def withdraw_score_complaint(conn: Connection, outcome_id: int, on: date) -> tuple[int, bool] | None:
    """`done --undo` of a low score: the complaint it opened is withdrawn with it (status withdrawn, its
    open follow-up and escalations closed `withdrawn`) unless someone has worked it already (a call
    recorded on its tasks, a response, a resolution): then it stays. (event id, withdrawn) or None."""
    e, t, o = EVENTS, TASKS, OUTCOMES
    event = conn.execute(select(e.c.id, e.c.status, e.c.responded_on, e.c.followup_task_id).where(
        e.c.outcome_id == outcome_id, e.c.kind == COMPLAINT)).first()
    if event is None:
        return None
    own = or_(t.c.id == event.followup_task_id, t.c.event_key.like(f"event:{event.id}:escalation:%"))
    worked = conn.execute(select(func.count()).select_from(o.join(t, t.c.id == o.c.task_id)).where(
        own, o.c.withdrawn.is_(False))).scalar()
    if event.status != "open" or event.responded_on is not None or worked:
        return event.id, False
    conn.execute(update(e).where(e.c.id == event.id).values(status=WITHDRAWN))
    conn.execute(update(t).where(own, t.c.status == "open").values(
        status="closed", closed_reason=WITHDRAWN, closed_on=on))
    return event.id, True


def event_of_outcome(conn: Connection, outcome_id: int) -> int | None:
    """The complaint a scored call opened (None: it opened none)."""
    found = conn.execute(select(EVENTS.c.id).where(EVENTS.c.outcome_id == outcome_id)).scalar()
    return int(found) if found is not None else None


def timely_counts_of_month(conn: Connection, rules: Rules, on: date, first: date, last: date,
                           store: str | None = None) -> tuple[int, int]:
    """抱怨处理及时率 (numerator, denominator): complaints of the month (up to `on`) whose follow-up reached
    the customer by the response deadline / complaints whose deadline passed or that were answered.
    A complaint recorded before the clock existed gets its deadline from its date."""
    from lifecycle_cli.core.complaints import timely_counts

    e, o = EVENTS, OUTCOMES
    query = select(e.c.event_date, e.c.response_due, e.c.followup_task_id).where(
        e.c.kind == COMPLAINT, e.c.event_date.between(first, min(last, on)), e.c.status != WITHDRAWN)
    rows = conn.execute(query.where(e.c.store == store) if store else query).all()
    reached: dict[int, date] = {}
    for part in chunks(sorted({r.followup_task_id for r in rows if r.followup_task_id is not None})):
        found = select(o.c.task_id, func.min(o.c.attempt_date)).where(
            o.c.task_id.in_(part), o.c.result.in_(sorted(RESPONSE_RESULTS)), o.c.attempt_date <= on,
            o.c.withdrawn.is_(False)).group_by(o.c.task_id)
        reached.update({task_id: day for task_id, day in conn.execute(found)})
    calendar = HolidayCalendar()
    return timely_counts(
        ((r.response_due or complaint_clock(r.event_date, rules, calendar).response_due,
          reached.get(r.followup_task_id)) for r in rows), on)
