"""Events and campaigns in the database: record an event and its follow-up task, resolve it,
select a campaign's segment with set-based SQL, create the campaign's tasks, read them back.

Event and campaign tasks are not scheduler codes: they are written into the task table here,
the sync leaves them alone and `due` lists them like any other open task.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import FromClause

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.events import (
    EventKind,
    event_task,
    followup_date,
    resolved_followup_date,
    warranty_ended,
)
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import ScheduledTask, vehicle_projection
from lifecycle_cli.core.segments import (
    Segment,
    age_band_bounds,
    km_in_range,
    owner_for,
    projected_km_from_state,
)
from lifecycle_cli.core.stages import add_months
from lifecycle_cli.errors import NotDone, RefusedInput
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.car_pass import churn_conditions, stage_index_expr
from lifecycle_cli.store.complaints import close_escalations, start_clock
from lifecycle_cli.store.facts import customer_task_facts, load_vehicle_facts
from lifecycle_cli.store.golive import event_followup_created
from lifecycle_cli.store.report import vehicles_as_of
from lifecycle_cli.store.staff import assignments_of, load_staffing
from lifecycle_cli.store.tables import (
    CAMPAIGNS,
    CUSTOMERS,
    EVENTS,
    OUTCOMES,
    TARGETS,
    TASKS,
    VEHICLES,
    VISITS,
)


class EventRefused(RefusedInput):
    """An event change that cannot be made (no such event, a date before the car or the event)."""


class EventResolved(NotDone):
    """A resolve of an event already resolved: nothing changed."""


# --------------------------------------------------------------------------- events


def vehicle_pk_of(conn: Connection, vin: str) -> int | None:
    """The vehicle pk of a VIN (None when the database has no such car)."""
    pk = conn.execute(select(VEHICLES.c.id).where(VEHICLES.c.vin == vin.strip().upper())).scalar()
    return int(pk) if pk is not None else None


@dataclass(frozen=True)
class NewEvent:
    """An event to record: which car, what, when, and what was said."""

    vehicle_pk: int
    kind: EventKind
    event_date: date
    note: str = ""
    source: str = "cli"
    level: str = "store"  # a complaint's level: store 店内 / oem 厂家
    outcome_id: int | None = None  # the low-scored call that opened a complaint


@dataclass
class EventResult:
    """What recording one event did: the event, whether it is new, its follow-up task, warnings."""

    event: dict[str, Any]
    created: bool
    task: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


def _task_row(task: ScheduledTask, customer_pk: int, vehicle_pk: int | None) -> dict[str, Any]:
    return {
        "customer_pk": customer_pk, "vehicle_pk": vehicle_pk, "vin": task.vin, "code": task.code,
        "event_key": task.event_key, "rule_date": task.rule_date, "due_date": task.due_date,
        "window_end": task.window_end, "stage": task.stage, "owner": task.owner, "role": task.role,
        "channel": task.channel, "store": task.store, "status": "open", "attempts": 0,
    }


def _insert_task(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    task_id = conn.execute(insert(TASKS).values(**row)).inserted_primary_key[0]  # type: ignore[index]
    return {**row, "id": int(task_id)}


def add_events(conn: Connection, rules: Rules, calendar: HolidayCalendar,
               items: Sequence[NewEvent]) -> list[EventResult | EventRefused]:
    """Record events and create each new one's follow-up task; the same event again changes nothing.

    One result per item, in order: an EventResult, or an EventRefused for an event dated before
    its car was delivered (nothing is written for it).
    """
    facts = load_vehicle_facts(conn, [i.vehicle_pk for i in items])
    customers = customer_task_facts(conn, [customer_pk for customer_pk, _ in facts.values()])
    staffing = load_staffing(conn)
    out: list[EventResult | EventRefused] = []
    for item in items:
        customer_pk, vehicle = facts[item.vehicle_pk]
        customer, dnc = customers[customer_pk]
        kind, day, note = item.kind, item.event_date, item.note.strip()
        if day < vehicle.delivery_date:
            out.append(EventRefused(f"事件日期 {day} 早于车辆 {vehicle.vin} 的交车日期 {vehicle.delivery_date}"))
            continue
        existing = conn.execute(select(EVENTS).where(
            EVENTS.c.vehicle_pk == item.vehicle_pk, EVENTS.c.kind == kind.code, EVENTS.c.event_date == day,
            EVENTS.c.note == note)).mappings().first()
        if existing is not None:
            out.append(EventResult(event=dict(existing), created=False))
            continue
        warnings = []
        if kind.needs_warranty:
            ended = warranty_ended(vehicle, rules, day)
            if ended is not None:
                warnings.append(
                    f"{vehicle.vin} 在 {day} 已过保修期（保修至 {ended}：{rules.warranty.months} 个月或 "
                    f"{rules.warranty.km:,} 公里，按预计里程先到者），仍按{kind.name}记录")
        if dnc:
            warnings.append(f"客户 {customer.customer_id} 为免打扰客户，回访任务不会出现在回访清单中")
        values = {"vehicle_pk": item.vehicle_pk, "customer_pk": customer_pk, "vin": vehicle.vin, "kind": kind.code,
                  "event_date": day, "note": note, "status": "open", "store": vehicle.store or customer.store,
                  "source": item.source, "outcome_id": item.outcome_id}
        event_id = int(conn.execute(insert(EVENTS).values(**values)).inserted_primary_key[0])  # type: ignore[index]
        projection = vehicle_projection(vehicle, rules, day)
        scheduled = event_task(rules, calendar, kind.followup, customer, vehicle, f"event:{event_id}",
                               followup_date(kind, rules, day), projection, staffing)
        task: dict[str, Any] | None = None
        # No follow-up when its window closed before the store went live (history): the event is kept.
        if event_followup_created(conn, rules, scheduled.code, scheduled.store, scheduled.due_date,
                                  scheduled.window_end):
            task = _insert_task(conn, _task_row(scheduled, customer_pk, item.vehicle_pk))
            conn.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(followup_task_id=task["id"]))
        # A complaint's clock: handler, deadlines, escalations (store/complaints.py; other kinds: nothing).
        values.update(start_clock(conn, rules, calendar, {**values, "id": event_id, "level": item.level},
                                  (customer, vehicle, projection, staffing), escalate=task is not None))
        out.append(EventResult(event={**values, "id": event_id, "followup_task_id": task and task["id"]},
                               created=True, task=task, warnings=warnings))
    return out


def resolve_event(conn: Connection, rules: Rules, calendar: HolidayCalendar, event_id: int, satisfied: bool,
                  on: date) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Resolve an open event (satisfied or not); a complaint gets its follow-up after the resolution."""
    row = conn.execute(select(EVENTS).where(EVENTS.c.id == event_id)).mappings().first()
    if row is None:
        raise EventRefused(f"事件 {event_id} 不存在（lifecycle event list 可查看事件号）")
    if row["status"] != "open":
        word = "满意" if row["status"] == "satisfied" else "不满意"
        raise EventResolved(f"事件 {event_id} 已于 {row['resolved_on']} 处理完毕（{word}），"
                            "未做任何更改")
    if on < row["event_date"]:
        raise EventRefused(f"--date: 处理日期 {on} 早于事件日期 {row['event_date']}")
    status = "satisfied" if satisfied else "unsatisfied"
    kinds = rules.events.kinds
    kind = kinds.get(row["kind"])
    task: dict[str, Any] | None = None
    values: dict[str, Any] = {"status": status, "resolved_on": on}
    rule_date = resolved_followup_date(kind, on) if kind is not None else None
    if kind is not None and rule_date is not None:
        _, vehicle = load_vehicle_facts(conn, [row["vehicle_pk"]])[row["vehicle_pk"]]
        customer, _ = customer_task_facts(conn, [row["customer_pk"]])[row["customer_pk"]]
        scheduled = event_task(rules, calendar, kind.followup, customer, vehicle, f"event:{event_id}:resolved",
                               rule_date, vehicle_projection(vehicle, rules, rule_date), load_staffing(conn))
        task = _insert_task(conn, _task_row(scheduled, row["customer_pk"], row["vehicle_pk"]))
        values["resolved_task_id"] = task["id"]
    conn.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(**values))
    close_escalations(conn, event_id, on)
    return {**dict(row), **values}, task


def list_events(conn: Connection, *, kind: str | None = None, status: str | None = None,
                store: str | None = None, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    """Events with their car, customer and follow-up tasks, newest first."""
    e, c, v = EVENTS, CUSTOMERS, VEHICLES
    first = TASKS.alias("t1")
    second = TASKS.alias("t2")
    query = (
        select(e, c.c.customer_id, c.c.name, c.c.phone, v.c.plate, v.c.model,
               first.c.due_date.label("followup_due"), first.c.status.label("followup_status"),
               second.c.due_date.label("resolved_followup_due"), second.c.status.label("resolved_followup_status"))
        .join(c, c.c.id == e.c.customer_pk)
        .join(v, v.c.id == e.c.vehicle_pk)
        .outerjoin(first, first.c.id == e.c.followup_task_id)
        .outerjoin(second, second.c.id == e.c.resolved_task_id)
        .order_by(e.c.event_date.desc(), e.c.id.desc())
    )
    if kind:
        query = query.where(e.c.kind == kind)
    if status:
        query = query.where(e.c.status == status)
    if store:
        query = query.where(e.c.store == store)
    if since:
        query = query.where(e.c.event_date >= since)
    if until:
        query = query.where(e.c.event_date <= until)
    return [dict(r) for r in conn.execute(query).mappings()]


# --------------------------------------------------------------------------- campaigns


@dataclass
class Selection:
    """The cars a segment selects on a date: contactable targets, and do-not-contact ones left out."""

    targets: list[dict[str, Any]]
    excluded: list[dict[str, Any]]

    @property
    def customers(self) -> int:
        """Customers that will get a task."""
        return len({t["customer_pk"] for t in self.targets})

    @property
    def excluded_customers(self) -> int:
        """Do-not-contact customers the segment selected (no task for them)."""
        return len({t["customer_pk"] for t in self.excluded} - {t["customer_pk"] for t in self.targets})

    def by_stage(self) -> dict[str, int]:
        """Targeted cars per stage."""
        out: dict[str, int] = defaultdict(int)
        for t in self.targets:
            out[t["stage"]] += 1
        return dict(out)


def select_segment(conn: Connection, rules: Rules, on: date, segment: Segment) -> Selection:
    """The delivered cars the segment selects on `on`: one indexed SQL query for stage, age band,
    model, store, visit frequency and churn category; the projected km range over its rows."""
    v = vehicles_as_of(conn, on, rules)
    query = _segment_query(v, rules, on, segment)
    targets: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    use_km = segment.km_min is not None or segment.km_max is not None
    for row in conn.execute(query).mappings():
        record = dict(row)
        record["stage"] = rules.stages.names[row["stage_index"]]
        if row["last_reading_date"] is not None and row["daily_km_num"]:
            km = projected_km_from_state(row["last_reading_date"], row["last_reading_km"] or 0,
                                         row["daily_km_num"], row["daily_km_den"] or 1, on)
        else:  # no stored state yet: the delivery reading at the default daily mileage
            km = projected_km_from_state(row["delivery_date"], 0, rules.projection.default_daily_km, 1, on)
        record["projected_km"] = int(km)
        if use_km and not km_in_range(km, segment.km_min, segment.km_max):
            continue
        (excluded if row["do_not_contact"] else targets).append(record)
    return Selection(targets=targets, excluded=excluded)


def _segment_query(v: FromClause, rules: Rules, on: date, segment: Segment) -> Select[Any]:
    """The segment's SQL over the cars `v` as of `on`: every filter but the projected km range."""
    stage_expr = stage_index_expr(v, on, rules)
    base = VEHICLES.alias("vb")
    c = CUSTOMERS
    query = (
        select(v.c.id, v.c.vin, v.c.plate, v.c.model, v.c.store, v.c.customer_pk, v.c.service_advisor,
               v.c.delivery_date, v.c.last_reading_date, v.c.last_reading_km, v.c.daily_km_num, v.c.daily_km_den,
               base.c.sales_consultant, stage_expr.label("stage_index"), c.c.customer_id, c.c.name, c.c.phone,
               c.c.do_not_contact, c.c.store.label("customer_store"))
        .join(base, base.c.id == v.c.id)
        .join(c, c.c.id == v.c.customer_pk)
        .where(v.c.delivery_date <= on)
        .order_by(v.c.customer_pk, v.c.vin)
    )
    if segment.stages:
        query = query.where(stage_expr.in_([rules.stages.names.index(s) for s in segment.stages]))
    if segment.age_bands:
        bands = {b.code: b for b in rules.campaigns.age_bands}
        conditions = []
        for code in segment.age_bands:
            latest, earliest_excl = age_band_bounds(bands[code], on)
            cond = v.c.delivery_date <= latest
            conditions.append(cond if earliest_excl is None else and_(cond, v.c.delivery_date > earliest_excl))
        query = query.where(or_(*conditions))
    if segment.models:
        query = query.where(v.c.model.in_(segment.models))
    if segment.stores:
        query = query.where(v.c.store.in_(segment.stores))
    since = add_months(on, -rules.campaigns.visit_months)
    if segment.churn_categories:
        conditions_by_name = churn_conditions(v, on, since + timedelta(days=1), on, rules)
        query = query.where(or_(*[conditions_by_name[name] for name in segment.churn_categories]))
    if segment.visits_min is not None or segment.visits_max is not None:
        per_car = (
            select(VISITS.c.vehicle_pk, func.count().label("n"))
            .where(VISITS.c.visit_date > since, VISITS.c.visit_date <= on)
            .group_by(VISITS.c.vehicle_pk)
            .subquery()
        )
        visits = func.coalesce(per_car.c.n, 0)
        query = query.outerjoin(per_car, per_car.c.vehicle_pk == v.c.id).add_columns(visits.label("visits"))
        if segment.visits_min is not None:
            query = query.where(visits >= segment.visits_min)
        if segment.visits_max is not None:
            query = query.where(visits <= segment.visits_max)
    return query


def create_campaign(conn: Connection, rules: Rules, calendar: HolidayCalendar, *, name: str, kind: str, on: date,
                    channel: str, role: str, segment: Segment, selection: Selection) -> dict[str, Any]:
    """Store the campaign and its targets, and one task per targeted customer on the campaign date."""
    values = {"name": name, "kind": kind, "campaign_date": on, "channel": channel, "owner_role": role,
              "segment": json.dumps(segment.as_dict(), ensure_ascii=False), "vehicles": len(selection.targets),
              "customers": selection.customers, "excluded_do_not_contact": selection.excluded_customers}
    campaign_id = int(conn.execute(insert(CAMPAIGNS).values(**values)).inserted_primary_key[0])  # type: ignore[index]
    tp = rules.touchpoints[kind]
    due = calendar.next_working_day(on) if channel == "phone" else on
    event_key = f"campaign:{campaign_id}"
    first_car: dict[int, dict[str, Any]] = {}
    for target in selection.targets:
        first_car.setdefault(target["customer_pk"], target)  # rows come ordered by customer, then VIN
    staffing = load_staffing(conn)
    assigned = assignments_of(conn, list(first_car)) if staffing.active else {}
    rows = [
        {"customer_pk": pk, "vehicle_pk": car["id"], "vin": car["vin"], "code": kind, "event_key": event_key,
         "rule_date": on, "due_date": due, "window_end": due + timedelta(days=tp.window_days), "stage": car["stage"],
         "owner": owner_for(role, rules, sales_consultant=car["sales_consultant"],
                            service_advisor=car["service_advisor"], store=car["store"] or car["customer_store"],
                            assigned=dict(assigned.get(pk, ())).get(role), staffing=staffing),
         "role": role, "channel": channel, "store": car["store"] or car["customer_store"], "status": "open",
         "attempts": 0}
        for pk, car in first_car.items()
    ]
    if rows:
        conn.execute(insert(TASKS), rows)
    task_ids = dict(conn.execute(select(TASKS.c.customer_pk, TASKS.c.id).where(
        TASKS.c.code == kind, TASKS.c.event_key == event_key)).all())
    targets = [{"campaign_id": campaign_id, "vehicle_pk": t["id"], "customer_pk": t["customer_pk"],
                "stage": t["stage"], "task_id": task_ids.get(t["customer_pk"])} for t in selection.targets]
    if targets:
        conn.execute(insert(TARGETS), targets)
    return {**values, "id": campaign_id, "tasks": len(rows), "due_date": due}


def _campaign_task_stats(conn: Connection, campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """campaign id -> task counts by status and outcome counts by result."""
    stats: dict[int, dict[str, Any]] = {
        cid: {"tasks": 0, "open": 0, "closed": 0, "outcomes": defaultdict(int)} for cid in campaign_ids}
    keys = {f"campaign:{cid}": cid for cid in campaign_ids}
    for part in chunks(sorted(keys)):
        query = (select(TASKS.c.event_key, TASKS.c.status, func.count())
                 .where(TASKS.c.event_key.in_(part)).group_by(TASKS.c.event_key, TASKS.c.status))
        for key, status, n in conn.execute(query):
            entry = stats[keys[key]]
            entry["tasks"] += n
            entry["open" if status == "open" else "closed"] += n
        query = (select(TASKS.c.event_key, OUTCOMES.c.result, func.count())
                 .join(OUTCOMES, OUTCOMES.c.task_id == TASKS.c.id)
                 .where(TASKS.c.event_key.in_(part), OUTCOMES.c.withdrawn.is_(False))
                 .group_by(TASKS.c.event_key, OUTCOMES.c.result))
        for key, result, n in conn.execute(query):
            stats[keys[key]]["outcomes"][result] += n
    for entry in stats.values():
        entry["outcomes"] = dict(entry["outcomes"])
    return stats


def _campaign_record(row: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "campaign_id": row["id"], "name": row["name"], "kind": row["kind"], "date": row["campaign_date"],
        "channel": row["channel"], "owner_role": row["owner_role"], "segment": json.loads(row["segment"] or "{}"),
        "vehicles": row["vehicles"], "customers": row["customers"],
        "excluded_do_not_contact": row["excluded_do_not_contact"], "tasks": stats["tasks"],
        "tasks_open": stats["open"], "tasks_closed": stats["closed"], "outcomes": stats["outcomes"],
    }


def list_campaigns(conn: Connection, *, since: date | None = None, until: date | None = None,
                   store: str | None = None) -> list[dict[str, Any]]:
    """Every campaign, newest date first, with its tasks and outcomes so far (with `store`: those that
    targeted a car of the store, as the report's campaigns_run counts them)."""
    query = select(CAMPAIGNS).order_by(CAMPAIGNS.c.campaign_date.desc(), CAMPAIGNS.c.id.desc())
    if since:
        query = query.where(CAMPAIGNS.c.campaign_date >= since)
    if until:
        query = query.where(CAMPAIGNS.c.campaign_date <= until)
    if store:
        query = query.where(select(TARGETS.c.id).join(VEHICLES, VEHICLES.c.id == TARGETS.c.vehicle_pk).where(
            TARGETS.c.campaign_id == CAMPAIGNS.c.id, VEHICLES.c.store == store).exists())
    rows = [dict(r) for r in conn.execute(query).mappings()]
    stats = _campaign_task_stats(conn, [r["id"] for r in rows])
    return [_campaign_record(r, stats[r["id"]]) for r in rows]


def campaign_detail(conn: Connection, campaign_id: int) -> dict[str, Any] | None:
    """One campaign: its record, and every targeted car with its customer, task and last outcome."""
    row = conn.execute(select(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id)).mappings().first()
    if row is None:
        return None
    record = _campaign_record(dict(row), _campaign_task_stats(conn, [campaign_id])[campaign_id])
    t, v, c = TARGETS, VEHICLES, CUSTOMERS
    query = (
        select(v.c.vin, v.c.plate, v.c.model, v.c.store, t.c.stage, c.c.customer_id, c.c.name, c.c.phone,
               t.c.task_id, TASKS.c.status, TASKS.c.closed_reason, TASKS.c.due_date, TASKS.c.owner)
        .join(v, v.c.id == t.c.vehicle_pk)
        .join(c, c.c.id == t.c.customer_pk)
        .outerjoin(TASKS, TASKS.c.id == t.c.task_id)
        .where(t.c.campaign_id == campaign_id)
        .order_by(c.c.customer_id, v.c.vin)
    )
    targets = [dict(r) for r in conn.execute(query).mappings()]
    last: dict[int, tuple[str, date]] = {}
    task_ids = sorted({r["task_id"] for r in targets if r["task_id"] is not None})
    for part in chunks(task_ids):
        query2 = (select(OUTCOMES.c.task_id, OUTCOMES.c.result, OUTCOMES.c.attempt_date)
                  .where(OUTCOMES.c.task_id.in_(part), OUTCOMES.c.withdrawn.is_(False)).order_by(OUTCOMES.c.id))
        for task_id, result, day in conn.execute(query2):
            last[task_id] = (result, day)
    for r in targets:
        result, day = last.get(r["task_id"], (None, None))
        r["last_result"], r["last_attempt"] = result, day
    record["targets"] = targets
    return record
