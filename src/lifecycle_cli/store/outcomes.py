"""Recording outcomes: one attempt on a task under the write lock, its effect, the care-call rhythm."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calllist import outcome_effect
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.errors import NotDone, RefusedInput
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.db import begin_now
from lifecycle_cli.store.state import refresh_customers
from lifecycle_cli.store.tables import CUSTOMERS, OUTCOMES, TASKS


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
