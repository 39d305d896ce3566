"""`done`: record one attempt on a task and apply its effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules


@dataclass
class OutcomeOptions:
    """One attempt: its task, result, the day it was made and what was noted or booked."""

    task_id: int
    result: str
    day: date
    note: str | None = None
    booked_for: date | None = None


@dataclass
class Recorded:
    """The task after the attempt (its row as a dict) and the name of its touchpoint."""

    task: dict[str, Any]
    name: str


def record(engine: Engine, rules: Rules, today: date, options: OutcomeOptions) -> Recorded:
    """Record the attempt under the write lock; store.outcomes.OutcomeRefused / TaskClosed when it cannot be."""
    from lifecycle_cli.store.outcomes import record_outcome

    with engine.begin() as conn:
        task = record_outcome(conn, rules, options.task_id, options.result, options.day, note=options.note,
                              booked_for=options.booked_for, today=today)
    tp = rules.touchpoints.get(task["code"])
    return Recorded(task, tp.name if tp else task["code"])
