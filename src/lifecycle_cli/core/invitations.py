"""A maintenance invitation's steps and the win-back that follows (care-desk §3, §6, §9). Pure.

The invitation of a due date is listed from due − invite_lead_days (first step) and again from
due + second_invite_after_days (second step, 二次邀约, event key suffix ':step:2'). Only a maintenance
visit cancels it (it starts the next due date's chain). A repair — a visit of any kind but maintenance —
while the invitation is open (from its first step's list day to its second step's last list day) moves
it: the first step is listed from repair + repair_moves_invite_days with the hint 上次进厂未做保养, the second
step the same lead + second_invite_after_days after that (37 days); the placement it leaves closes
`postponed` on the repair day. Each placement is its own pair of tasks, keyed by the repair that moved it
(`after:2026-01-05:moved:2026-03-02`), so a move never re-dates a task someone already worked.
churn_winback falls due churn_after_days after the later of the due date and the last visit of any kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle_cli.core.rule_sections import ScheduleSection

# The event key suffix and the name suffix of an invitation's second step (二次邀约).
SECOND_STEP = ":step:2"
SECOND_STEP_NAME = "（二次邀约）"
# The event key part of an invitation a repair moved, followed by the repair's date.
MOVED = ":moved:"
# What a moved invitation's hint starts with, and why the placement it left closed.
MOVED_HINT = "上次进厂未做保养"
POSTPONED = "postponed"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an invitation stands: its event key and its two steps' rule dates; `moved_on` the closing day
    (the repair that moved it on) of a placement a later one replaced, else None."""

    event_key: str
    first: date
    second: date
    moved_on: date | None = None


def placements(due: date, event_key: str, repairs: Iterable[date], schedule: ScheduleSection,
               first_list_day: Callable[[date], date], last_list_day: Callable[[date], date]) -> list[Placement]:
    """Every placement of the invitation of `due`, oldest first; all but the last were moved on by a repair.

    `repairs`: the dates of the car's visits that are not maintenance, up to today, ascending.
    `first_list_day(rule_date)`: the first step's list day; `last_list_day(rule_date)`: the second step's
    last list day (holiday shift and extension: core/window.py)."""
    lead = timedelta(days=schedule.invite_lead_days)
    gap = lead + timedelta(days=schedule.second_invite_after_days)
    move = timedelta(days=schedule.repair_moves_invite_days)
    current = Placement(event_key, due - lead, due - lead + gap)
    opened, closes = first_list_day(current.first), last_list_day(current.second)
    out: list[Placement] = []
    moved: date | None = None
    for day in repairs:
        if day < opened or (moved is not None and day <= moved):
            continue
        if day > closes:
            break
        out.append(Placement(current.event_key, current.first, current.second, moved_on=day))
        moved = day
        current = Placement(f"{event_key}{MOVED}{day.isoformat()}", day + move, day + move + gap)
        closes = last_list_day(current.second)
    out.append(current)
    return out


def winback_date(due: date, last_visit: date | None, schedule: ScheduleSection) -> date:
    """churn_winback's rule date: churn_after_days after the later of the due date and the last visit."""
    return max(due, last_visit or due) + timedelta(days=schedule.churn_after_days)


def chain_key(event_key: str) -> str:
    """The due date's own key of an invitation's task ('first', 'after:DATE'): without the step and move."""
    return event_key.removesuffix(SECOND_STEP).split(MOVED, 1)[0]


def is_moved(event_key: str) -> bool:
    """Whether the task is an invitation a repair moved."""
    return MOVED in event_key
