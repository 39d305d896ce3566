"""The manager's report: stage distribution, KPIs and churn, with set-based queries (the workload:
store/workload.py).

Stage and churn figures use the projection state stored per vehicle (computed by the rules
core from every reading known), so they scale to a million cars without loading rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from lifecycle_cli.core.calllist import BAD_PHONE_OUTCOMES
from lifecycle_cli.core.kpi import (
    CHURNED_CATEGORIES,
    FOLLOW_UP_CODES,
    Kpi,
    make_kpi,
)
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.stages import add_months
from lifecycle_cli.store.booking_kpis import appointment_show_kpi, invitation_counts
from lifecycle_cli.store.bulk import chunks, insert_by_shape
from lifecycle_cli.store.car_pass import CarPass, car_pass, churn_conditions
from lifecycle_cli.store.churn_reasons import latest_reasons
from lifecycle_cli.store.facts import load_vehicle_facts
from lifecycle_cli.store.tables import (
    CAMPAIGNS,
    CUSTOMERS,
    EVENTS,
    OUTCOMES,
    READINGS,
    TARGETS,
    TASKS,
    VEHICLES,
    VISITS,
)
from lifecycle_cli.store.vehicle_state import vehicle_state, vehicle_state_columns

V = VEHICLES
# The vehicle columns a report reads besides the projection state.
BASE_COLUMNS = ("id", "vin", "plate", "model", "store", "customer_pk", "delivery_date", "service_advisor", "status")


def vehicles_as_of(conn: Connection, on: date, rules: Rules) -> FromClause:
    """The vehicles with their projection state as of `on`, for the report's set-based queries.

    The stored state is computed from every fact known. For the few vehicles with a visit or
    reading after `on`, the rules core recomputes the state from the facts up to `on` into a
    temporary table, and the two are read as one; with none, it is the vehicle table itself.
    """
    later = union(
        select(VISITS.c.vehicle_pk.label("id")).where(VISITS.c.visit_date > on),
        select(READINGS.c.vehicle_pk.label("id")).where(READINGS.c.reading_date > on),
        select(V.c.id).where(V.c.mileage_date > on),
    )
    changed = sorted(set(conn.execute(later).scalars()))
    if not changed:
        return V
    columns = (*BASE_COLUMNS, *vehicle_state_columns())
    temp = Table("vehicle_as_of", MetaData(), *[V.c[c]._copy() for c in columns], prefixes=["TEMPORARY"])
    temp.drop(conn, checkfirst=True)
    temp.create(conn)
    base = {r["id"]: r for part in chunks(changed)
            for r in conn.execute(select(*[V.c[c] for c in BASE_COLUMNS]).where(V.c.id.in_(part))).mappings()}
    for part in chunks(changed, 2000):
        facts = load_vehicle_facts(conn, part)
        rows = [{**base[pk], **vehicle_state(f, rules, as_of=on)} for pk, (_, f) in facts.items()]
        insert_by_shape(conn, temp, rows)
    current = select(*[V.c[c] for c in columns]).where(V.c.id.not_in(select(temp.c.id)))
    return union_all(current, select(*[temp.c[c] for c in columns])).subquery("v")


def count_where(conn: Connection, v: FromClause, conditions: dict[str, ColumnElement[bool]]) -> dict[str, int]:
    """How many rows of `v` meet each condition, counted in one pass over the table."""
    if not conditions:
        return {}
    sums = [func.coalesce(func.sum(case((c, 1), else_=0)), 0).label(k) for k, c in conditions.items()]
    row = conn.execute(select(*sums).select_from(v)).one()
    return {k: int(row._mapping[k]) for k in conditions}


def churn_list(conn: Connection, v: FromClause, on: date, first: date, last: date, rules: Rules, category: str | None = None,
               store: str | None = None) -> list[dict[str, Any]]:
    """The cars behind the churn figures, with customer, phone, last visit and days lost."""
    last_visit = (
        select(VISITS.c.vehicle_pk, func.max(VISITS.c.visit_date).label("last_visit"))
        .where(VISITS.c.visit_date <= on)
        .group_by(VISITS.c.vehicle_pk)
        .subquery()
    )
    rows: list[dict[str, Any]] = []
    for name, condition in churn_conditions(v, on, first, last, rules).items():
        if category is not None and name != category:
            continue
        query = (
            select(v.c.id, v.c.vin, v.c.plate, v.c.model, v.c.store, v.c.delivery_date, v.c.service_due,
                   v.c.service_advisor, v.c.last_maintenance_date, CUSTOMERS.c.customer_id, CUSTOMERS.c.name,
                   CUSTOMERS.c.phone, CUSTOMERS.c.do_not_contact, last_visit.c.last_visit)
            .join(CUSTOMERS, CUSTOMERS.c.id == v.c.customer_pk)
            .outerjoin(last_visit, last_visit.c.vehicle_pk == v.c.id)
            .where(condition)
            .order_by(v.c.service_due, v.c.vin)
        )
        if store:
            query = query.where(v.c.store == store)
        for r in conn.execute(query).mappings():
            rows.append({
                "_pk": r["id"],
                "category": name,
                "vin": r["vin"],
                "plate": r["plate"],
                "model": r["model"],
                "store": r["store"],
                "customer_id": r["customer_id"],
                "name": r["name"],
                "phone": r["phone"],
                "do_not_contact": bool(r["do_not_contact"]),
                "service_advisor": r["service_advisor"],
                "delivery_date": r["delivery_date"],
                "maintenance_due": r["service_due"],
                "last_visit": r["last_visit"],
                "days_lost": (on - r["service_due"]).days if name != "流失返回" else 0,
                "returned_on": r["last_maintenance_date"] if name == "流失返回" else None,
            })
    reasons = latest_reasons(conn, (r["_pk"] for r in rows), on)  # 流失原因: each car's latest
    for row in rows:
        code = reasons.get(row.pop("_pk"))
        row["reason"], row["reason_name"] = code, rules.churn_reasons.get(code, code) if code else None
    return rows


def _customer_filter(store: str | None) -> ColumnElement[bool]:
    return CUSTOMERS.c.store == store if store else literal(True)


@dataclass(frozen=True)
class Counted:
    """A month's figures counted with the other months of the trend: 忠诚客户比例 (numerator, denominator),
    续保率's denominator (store/insurance.renewal_due_by_month; None: counted with the month's KPIs)."""

    loyal: tuple[int, int]
    insurance_due: int | None = None


def kpis(conn: Connection, v: FromClause, on: date, first: date, last: date, rules: Rules, store: str | None = None,
         cars: CarPass | None = None, counted: Counted | None = None) -> list[Kpi]:
    """The month's KPIs, each with numerator and denominator, as pinned in the report issue; `cars`: the
    day's pass over the cars when the caller has made it already (store/car_pass.py); `counted`: the
    figures counted for many months at once (the trend), when they were."""
    upto = min(last, on)
    t, o = TASKS, OUTCOMES
    store_cond = t.c.store == store if store else literal(True)
    in_month = and_(o.c.attempt_date.between(first, upto), o.c.withdrawn.is_(False))  # undone: counted nowhere
    success = o.c.result.in_(("reached", "booked"))
    follow_num, follow_den = _follow_up_counts(conn, in_month, success, store_cond)
    invite_num, invite_den = invitation_counts(conn, on, rules, in_month, store_cond)
    info_num, info_den = _info_accuracy_counts(conn, in_month, store_cond)
    # the cars' own columns (store, delivery, customer) are the same in `v` and the vehicle table: only the
    # counts of car_pass and the insurance due read the state as of `on`
    delivered = and_(V.c.delivery_date.between(first, upto), V.c.store == store if store else literal(True))
    if cars is None:
        cars = car_pass(conn, v, on, first, last, rules, store, stages=False)
    n = cars.cars
    loyal_num, loyal_den = counted.loyal if counted else _loyal_counts(conn, on, rules, store)
    referred, referral_den = _referral_counts(conn, delivered, n["sold"])

    from lifecycle_cli.store.insurance import insurance_kpis

    # 流失率: cars in a churn category on the report date / cars that have had a maintenance due date.
    churned = sum(cars.churn[c] for c in CHURNED_CATEGORIES)

    return [
        make_kpi("follow_up_success_rate", int(follow_num), int(follow_den), rules),
        make_kpi("invite_success_rate", invite_num, invite_den, rules),
        appointment_show_kpi(conn, on, first, last, rules, store),  # 预约到店率
        make_kpi("info_accuracy_rate", int(info_num), int(info_den), rules),
        make_kpi("maintenance_visit_rate", n["came"], n["pending"] + n["answered"], rules),
        make_kpi("first_service_rate", n["came_first"], n["pending_first"] + n["answered_first"], rules),
        make_kpi("loyal_customer_ratio", int(loyal_num), int(loyal_den), rules),
        make_kpi("referral_rate", referred, referral_den, rules),
        make_kpi("churn_rate", churned, n["had_due"], rules),
        *insurance_kpis(conn, v, on, first, last, rules, store, due=counted.insurance_due if counted else None),  # 续保率, 续保邀约成功率
    ]


def _follow_up_counts(conn: Connection, in_month: ColumnElement[bool], success: ColumnElement[bool],
                      store_cond: ColumnElement[bool]) -> tuple[Any, Any]:
    """跟踪回访成功率: follow-up tasks with an outcome in the month; success: one reached/booked."""
    t, o = TASKS, OUTCOMES
    per_task = (
        select(t.c.id, func.max(case((success, 1), else_=0)).label("ok"))
        .join(o, o.c.task_id == t.c.id)
        .where(t.c.code.in_(FOLLOW_UP_CODES), in_month, store_cond)
        .group_by(t.c.id)
        .subquery()
    )
    follow_den, follow_num = conn.execute(select(func.count(), func.coalesce(func.sum(per_task.c.ok), 0))).one()
    return follow_num, follow_den


def _info_accuracy_counts(conn: Connection, in_month: ColumnElement[bool],
                          store_cond: ColumnElement[bool]) -> tuple[Any, Any]:
    """客户信息准确率: outcome records in the month not of the bad-number family / all."""
    t, o = TASKS, OUTCOMES
    info_den, info_num = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((o.c.result.not_in(BAD_PHONE_OUTCOMES), 1), else_=0)), 0))
        .select_from(o.join(t, t.c.id == o.c.task_id))
        .where(in_month, store_cond)
    ).one()
    return info_num, info_den


def _loyal_counts(conn: Connection, on: date, rules: Rules, store: str | None) -> tuple[int, int]:
    """忠诚客户比例 on `on` (numerator, denominator): loyal_counts_by_day for one day."""
    return loyal_counts_by_day(conn, [on], rules, store)[0]


def loyal_counts_by_day(conn: Connection, days: Sequence[date], rules: Rules,
                        store: str | None = None) -> list[tuple[int, int]]:
    """忠诚客户比例 on each day (numerator, denominator): customers with >= loyal_min_visits visits in the
    loyal_months before the day / with >= 1 — every day in one pass over the visits (the trend's months).
    A car's customer and store are its own columns: the vehicle table, whatever the day."""
    windows = [(add_months(on, -rules.kpi.loyal_months), on) for on in days]
    v = V
    in_window = [and_(VISITS.c.visit_date > since, VISITS.c.visit_date <= on) for since, on in windows]
    per_customer = (
        select(v.c.customer_pk, *[func.sum(case((w, 1), else_=0)).label(f"n{i}") for i, w in enumerate(in_window)])
        .join(VISITS, VISITS.c.vehicle_pk == v.c.id)
        .where(VISITS.c.visit_date > min(since for since, _ in windows),
               VISITS.c.visit_date <= max(on for _, on in windows), v.c.store == store if store else literal(True))
        .group_by(v.c.customer_pk)
        .subquery()
    )
    least = rules.kpi.loyal_min_visits
    sums = []
    for i in range(len(days)):
        n = per_customer.c[f"n{i}"]
        sums += [func.coalesce(func.sum(case((and_(n >= 1, n >= least), 1), else_=0)), 0),
                 func.coalesce(func.sum(case((n >= 1, 1), else_=0)), 0)]
    row = conn.execute(select(*sums)).one()
    return [(int(row[2 * i]), int(row[2 * i + 1])) for i in range(len(days))]


def _referral_counts(conn: Connection, delivered: ColumnElement[bool], sold: int) -> tuple[int, int]:
    """客户转介率: vehicles delivered in the month whose customer has referred_by / delivered in the month
    (no denominator while no customer has a referred_by at all)."""
    has_referrals = conn.execute(  # the first one found answers (not a count of the whole table)
        select(literal(1)).select_from(CUSTOMERS).where(
            CUSTOMERS.c.referred_by.is_not(None), cast(CUSTOMERS.c.referred_by, String) != "").limit(1)
    ).first() is not None
    referred = int(conn.execute(
        select(func.count()).select_from(V.join(CUSTOMERS, CUSTOMERS.c.id == V.c.customer_pk)).where(
            delivered, CUSTOMERS.c.referred_by.is_not(None), CUSTOMERS.c.referred_by != "")
    ).scalar() or 0)
    return referred, sold if has_referrals else 0


def phone_validity_kpi(conn: Connection, rules: Rules, store: str | None = None) -> Kpi:
    """客户号码有效率: customers whose recorded phone is a valid number / customers with a phone.

    An import keeps an invalid number and flags it (`phone_valid`), and so does the desk (`bad_phone`,
    while it is still the number): both count as invalid. Customers carry no dates: it is the
    stored data as it stands, whatever the report date.
    """
    c = CUSTOMERS
    valid = and_(c.c.phone_valid.is_(True), or_(c.c.bad_phone.is_(None), c.c.bad_phone != c.c.phone))
    den, num = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((valid, 1), else_=0)), 0))
        .where(c.c.phone.is_not(None), c.c.phone != "", _customer_filter(store))
    ).one()
    return make_kpi("phone_valid_rate", int(num), int(den), rules)


def event_kpis(conn: Connection, on: date, first: date, last: date, rules: Rules,
               store: str | None = None) -> list[Kpi]:
    """The random key moments' KPIs of the month: campaigns run (a count; denominator 1 month),
    抱怨处理及时率 (store/complaints.py: reached by the response deadline), 救援处理及时率 (followed up in
    time / events whose deadline passed) and
    抱怨处理满意率 (resolved satisfied / resolved in the month)."""
    from lifecycle_cli.core.events import timeliness_counts
    from lifecycle_cli.store.complaints import timely_counts_of_month

    upto = min(last, on)

    run = select(func.count()).select_from(CAMPAIGNS).where(CAMPAIGNS.c.campaign_date.between(first, upto))
    if store:
        in_store = select(TARGETS.c.id).join(V, V.c.id == TARGETS.c.vehicle_pk).where(
            TARGETS.c.campaign_id == CAMPAIGNS.c.id, V.c.store == store)
        run = run.where(in_store.exists())
    campaigns_run = int(conn.execute(run).scalar() or 0)

    store_cond = EVENTS.c.store == store if store else literal(True)
    within = rules.events.followup_within_days

    def timely(kind: str) -> tuple[int, int]:
        rows = [dict(r) for r in conn.execute(
            select(EVENTS.c.id, EVENTS.c.event_date, EVENTS.c.followup_task_id, TASKS.c.due_date)
            .outerjoin(TASKS, TASKS.c.id == EVENTS.c.followup_task_id)
            .where(EVENTS.c.kind == kind, EVENTS.c.event_date.between(first, upto), store_cond)
        ).mappings()]
        attempts: dict[int, list[tuple[date, str]]] = defaultdict(list)
        for part in chunks(sorted({r["followup_task_id"] for r in rows if r["followup_task_id"] is not None})):
            query = select(OUTCOMES.c.task_id, OUTCOMES.c.attempt_date, OUTCOMES.c.result).where(
                OUTCOMES.c.task_id.in_(part), OUTCOMES.c.attempt_date <= on, OUTCOMES.c.withdrawn.is_(False))
            for task_id, day, result in conn.execute(query):
                attempts[task_id].append((day, result))
        return timeliness_counts(
            ({"event_date": r["event_date"], "due_date": r["due_date"],
              "attempts": attempts.get(r["followup_task_id"], [])} for r in rows), on, within)

    complaint_num, complaint_den = timely_counts_of_month(conn, rules, on, first, last, store)  # the clock
    rescue_num, rescue_den = timely("rescue")
    resolved = and_(EVENTS.c.kind == "complaint", EVENTS.c.resolved_on.between(first, upto), store_cond)
    satisfied_den, satisfied_num = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((EVENTS.c.status == "satisfied", 1), else_=0)), 0))
        .where(resolved)
    ).one()
    return [
        make_kpi("campaigns_run", campaigns_run, 1, rules),
        make_kpi("complaint_timely_rate", complaint_num, complaint_den, rules),
        make_kpi("complaint_satisfaction_rate", int(satisfied_num), int(satisfied_den), rules),
        make_kpi("rescue_timely_rate", rescue_num, rescue_den, rules),
    ]
