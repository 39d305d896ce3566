"""The open sms tasks of some days with what their words name, and recording them sent, set-based.

A customer who is do-not-contact or opted out of messages (sms_opt_out) gets no message: their open
sms tasks of the days read are closed (reason do_not_contact / sms_opt_out), so none lingers to
lapse; the scheduler does not make new ones for them (core/schedule.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.messages import Recipient, TaskFacts
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.bulk import chunks, in_keys
from lifecycle_cli.store.state import refresh_customers
from lifecycle_cli.store.tables import CUSTOMERS, OUTCOMES, TASKS, VEHICLES

SMS = "sms"
SENT = "sent"


@dataclass
class SmsTasks:
    """The open sms tasks of the days, by (day, customer pk), their recipients, and what was left out."""

    by_customer_day: dict[tuple[date, int], list[TaskFacts]]
    recipients: dict[int, Recipient]
    closed_opt_out: int = 0
    no_phone: int = 0


def open_sms_tasks(conn: Connection, start: date, end: date, *, store: str | None, today: date) -> SmsTasks:
    """The open sms tasks listed on the days [start, end] (a task on its due date, or on `start` when it
    fell due earlier and its window is still open) of customers who may get messages; the tasks of
    customers who may not are closed. Customers without a usable phone are counted, not listed."""
    t, c, v = TASKS, CUSTOMERS, VEHICLES
    query = (
        select(t.c.id, t.c.customer_pk, t.c.code, t.c.event_key, t.c.due_date, t.c.vin, t.c.store,
               c.c.customer_id, c.c.name, c.c.gender, c.c.phone, c.c.phone_valid, c.c.store,
               c.c.do_not_contact, c.c.sms_opt_out, v.c.plate, v.c.model, v.c.service_advisor)
        .join(c, c.c.id == t.c.customer_pk)
        .outerjoin(v, v.c.id == t.c.vehicle_pk)
        .where(t.c.status == "open", t.c.channel == SMS, t.c.due_date <= end, t.c.window_end >= start)
        .order_by(t.c.due_date, t.c.customer_pk, t.c.id)
    )
    if store is not None:
        query = query.where(t.c.store == store)
    out = SmsTasks({}, {})
    closing: dict[str, list[int]] = {}
    without_phone: set[int] = set()
    for (task_id, pk, code, key, due, vin, task_store, cid, name, gender, phone, valid, customer_store,
         dnc, opt_out, plate, model, advisor) in conn.execute(query):
        if dnc or opt_out:
            closing.setdefault("do_not_contact" if dnc else "sms_opt_out", []).append(task_id)
            continue
        if not phone or not valid:
            without_phone.add(pk)
            continue
        day = max(due, start)
        out.recipients[pk] = Recipient(cid, name, gender, phone, customer_store)
        out.by_customer_day.setdefault((day, pk), []).append(TaskFacts(
            task_id, code, key, day, vin or "", plate, model, advisor, task_store))
    for reason, ids in closing.items():
        out.closed_opt_out += _close(conn, ids, reason, today)
    out.no_phone = len(without_phone)
    return out


def _close(conn: Connection, task_ids: Sequence[int], reason: str, on: date) -> int:
    closed = 0
    for part in chunks(sorted(task_ids)):
        result = conn.execute(update(TASKS).where(in_keys(conn, TASKS.c.id, part), TASKS.c.status == "open")
                              .values(status="closed", closed_reason=reason, closed_on=on))
        closed += max(result.rowcount or 0, 0)
    return closed


def mark_sent(conn: Connection, rules: Rules, sent: Sequence[tuple[int, date]], today: date,
              recorded_by: str | None = None) -> int:
    """Record `sent` (dated today, its list date the message's day) on each (task id, day) still open, and
    close it; a task already closed (sent before) records nothing. Every customer's last contact moves
    (care-call spacing). Set-based: a batch of tasks per statement. Returns how many were recorded."""
    day_of = dict(sent)
    t, o = TASKS, OUTCOMES
    recorded = 0
    customers: set[int] = set()
    for part in chunks(sorted(day_of)):
        rows = conn.execute(select(t.c.id, t.c.customer_pk, t.c.attempts)
                            .where(in_keys(conn, t.c.id, part), t.c.status == "open").with_for_update()).all()
        if not rows:
            continue
        conn.execute(insert(o), [_outcome(task_id, day_of[task_id], today, recorded_by) for task_id, _, _ in rows])
        conn.execute(update(t).where(t.c.id == bindparam("_id"), t.c.status == "open").values(
            status="closed", closed_reason=SENT, closed_on=today, attempts=bindparam("_attempts"), last_attempt=today),
            [{"_id": task_id, "_attempts": attempts + 1} for task_id, _, attempts in rows])
        customers.update(pk for _, pk, _ in rows)
        recorded += len(rows)
    _note_contacts(conn, rules, sorted(customers), today)
    return recorded


def _outcome(task_id: int, day: date, today: date, recorded_by: str | None) -> dict[str, Any]:
    return {"task_id": task_id, "result": SENT, "attempt_date": today, "list_date": day, "note": None,
            "booked_for": None, "recorded_by": recorded_by, "score": None, "reason": None, "withdrawn": False}


def _note_contacts(conn: Connection, rules: Rules, customer_pks: Sequence[int], on: date) -> None:
    """A message sent is an attempt: it restarts the care-call rhythm (§3) of customers contacted earlier."""
    c = CUSTOMERS
    moved: list[int] = []
    for part in chunks(customer_pks):
        later = or_(c.c.last_contact.is_(None), c.c.last_contact < on)
        ids = list(conn.execute(select(c.c.id).where(in_keys(conn, c.c.id, part), later)).scalars())
        if ids:
            conn.execute(update(c).where(in_keys(conn, c.c.id, ids)).values(last_contact=on))
            moved.extend(ids)
    if moved:
        refresh_customers(conn, moved, rules)


def task_words_facts(conn: Connection, *, task_ids: Sequence[int] = (), customer_pk: int | None = None,
                     channel: str | None = None) -> list[tuple[Recipient, TaskFacts]]:
    """(recipient, task facts) of these tasks, or of a customer's open tasks (of one channel), by task id:
    what their scripts name."""
    t, c, v = TASKS, CUSTOMERS, VEHICLES
    base = (
        select(t.c.id, t.c.code, t.c.event_key, t.c.due_date, t.c.vin, t.c.store, c.c.customer_id, c.c.name,
               c.c.gender, c.c.phone, c.c.store, v.c.plate, v.c.model, v.c.service_advisor)
        .join(c, c.c.id == t.c.customer_pk).outerjoin(v, v.c.id == t.c.vehicle_pk).order_by(t.c.id)
    )
    if customer_pk is not None:
        base = base.where(t.c.customer_pk == customer_pk, t.c.status == "open")
        parts: list[Any] = [base]
    else:
        parts = [base.where(in_keys(conn, t.c.id, part)) for part in chunks(sorted(set(task_ids)))]
    if channel is not None:
        parts = [q.where(t.c.channel == channel) for q in parts]
    out = []
    for query in parts:
        for (task_id, code, key, due, vin, task_store, cid, name, gender, phone, customer_store,
             plate, model, advisor) in conn.execute(query):
            out.append((Recipient(cid, name, gender, phone, customer_store),
                        TaskFacts(task_id, code, key, due, vin or "", plate, model, advisor, task_store)))
    return out
