"""Insurance and inspection dates in the store: expiry history, `vehicle set`, the two renewal KPIs.

The import and `vehicle set` both record a change of a vehicle's earlier insurance expiry in
`insurancechange` (old, new, the day it changed); the scheduler reads that history to close the
calls of an expiry that moved (renewed) and the report counts renewals from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, insert, literal, select, union, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause, Select

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.insurance import RENEWAL_CODE, ExpiryChange, earlier_expiry
from lifecycle_cli.core.kpi import Kpi, make_kpi
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.bulk import chunks, fetch_in, insert_by_shape
from lifecycle_cli.store.state import refresh_vehicles
from lifecycle_cli.store.tables import INSURANCE_CHANGES, OUTCOMES, TASKS, VEHICLES
from lifecycle_cli.store.tasks import resync_customers

INSURANCE_COLUMNS = ("commercial_insurance_expiry", "compulsory_insurance_expiry")
DATE_COLUMNS = (*INSURANCE_COLUMNS, "inspection_due")


# -- history written by the import ---------------------------------------------------------

def note_expiry_changes(conn: Connection, rows: Iterable[Mapping[str, Any]],
                        before: Mapping[str, Mapping[str, Any]], today: date) -> int:
    """Record the changes of the earlier expiry that a batch of upserted vehicle rows made, in row order.

    `before` is the upsert's stored values (with "id") of the vehicles it updated, read once for
    the batch; a column no row of the batch carried is read here (it did not change). New and
    unchanged vehicles have nothing to record. Returns the number of changes recorded.
    """
    touched = [r for r in rows if r["vin"] in before and any(c in r for c in INSURANCE_COLUMNS)]
    if not touched:
        return 0
    state: dict[str, dict[str, Any]] = {}
    unread: set[str] = set()
    for row in touched:
        stored = before[row["vin"]]
        state[row["vin"]] = {c: stored[c] for c in ("id", *INSURANCE_COLUMNS) if c in stored}
        if any(c not in stored for c in INSURANCE_COLUMNS):
            unread.add(row["vin"])
    for part in chunks(sorted(unread)):
        for vin, commercial, compulsory in fetch_in(conn, VEHICLES, ("vin", *INSURANCE_COLUMNS), "vin", part):
            state[vin].setdefault(INSURANCE_COLUMNS[0], commercial)
            state[vin].setdefault(INSURANCE_COLUMNS[1], compulsory)
    changes: list[dict[str, Any]] = []
    for row in touched:
        held = state[row["vin"]]
        now = {**held, **{c: row[c] for c in INSURANCE_COLUMNS if c in row}}
        old = earlier_expiry(*(held[c] for c in INSURANCE_COLUMNS))
        new = earlier_expiry(*(now[c] for c in INSURANCE_COLUMNS))
        if old is not None and new != old:
            changes.append({"vehicle_pk": held["id"], "old_expiry": old, "new_expiry": new, "changed_on": today})
        state[row["vin"]] = now
    insert_by_shape(conn, INSURANCE_CHANGES, changes)
    return len(changes)


# -- vehicle set ---------------------------------------------------------------------------

@dataclass(frozen=True)
class VehicleDates:
    """What `vehicle set` did to one vehicle: the dates before and after, the expiry change, the tasks."""

    vin: str
    plate: str | None
    before: dict[str, date | None]
    after: dict[str, date | None]
    change: ExpiryChange | None
    # Open renewal calls of this vehicle the change closed (renewed / superseded).
    closed_renewals: int


def set_vehicle_dates(conn: Connection, rules: Rules, vin: str, values: Mapping[str, date], today: date,
                      calendar: HolidayCalendar) -> VehicleDates | None:
    """Set insurance / inspection dates of one vehicle, record the expiry change and bring its tasks in step.

    None when there is no such vehicle.
    """
    v = VEHICLES
    row = conn.execute(
        select(v.c.id, v.c.customer_pk, v.c.plate, *[v.c[c] for c in DATE_COLUMNS]).where(v.c.vin == vin)
    ).mappings().first()
    if row is None:
        return None
    before = {c: row[c] for c in DATE_COLUMNS}
    after = {**before, **values}
    # line_digest: a desk write, so the car's file line is read again (ingest/digests.py)
    conn.execute(update(v).where(v.c.id == row["id"]).values(**values, line_digest=None))
    old = earlier_expiry(*(before[c] for c in INSURANCE_COLUMNS))
    new = earlier_expiry(*(after[c] for c in INSURANCE_COLUMNS))
    change = None
    if old is not None and new != old:
        change = ExpiryChange(old, new, today)
        conn.execute(insert(INSURANCE_CHANGES).values(vehicle_pk=row["id"], old_expiry=old, new_expiry=new,
                                                      changed_on=today))
    refresh_vehicles(conn, [row["id"]], rules)
    t = TASKS
    renewal_calls = select(t.c.id).where(t.c.vehicle_pk == row["id"], t.c.code == RENEWAL_CODE)
    was_open = set(conn.execute(renewal_calls.where(t.c.status == "open")).scalars())
    resync_customers(conn, rules, [row["customer_pk"]], today, calendar)
    still_open = set(conn.execute(renewal_calls.where(t.c.status == "open")).scalars())
    return VehicleDates(vin=vin, plate=row["plate"], before=before, after=after, change=change,
                        closed_renewals=len(was_open - still_open))


# -- KPIs ----------------------------------------------------------------------------------

def insurance_kpis(conn: Connection, v: FromClause, on: date, first: date, last: date, rules: Rules,
                   store: str | None = None, due: int | None = None) -> list[Kpi]:
    """续保率 and 续保邀约成功率 of the month [first, last], as known on `on`.

    续保率: cars whose earlier insurance expiry fell in the month (the one they hold, or one they
    left) / of those, the ones whose expiry moved later before the old one passed (on `on` at the
    latest). 续保邀约成功率: renewal calls with an outcome in the month / those with one `booked`.
    `due`: the denominator when counted already (renewal_due_by_month); else it is counted from `v`, the
    cars as of `on` (the expiry they held then).
    """
    upto = min(last, on)
    ch = INSURANCE_CHANGES
    if due is None:
        car_store = v.c.store == store if store else literal(True)
        held = select(v.c.id.label("vid")).where(v.c.insurance_expiry.between(first, last), v.c.delivery_date <= on,
                                                 car_store)
        due = int(conn.execute(select(func.count()).select_from(
            union(held, _left_expiries(first, last, on, store)).subquery())).scalar() or 0)
    renewed_cars = (
        select(ch.c.vehicle_pk).distinct().join(VEHICLES, VEHICLES.c.id == ch.c.vehicle_pk)
        .where(ch.c.old_expiry.between(first, last), ch.c.new_expiry > ch.c.old_expiry,
               ch.c.changed_on <= ch.c.old_expiry, ch.c.changed_on <= on, *_delivered_in_store(on, store))
    )
    renewed = int(conn.execute(select(func.count()).select_from(renewed_cars.subquery())).scalar() or 0)

    t, o = TASKS, OUTCOMES
    store_cond = t.c.store == store if store else literal(True)
    per_task = (
        select(t.c.id, func.max(case((o.c.result == "booked", 1), else_=0)).label("ok"))
        .join(o, o.c.task_id == t.c.id)
        .where(t.c.code == RENEWAL_CODE, o.c.attempt_date.between(first, upto), o.c.withdrawn.is_(False),
               store_cond)
        .group_by(t.c.id)
        .subquery()
    )
    called, booked = conn.execute(select(func.count(), func.coalesce(func.sum(per_task.c.ok), 0))).one()
    return [
        make_kpi("insurance_renewal_rate", renewed, due, rules),
        make_kpi("insurance_invite_success_rate", int(booked), int(called), rules),
    ]


def _delivered_in_store(on: date, store: str | None) -> list[ColumnElement[bool]]:
    """The car was delivered by `on` (and is of the store): its own columns, the same on any day."""
    return [VEHICLES.c.delivery_date <= on, *([VEHICLES.c.store == store] if store else [])]


def _left_expiries(first: date, last: date, on: date, store: str | None) -> Select[Any]:
    """The cars that left an expiry falling in the month [first, last] (vehicle pk as "vid")."""
    ch = INSURANCE_CHANGES
    return (select(ch.c.vehicle_pk.label("vid")).join(VEHICLES, VEHICLES.c.id == ch.c.vehicle_pk)
            .where(ch.c.old_expiry.between(first, last), *_delivered_in_store(on, store)))


def renewal_due_by_month(conn: Connection, stored: Select[Any], recomputed: Sequence[tuple[int, int, int, date]],
                         months: Sequence[tuple[date, date]], held: Sequence[int], store: str | None = None) -> list[int]:
    """续保率's denominator of each month (first, last) of the trend, seen on its last day: the cars that held an
    expiry in the month (`held`, counted by store/trend_pass.py) or left one in it, each once. The cars at the
    month ends (store/month_ends.MonthEnds, months in the same order): `stored`, the query of the stored rows,
    and `recomputed`, (pk, k_lo, k_hi, expiry) of the recomputed rows whose expiry falls in their months."""
    left: dict[int, set[int]] = {}
    for k, (first, last) in enumerate(months):
        left[k] = set(conn.execute(_left_expiries(first, last, last, store)).scalars())
    both = [0] * len(months)

    def count(pk: int, k_lo: int, k_hi: int, expiry: date | None) -> None:
        for k in range(max(k_lo, 0), min(k_hi, len(months) - 1) + 1):
            first, last = months[k]
            if pk in left[k] and expiry is not None and first <= expiry <= last:
                both[k] += 1

    wanted: set[int] = set().union(*left.values())
    rows = stored.subquery()
    for part in chunks(sorted(wanted)):
        for found in conn.execute(select(rows.c.id, rows.c.k_lo, rows.c.k_hi, rows.c.insurance_expiry)
                                  .where(rows.c.id.in_(part), rows.c.k_lo <= rows.c.k_hi)):
            count(*found)
    for pk, k_lo, k_hi, expiry in recomputed:
        if pk in wanted:
            count(pk, k_lo, k_hi, expiry)
    return [held[k] + len(left[k]) - both[k] for k in range(len(months))]
