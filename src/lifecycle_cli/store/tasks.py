"""Stored tasks: materialise the scheduler's tasks for a window, list the open ones, record outcomes.

`due` reads only what the window needs: the customers whose indexed anchor dates (delivery,
maintenance due, warranty end, yearly dates, visits, care-call phase) can put a task in the
window, plus those with open tasks in it. Their facts go through the pure scheduler.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, insert, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.candidates import lookback_days
from lifecycle_cli.core.facts import INACTIVE_STATUSES
from lifecycle_cli.core.golive import first_sync_lookback_days
from lifecycle_cli.core.insurance import RENEWAL_CODE
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import SCHEDULED_CODES, ScheduledTask, Scheduler
from lifecycle_cli.spawned import pipelined
from lifecycle_cli.steps import Steps, reported
from lifecycle_cli.store.appointments import settle as settle_appointments
from lifecycle_cli.store.bulk import chunks, fetch_in, insert_by_shape, update_by_pk
from lifecycle_cli.store.candidates import (
    customers_due_between,
    customers_with_ended_renewal_steps,
    customers_with_open_tasks,
)
from lifecycle_cli.store.db import serialize_writers
from lifecycle_cli.store.facts import load_customer_facts
from lifecycle_cli.store.generation import Generated, Generation
from lifecycle_cli.store.golive import GoLive, adopt_earlier_release
from lifecycle_cli.store.staff import load_staffing
from lifecycle_cli.store.tables import META, TASKS, VEHICLES

SYNC_KEYS = ("tasks_synced_from", "tasks_synced_through")
# Why a task the rules in force no longer produce was closed when the rules changed: a later sync
# whose rules produce it again opens it again (the same task_id, its attempts kept).
RULES_CHANGED = "rules_changed"
# Why a task nobody worked closed the day after its window's last list day (care-desk §2, §9).
LAPSED = "lapsed"
LAPSED_CAPACITY = "lapsed_capacity"
# Tasks a later sync opens again when the rules produce them again: closed by a rules change,
# because the car was no longer active (sold / scrapped / transferred) and now is again, or because
# the customer was do-not-contact and no longer is (`customer set`, an import; never while flagged).
REOPENED_REASONS = (RULES_CHANGED, *INACTIVE_STATUSES, "do_not_contact")
SYNC_BATCH = 1000
# The columns of a stored task that a sync brings in step with the rules.
MUTABLE = ("rule_date", "due_date", "window_end", "stage", "owner", "role", "channel", "store")
# The columns a sync sets when it closes a task (or clears when it opens one again).
CLOSING = ("status", "closed_reason", "closed_on")


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
    adopt_earlier_release(conn, rules)  # before the watermark that tells an earlier release's database goes
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
    lapsed: int = 0


def sync_customers(conn: Connection, scheduler: Scheduler, customer_pks: Iterable[int], golive: GoLive,
                   steps: Steps | None = None, cancel_reason: str = "superseded", *,
                   facts_committed: bool = False) -> SyncCounts:
    """Bring the stored tasks of these customers in step with the scheduler for its window.

    An open scheduled task the scheduler no longer produces is closed with `cancel_reason`
    (do_not_contact for such a customer); one closed as RULES_CHANGED that it produces again
    is opened again. A task not stored yet is created only as the stores' go-live allows (`golive`).
    The scheduler runs on batches of customers (store/generation.py: in worker processes for a big
    sync), a few batches ahead of the one whose changes are written; batches hold other customers,
    so reading one never sees another's writes. `facts_committed`: nothing in this transaction changed
    customers, cars or visits (workers may read the facts themselves).
    """
    counts = SyncCounts()
    pks = sorted(set(customer_pks))
    window = (scheduler.start, scheduler.end)
    with Generation(conn, scheduler, load_customer_facts, len(pks), facts_committed=facts_committed) as generation:

        def start(part: Sequence[int]) -> tuple[_Batch, Callable[[], Generated]]:
            batch = _load_batch(conn, part)
            return batch, generation.submit(part, batch.stored_customers)

        def finish(part: Sequence[int], started: tuple[_Batch, Callable[[], Generated]]) -> None:
            _write_batch(conn, window, part, *started, counts, cancel_reason, golive)

        pipelined(reported(chunks(pks, SYNC_BATCH), len(pks), "生成回访任务（位客户）", steps), start, finish,
                  generation.ahead)
    return counts


@dataclass
class _Batch:
    """What a batch of customers has in the database besides their facts: their cars' row ids, their tasks."""

    vehicle_pks: dict[str, int]
    existing: dict[tuple[int, str, str, str], dict[str, Any]]

    @property
    def stored_customers(self) -> set[int]:
        """The customers of the batch with stored tasks."""
        return {key[0] for key in self.existing}


# The stored task columns a sync compares and writes by (_batch_changes, _kept_at_go_live).
_STORED = ("id", "customer_pk", "vin", "code", "event_key", "status", "closed_reason", "attempts", *MUTABLE)


def _load_batch(conn: Connection, part: Sequence[int]) -> _Batch:
    """The batch's cars (vin -> row id) and stored tasks (natural key -> the _STORED columns), read as
    plain rows (store/keyed.fetch_in): the day's import reads ~10,000 tasks of its 2,000 customers."""
    vehicle_pks: dict[str, int] = {}
    existing: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    for keys in chunks(part):
        vehicle_pks.update(fetch_in(conn, VEHICLES, ("vin", "id"), "customer_pk", keys))
        for row in fetch_in(conn, TASKS, _STORED, "customer_pk", keys):
            existing[row[1:5]] = dict(zip(_STORED, row, strict=True))
    return _Batch(vehicle_pks, existing)


def _write_batch(conn: Connection, window: tuple[date, date], part: Sequence[int], batch: _Batch,
                 generated: Callable[[], Generated], counts: SyncCounts, cancel_reason: str,
                 golive: GoLive) -> None:
    """Write one batch's changes: the tasks generated for it against the stored ones."""
    inserts, updates, closes, reopens = _batch_changes(window, part, batch, generated(), counts, cancel_reason,
                                                       golive)
    if inserts:
        insert_by_shape(conn, TASKS, inserts)  # the driver's executemany / COPY: a first sync's bulk
        counts.created += len(inserts)
    # keyed by "_pk": the driver's executemany on SQLite, COPY and one UPDATE ... FROM on PostgreSQL
    update_by_pk(conn, TASKS, MUTABLE, updates)
    counts.updated += len(updates)
    update_by_pk(conn, TASKS, CLOSING, closes)
    update_by_pk(conn, TASKS, (*CLOSING, *MUTABLE), reopens)
    counts.reopened += len(reopens)


def _batch_changes(window: tuple[date, date], part: Sequence[int], batch: _Batch, generated_for: Generated,
                   counts: SyncCounts, cancel_reason: str, golive: GoLive) -> tuple[list[dict[str, Any]], ...]:
    """One batch's inserts, updates, closes and reopens: the generated tasks against the stored ones."""
    start, end = window
    vehicle_pks, existing = batch.vehicle_pks, batch.existing
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    closes: list[dict[str, Any]] = []
    reopens: list[dict[str, Any]] = []
    stored_for: dict[int, list[tuple[tuple[int, str, str, str], dict[str, Any]]]] = defaultdict(list)
    for item in existing.items():  # each customer's stored tasks, grouped once (not scanned per customer)
        stored_for[item[0][0]].append(item)
    for pk in part:
        generated, seen = generated_for.get(pk, ([], None))
        if seen is not None:
            golive.meet(seen.stores)
        keys = set()
        for task in generated:
            key = (pk, task.vin, task.code, task.event_key)
            keys.add(key)
            old = existing.get(key)
            in_window = task.due_date <= end and task.window_end >= start
            if old is None:
                if in_window and task.closed_by_visit is None and golive.creates(task.code, task.store, task.due_date,
                                                                                   task.window_end):
                    inserts.append(_task_row(task, pk, vehicle_pks))
                continue
            if old["status"] != "open":
                if (old["status"] == "closed" and old["closed_reason"] in REOPENED_REASONS and in_window
                        and task.closed_by_visit is None and _kept_at_go_live(old, task, golive)):
                    reopens.append({"_pk": old["id"], "status": "open", "closed_reason": None, "closed_on": None,
                                    **{c: _task_row(task, pk, vehicle_pks)[c] for c in MUTABLE}})
                continue
            if task.closed_by_visit is not None:
                closes.append({"_pk": old["id"], "status": "closed", "closed_reason": task.closed_reason,
                               "closed_on": task.closed_by_visit})
                counts.closed_by_visit += 1
                continue
            if not _kept_at_go_live(old, task, golive):
                closes.append({"_pk": old["id"], "status": "closed", "closed_reason": cancel_reason,
                               "closed_on": start})
                counts.cancelled += 1
                continue
            new = _task_row(task, pk, vehicle_pks)
            if not in_window:
                new["stage"] = old["stage"]  # the stage is only worked out for the window
            if any(old[c] != new[c] for c in MUTABLE):
                updates.append({"_pk": old["id"], **{c: new[c] for c in MUTABLE}})
        for key, old in stored_for.get(pk, ()):
            if key in keys or old["status"] != "open" or old["code"] not in SCHEDULED_CODES:
                continue
            if old["due_date"] <= end and old["window_end"] >= start:
                reason = seen.cancel_reason(old["vin"], old["channel"], cancel_reason) if seen else cancel_reason
                closes.append({"_pk": old["id"], "status": "closed", "closed_reason": reason, "closed_on": start})
                counts.cancelled += 1
    return inserts, updates, closes, reopens


def _kept_at_go_live(old: dict[str, Any], task: ScheduledTask, golive: GoLive) -> bool:
    """Whether a stored task keeps its place with the dates the rules give it now: a task nobody tried
    that moved (a rules change, new facts) to a list date go-live never creates is not kept, as a
    fresh database would not have it; one that did not move is never filtered again."""
    if old["due_date"] == task.due_date or old["attempts"]:
        return True
    return golive.creates(task.code, task.store, task.due_date, task.window_end)


def sync_window(conn: Connection, rules: Rules, start: date, end: date, calendar: HolidayCalendar, *,
                today: date, steps: Steps | None = None, cancel_reason: str = "superseded",
                facts_committed: bool = False) -> SyncCounts:
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
    `facts_committed`: the caller's transaction has not changed customers, cars or visits (a morning's
    command that syncs first), so a big sync's workers may read the facts themselves.
    """
    serialize_writers(conn)
    adopt_earlier_release(conn, rules)
    golive = GoLive(conn, rules, today, starts=True)
    end = max(end, start + timedelta(days=rules.call_list.ahead_days - 1))
    need_from = start - timedelta(days=lookback_days(rules))
    covered = synced_range(conn)
    candidates: set[int] = set()
    going_live: date | None = None
    if covered is not None and covered[0] <= need_from <= covered[1] + timedelta(days=1):
        # Tasks of the covered days are stored and kept in step by imports and outcomes.
        if end > covered[1]:
            candidates = customers_due_between(conn, rules, covered[1] + timedelta(days=1), end, calendar)
        # A look ahead (a window starting after the day past the watermark) stores its own days'
        # tasks but not those of the days between: the range grows only when the window joins it.
        joins = start <= covered[1] + timedelta(days=1)
        new_range = (covered[0], max(covered[1], end)) if joins else covered
    else:
        going_live = today if not golive.dates else None
        candidates = _searched_from_scratch(conn, rules, start, end, need_from, calendar, going_live)
        if covered is not None and need_from <= covered[1] + timedelta(days=1) and end >= covered[0]:
            new_range = (min(covered[0], need_from), max(covered[1], end))  # overlaps: one range
        elif covered is not None and covered[1] > end:
            new_range = covered  # an earlier, separate look: keep the range the daily runs extend
        else:
            new_range = (need_from, end)
    candidates |= customers_with_ended_renewal_steps(conn, rules, today)
    facts_until = max(start, today)
    # On the first sync (going_live) the scheduler does not build the tasks go-live would not create.
    scheduler = Scheduler(rules=rules, today=facts_until, start=start, end=end, calendar=calendar, now=today,
                          staffing=load_staffing(conn), go_live=going_live)
    counts = sync_customers(conn, scheduler, candidates, golive, steps, cancel_reason,
                            facts_committed=facts_committed)
    golive.save(conn)
    if new_range != covered:
        _set_synced_range(conn, *new_range)
    settle_appointments(conn, rules, today, no_shows=True)  # visited / no-show, and the no-show calls
    counts.lapsed = close_lapsed(conn, today)
    return counts


def _searched_from_scratch(conn: Connection, rules: Rules, start: date, end: date, need_from: date,
                           calendar: HolidayCalendar, going_live: date | None) -> set[int]:
    """The candidates of a window outside the synced days: its open tasks' customers and the indexed
    search from need_from. On the database's first sync (`going_live`: every store goes live today)
    nothing listed before the go-live history (core/golive.py) can be created and relationship calls
    start today, so the search starts later."""
    candidates = customers_with_open_tasks(conn, start, end)
    search_from = need_from
    if going_live is not None:
        search_from = max(need_from, going_live - timedelta(days=first_sync_lookback_days(rules)))
    return candidates | customers_due_between(conn, rules, search_from, end, calendar, going_live)


def close_lapsed(conn: Connection, today: date) -> int:
    """Close every open task whose window ended before today: `lapsed` (nobody worked it), or
    `lapsed_capacity` when capacity deferred it (deferred_days > 0), on the day after its last list
    day. Set-based: one UPDATE per distinct window end, found through ix_task_open_window. Renewal
    steps close with their own reasons (the scheduler's next_step / lapsed / renewed)."""
    t = TASKS
    ended = select(t.c.window_end).where(t.c.status == "open", t.c.window_end < today).distinct()
    days = sorted(conn.execute(ended).scalars())
    if not days:
        return 0
    stmt = (update(t)
            .where(t.c.status == "open", t.c.window_end == bindparam("_end"), t.c.code != RENEWAL_CODE)
            .values(status="closed", closed_on=bindparam("_on"),
                    closed_reason=case((t.c.deferred_days > 0, LAPSED_CAPACITY), else_=LAPSED)))
    closed = 0
    for part in chunks(days, SYNC_BATCH):
        result = conn.execute(stmt, [{"_end": day, "_on": day + timedelta(days=1)} for day in part])
        closed += max(result.rowcount or 0, 0)
    return closed


def resync_customers(conn: Connection, rules: Rules, customer_pks: Iterable[int], today: date,
                     calendar: HolidayCalendar, steps: Steps | None = None) -> SyncCounts:
    """After new facts (an import), bring these customers' tasks from today to the watermark in step."""
    covered = synced_range(conn)
    if covered is None or covered[1] < today:
        return SyncCounts()
    scheduler = Scheduler(rules=rules, today=today, start=today, end=covered[1], calendar=calendar,
                          staffing=load_staffing(conn))
    # An import never starts a store's go-live: a store not live yet is filtered as if it went live today.
    return sync_customers(conn, scheduler, customer_pks, GoLive(conn, rules, today, starts=False), steps)
