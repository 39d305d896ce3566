"""The open tasks a call list reads: each with what the list shows about its customer and vehicle."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lifecycle_cli.core.calllist import OpenTask
from lifecycle_cli.store.bulk import chunks, in_keys
from lifecycle_cli.store.keyed import sqlite_cursor
from lifecycle_cli.store.tables import CUSTOMERS, TASKS, VEHICLES, VISITS

# An invitation that follows a maintenance: its event key starts with this and the visit's date.
AFTER = "after:"


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
    event_key: str = ""  # an invitation's second step ends with ':step:2' (named 二次邀约)


def open_tasks(conn: Connection, start: date, end: date, *, store: str | None = None,
               levelled: bool = True, channel: str | None = None) -> list[TaskView]:
    """Open tasks whose time on the list meets [start, end], of customers who may be contacted.

    Only the store is filtered here (capacity is per store, so one store's list reads only its rows);
    the other filters (owner, role, code) apply after levelling, by the line's owner (service/calllist.py).
    `channel`: only the tasks of one channel (the phone list leaves the messages out: §7).
    """
    query = open_tasks_query(start, end, store=store, levelled=levelled)
    if channel is not None:
        query = query.where(TASKS.c.channel == channel)
    return [
        TaskView(
            task=OpenTask(task_id, customer_pk, code_, rule_date, due_date, window_end, attempts, last_attempt,
                          owner_, role_, channel, store_, list_from, deferred_days),
            vin=vin, plate=plate, stage=stage, customer_id=customer_id, name=name, phone=phone, store=store_,
            event_key=event_key,
        )
        for (task_id, customer_pk, code_, rule_date, due_date, window_end, attempts, last_attempt, owner_, role_,
             channel, store_, list_from, deferred_days, vin, stage, customer_id, name, phone, plate, event_key)
        in conn.execute(query).all()
    ]


def open_task_records(conn: Connection, start: date, end: date, *, store: str | None = None) -> list[OpenTask]:
    """The levelled open tasks of [start, end] as open_tasks finds them, without what the list shows
    about customer and car: what a forecast levels (the task table only, do-not-contact customers left out
    through their own short list, no row of another table read per task)."""
    barred = select(CUSTOMERS.c.id).where(CUSTOMERS.c.do_not_contact.is_(True))
    sqlite = conn.dialect.name == "sqlite"
    scan = sqlite and store is None and _mostly_open(conn)
    query = select(*_open_task_columns()).where(*_on_the_list(start, end, levelled=True, scan=scan),
                                                TASKS.c.customer_pk.not_in(barred))
    if store is not None:
        query = query.where(TASKS.c.store == store)
    if sqlite:
        return _sqlite_open_tasks(conn, query)
    return [OpenTask(*row) for row in conn.execute(query).all()]


def _sqlite_open_tasks(conn: Connection, query: Select[Any]) -> list[OpenTask]:
    """open_task_records' query on SQLite through the DB-API cursor: its dates (stored as ISO text) made
    here as SQLAlchemy's Date would, without its per-row result processing (a quarter of the read at 1M)."""
    cursor = sqlite_cursor(conn, query)
    day = date.fromisoformat
    return [OpenTask(task_id, customer, code, day(rule), day(due), day(window_end), attempts,
                     day(last_attempt) if last_attempt is not None else None, owner, role, channel, store,
                     day(list_from) if list_from is not None else None, deferred)
            for (task_id, customer, code, rule, due, window_end, attempts, last_attempt, owner, role, channel, store,
                 list_from, deferred) in cursor]


def open_tasks_query(start: date, end: date, *, store: str | None = None, levelled: bool = True) -> Select[Any]:
    """The query of open_tasks (read through ix_task_open_window: live windows and the days ahead;
    a task deferred past `end` is left out)."""
    t, c = TASKS, CUSTOMERS
    query = (
        select(*_open_task_columns(), t.c.vin, t.c.stage, c.c.customer_id, c.c.name, c.c.phone, VEHICLES.c.plate,
               t.c.event_key)
        .join(c, c.c.id == t.c.customer_pk)
        .outerjoin(VEHICLES, VEHICLES.c.id == t.c.vehicle_pk)
        .where(*_on_the_list(start, end, levelled=levelled), c.c.do_not_contact.is_(False))
    )
    if store is not None:
        query = query.where(t.c.store == store)
    return query


def _open_task_columns() -> tuple[Any, ...]:
    """The task columns an OpenTask is made of, in its fields' order."""
    t = TASKS.c
    return (t.id, t.customer_pk, t.code, t.rule_date, t.due_date, t.window_end, t.attempts, t.last_attempt, t.owner,
            t.role, t.channel, t.store, t.list_from, t.deferred_days)


def _on_the_list(start: date, end: date, *, levelled: bool, scan: bool = False) -> tuple[ColumnElement[bool], ...]:
    """An open task whose time on the list meets [start, end] (levelled: not deferred past `end`).
    `scan`: SQLite reads the table through instead of the open-task indexes (`status || ''` is no
    index's column; see _mostly_open)."""
    t = TASKS.c
    status = t.status.concat("") if scan else t.status
    return (status == "open", t.due_date <= end, t.window_end >= start,
            or_(t.list_from.is_(None), t.list_from <= end) if levelled else true())


def _mostly_open(conn: Connection) -> bool:
    """Whether open tasks are half the task table or more (a young database: at 1M cars after go-live,
    330,000 of 332,000). SQLite keeps no statistics here and would read them through ix_task_open_window,
    fetching each row by its id (0.4 s at 1M, mapped) where reading the table through takes 0.15 s; once
    done and closed tasks pile up (a year of calls), the index is the shorter way again."""
    opened = conn.execute(select(func.count()).select_from(TASKS).where(TASKS.c.status == "open")).scalar_one()
    return 2 * opened >= (conn.execute(select(func.max(TASKS.c.id))).scalar() or 0)


def followed_maintenance_km(conn: Connection, keys: Iterable[tuple[str, str]],
                            kinds: Collection[str]) -> dict[tuple[str, str], int]:
    """The km of the maintenance visit each (vin, invitation chain key 'after:DATE') follows: the highest of
    the car's maintenance visits that day (the scheduler's last maintenance); one query per chunk of cars."""
    wanted: dict[str, set[date]] = {}
    for vin, key in keys:
        if key.startswith(AFTER):
            wanted.setdefault(vin, set()).add(date.fromisoformat(key.removeprefix(AFTER)))
    out: dict[tuple[str, str], int] = {}
    for part in chunks(sorted(wanted)):
        query = (select(VEHICLES.c.vin, VISITS.c.visit_date, func.max(VISITS.c.mileage_km))
                 .join(VISITS, VISITS.c.vehicle_pk == VEHICLES.c.id)
                 .where(in_keys(conn, VEHICLES.c.vin, part), VISITS.c.kind.in_(sorted(kinds)))
                 .group_by(VEHICLES.c.vin, VISITS.c.visit_date))
        for vin, day, km in conn.execute(query):
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            if day in wanted[vin]:
                out[(vin, f"{AFTER}{day.isoformat()}")] = int(km)
    return out
