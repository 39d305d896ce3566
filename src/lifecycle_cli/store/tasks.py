"""Stored tasks: materialise the scheduler's tasks for a window, list the open ones, record outcomes.

`due` reads only what the window needs: the customers whose indexed anchor dates (delivery,
maintenance due, warranty end, yearly dates, visits, care-call phase) can put a task in the
window, plus those with open tasks in it. Their facts go through the pure scheduler.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.calllist import OpenTask, outcome_effect
from lifecycle_cli.core.candidates import CandidateRanges, candidate_ranges, lookback_days
from lifecycle_cli.core.insurance import RENEWAL_CODE
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import SCHEDULED_CODES, CustomerFacts, ScheduledTask, Scheduler
from lifecycle_cli.errors import NotDone, RefusedInput
from lifecycle_cli.steps import Steps, reported
from lifecycle_cli.store.bulk import chunks, in_keys
from lifecycle_cli.store.db import begin_now, serialize_writers
from lifecycle_cli.store.facts import load_customer_facts
from lifecycle_cli.store.state import refresh_customers
from lifecycle_cli.store.tables import CUSTOMERS, INSURANCE_CHANGES, META, OUTCOMES, TASKS, VEHICLES, VISITS

SYNC_KEYS = ("tasks_synced_from", "tasks_synced_through")
# Why a task the rules in force no longer produce was closed when the rules changed: a later sync
# whose rules produce it again opens it again (the same task_id, its attempts kept).
RULES_CHANGED = "rules_changed"
SYNC_BATCH = 1000
# The columns of a stored task that a sync brings in step with the rules.
MUTABLE = ("rule_date", "due_date", "window_end", "stage", "owner", "role", "channel", "store")


def customers_due_between(conn: Connection, rules: Rules, first: date, last: date,
                          calendar: HolidayCalendar) -> set[int]:
    """Customers who may have a task falling due in [first, last] (an indexed superset): the ranges of
    core.candidates, one indexed query per criterion."""
    ranges = candidate_ranges(rules, first, last, calendar)
    v, c = VEHICLES, CUSTOMERS
    found: set[int] = set()
    for condition in _vehicle_conditions(ranges):
        found.update(conn.execute(select(v.c.customer_pk).where(condition, v.c.delivery_date <= ranges.delivered_by))
                     .scalars())
    visits = select(v.c.customer_pk).join(VISITS, VISITS.c.vehicle_pk == v.c.id).where(
        VISITS.c.visit_date.between(*ranges.visit))
    found.update(conn.execute(visits).scalars())
    found.update(conn.execute(select(c.c.id).where(c.c.birthday_mmdd.in_(ranges.birthday_mmdd))).scalars())
    if ranges.care_phases is None:
        found.update(conn.execute(select(c.c.id).where(c.c.care_anchor.is_not(None))).scalars())
    else:
        found.update(conn.execute(select(c.c.id).where(c.c.care_phase.in_(ranges.care_phases))).scalars())
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


def synced_range(conn: Connection) -> tuple[date, date] | None:
    """The days whose newly due tasks have been materialised: (first, last), or None."""
    values = dict(conn.execute(select(META.c.key, META.c.value).where(META.c.key.in_(SYNC_KEYS))).all())
    if len(values) < 2:
        return None
    return date.fromisoformat(values[SYNC_KEYS[0]]), date.fromisoformat(values[SYNC_KEYS[1]])


def resync_all(conn: Connection, rules: Rules, today: date, calendar: HolidayCalendar,
               steps: Steps | None = None, cancel_reason: str = "superseded") -> SyncCounts:
    """Forget which days were synced and search every customer for today's window again.

    The repair for a watermark that claims days whose tasks were never stored (a look ahead
    moved it before that was fixed): stored tasks are matched by key, so nothing is duplicated
    and nothing a desk recorded is lost; what is missing is created. After a rules change
    (`cancel_reason` RULES_CHANGED) it is how the tasks follow the new rules.
    """
    serialize_writers(conn)
    conn.execute(delete(META).where(META.c.key.in_(SYNC_KEYS)))
    return sync_window(conn, rules, today, today, calendar, today=today, steps=steps, cancel_reason=cancel_reason)


def _set_synced_range(conn: Connection, first: date, last: date) -> None:
    for key, day in zip(SYNC_KEYS, (first, last), strict=True):
        if conn.execute(select(META.c.key).where(META.c.key == key)).first() is None:
            conn.execute(insert(META).values(key=key, value=day.isoformat()))
        else:
            conn.execute(update(META).where(META.c.key == key).values(value=day.isoformat()))


def _task_row(task: ScheduledTask, customer_pk: int, vehicle_pks: dict[str, int]) -> dict[str, Any]:
    return {
        "customer_pk": customer_pk,
        "vehicle_pk": vehicle_pks.get(task.vin),
        "vin": task.vin,
        "code": task.code,
        "event_key": task.event_key,
        "rule_date": task.rule_date,
        "due_date": task.due_date,
        "window_end": task.window_end,
        "stage": task.stage,
        "owner": task.owner,
        "role": task.role,
        "channel": task.channel,
        "store": task.store,
        "status": "open",
        "attempts": 0,
    }


@dataclass
class SyncCounts:
    """What a sync did to the stored tasks."""

    created: int = 0
    updated: int = 0
    closed_by_visit: int = 0
    cancelled: int = 0
    reopened: int = 0


def sync_customers(conn: Connection, scheduler: Scheduler, customer_pks: Iterable[int],
                   steps: Steps | None = None, cancel_reason: str = "superseded") -> SyncCounts:
    """Bring the stored tasks of these customers in step with the scheduler for its window.

    An open scheduled task the scheduler no longer produces is closed with `cancel_reason`
    (do_not_contact for such a customer); one closed as RULES_CHANGED that it produces again
    is opened again.
    """
    counts = SyncCounts()
    pks = sorted(set(customer_pks))
    for part in reported(chunks(pks, SYNC_BATCH), len(pks), "生成回访任务（位客户）", steps):
        facts = load_customer_facts(conn, part)
        vehicle_pks = dict(conn.execute(
            select(VEHICLES.c.vin, VEHICLES.c.id).where(in_keys(conn, VEHICLES.c.customer_pk, part))
        ).all())
        existing: dict[tuple[int, str, str, str], dict[str, Any]] = {}
        for row in conn.execute(select(TASKS).where(in_keys(conn, TASKS.c.customer_pk, part))).mappings():
            existing[(row["customer_pk"], row["vin"], row["code"], row["event_key"])] = dict(row)
        inserts, updates, closes, reopens = _batch_changes(scheduler, part, facts, vehicle_pks, existing, counts,
                                                           cancel_reason)
        if inserts:
            conn.execute(insert(TASKS), inserts)
            counts.created += len(inserts)
        if updates:
            stmt = update(TASKS).where(TASKS.c.id == bindparam("_id")).values({c: bindparam(c) for c in MUTABLE})
            conn.execute(stmt, updates)
            counts.updated += len(updates)
        if closes:
            stmt = update(TASKS).where(TASKS.c.id == bindparam("_id")).values(
                status=bindparam("status"), closed_reason=bindparam("reason"), closed_on=bindparam("on")
            )
            conn.execute(stmt, closes)
        if reopens:
            stmt = update(TASKS).where(TASKS.c.id == bindparam("_id")).values(
                status="open", closed_reason=None, closed_on=None, **{c: bindparam(c) for c in MUTABLE})
            conn.execute(stmt, reopens)
            counts.reopened += len(reopens)
    return counts


def _batch_changes(scheduler: Scheduler, part: Sequence[int], facts: dict[int, CustomerFacts],
                   vehicle_pks: dict[str, int], existing: dict[tuple[int, str, str, str], dict[str, Any]],
                   counts: SyncCounts, cancel_reason: str) -> tuple[list[dict[str, Any]], ...]:
    """One batch's inserts, updates, closes and reopens: the generated tasks against the stored ones."""
    start, end = scheduler.start, scheduler.end
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    closes: list[dict[str, Any]] = []
    reopens: list[dict[str, Any]] = []
    stored_for: dict[int, list[tuple[tuple[int, str, str, str], dict[str, Any]]]] = defaultdict(list)
    for item in existing.items():  # each customer's stored tasks, grouped once (not scanned per customer)
        stored_for[item[0][0]].append(item)
    for pk in part:
        customer = facts.get(pk)
        # A customer with stored tasks gets every task the rules produce around the window, so a
        # stored one whose dates moved is found by its key; one without (a first sync) only needs
        # the window's, and the scheduler then does not build the rest.
        generated = scheduler.for_customer(customer, in_window=pk not in stored_for) if customer else []
        keys = set()
        for task in generated:
            key = (pk, task.vin, task.code, task.event_key)
            keys.add(key)
            old = existing.get(key)
            in_window = task.due_date <= end and task.window_end >= start
            if old is None:
                if in_window and task.closed_by_visit is None:
                    inserts.append(_task_row(task, pk, vehicle_pks))
                continue
            if old["status"] != "open":
                if (old["status"] == "closed" and old["closed_reason"] == RULES_CHANGED and in_window
                        and task.closed_by_visit is None):
                    reopens.append({"_id": old["id"], **{c: _task_row(task, pk, vehicle_pks)[c] for c in MUTABLE}})
                continue
            if task.closed_by_visit is not None:
                closes.append({"_id": old["id"], "status": "closed", "reason": task.closed_reason,
                               "on": task.closed_by_visit})
                counts.closed_by_visit += 1
                continue
            new = _task_row(task, pk, vehicle_pks)
            if not in_window:
                new["stage"] = old["stage"]  # the stage is only worked out for the window
            if any(old[c] != new[c] for c in MUTABLE):
                updates.append({"_id": old["id"], **{c: new[c] for c in MUTABLE}})
        for key, old in stored_for.get(pk, ()):
            if key in keys or old["status"] != "open" or old["code"] not in SCHEDULED_CODES:
                continue
            if old["due_date"] <= end and old["window_end"] >= start:
                reason = "do_not_contact" if customer is not None and customer.do_not_contact else cancel_reason
                closes.append({"_id": old["id"], "status": "closed", "reason": reason, "on": start})
                counts.cancelled += 1
    return inserts, updates, closes, reopens


def sync_window(conn: Connection, rules: Rules, start: date, end: date, calendar: HolidayCalendar, *,
                today: date, steps: Steps | None = None, cancel_reason: str = "superseded") -> SyncCounts:
    """Materialise every task whose time on the list meets [start, end]; re-running never duplicates.

    The window reaches at least the rules' `ahead_days` from its start, whoever asks: the
    morning's call list and the report's workload ahead share one pass over the candidates,
    and each later day's run only adds one new day.

    `today` is the store's date (the clock's). The one place where the day looked at meets it:
    the facts count up to the later of the two, so a look ahead (`due --date` a later day) sees
    the facts dated up to that day while the closures only the passing of time makes (a renewal
    step replaced by the next, a lapse) apply up to today; a look at a past day uses every fact
    up to today, so it never undoes (closes or reopens) what later facts made.

    The days already synced hold their tasks in the table (imports keep them in step), so
    only the days of [start - lookback, end] outside the synced range are searched for newly
    due tasks. The synced range only grows when the new days join it without a gap.
    """
    serialize_writers(conn)
    end = max(end, start + timedelta(days=rules.call_list.ahead_days - 1))
    need_from = start - timedelta(days=lookback_days(rules))
    covered = synced_range(conn)
    candidates: set[int] = set()
    if covered is not None and covered[0] <= need_from <= covered[1] + timedelta(days=1):
        # Tasks of the covered days are stored and kept in step by imports and outcomes.
        if end > covered[1]:
            candidates = customers_due_between(conn, rules, covered[1] + timedelta(days=1), end, calendar)
        # A look ahead (a window starting after the day past the watermark) stores its own days'
        # tasks but not those of the days between: the range grows only when the window joins it.
        joins = start <= covered[1] + timedelta(days=1)
        new_range = (covered[0], max(covered[1], end)) if joins else covered
    else:
        candidates = customers_with_open_tasks(conn, start, end)
        candidates |= customers_due_between(conn, rules, need_from, end, calendar)
        if covered is not None and need_from <= covered[1] + timedelta(days=1) and end >= covered[0]:
            new_range = (min(covered[0], need_from), max(covered[1], end))  # overlaps: one range
        elif covered is not None and covered[1] > end:
            new_range = covered  # an earlier, separate look: keep the range the daily runs extend
        else:
            new_range = (need_from, end)
    candidates |= customers_with_ended_renewal_steps(conn, rules, today)
    facts_until = max(start, today)
    scheduler = Scheduler(rules=rules, today=facts_until, start=start, end=end, calendar=calendar, now=today)
    counts = sync_customers(conn, scheduler, candidates, steps, cancel_reason)
    if new_range != covered:
        _set_synced_range(conn, *new_range)
    return counts


def resync_customers(conn: Connection, rules: Rules, customer_pks: Iterable[int], today: date,
                     calendar: HolidayCalendar, steps: Steps | None = None) -> SyncCounts:
    """After new facts (an import), bring these customers' tasks from today to the watermark in step."""
    covered = synced_range(conn)
    if covered is None or covered[1] < today:
        return SyncCounts()
    scheduler = Scheduler(rules=rules, today=today, start=today, end=covered[1], calendar=calendar)
    return sync_customers(conn, scheduler, customer_pks, steps)


@dataclass(slots=True)
class TaskView:
    """An open task with what the list shows about its customer and vehicle."""

    task: OpenTask
    vin: str
    plate: str | None
    stage: str
    customer_id: str
    name: str | None
    phone: str | None
    store: str | None


def open_tasks(conn: Connection, start: date, end: date, *, owner: str | None = None, role: str | None = None,
               store: str | None = None, code: str | None = None) -> list[TaskView]:
    """Open tasks whose time on the list meets [start, end], of customers who may be contacted.

    The filters (one person's, one role's, one store's or one kind of task) are applied in SQL,
    so a desk's list reads only its own rows.
    """
    query = open_tasks_query(start, end, owner=owner, role=role, store=store, code=code)
    return [
        TaskView(
            task=OpenTask(task_id, customer_pk, code_, rule_date, due_date, window_end, attempts, last_attempt,
                          owner_, role_, channel, store_),
            vin=vin, plate=plate, stage=stage, customer_id=customer_id, name=name, phone=phone, store=store_,
        )
        for (task_id, customer_pk, code_, rule_date, due_date, window_end, attempts, last_attempt, owner_, role_,
             channel, store_, vin, stage, customer_id, name, phone, plate) in conn.execute(query).all()
    ]


def open_tasks_query(start: date, end: date, *, owner: str | None = None, role: str | None = None,
                     store: str | None = None, code: str | None = None) -> Select[Any]:
    """The query of open_tasks (read through ix_task_open_window: live windows and the days ahead)."""
    t, c = TASKS, CUSTOMERS
    query = (
        select(t.c.id, t.c.customer_pk, t.c.code, t.c.rule_date, t.c.due_date, t.c.window_end, t.c.attempts,
               t.c.last_attempt, t.c.owner, t.c.role, t.c.channel, t.c.store, t.c.vin, t.c.stage,
               c.c.customer_id, c.c.name, c.c.phone, VEHICLES.c.plate)
        .join(c, c.c.id == t.c.customer_pk)
        .outerjoin(VEHICLES, VEHICLES.c.id == t.c.vehicle_pk)
        .where(t.c.status == "open", t.c.due_date <= end, t.c.window_end >= start, c.c.do_not_contact.is_(False))
    )
    for column, value in (("owner", owner), ("role", role), ("store", store), ("code", code)):
        if value is not None:
            query = query.where(t.c[column] == value)
    return query


class OutcomeRefused(RefusedInput):
    """An outcome that cannot be recorded (no such task, an attempt before the task existed)."""


class TaskClosed(NotDone):
    """An outcome on a task already closed: nothing recorded."""


def record_outcome(conn: Connection, rules: Rules, task_id: int, result: str, on: date, *, today: date,
                   note: str | None = None, booked_for: date | None = None) -> dict[str, Any]:
    """Record one attempt on a task and apply its effect; returns the task after it.

    Refused (OutcomeRefused): a task id that cannot exist (0, negative, beyond the id column's
    range) or does not, an attempt dated before the task existed; TaskClosed: a closed task.
    """
    if not 0 < task_id <= _max_id(conn):
        raise OutcomeRefused(f"任务号 {task_id} 不存在")
    # Two desks recording on one task at once take turns, and the second sees the first's attempt
    # (both are counted, or the task is closed and the second refused): SQLite's write lock is
    # taken before the task is read (BEGIN IMMEDIATE), PostgreSQL locks the row (FOR UPDATE).
    begin_now(conn, write=True)
    row = conn.execute(select(TASKS).where(TASKS.c.id == task_id).with_for_update()).mappings().first()
    if row is None:
        raise OutcomeRefused(f"任务号 {task_id} 不存在")
    if row["status"] != "open":
        raise TaskClosed(
            f"任务 {task_id} 已关闭（{row['closed_reason'] or row['status']}，{row['closed_on'] or ''}），未做任何更改"
        )
    existed = _task_existed_from(row, rules.timezone, today)
    if on < existed:
        raise OutcomeRefused(f"--date: 尝试日期 {on} 早于任务 {task_id} 出现的日期（{existed}），未做任何更改")
    effect = outcome_effect(result, row["attempts"], rules)
    conn.execute(insert(OUTCOMES).values(task_id=task_id, result=result, attempt_date=on, note=note,
                                         booked_for=booked_for))
    values: dict[str, Any] = {"attempts": effect.attempts, "last_attempt": on, "status": effect.status}
    if effect.status != "open":
        values.update(closed_reason=effect.closed_reason, closed_on=on)
    conn.execute(update(TASKS).where(TASKS.c.id == task_id, TASKS.c.status == "open").values(**values))
    if effect.successful_contact:
        _note_contact(conn, rules, row["customer_pk"], on)
    return {**dict(row), **values}


def _max_id(conn: Connection) -> int:
    """The largest id the task table can hold: PostgreSQL's INTEGER, SQLite's 64-bit rowid."""
    return 2**31 - 1 if conn.dialect.name == "postgresql" else 2**63 - 1


def _task_existed_from(row: Any, timezone: str, today: date) -> date:
    """The first day an attempt on a task makes sense: the day it was stored (store time zone), or
    its rule / due date if earlier (tasks stored late for days gone by), or the store's today if
    earlier still: the task exists now, and a replay's clock (LIFECYCLE_NOW) runs behind the real
    one that stamped created_at, so a call made today on a task stored ahead is never refused."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    days = [row["rule_date"], row["due_date"], today]
    created = row["created_at"]
    if created is not None:
        created = created if created.tzinfo else created.replace(tzinfo=UTC)  # SQLite keeps it naive, UTC
        days.append(created.astimezone(ZoneInfo(timezone)).date())
    return min(days)


def _note_contact(conn: Connection, rules: Rules, customer_pk: int, on: date) -> None:
    """A successful contact restarts the care-call rhythm."""
    last = conn.execute(select(CUSTOMERS.c.last_contact).where(CUSTOMERS.c.id == customer_pk)).scalar()
    if last is not None and last >= on:
        return
    conn.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk).values(last_contact=on))
    refresh_customers(conn, [customer_pk], rules)


def task_outcomes(conn: Connection, task_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The recorded attempts of these tasks, oldest first."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for part in chunks(sorted(set(task_ids))):
        query = select(OUTCOMES).where(OUTCOMES.c.task_id.in_(part)).order_by(OUTCOMES.c.id)
        for row in conn.execute(query).mappings():
            out[row["task_id"]].append(dict(row))
    return out

