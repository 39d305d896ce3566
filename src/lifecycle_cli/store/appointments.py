"""Appointments (预约) in the database: made by a `booked` outcome, moved by `reschedule`, withdrawn
with the outcome (`done --undo`), settled as visited / no_show by the sync of the store's today and
by imports, and read back as reception's list.

The reminder (`appointment_reminder`, sms) and the no-show call (`no_show_followup`) are not scheduler
codes: like event follow-ups they are written into the task table here (event key
`appointment:ID:DATE`, so a moved appointment gets new ones), and the sync leaves them alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.appointments import (
    CANCELLED,
    GRACE_DAYS,
    NO_SHOW_CODE,
    REMINDER_CODE,
    RESCHEDULED,
    VISITED,
    appointment_of_key,
    event_key,
    no_show_date,
    reminder_date,
    settled_status,
)
from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.events import event_task
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import vehicle_projection
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.facts import customer_task_facts, load_vehicle_facts
from lifecycle_cli.store.staff import load_staffing
from lifecycle_cli.store.tables import APPOINTMENTS, CUSTOMERS, TASKS, VEHICLES, VISITS

# A no-show settled this many days ago is still checked for a late-imported visit on D + 1.
NO_SHOW_RECHECK_DAYS = 31


def appointment_of_task(conn: Connection, task: Any) -> dict[str, Any] | None:
    """The appointment a task booked (the latest not cancelled), or None."""
    a = APPOINTMENTS
    row = conn.execute(select(a).where(a.c.task_id == task["id"], a.c.status != "cancelled")
                       .order_by(a.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row is not None else None


def book(conn: Connection, rules: Rules, task: Any, outcome_id: int | None, day: date, booked_on: date,
         booked_by: str | None) -> int:
    """Make the appointment of a booking on `task` for `day` (booked on `booked_on`) and its reminder.
    Booked from an appointment's own call (the no-show call), it keeps that appointment's purpose."""
    purpose = task["code"]
    earlier = appointment_of_key(task["event_key"] or "")
    if earlier is not None:
        purpose = conn.execute(select(APPOINTMENTS.c.purpose).where(APPOINTMENTS.c.id == earlier)).scalar() or purpose
    values = {"customer_pk": task["customer_pk"], "vehicle_pk": task["vehicle_pk"], "vin": task["vin"] or "",
              "appointment_date": day, "purpose": purpose, "booked_by": booked_by or task["owner"] or None,
              "task_id": task["id"], "outcome_id": outcome_id, "store": task["store"], "status": "booked"}
    appointment_id = int(conn.execute(insert(APPOINTMENTS).values(**values)).inserted_primary_key[0])  # type: ignore[index]
    _remind(conn, rules, {**values, "id": appointment_id}, booked_on)
    return appointment_id


def move(conn: Connection, rules: Rules, appointment: dict[str, Any], day: date, on: date) -> None:
    """Move an appointment to `day` (改约, on `on`): its open tasks for the old day close as rescheduled,
    it is booked again, and the new day gets its reminder."""
    _close_tasks(conn, appointment, RESCHEDULED, on)
    conn.execute(update(APPOINTMENTS).where(APPOINTMENTS.c.id == appointment["id"])
                 .values(appointment_date=day, status="booked"))
    _remind(conn, rules, {**appointment, "appointment_date": day}, on)


def undo_booking(conn: Connection, rules: Rules, task: Any, withdrawn: dict[str, Any],
                 kept: list[dict[str, Any]]) -> None:
    """A withdrawn booked outcome cancels its appointment; a withdrawn reschedule moves the appointment
    back to the date booked before it (cancelled when there was none)."""
    a = APPOINTMENTS
    if withdrawn["result"] == "booked":
        row = conn.execute(select(a).where(a.c.outcome_id == withdrawn["id"])).mappings().first()
    elif withdrawn["result"] == "reschedule":
        row = appointment_of_task(conn, task)  # type: ignore[assignment]
    else:
        return
    if row is None:
        return
    appointment = dict(row)
    before = [k["booked_for"] for k in kept if k["result"] in ("booked", "reschedule") and k["booked_for"]]
    if withdrawn["result"] == "reschedule" and before:
        move(conn, rules, appointment, before[-1], withdrawn["attempt_date"])
        return
    _close_tasks(conn, appointment, CANCELLED, withdrawn["attempt_date"])
    conn.execute(update(a).where(a.c.id == appointment["id"]).values(status="cancelled"))


def settle(conn: Connection, rules: Rules, today: date, *, no_shows: bool) -> tuple[int, int]:
    """Appointments the visits settled: a visit of the car on D or D + 1 makes one visited (its open
    no-show call closes); with `no_shows` (the sync of the store's today), one whose day passed without
    a visit on D becomes a no-show and gets its call on D + 1. Returns (visited, no-shows)."""
    a = APPOINTMENTS
    recheck = today - timedelta(days=NO_SHOW_RECHECK_DAYS)
    rows = [dict(r) for r in conn.execute(select(a).where(or_(
        and_(a.c.status == "booked", a.c.appointment_date <= today),
        and_(a.c.status == "no_show", a.c.appointment_date >= recheck)))).mappings()]
    if not rows:
        return 0, 0
    visits = _visit_dates(conn, rows, today)
    visited = missed = 0
    for row in rows:
        status = settled_status(row["appointment_date"], visits.get(row["id"], ()), today)
        if status == "visited":
            came = min(d for d in visits[row["id"]] if d >= row["appointment_date"])
            conn.execute(update(a).where(a.c.id == row["id"]).values(status="visited"))
            _close_tasks(conn, row, VISITED, came, codes=(NO_SHOW_CODE,))
            visited += 1
        elif status == "no_show" and no_shows and row["status"] == "booked":
            conn.execute(update(a).where(a.c.id == row["id"]).values(status="no_show"))
            rule_date = no_show_date(row["appointment_date"], rules.touchpoints[NO_SHOW_CODE].offset_days)
            _put_task(conn, rules, row, NO_SHOW_CODE, rule_date)
            missed += 1
    return visited, missed


def _visit_dates(conn: Connection, rows: list[dict[str, Any]], today: date) -> dict[int, list[date]]:
    """appointment id -> the dates of its car's visits (any car of the customer when it names none)
    from D up to D + 1 (and today)."""
    cars: dict[int, set[int]] = {r["id"]: {r["vehicle_pk"]} for r in rows if r["vehicle_pk"] is not None}
    carless = sorted({r["customer_pk"] for r in rows if r["vehicle_pk"] is None})
    fleet: dict[int, set[int]] = defaultdict(set)
    for part in chunks(carless):
        for vpk, cpk in conn.execute(select(VEHICLES.c.id, VEHICLES.c.customer_pk).where(VEHICLES.c.customer_pk.in_(part))):
            fleet[cpk].add(vpk)
    for r in rows:
        if r["vehicle_pk"] is None:
            cars[r["id"]] = fleet.get(r["customer_pk"], set())
    first = min(r["appointment_date"] for r in rows)
    last = min(max(r["appointment_date"] for r in rows) + timedelta(days=GRACE_DAYS), today)
    by_car: dict[int, list[date]] = defaultdict(list)
    for part in chunks(sorted(set().union(*cars.values()))):
        query = select(VISITS.c.vehicle_pk, VISITS.c.visit_date).where(
            VISITS.c.vehicle_pk.in_(part), VISITS.c.visit_date.between(first, last))
        for vpk, day in conn.execute(query):
            by_car[vpk].append(day)
    return {aid: [d for vpk in pks for d in by_car.get(vpk, ()) if d <= today] for aid, pks in cars.items()}


def _remind(conn: Connection, rules: Rules, appointment: dict[str, Any], booked_on: date) -> None:
    day = reminder_date(booked_on, appointment["appointment_date"])
    if day is not None:
        _put_task(conn, rules, appointment, REMINDER_CODE, day)


def _put_task(conn: Connection, rules: Rules, appointment: dict[str, Any], code: str, rule_date: date) -> None:
    """Write (or open again, when the appointment comes back to a day it had) an appointment's task,
    owned and dated as the scheduler builds its tasks."""
    customer, _ = customer_task_facts(conn, [appointment["customer_pk"]])[appointment["customer_pk"]]
    vehicle = projection = None
    if appointment["vehicle_pk"] is not None:
        _, vehicle = load_vehicle_facts(conn, [appointment["vehicle_pk"]])[appointment["vehicle_pk"]]
        projection = vehicle_projection(vehicle, rules, rule_date)
    key = event_key(appointment["id"], appointment["appointment_date"])
    task = event_task(rules, HolidayCalendar(), code, customer, vehicle, key, rule_date, projection,  # type: ignore[arg-type]
                      load_staffing(conn))
    row = {"customer_pk": appointment["customer_pk"], "vehicle_pk": appointment["vehicle_pk"], "vin": task.vin,
           "code": code, "event_key": key, "rule_date": task.rule_date, "due_date": task.due_date,
           "window_end": task.window_end, "stage": task.stage, "owner": task.owner, "role": task.role,
           "channel": task.channel, "store": task.store or appointment["store"], "status": "open", "attempts": 0}
    t = TASKS
    same = (t.c.customer_pk == row["customer_pk"], t.c.vin == row["vin"], t.c.code == code, t.c.event_key == key)
    existing = conn.execute(select(t.c.id).where(*same)).scalar()
    if existing is None:
        conn.execute(insert(t).values(**row))
    else:
        conn.execute(update(t).where(t.c.id == existing).values(
            closed_reason=None, closed_on=None, **{k: v for k, v in row.items() if k != "attempts"}))


def _close_tasks(conn: Connection, appointment: dict[str, Any], reason: str, on: date,
                 codes: Iterable[str] = (REMINDER_CODE, NO_SHOW_CODE)) -> None:
    key = event_key(appointment["id"], appointment["appointment_date"])
    t = TASKS
    conn.execute(update(t).where(t.c.customer_pk == appointment["customer_pk"], t.c.event_key == key,
                                 t.c.code.in_(list(codes)), t.c.status == "open")
                 .values(status="closed", closed_reason=reason, closed_on=on))


def appointment_list(conn: Connection, first: date, last: date, store: str | None = None) -> list[dict[str, Any]]:
    """Reception's list: the appointments of the days [first, last] (not cancelled), with the
    customer, the full phone and the car, by day, then customer."""
    a, c, v = APPOINTMENTS, CUSTOMERS, VEHICLES
    query = (
        select(a.c.id.label("appointment_id"), c.c.customer_id, c.c.name, c.c.phone, a.c.vin, v.c.plate,
               v.c.model, a.c.appointment_date.label("date"), a.c.purpose, a.c.booked_by, a.c.task_id,
               a.c.status, a.c.store)
        .join(c, c.c.id == a.c.customer_pk)
        .outerjoin(v, v.c.id == a.c.vehicle_pk)
        .where(a.c.appointment_date.between(first, last), a.c.status != "cancelled")
        .order_by(a.c.appointment_date, c.c.customer_id, a.c.id)
    )
    if store is not None:
        query = query.where(a.c.store == store)
    return [dict(r) for r in conn.execute(query).mappings()]
