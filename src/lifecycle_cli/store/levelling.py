"""Capacity levelling, stored (care-desk §2, §9): today's levelling is decided once and kept.

The first list of a store's today levels it (core/capacity.py) and stores what it decided: the tasks
listed get `list_from` = today (so a later run knows them), the deferred ones `list_from` = the next
working day and `deferred_days` + 1, the ones whose window that passes close `lapsed_capacity`; and
one WORKLOADS row per (today, store, owner). A later run of the same day does not level again: the
lines listed then stay, worked lines free nothing, and only lines new since (a later import) are
levelled, against what is left of each owner's capacity that day (the stored `listed`). Other days
(the forecast, `due --date` of another day) are levelled in memory and never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calendar import HolidayCalendar, next_list_day
from lifecycle_cli.core.calllist import CustomerLine, OpenTask
from lifecycle_cli.core.capacity import SMS, DayLevel, Desk, OwnerKey, Person, level_days
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.tables import STAFF, TASKS, WORKLOADS


def load_desk(conn: Connection, rules: Rules, store: str | None = None) -> Desk:
    """The people of the store (every store when None) and the rules' default capacities."""
    query = select(STAFF.c.store, STAFF.c.name, STAFF.c.role, STAFF.c.daily_capacity, STAFF.c.active,
                   STAFF.c.away_from, STAFF.c.away_until)
    if store is not None:
        query = query.where(STAFF.c.store == store)
    people = {(row.store or "", row.name): Person(row.store or "", row.name, row.role, row.daily_capacity,
                                                  bool(row.active), row.away_from, row.away_until)
              for row in conn.execute(query)}
    return Desk(people, rules.capacity)


def stored_listed(conn: Connection, day: date, store: str | None = None) -> dict[OwnerKey, int]:
    """Lines listed per (store, owner) when the day was levelled (empty: not levelled yet)."""
    query = select(WORKLOADS.c.store, WORKLOADS.c.owner, WORKLOADS.c.listed).where(WORKLOADS.c.day == day)
    if store is not None:
        query = query.where(WORKLOADS.c.store == store)
    return {(s, o): n for s, o, n in conn.execute(query)}


def levelled_lines(conn: Connection, rules: Rules, tasks: Iterable[OpenTask], start: date, end: date, *,
                   today: date, calendar: HolidayCalendar, store: str | None = None) -> list[CustomerLine]:
    """The lines of [start, end], levelled; when `start` is today, today's levelling is stored (first
    run) or kept (later runs)."""
    levels = level_window(conn, rules, tasks, start, end, today=today, calendar=calendar, store=store)
    return [line for level in levels for line in level.lines]


def level_window(conn: Connection, rules: Rules, tasks: Iterable[OpenTask], start: date, end: date, *,
                 today: date, calendar: HolidayCalendar, store: str | None = None,
                 counts_only: bool = False) -> list[DayLevel]:
    """Level the days [start, end] (core/capacity.level_days); today's levelling, when `start` is today,
    is stored the first time and kept after. `counts_only`: the days after the first keep their owners'
    counts only (the report's forecast)."""
    desk = load_desk(conn, rules, store)
    following = next_list_day(calendar.is_statutory_holiday)
    stored = start == today
    used = stored_listed(conn, today, store) if stored else {}
    done_stores = {s for s, _ in used}

    def levelled(line: CustomerLine) -> bool:
        return line.store in done_stores and any(
            t.task.list_from == today for t in line.tasks if t.task.channel != SMS)

    levels = level_days(tasks, start, end, rules, desk, following, used=used, levelled=levelled,
                        counts_only=counts_only)
    if stored and levels and levels[0].day == today:
        save_level(conn, levels[0])
    return levels


def save_level(conn: Connection, level: DayLevel) -> None:
    """Store a day's levelling: the tasks' list_from / deferred_days, the lapsed ones closed, and the
    WORKLOADS rows (added to the day's rows when it was levelled before). One executemany each."""
    moved = [{"tid": t.task_id, "lf": level.day, "dd": t.deferred_days} for t in level.listed]
    moved += [{"tid": t.task_id, "lf": t.list_from, "dd": t.deferred_days} for t in level.deferred]
    move = (update(TASKS).where(TASKS.c.id == bindparam("tid"))
            .values(list_from=bindparam("lf"), deferred_days=bindparam("dd")))
    for part in chunks(moved):
        conn.execute(move, part)
    lapsed = [{"tid": t.task_id, "closed": t.window_end + timedelta(days=1), "dd": t.deferred_days + 1}
              for t in level.lapsed]
    close = (update(TASKS).where(TASKS.c.id == bindparam("tid"), TASKS.c.status == "open")
             .values(status="closed", closed_reason="lapsed_capacity", closed_on=bindparam("closed"),
                     deferred_days=bindparam("dd")))
    for part in chunks(lapsed):
        conn.execute(close, part)
    _save_workloads(conn, level)


def _save_workloads(conn: Connection, level: DayLevel) -> None:
    w = WORKLOADS
    stores = sorted({store for store, _ in level.owners})
    existing = {(s, o): (i, listed, deferred, lapsed) for i, s, o, listed, deferred, lapsed in conn.execute(
        select(w.c.id, w.c.store, w.c.owner, w.c.listed, w.c.deferred, w.c.lapsed_capacity)
        .where(w.c.day == level.day, w.c.store.in_(stores)))}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, day in level.owners.items():
        if key in existing:
            i, listed, deferred, lapsed = existing[key]
            if day.listed or day.deferred or day.lapsed_capacity:
                updates.append({"wid": i, "listed": listed + day.listed, "deferred": deferred + day.deferred,
                                "lapsed": lapsed + day.lapsed_capacity})
            continue
        capacity = day.capacity if day.capacity is not None else day.listed  # a role without a default
        inserts.append({"day": level.day, "store": day.store, "owner": day.owner, "capacity": capacity,
                        "listed": day.listed, "deferred": day.deferred, "lapsed_capacity": day.lapsed_capacity})
    if inserts:
        conn.execute(w.insert(), inserts)
    if updates:
        conn.execute(update(w).where(w.c.id == bindparam("wid")).values(
            listed=bindparam("listed"), deferred=bindparam("deferred"), lapsed_capacity=bindparam("lapsed")),
            updates)
