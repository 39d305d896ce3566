"""流失原因 in the store (care-desk §6): each car's latest reason for the churn list, the month's counts
for the report. A reason is an outcome's `reason` code (declined / win-back calls); withdrawn outcomes
count nowhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.tables import OUTCOMES, TASKS

_GIVEN = and_(OUTCOMES.c.reason.is_not(None), OUTCOMES.c.withdrawn.is_(False))


def latest_reasons(conn: Connection, vehicle_pks: Iterable[int], on: date) -> dict[int, str]:
    """vehicle pk -> the reason of its latest outcome with one, up to `on` (latest attempt, then latest recorded)."""
    found: dict[int, tuple[date, int, str]] = {}
    for part in chunks(sorted(set(vehicle_pks))):
        query = (select(TASKS.c.vehicle_pk, OUTCOMES.c.attempt_date, OUTCOMES.c.id, OUTCOMES.c.reason)
                 .join(TASKS, TASKS.c.id == OUTCOMES.c.task_id)
                 .where(TASKS.c.vehicle_pk.in_(part), _GIVEN, OUTCOMES.c.attempt_date <= on))
        for pk, day, outcome_id, reason in conn.execute(query):
            if pk not in found or (day, outcome_id) > found[pk][:2]:
                found[pk] = (day, outcome_id, reason)
    return {pk: reason for pk, (_, _, reason) in found.items()}


def reason_counts(conn: Connection, reasons: Mapping[str, str], first: date, last: date,
                  store: str | None = None) -> dict[str, int]:
    """code -> how many outcomes of the days [first, last] gave it: every code of the rules (0 when none),
    then codes stored under earlier rules."""
    query = (select(OUTCOMES.c.reason, func.count())
             .join(TASKS, TASKS.c.id == OUTCOMES.c.task_id)
             .where(_GIVEN, OUTCOMES.c.attempt_date.between(first, last))
             .group_by(OUTCOMES.c.reason))
    if store:
        query = query.where(TASKS.c.store == store)
    counts = dict.fromkeys(reasons, 0)
    for reason, n in conn.execute(query):
        counts[str(reason)] = int(n)
    return counts
