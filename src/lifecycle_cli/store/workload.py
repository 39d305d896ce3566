"""The report's workload: open tasks per owner per day ahead, and each person's levelled days (care-desk §2:
capacity, lines listed, deferred, lapsed for capacity) as stored in WORKLOADS or levelled ahead in memory."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, func, literal, select, type_coerce
from sqlalchemy.engine import Connection

from lifecycle_cli.core.capacity import DayLevel
from lifecycle_cli.store.tables import OUTCOMES, TASKS, WORKLOADS

WorkedKey = tuple[date, str, str]  # (list day, store, person)


def workload(conn: Connection, on: date, days: int, store: str | None = None) -> list[dict[str, Any]]:
    """Open tasks per owner per day for the days ahead, and overdue open tasks per owner."""
    t = TASKS
    end = on + timedelta(days=days - 1)
    store_cond = t.c.store == store if store else literal(True)
    owners: dict[str, dict[str, Any]] = {}

    def entry(owner: str) -> dict[str, Any]:
        return owners.setdefault(owner or "未分配", {"owner": owner or "未分配", "overdue": 0, "total": 0,
                                                     "by_day": {}})

    ahead = (
        select(t.c.owner, t.c.due_date, func.count())
        .where(t.c.status == "open", t.c.due_date.between(on, end), store_cond)
        .group_by(t.c.owner, t.c.due_date)
    )
    for owner, day, n in conn.execute(ahead):
        e = entry(owner)
        e["by_day"][day.isoformat()] = n
        e["total"] += n
    overdue = (
        select(t.c.owner, func.count())
        .where(t.c.status == "open", t.c.due_date < on, t.c.window_end >= on, store_cond)
        .group_by(t.c.owner)
    )
    for owner, n in conn.execute(overdue):
        entry(owner)["overdue"] = n
    return sorted(owners.values(), key=lambda e: (-(e["total"] + e["overdue"]), e["owner"]))


def workload_rows(conn: Connection, first: date, last: date, store: str | None = None) -> list[dict[str, Any]]:
    """The stored levelled days of [first, last] (one row per person and day), by day then owner, each with
    the lines worked from it and the completion (worked / listed; care-desk §5)."""
    w = WORKLOADS
    query = (select(w.c.owner, w.c.day, w.c.store, w.c.capacity, w.c.listed, w.c.deferred, w.c.lapsed_capacity)
             .where(w.c.day.between(first, last)))
    if store is not None:
        query = query.where(w.c.store == store)
    worked = worked_lines(conn, first, last, store)
    rows = []
    for owner, day, store_, capacity, listed, deferred, lapsed in conn.execute(
            query.order_by(w.c.day, w.c.store, w.c.owner)):
        done = min(worked.get((day, store_ or "", owner), 0), listed)
        rows.append({"owner": owner, "date": day, "store": store_, "capacity": capacity, "listed": listed,
                     "deferred": deferred, "lapsed_capacity": lapsed, "worked": done,
                     "completion": done / listed if listed else None})
    return rows


def worked_lines(conn: Connection, first: date, last: date, store: str | None = None) -> dict[WorkedKey, int]:
    """Lines worked per (list day, store, person) for the days [first, last]: the customers with a phone
    call recorded (not withdrawn) from that day's list — the call sheet's day, else the call's date — by
    the person who recorded it (`--by`, the sheet's owner), else the task's owner."""
    t, o = TASKS, OUTCOMES
    day = type_coerce(func.coalesce(o.c.list_date, o.c.attempt_date), Date)
    who = func.coalesce(o.c.recorded_by, t.c.owner)
    query = (select(day, t.c.store, who, func.count(func.distinct(t.c.customer_pk)))
             .join(t, t.c.id == o.c.task_id)
             .where(o.c.attempt_date >= first, day.between(first, last), o.c.withdrawn.is_(False),
                    t.c.channel == "phone")
             .group_by(day, t.c.store, who))
    if store is not None:
        query = query.where(t.c.store == store)
    return {(d, s or "", person or ""): int(n) for d, s, person, n in conn.execute(query)}


def completion_counts(conn: Connection, first: date, last: date, store: str | None = None) -> tuple[int, int]:
    """清单完成率 of [first, last]: lines worked (at most the lines listed, per person and day) / lines listed."""
    rows = workload_rows(conn, first, last, store)
    return sum(r["worked"] for r in rows), sum(r["listed"] for r in rows)


def forecast_rows(levels: Iterable[DayLevel], after: date) -> list[dict[str, Any]]:
    """The workload rows of the days levelled in memory after `after` (nothing stored for them)."""
    return [{"owner": o.owner, "date": level.day, "store": o.store,
             "capacity": o.capacity if o.capacity is not None else o.listed, "listed": o.listed,
             "deferred": o.deferred, "lapsed_capacity": o.lapsed_capacity, "worked": 0, "completion": None}
            for level in levels if level.day > after
            for o in sorted(level.owners.values(), key=lambda o: (o.store, o.owner))]
