"""The complaint clock (care-desk §6, §9) and the satisfaction arithmetic. Pure: no I/O, no clock.

A complaint (from `event add`, an events file, or a low satisfaction score) is answered by the next
working day after it (the response deadline) and resolved within `[events] resolve_days` days, the
statutory holidays inside them not counted (the resolution deadline). Not resolved by then: one
escalation task per `[events] escalate_*` step, listed that many days after the resolution deadline,
on the list until the complaint is resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle_cli.core.calendar import HolidayCalendar, extended_window_end
from lifecycle_cli.core.mileage import Projection
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import CustomerFacts, ScheduledTask, Scheduler, VehicleFacts
from lifecycle_cli.core.staffing import Staffing

# A complaint's level: handled in the store (店内) or raised with the maker's 400 line (厂家).
LEVELS = {"store": "店内", "oem": "厂家"}
# The task code of an escalation, and the event key of step N of event E: event:E:escalation:N.
ESCALATION_CODE = "complaint_escalation"
# An escalation stays on the list until the complaint is resolved: its window ends this far ahead.
OPEN_ENDED_DAYS = 3650
# Results on a complaint's follow-up call that mean the customer was reached (the response).
RESPONSE_RESULTS = frozenset({"reached", "booked"})


@dataclass(frozen=True)
class ComplaintClock:
    """A complaint's deadlines and its escalation steps: (rule date, role) each, in order."""

    response_due: date
    resolution_due: date
    escalations: tuple[tuple[date, str], ...]


def complaint_clock(event_date: date, rules: Rules, calendar: HolidayCalendar) -> ComplaintClock:
    """The deadlines of a complaint made on `event_date`: respond by the next working day after it,
    resolve within resolve_days (holidays inside not counted); escalate the given days after that."""
    response = calendar.next_working_day(event_date + timedelta(days=1))
    resolution = extended_window_end(event_date, rules.events.resolve_days)
    resolution = calendar.next_working_day(resolution)
    steps = tuple((resolution + timedelta(days=days), role) for days, role in rules.events.escalations)
    return ComplaintClock(response, resolution, steps)


def complaint_handler(rules: Rules, staffing: Staffing, role: str, customer: CustomerFacts,
                      vehicle: VehicleFacts) -> str:
    """Who handles a complaint: the store's person of the follow-up's role (服务经理) — the customer's
    assigned one when the store has people of the role — else the role's name (no staff file)."""
    store = vehicle.store or customer.store
    return staffing.owner(role, store, None, customer.assigned_to(role), rules.role_label(role))


def escalation_tasks(rules: Rules, calendar: HolidayCalendar, clock: ComplaintClock, event_id: int,
                     customer: CustomerFacts, vehicle: VehicleFacts, projection: Projection,
                     staffing: Staffing) -> list[ScheduledTask]:
    """A complaint's escalation tasks, built as the scheduler builds its tasks (owner of the step's role,
    holiday-shifted due date); each on the list until the complaint is resolved (open-ended window)."""
    out = []
    for step, (rule_date, role) in enumerate(clock.escalations, 1):
        scheduler = Scheduler(rules=rules, today=rule_date, start=rule_date,
                              end=rule_date + timedelta(days=366), calendar=calendar, staffing=staffing)
        due = calendar.next_working_day(rule_date)
        out.append(scheduler._task(ESCALATION_CODE, customer, vehicle, escalation_key(event_id, step), rule_date,
                                   window_end=due + timedelta(days=OPEN_ENDED_DAYS), projection=projection,
                                   role=role))
    return out


def escalation_key(event_id: int, step: int) -> str:
    """The event key of a complaint's escalation step (1-based)."""
    return f"event:{event_id}:escalation:{step}"


def responded_in_time(response_due: date, responded_on: date | None) -> bool:
    """Whether the customer was reached by the response deadline."""
    return responded_on is not None and responded_on <= response_due


def timely_counts(complaints: Iterable[tuple[date, date | None]], on: date) -> tuple[int, int]:
    """抱怨处理及时率's (numerator, denominator) over (response_due, responded_on) pairs: a complaint
    counts once its response deadline has passed by `on`, or earlier when it was already answered."""
    timely = counted = 0
    for due, responded in complaints:
        ok = responded_in_time(due, responded)
        if ok or due < on or responded is not None:
            counted += 1
            timely += ok
    return timely, counted


def opens_complaint(score: int | None, rules: Rules) -> bool:
    """Whether a satisfaction score opens a complaint (at or below survey.complaint_at)."""
    return score is not None and score <= rules.survey.complaint_at


def parse_answer(text: str, questions: Iterable[str]) -> tuple[str, int]:
    """'维修质量=4' as (question, score); ValueError with a Chinese reason when it is not one."""
    known = tuple(questions)
    question, sep, value = text.partition("=")
    question, value = question.strip(), value.strip()
    if not sep:
        raise ValueError(f"「{text[:40]}」应写成 题目=分数，例如 {known[0] if known else '维修质量'}=4")
    if question not in known:
        raise ValueError(f"问卷中没有题目「{question[:40]}」（可用：{'、'.join(known)}）")
    if not value.isdigit() or not 1 <= int(value) <= 5:
        raise ValueError(f"{question} 的分数应为 1–5 的整数，不是「{value[:20]}」")
    return question, int(value)
