"""A car's status (vehicle.status: active / sold / scrapped / transferred, care-desk §6): set by
`vehicle set --status` or the `vehicle_sold` result, with the tasks it closes or brings back.

A car that is not active gets no tasks: its open scheduled tasks close right away with the status as
the reason, and a sync of the customer closes their own tasks (care calls, greetings) when no active
car is left; set back to active, the sync opens the tasks the status closed again (store/tasks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.facts import ACTIVE
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import SCHEDULED_CODES
from lifecycle_cli.store.tables import TASKS, VEHICLES
from lifecycle_cli.store.tasks import resync_customers


@dataclass(frozen=True)
class StatusChange:
    """What a status change did: the car, its status before and after, the tasks closed and opened."""

    vin: str
    plate: str | None
    before: str
    after: str
    closed: int
    opened: int


def set_vehicle_status(conn: Connection, rules: Rules, vin: str, status: str, today: date,
                       calendar: HolidayCalendar) -> StatusChange | None:
    """Set one car's status and bring its customer's tasks in step; None when there is no such VIN."""
    v = VEHICLES
    row = conn.execute(select(v.c.id, v.c.customer_pk, v.c.plate, v.c.status).where(v.c.vin == vin)).first()
    if row is None:
        return None
    pk, customer_pk, plate, before = row
    t = TASKS
    open_ids = select(t.c.id).where(t.c.customer_pk == customer_pk, t.c.status == "open")
    was_open = set(conn.execute(open_ids).scalars())
    apply_status(conn, rules, pk, customer_pk, status, today, calendar)
    now_open = set(conn.execute(open_ids).scalars())
    return StatusChange(vin=vin, plate=plate, before=before or ACTIVE, after=status,
                        closed=len(was_open - now_open), opened=len(now_open - was_open))


def apply_status(conn: Connection, rules: Rules, vehicle_pk: int, customer_pk: int, status: str, today: date,
                 calendar: HolidayCalendar) -> None:
    """Store the status; a car leaving closes its open scheduled tasks (reason: the status); then the
    customer's tasks from today on follow (their own tasks when no active car is left, or back)."""
    conn.execute(update(VEHICLES).where(VEHICLES.c.id == vehicle_pk).values(status=status))
    if status != ACTIVE:
        t = TASKS
        conn.execute(update(t).where(t.c.vehicle_pk == vehicle_pk, t.c.status == "open",
                                     t.c.code.in_(sorted(SCHEDULED_CODES)))
                     .values(status="closed", closed_reason=status, closed_on=today))
    resync_customers(conn, rules, [customer_pk], today, calendar)
