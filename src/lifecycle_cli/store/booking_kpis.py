"""The KPIs of bookings (care-desk §6, §9 "KPI keys"): 定保邀约成功率 (invitations made, followed by a
maintenance visit) and 预约到店率 (appointments kept). The arithmetic is the core's; here the rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import and_, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lifecycle_cli.core.appointments import GRACE_DAYS, show_counts
from lifecycle_cli.core.kpi import INVITE_SUCCESS_CODES, Kpi, invitation_succeeded, make_kpi
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.tables import APPOINTMENTS, OUTCOMES, TASKS, VISITS


def invitation_counts(conn: Connection, on: date, rules: Rules, in_month: ColumnElement[bool],
                      store_cond: ColumnElement[bool]) -> tuple[int, int]:
    """定保邀约成功率 (numerator, denominator): invitation tasks with an attempt (any result) in the month;
    success: a maintenance visit 0–30 days after the task's first attempt."""
    t, o = TASKS, OUTCOMES
    made = select(t.c.id).join(o, o.c.task_id == t.c.id).where(
        t.c.code.in_(INVITE_SUCCESS_CODES), in_month, store_cond).distinct().subquery()
    invited = conn.execute(
        select(t.c.id, t.c.vehicle_pk, func.min(o.c.attempt_date))
        .join(o, o.c.task_id == t.c.id)
        .where(t.c.id.in_(select(made.c.id)), o.c.withdrawn.is_(False))
        .group_by(t.c.id, t.c.vehicle_pk)
    ).all()
    maintenance = sorted(rules.schedule.maintenance_kinds)
    visits_by_car: dict[int, list[date]] = defaultdict(list)
    for part in chunks(sorted({vpk for _, vpk, _ in invited if vpk is not None})):
        query = select(VISITS.c.vehicle_pk, VISITS.c.visit_date).where(
            VISITS.c.vehicle_pk.in_(part), VISITS.c.visit_date <= on, VISITS.c.kind.in_(maintenance))
        for vpk, day in conn.execute(query):
            visits_by_car[vpk].append(day)
    within = rules.kpi.invite_visit_within_days
    num = sum(1 for _, vpk, first in invited if invitation_succeeded(first, visits_by_car.get(vpk, ()), within, on))
    return num, len(invited)


def appointment_show_kpi(conn: Connection, on: date, first: date, last: date, rules: Rules,
                         store: str | None = None) -> Kpi:
    """预约到店率: appointments of the month (not cancelled) whose D + 1 is on or before the report date;
    kept: a visit of the car on D or D + 1."""
    a = APPOINTMENTS
    upto = min(last, on - timedelta(days=GRACE_DAYS))
    rows = conn.execute(select(a.c.id, a.c.vehicle_pk, a.c.appointment_date).where(
        a.c.appointment_date.between(first, upto), a.c.status != "cancelled",
        a.c.store == store if store else literal(True))).all()
    visits: dict[int, list[date]] = defaultdict(list)
    if rows:
        span = and_(VISITS.c.visit_date >= first, VISITS.c.visit_date <= on)
        for part in chunks(sorted({vpk for _, vpk, _ in rows if vpk is not None})):
            for vpk, day in conn.execute(select(VISITS.c.vehicle_pk, VISITS.c.visit_date)
                                         .where(VISITS.c.vehicle_pk.in_(part), span)):
                visits[vpk].append(day)
    num, den = show_counts(((d, visits.get(vpk, ()) if vpk is not None else ()) for _, vpk, d in rows), on)
    return make_kpi("appointment_show_rate", num, den, rules)
