"""Satisfaction (三日回访 / 交车满意度, care-desk §6) in the database: what a scored call writes beside its
outcome (the questionnaire's answers, a complaint when the score is low, a complaint's response), and
the month's figures the report reads (高满意度客户比例, average score per service advisor, per sales
consultant, per assigned person: 专属管家满意度).

A customer's score in a month is their latest (care-desk §9); the advisor scored is the work order's
(the visit a post-service call follows up), the sales consultant the car's (delivery calls).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, insert, literal, select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.complaints import opens_complaint
from lifecycle_cli.core.kpi import Kpi, make_kpi
from lifecycle_cli.core.outcomes import Attempt
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.complaints import complaint_from_score, note_response
from lifecycle_cli.store.fact_rows import visit_key
from lifecycle_cli.store.tables import ANSWERS, ASSIGNMENTS, OUTCOMES, STAFF, TASKS, VEHICLES, VISITS

# The calls whose score rates the car's sales consultant (the rest rate the work order's advisor).
DELIVERY_CODES = frozenset({"delivery_call_24h", "delivery_call_7d", "visit_45d"})


def after_attempt(conn: Connection, rules: Rules, task: Any, attempt: Attempt, outcome_id: int) -> int | None:
    """What a recorded attempt writes beside its outcome: the questionnaire's answers, the complaint a
    low score opens (its event id is returned), a complaint's response when its follow-up got through."""
    if attempt.answers:
        conn.execute(insert(ANSWERS), [{"outcome_id": outcome_id, "question": q, "score": s}
                                       for q, s in attempt.answers])
    note_response(conn, rules, task, attempt.result, attempt.day)
    if attempt.score is not None and opens_complaint(attempt.score, rules):
        return complaint_from_score(conn, rules, task, outcome_id, attempt.score, attempt.day, attempt.note)
    return None


@dataclass(frozen=True)
class Scored:
    """One customer's latest score of the month, and who it rates."""

    customer_pk: int
    score: int
    code: str
    person: str | None  # the work order's advisor (post-service) or the car's sales consultant (delivery)


def latest_scores(conn: Connection, first: date, last: date, store: str | None = None) -> list[Scored]:
    """Each surveyed customer's latest score of the days [first, last] (withdrawn outcomes left out)."""
    o, t = OUTCOMES, TASKS
    query = (
        select(o.c.id, o.c.attempt_date, o.c.score, t.c.customer_pk, t.c.vehicle_pk, t.c.code, t.c.event_key)
        .join(t, t.c.id == o.c.task_id)
        .where(o.c.score.is_not(None), o.c.withdrawn.is_(False), o.c.attempt_date.between(first, last),
               t.c.store == store if store else literal(True))
        .order_by(o.c.attempt_date, o.c.id)
    )
    latest: dict[int, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        latest[row["customer_pk"]] = dict(row)
    people = _people_rated(conn, latest.values())
    return [Scored(pk, int(r["score"]), r["code"], people.get(r["id"])) for pk, r in latest.items()]


def _people_rated(conn: Connection, rows: Iterable[dict[str, Any]]) -> dict[int, str | None]:
    """outcome id -> the person its score rates: the visit's advisor (else the car's) for a post-service
    call, the car's sales consultant for a delivery call."""
    rows = list(rows)
    cars: dict[int, tuple[str | None, str | None]] = {}
    visits: dict[tuple[int, str], str | None] = {}
    vehicle_pks = sorted({r["vehicle_pk"] for r in rows if r["vehicle_pk"] is not None})
    for part in chunks(vehicle_pks):
        query = select(VEHICLES.c.id, VEHICLES.c.sales_consultant, VEHICLES.c.service_advisor)
        for pk, consultant, advisor in conn.execute(query.where(VEHICLES.c.id.in_(part))):
            cars[pk] = (consultant, advisor)
    followed = sorted({r["vehicle_pk"] for r in rows if r["code"] not in DELIVERY_CODES and r["vehicle_pk"]})
    for part in chunks(followed):
        query = select(VISITS.c.vehicle_pk, VISITS.c.ro_number, VISITS.c.visit_date, VISITS.c.mileage_km,
                       VISITS.c.advisor).where(VISITS.c.vehicle_pk.in_(part))
        for visit in conn.execute(query).mappings():
            key = f"visit:{visit_key(visit['ro_number'], visit['visit_date'], visit['mileage_km'])}"
            visits[(visit["vehicle_pk"], key)] = visit["advisor"]
    out: dict[int, str | None] = {}
    for r in rows:
        consultant, advisor = cars.get(r["vehicle_pk"], (None, None))
        if r["code"] in DELIVERY_CODES:
            out[r["id"]] = consultant or None
        else:
            out[r["id"]] = visits.get((r["vehicle_pk"], r["event_key"])) or advisor or None
    return out


def _averages(groups: dict[Any, list[int]]) -> list[dict[str, Any]]:
    return [{"customers": len(scores), "average_score": round(sum(scores) / len(scores), 2), "key": key}
            for key, scores in sorted(groups.items(), key=lambda kv: str(kv[0]))]


def satisfaction_figures(conn: Connection, rules: Rules, first: date, last: date,
                         store: str | None = None) -> tuple[Kpi, dict[str, Any]]:
    """高满意度客户比例 (surveyed customers whose latest score of the month is at least survey.high_from /
    surveyed customers) and the report's `satisfaction` block: the average score, per service advisor,
    per sales consultant, and per assigned person (专属管家满意度; empty without a staff file)."""
    scores = latest_scores(conn, first, last, store)
    high = sum(1 for s in scores if s.score >= rules.survey.high_from)
    advisors: dict[Any, list[int]] = defaultdict(list)
    consultants: dict[Any, list[int]] = defaultdict(list)
    for s in scores:
        (consultants if s.code in DELIVERY_CODES else advisors)[s.person or ""].append(s.score)
    assigned: dict[Any, list[int]] = defaultdict(list)
    by_customer = {s.customer_pk: s.score for s in scores}
    a = ASSIGNMENTS
    for part in chunks(sorted(by_customer)):
        query = (select(a.c.customer_pk, a.c.role, STAFF.c.name).join(STAFF, STAFF.c.id == a.c.staff_pk)
                 .where(and_(a.c.customer_pk.in_(part))))
        for pk, role, name in conn.execute(query):
            assigned[(role, name)].append(by_customer[pk])
    block = {
        "surveyed": len(scores),
        "average_score": round(sum(s.score for s in scores) / len(scores), 2) if scores else None,
        "by_service_advisor": [{"name": g.pop("key"), **g} for g in _averages(advisors)],
        "by_sales_consultant": [{"name": g.pop("key"), **g} for g in _averages(consultants)],
        "by_assigned_person": [{"role": g["key"][0], "role_name": rules.role_label(g["key"][0]),
                                "name": g.pop("key")[1], **g} for g in _averages(assigned)],
    }
    return make_kpi("high_satisfaction_ratio", high, len(scores), rules), block
