"""`done`: record attempts on tasks and apply their effects — one (`done TASK`), a whole call
sheet (`done --from FILE`, one transaction), or withdraw the latest (`done TASK --undo`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecycle_cli.core.outcomes import DESK_COLUMNS, SHEET_KEY_COLUMNS, Attempt

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules

OutcomeOptions = Attempt  # one attempt, as `done TASK` gives it
SHEET_HEADERS = {**SHEET_KEY_COLUMNS, **DESK_COLUMNS}


@dataclass
class Recorded:
    """The task after the attempt (its row as a dict) and the name of its touchpoint."""

    task: dict[str, Any]
    name: str


def _name(rules: Rules, code: str) -> str:
    tp = rules.touchpoints.get(code)
    return tp.name if tp else code


def record(engine: Engine, rules: Rules, today: date, options: Attempt) -> Recorded:
    """Record the attempt under the write lock; store.outcomes.OutcomeRefused / TaskClosed when it cannot be."""
    from lifecycle_cli.store.outcomes import record_outcome

    with engine.begin() as conn:
        task = record_outcome(conn, rules, options, today=today)
    return Recorded(task, _name(rules, task["code"]))


def undo(engine: Engine, rules: Rules, task_id: int) -> tuple[dict[str, Any], Recorded]:
    """Withdraw the task's latest outcome; (the outcome withdrawn, the task after)."""
    from lifecycle_cli.store.outcomes import undo_outcome

    with engine.begin() as conn:
        outcome, task = undo_outcome(conn, rules, task_id)
    return outcome, Recorded(task, _name(rules, task["code"]))


@dataclass
class SheetResult:
    """What `done --from` did: rows recorded, skipped (no result, recorded before, already closed
    with the same result) and the messages of the rows rejected (`FILE:LINE: COLUMN: reason`)."""

    recorded: int = 0
    skipped: int = 0
    rejected: list[str] = field(default_factory=list)


def record_sheet(engine: Engine, rules: Rules, today: date, path: Path, day: date,
                 by: str | None = None) -> SheetResult:
    """Record a filled-in call sheet in one transaction; the rows that cannot be recorded are named
    and left out, the others recorded. FileRefused when the file is not a call sheet."""
    from lifecycle_cli.ingest.callsheet import read_call_sheet
    from lifecycle_cli.store.outcomes import AlreadyRecorded, OutcomeRefused, TaskClosed, record_outcome

    sheet = read_call_sheet(path, rules.survey.questions)
    done = SheetResult(skipped=sheet.blank)
    name = str(path)  # the path as given, like the import's messages
    done.rejected.extend(f"{name}:{p.line}: {p.column}: {p.reason}" for p in sheet.problems)
    with engine.begin() as conn:
        for row in sheet.rows:
            attempt = Attempt(row.task_id, row.result, day, note=row.note, booked_for=row.booked_for,
                              recorded_by=by or row.owner, list_date=row.list_date or day, score=row.score,
                              reason=row.reason, customer_id=row.customer_id, answers=row.answers)
            try:
                record_outcome(conn, rules, attempt, today=today)
            except AlreadyRecorded:
                done.skipped += 1
            except TaskClosed as exc:
                if exc.closed_reason == row.result:
                    done.skipped += 1
                else:
                    done.rejected.append(f"{name}:{row.line}: 结果: {exc}")
            except OutcomeRefused as exc:
                column = SHEET_HEADERS.get(exc.column, exc.column)
                done.rejected.append(f"{name}:{row.line}: {column}: {_strip(str(exc))}")
            else:
                done.recorded += 1
    done.rejected.sort(key=_line_of)
    return done


def _strip(message: str) -> str:
    return message.removeprefix("--date: ").removesuffix("，未做任何更改")


def _line_of(message: str) -> int:
    try:
        return int(message.split(":")[1])
    except (IndexError, ValueError):
        return 0


def records(engine: Engine, rules: Rules, first: date, last: date, store: str | None = None) -> list[dict[str, Any]]:
    """`outcomes`: the call records of the days, each with its task's name and the result in Chinese."""
    from lifecycle_cli.core.calllist import OUTCOME_LABELS
    from lifecycle_cli.store.outcomes import outcome_records

    with engine.connect() as conn:
        rows = outcome_records(conn, first, last, store)
    for row in rows:
        row["task"] = _name(rules, row["code"])
        row["result_name"] = OUTCOME_LABELS.get(row["result"], row["result"])
        row["withdrawn"] = bool(row["withdrawn"])
    return rows
