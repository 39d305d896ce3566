"""The indexed candidate search of a sync: which customers may have a task falling due in some days.

core/candidates.py gives the anchor ranges (pure); this module turns them into SQL, one indexed
query per criterion.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.candidates import CandidateRanges, candidate_ranges, lookback_days
from lifecycle_cli.core.insurance import RENEWAL_CODE
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.tables import CUSTOMERS, INSURANCE_CHANGES, TASKS, VEHICLES, VISITS


def customers_due_between(conn: Connection, rules: Rules, first: date, last: date,
                          calendar: HolidayCalendar, go_live: date | None = None) -> set[int]:
    """Customers who may have a task falling due in [first, last] (an indexed superset): the ranges of
    core.candidates, one indexed query per criterion (`go_live`: see candidate_ranges)."""
    ranges = candidate_ranges(rules, first, last, calendar, go_live)
    v, c = VEHICLES, CUSTOMERS
    found: set[int] = set()
    for condition in _vehicle_conditions(ranges):
        found.update(conn.execute(select(v.c.customer_pk).where(condition, v.c.delivery_date <= ranges.delivered_by))
                     .scalars())
    for days in (ranges.visit, *ranges.moving_visit):
        visits = select(v.c.customer_pk).join(VISITS, VISITS.c.vehicle_pk == v.c.id).where(
            VISITS.c.visit_date.between(*days))
        found.update(conn.execute(visits).scalars())
    found.update(conn.execute(select(c.c.id).where(c.c.birthday_mmdd.in_(ranges.birthday_mmdd))).scalars())
    # Care calls: the anchor's phase, of customers active lately (the anchor is no older than their
    # last visit or delivery, which must fall in the active months before the call).
    active = c.c.care_anchor >= ranges.care_active_from
    if ranges.care_phases is None:
        found.update(conn.execute(select(c.c.id).where(active)).scalars())
    else:
        found.update(conn.execute(select(c.c.id).where(c.c.care_phase.in_(ranges.care_phases), active)).scalars())
    if ranges.greeting:
        found.update(conn.execute(select(v.c.customer_pk).where(v.c.delivery_date <= ranges.delivered_by)).scalars())
    return found


def _vehicle_conditions(ranges: CandidateRanges) -> list[ColumnElement[bool]]:
    """The criteria on a car's stored state and dates (each ANDed with delivered_by by the caller)."""
    v = VEHICLES
    # An expiry that moved on one of these days (import or `vehicle set` after the synced days): its
    # open steps close.
    moved = select(INSURANCE_CHANGES.c.vehicle_pk).where(INSURANCE_CHANGES.c.changed_on.between(*ranges.expiry_changed))
    return [
        v.c.delivery_date.between(*ranges.delivery),
        v.c.service_due.between(*ranges.service_due),
        v.c.warranty_end.between(*ranges.warranty_end),
        v.c.delivery_mmdd.in_(ranges.anniversary_mmdd),
        and_(v.c.upgrade_mmdd.in_(ranges.upgrade_mmdd), v.c.upgrade_date <= ranges.delivered_by),
        *(v.c.insurance_expiry.between(*days) for days in ranges.insurance_expiry),
        v.c.inspection_due.between(*ranges.inspection_due),
        v.c.id.in_(moved),
        # No inspection date in the data: the computed dues are whole months after the delivery date.
        and_(v.c.inspection_due.is_(None), v.c.delivery_mmdd.in_(ranges.registration_mmdd),
             v.c.delivery_date <= ranges.registered_by),
    ]


def customers_with_ended_renewal_steps(conn: Connection, rules: Rules, today: date) -> set[int]:
    """Customers with an open renewal step whose time on the list ended lately: the scheduler closes it
    (next step came, expiry passed or moved) even when its day was synced ahead of time."""
    since = today - timedelta(days=lookback_days(rules))
    query = select(TASKS.c.customer_pk).where(
        TASKS.c.code == RENEWAL_CODE, TASKS.c.status == "open", TASKS.c.window_end.between(since, today - timedelta(days=1))
    )
    return set(conn.execute(query).scalars())


def customers_with_open_tasks(conn: Connection, start: date, end: date) -> set[int]:
    """Customers with a stored open task whose time on the list meets [start, end]."""
    query = select(TASKS.c.customer_pk).where(
        TASKS.c.status == "open", TASKS.c.due_date <= end, TASKS.c.window_end >= start
    )
    return set(conn.execute(query).scalars())
