"""A task's dates, and whether a task meets a window of list days (and a go-live floor). Pure.

The scheduler's pruning asks `can_meet` before it builds a task, for every rule date of every
car (1M cars on a first sync: millions of questions), so the answers are exact and cheap: a
phone task's due date is looked up once per rule date, and for a rule whose window is its
touchpoint's days the rule dates that meet are one interval per code (its dates only grow with
the rule date), worked out once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from lifecycle_cli.core.calendar import HolidayCalendar, extended_window_end
from lifecycle_cli.core.festivals import greetings, pre_holiday_checks
from lifecycle_cli.core.golive import created_at_go_live, followup_codes
from lifecycle_cli.core.rules import Rules, Touchpoint

# How far before the window the interval of a code's rule dates is looked for; a code whose
# earliest rule date lies further back is not pruned from below (never wrong, only slower).
_SEARCH_BACK = timedelta(days=800)


@dataclass
class TaskWindow:
    """The list days [start, end] and, on a database's first sync, every store's go-live (care-desk §4)."""

    rules: Rules
    calendar: HolidayCalendar
    start: date
    end: date
    go_live: date | None = None
    _due: dict[date, date] = field(default_factory=dict, init=False, repr=False)
    _spans: dict[str, tuple[date, date]] = field(default_factory=dict, init=False, repr=False)
    _greetings: list[tuple[str, date]] | None = field(default=None, init=False, repr=False)
    _checks: list[tuple[str, date]] | None = field(default=None, init=False, repr=False)
    _followups: frozenset[str] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        self._followups = followup_codes(self.rules)

    def due(self, tp: Touchpoint, rule_date: date) -> date:
        """The day the task falls due: a phone task moves off statutory holidays."""
        if tp.channel != "phone":
            return rule_date
        due = self._due.get(rule_date)
        if due is None:
            due = self._due[rule_date] = self.calendar.next_working_day(rule_date)
        return due

    def dates(self, tp: Touchpoint, rule_date: date, window_end: date | None = None) -> tuple[date, date]:
        """The due date and the window's last list day: the rule's, else the touchpoint's days after
        the due date (a phone task's extended by the statutory holiday days inside it)."""
        due = self.due(tp, rule_date)
        if window_end is not None:
            return due, window_end
        if tp.channel == "phone":
            return due, extended_window_end(due, tp.window_days)
        return due, due + timedelta(days=tp.window_days)

    def keeps(self, code: str, due: date, window_end: date) -> bool:
        """Whether a task with these dates meets the window and, on a first sync, go-live creates it."""
        if due > self.end or window_end < self.start:
            return False
        return self.go_live is None or created_at_go_live(code, due, window_end, self.go_live, self.rules,
                                                          self._followups)

    def can_meet(self, code: str, rule_date: date, window_end: date | None = None) -> bool:
        """Whether the task of this rule date (and window end, when the rule gives one) is kept, with the
        dates _task gives it; a window end the rule gives reaches at least the due date, as its builders make it."""
        if rule_date > self.end:
            return False
        if window_end is None:
            first, last = self._span(code)
            return first <= rule_date <= last
        due = self.due(self.rules.touchpoints[code], rule_date)
        return self.keeps(code, due, max(window_end, due))

    def _span(self, code: str) -> tuple[date, date]:
        """The rule dates whose task (its window the touchpoint's) is kept: kept ones form one interval,
        because the due date and the window's end never go back as the rule date grows, so 'ends on or
        after start (and go-live creates it)' holds from some day on and 'due by end' up to some day."""
        span = self._spans.get(code)
        if span is None:
            tp = self.rules.touchpoints[code]

            def reaches(rule_date: date) -> bool:
                due, end = self.dates(tp, rule_date)
                return end >= self.start and (self.go_live is None or created_at_go_live(
                    code, due, end, self.go_live, self.rules, self._followups))

            low, high = self.start - _SEARCH_BACK, self.end + timedelta(days=1)
            if reaches(low):
                first = date.min
            else:  # reaches(low) is false, reaches(high) may be: the first day it holds (high: none)
                while high - low > timedelta(days=1):
                    mid = low + (high - low) // 2
                    low, high = (low, mid) if reaches(mid) else (mid, high)
                first = high
            last = self.end
            while last >= first and self.due(tp, last) > self.end:
                last -= timedelta(days=1)  # a holiday pushes it past the window's end
            span = self._spans[code] = (first, last)
        return span

    def greetings(self) -> list[tuple[str, date]]:
        """(event key, day) of each greeting day in the window: festivals of one day make one greeting."""
        if self._greetings is None:
            self._greetings = greetings(self.rules, self.calendar, self.start, self.end)
        return self._greetings

    def pre_holiday_checks(self) -> list[tuple[str, date]]:
        """(event key, day) of each pre-holiday travel check (节前出行检查) in the window."""
        if self._checks is None:
            self._checks = pre_holiday_checks(self.rules, self.calendar, self.start, self.end)
        return self._checks
