"""Recording outcomes: one attempt on a task under the write lock, its effect, the care-call rhythm."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.calllist import closed_reason_label, outcome_effect, outcome_scope
from lifecycle_cli.core.facts import ACTIVE
from lifecycle_cli.core.outcomes import Attempt, attempt_problem, with_reason_code
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.errors import NotDone, RefusedInput
from lifecycle_cli.store.appointments import appointment_of_task, book, move, undo_booking
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.complaints import withdraw_response, withdraw_score_complaint
from lifecycle_cli.store.customers import write_flags
from lifecycle_cli.store.db import begin_now
from lifecycle_cli.store.satisfaction import after_attempt
from lifecycle_cli.store.state import refresh_customers
from lifecycle_cli.store.tables import CUSTOMERS, OUTCOMES, TASKS
from lifecycle_cli.store.vehicle_status import apply_status

SOLD = "sold"  # the status the vehicle_sold result gives the car, and the reason its other tasks close


class OutcomeRefused(RefusedInput):
    """An outcome that cannot be recorded (no such task, an attempt before the task existed).
    column: the call-sheet column it is about (task_id, customer_id, result, booked_for, score)."""

    def __init__(self, message: str, column: str = "result") -> None:
        super().__init__(message)
        self.column = column


class TaskClosed(NotDone):
    """An outcome on a task already closed: nothing recorded. closed_reason says how it closed."""

    def __init__(self, message: str, closed_reason: str | None = None) -> None:
        super().__init__(message)
        self.closed_reason = closed_reason


class AlreadyRecorded(NotDone):
    """A call sheet's row recorded before (same task, same list date): nothing recorded."""


def record_outcome(conn: Connection, rules: Rules, attempt: Attempt, *, today: date) -> dict[str, Any]:
    """Record one attempt on a task and apply its effect; returns the task after it.

    Refused (OutcomeRefused): a task id that cannot exist (0, negative, beyond the id column's
    range) or does not, another customer's task, an attempt dated before the task existed or after
    today, a booking, score or reschedule that does not fit; TaskClosed: a closed task;
    AlreadyRecorded: the sheet's row was recorded before. Nothing is written before every check passed.
    """
    task_id = attempt.task_id
    if not 0 < task_id <= _max_id(conn):
        raise OutcomeRefused(f"任务号 {task_id} 不存在", "task_id")
    # Two desks recording on one task at once take turns, and the second sees the first's attempt
    # (both are counted, or the task is closed and the second refused): SQLite's write lock is
    # taken before the task is read (BEGIN IMMEDIATE), PostgreSQL locks the row (FOR UPDATE).
    begin_now(conn, write=True)
    row = conn.execute(select(TASKS).where(TASKS.c.id == task_id).with_for_update()).mappings().first()
    if row is None:
        raise OutcomeRefused(f"任务号 {task_id} 不存在", "task_id")
    appointment = _check_attempt(conn, rules, row, attempt, today)
    try:  # 流失原因: the code or its Chinese name, stored as the code (care-desk §6)
        attempt = with_reason_code(attempt, row["code"], rules.churn_reasons)
    except ValueError as exc:
        raise OutcomeRefused(f"任务 {task_id}：{exc}", "reason") from None
    if attempt.result == "reschedule":
        outcome_id = _insert(conn, attempt, row["code"])
        _reschedule(conn, rules, row, appointment, attempt, outcome_id)
        _note_contact(conn, rules, row["customer_pk"], attempt.day)
        return dict(row)
    effect = outcome_effect(attempt.result, row["attempts"], rules, row["code"])
    on = attempt.day
    outcome_id = _insert(conn, attempt, row["code"])
    if attempt.result == "booked" and attempt.booked_for is not None:
        book(conn, rules, row, outcome_id, attempt.booked_for, on, attempt.recorded_by)
    values: dict[str, Any] = {"attempts": effect.attempts, "last_attempt": on, "status": effect.status}
    if effect.status != "open":
        values.update(closed_reason=effect.closed_reason, closed_on=on)
    conn.execute(update(TASKS).where(TASKS.c.id == task_id, TASKS.c.status == "open").values(**values))
    _apply_scope(conn, rules, effect.scope, row, attempt.result, on, today)
    _note_contact(conn, rules, row["customer_pk"], on)
    # Answers, the complaint a low score opens, a complaint's response (store/satisfaction.py).
    complaint = after_attempt(conn, rules, row, attempt, outcome_id)
    return {**dict(row), **values, "complaint_event_id": complaint}


def _check_attempt(conn: Connection, rules: Rules, row: Any, attempt: Attempt, today: date) -> dict[str, Any] | None:
    """Every reason the attempt cannot be recorded on this task, raised before anything is written;
    a reschedule's appointment (None: a booking made before appointments were kept)."""
    task_id, result = attempt.task_id, attempt.result
    if attempt.customer_id is not None:
        owner = conn.execute(select(CUSTOMERS.c.customer_id).where(CUSTOMERS.c.id == row["customer_pk"])).scalar()
        if owner != attempt.customer_id:
            raise OutcomeRefused(f"任务 {task_id} 不属于客户 {attempt.customer_id}（清单来自另一个数据库？）",
                                 "customer_id")
    if attempt.list_date is not None and conn.execute(
        select(OUTCOMES.c.id).where(OUTCOMES.c.task_id == task_id, OUTCOMES.c.list_date == attempt.list_date,
                                    OUTCOMES.c.withdrawn.is_(False)).limit(1)
    ).first() is not None:
        raise AlreadyRecorded(f"任务 {task_id} 在 {attempt.list_date} 的清单上已记录过")
    appointment = None
    if result == "reschedule":
        if row["status"] == "open" or row["closed_reason"] != "booked":
            raise OutcomeRefused(f"任务 {task_id} 没有预约，不能改约（先记录 已预约）")
        appointment = appointment_of_task(conn, row)
        if appointment is not None and appointment["status"] == "visited":
            raise OutcomeRefused(f"任务 {task_id} 的预约（{appointment['appointment_date']}）客户已到店，不能改约")
    elif row["status"] != "open":
        raise TaskClosed(f"任务 {task_id} 已关闭（{closed_reason_label(row['closed_reason'])}，"
                         f"{row['closed_on'] or ''}），未做任何更改", row["closed_reason"])
    existed = _task_existed_from(row, rules.timezone, today)
    if attempt.day < existed:
        raise OutcomeRefused(f"--date: 尝试日期 {attempt.day} 早于任务 {task_id} 出现的日期（{existed}），未做任何更改")
    problem = attempt_problem(attempt, row["code"])
    if problem is not None:
        raise OutcomeRefused(f"任务 {task_id}：{problem[1]}", problem[0])
    return appointment


def _reschedule(conn: Connection, rules: Rules, row: Any, appointment: dict[str, Any] | None, attempt: Attempt,
                outcome_id: int) -> None:
    """改约 moves the task's appointment; a task booked before appointments were kept gets one now."""
    if attempt.booked_for is None:
        return
    if appointment is None:
        book(conn, rules, row, outcome_id, attempt.booked_for, attempt.day, attempt.recorded_by)
    else:
        move(conn, rules, appointment, attempt.booked_for, attempt.day)


def _insert(conn: Connection, attempt: Attempt, code: str) -> int:
    return int(conn.execute(insert(OUTCOMES).values(
        task_id=attempt.task_id, result=attempt.result, attempt_date=attempt.day, note=attempt.note,
        booked_for=attempt.booked_for, recorded_by=attempt.recorded_by, list_date=attempt.list_date,
        score=attempt.score, reason=attempt.reason,
    )).inserted_primary_key[0])  # type: ignore[index]


def _apply_scope(conn: Connection, rules: Rules, scope: str, row: Any, result: str, on: date, today: date) -> None:
    """Beyond the task: a bad number closes the customer's open phone tasks and flags the number,
    a sold car is marked sold and closes its open tasks (reason sold: they come back if it is set
    active again), do-not-contact takes the customer off every list, an sms opt-out off the messages
    (their open sms tasks close)."""
    customer_pk = row["customer_pk"]
    close = {"status": "closed", "closed_reason": result, "closed_on": on}
    t = TASKS
    if scope == "phone":
        phone = conn.execute(select(CUSTOMERS.c.phone).where(CUSTOMERS.c.id == customer_pk)).scalar()
        conn.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk).values(bad_phone=phone or ""))
        conn.execute(update(t).where(t.c.customer_pk == customer_pk, t.c.status == "open",
                                     t.c.channel == "phone").values(**close))
    elif scope == "vehicle" and row["vehicle_pk"] is not None:
        conn.execute(update(t).where(t.c.vehicle_pk == row["vehicle_pk"], t.c.status == "open")
                     .values(**{**close, "closed_reason": SOLD}))
        apply_status(conn, rules, row["vehicle_pk"], customer_pk, SOLD, today, HolidayCalendar())
    elif scope == "customer":
        write_flags(conn, customer_pk, do_not_contact=True)
        conn.execute(update(t).where(t.c.customer_pk == customer_pk, t.c.status == "open").values(**close))
    elif scope == "messages":
        write_flags(conn, customer_pk, sms_opt_out=True)
        conn.execute(update(t).where(t.c.customer_pk == customer_pk, t.c.status == "open",
                                     t.c.channel == "sms").values(**close))


def undo_outcome(conn: Connection, rules: Rules, task_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Withdraw the task's latest outcome (kept as withdrawn) and undo its effect: the task reopens
    when that outcome closed it (attempts and last attempt from the outcomes left), the tasks it
    closed beyond this one reopen, a number it flagged or a do-not-contact it set is cleared.
    Returns (the outcome withdrawn, the task after). OutcomeRefused when there is nothing to undo."""
    begin_now(conn, write=True)
    row = conn.execute(select(TASKS).where(TASKS.c.id == task_id).with_for_update()).mappings().first() \
        if 0 < task_id <= _max_id(conn) else None
    if row is None:
        raise OutcomeRefused(f"任务号 {task_id} 不存在", "task_id")
    o = OUTCOMES
    kept = [dict(r) for r in conn.execute(
        select(o).where(o.c.task_id == task_id, o.c.withdrawn.is_(False)).order_by(o.c.id)).mappings()]
    if not kept:
        raise OutcomeRefused(f"任务 {task_id} 没有可撤销的回访结果")
    last = kept.pop()
    conn.execute(update(o).where(o.c.id == last["id"]).values(withdrawn=True))
    values: dict[str, Any] = {}
    undo_booking(conn, rules, row, last, kept)
    if last["result"] != "reschedule":
        attempts = [k for k in kept if k["result"] != "reschedule"]
        values = {"attempts": len(attempts), "last_attempt": attempts[-1]["attempt_date"] if attempts else None}
        if row["status"] != "open" and row["closed_on"] == last["attempt_date"] and row["closed_reason"] in (
                last["result"], "unreachable"):
            values.update(status="open", closed_reason=None, closed_on=None)
        conn.execute(update(TASKS).where(TASKS.c.id == task_id).values(**values))
        _undo_scope(conn, rules, row, last)
        withdraw_response(conn, task_id, last)
    # A low score's complaint goes with the score, unless someone has worked it already.
    last["complaint"] = withdraw_score_complaint(conn, last["id"], last["attempt_date"])
    _undo_contact(conn, rules, row["customer_pk"], last["attempt_date"])
    return last, {**dict(row), **values}


def _undo_scope(conn: Connection, rules: Rules, row: Any, last: dict[str, Any]) -> None:
    scope = outcome_scope(last["result"])
    if scope == "task":
        return
    t, customer_pk = TASKS, row["customer_pk"]
    reason = SOLD if scope == "vehicle" else last["result"]
    closed_with = (t.c.status == "closed", t.c.closed_reason == reason, t.c.closed_on == last["attempt_date"])
    same = t.c.vehicle_pk == row["vehicle_pk"] if scope == "vehicle" else t.c.customer_pk == customer_pk
    conn.execute(update(t).where(same, *closed_with).values(status="open", closed_reason=None, closed_on=None))
    if scope == "vehicle" and row["vehicle_pk"] is not None:  # the car is active again, its customer's tasks too
        apply_status(conn, rules, row["vehicle_pk"], customer_pk, ACTIVE, last["attempt_date"], HolidayCalendar())
    if scope == "phone":
        conn.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk).values(bad_phone=None))
    elif scope == "customer":
        write_flags(conn, customer_pk, do_not_contact=False)
    elif scope == "messages":
        write_flags(conn, customer_pk, sms_opt_out=False)


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
    """Any attempt (a contact or not, a message sent too) restarts the care-call rhythm (§3)."""
    last = conn.execute(select(CUSTOMERS.c.last_contact).where(CUSTOMERS.c.id == customer_pk)).scalar()
    if last is not None and last >= on:
        return
    conn.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk).values(last_contact=on))
    refresh_customers(conn, [customer_pk], rules)


def _undo_contact(conn: Connection, rules: Rules, customer_pk: int, withdrawn_on: date) -> None:
    """The care-call rhythm goes back to the customer's latest attempt still recorded, when the one
    withdrawn was what moved it."""
    if conn.execute(select(CUSTOMERS.c.last_contact).where(CUSTOMERS.c.id == customer_pk)).scalar() != withdrawn_on:
        return
    latest = conn.execute(select(func.max(OUTCOMES.c.attempt_date)).select_from(
        OUTCOMES.join(TASKS, TASKS.c.id == OUTCOMES.c.task_id)).where(
        TASKS.c.customer_pk == customer_pk, OUTCOMES.c.withdrawn.is_(False))).scalar()
    if latest != withdrawn_on:
        conn.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk).values(last_contact=latest))
        refresh_customers(conn, [customer_pk], rules)


def task_outcomes(conn: Connection, task_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The recorded attempts of these tasks, oldest first."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for part in chunks(sorted(set(task_ids))):
        query = select(OUTCOMES).where(OUTCOMES.c.task_id.in_(part)).order_by(OUTCOMES.c.id)
        for row in conn.execute(query).mappings():
            out[row["task_id"]].append(dict(row))
    return out


def outcome_records(conn: Connection, first: date, last: date, store: str | None = None) -> list[dict[str, Any]]:
    """The call records of the days [first, last] for the maker's audit, oldest first (no phones)."""
    o, t, c = OUTCOMES, TASKS, CUSTOMERS
    query = (
        select(o.c.attempt_date.label("date"), o.c.recorded_by.label("person"), c.c.customer_id,
               c.c.name.label("customer_name"), t.c.id.label("task_id"), t.c.code, o.c.result, o.c.note,
               o.c.score, o.c.reason, o.c.booked_for, o.c.list_date, o.c.withdrawn, t.c.store)
        .join(t, t.c.id == o.c.task_id).join(c, c.c.id == t.c.customer_pk)
        .where(o.c.attempt_date.between(first, last))
        .order_by(o.c.attempt_date, o.c.id)
    )
    if store is not None:
        query = query.where(t.c.store == store)
    return [dict(row) for row in conn.execute(query).mappings()]
