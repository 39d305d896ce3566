"""The report's workload: open tasks per owner per day ahead, and each person's levelled days (care-desk §2:
capacity, lines listed, deferred, lapsed for capacity) as stored in WORKLOADS or levelled ahead in memory."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.capacity import DayLevel
from lifecycle_cli.store.tables import TASKS, WORKLOADS


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
    """The stored levelled days of [first, last] (one row per person and day), by day then owner."""
    w = WORKLOADS
    query = (select(w.c.owner, w.c.day, w.c.store, w.c.capacity, w.c.listed, w.c.deferred, w.c.lapsed_capacity)
             .where(w.c.day.between(first, last)))
    if store is not None:
        query = query.where(w.c.store == store)
    return [{"owner": owner, "date": day, "store": store_, "capacity": capacity, "listed": listed,
             "deferred": deferred, "lapsed_capacity": lapsed}
            for owner, day, store_, capacity, listed, deferred, lapsed in conn.execute(query.order_by(w.c.day,
                                                                                                    w.c.store,
                                                                                                    w.c.owner))]


def forecast_rows(levels: Iterable[DayLevel], after: date) -> list[dict[str, Any]]:
    """The workload rows of the days levelled in memory after `after` (nothing stored for them)."""
    return [{"owner": o.owner, "date": level.day, "store": o.store,
             "capacity": o.capacity if o.capacity is not None else o.listed, "listed": o.listed,
             "deferred": o.deferred, "lapsed_capacity": o.lapsed_capacity}
            for level in levels if level.day > after
            for o in sorted(level.owners.values(), key=lambda o: (o.store, o.owner))]
