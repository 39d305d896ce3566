"""core/candidates.py: the anchor ranges of the indexed candidate search, with the one holiday margin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lifecycle_cli.core.calendar import HOLIDAY_SHIFT, HolidayCalendar
from lifecycle_cli.core.candidates import candidate_ranges, lookback_days, mmdd_set
from lifecycle_cli.core.rules import load_rules

RULES = load_rules()


def test_the_margin_covers_every_push_of_the_official_calendar() -> None:
    calendar = HolidayCalendar()
    years = [y for y in range(2000, 2100) if calendar.has_data(y)]
    assert len(years) >= 20
    day, last, longest = date(years[0], 1, 1), date(years[-1], 12, 31), (timedelta(0), date.min)
    while day <= last:
        longest = max(longest, (calendar.next_working_day(day) - day, day))
        day += timedelta(days=1)
    assert longest[0] >= timedelta(days=10)  # 春节 2020, extended: 2020-01-24 falls due on 2020-02-03
    assert longest[0] <= HOLIDAY_SHIFT, longest


DAY = date(2026, 12, 1)
EDGE = DAY - HOLIDAY_SHIFT  # the earliest rule date a holiday can push onto DAY


@pytest.mark.parametrize(("criterion", "expected"), [
    # delivery_call_24h / _7d / visit_45d: up to 45 days after delivery
    ("delivery", (EDGE - timedelta(days=45), DAY)),
    # invitation at due - 7 days, churn_winback at due + 90 days
    ("service_due", (EDGE - timedelta(days=90), DAY + timedelta(days=7))),
    # warranty check 30 days before its end
    ("warranty_end", (EDGE + timedelta(days=30), DAY + timedelta(days=30))),
    # renewal steps 60 / 30 / 7 days before the expiry
    ("insurance_expiry", tuple((EDGE + timedelta(days=s), DAY + timedelta(days=s)) for s in (60, 30, 7))),
    ("inspection_due", (EDGE + timedelta(days=30), DAY + timedelta(days=30))),
    ("expiry_changed", (DAY, DAY)),
    # post-service follow-up 3 days after the visit
    ("visit", (EDGE - timedelta(days=3), DAY)),
    ("anniversary_mmdd", ("12-01",)),
    ("birthday_mmdd", ("12-01",)),
    ("upgrade_mmdd", mmdd_set(EDGE, DAY)),
    ("delivered_by", DAY),
    ("greeting", False),
])
def test_one_days_ranges_reach_back_by_the_margin_for_phone_tasks(criterion: str, expected: object) -> None:
    assert getattr(candidate_ranges(RULES, DAY, DAY, HolidayCalendar()), criterion) == expected


@pytest.mark.parametrize(("first", "last", "phases"), [
    (DAY, DAY, 1 + HOLIDAY_SHIFT.days),  # the rule dates DAY - margin .. DAY
    (DAY, DAY + timedelta(days=44), 45 + HOLIDAY_SHIFT.days),
    (DAY, DAY + timedelta(days=45), None),  # 60 days or more: the whole rhythm, every anchored customer
])
def test_care_phases_are_those_of_the_rule_dates_or_the_whole_rhythm(first: date, last: date,
                                                                      phases: int | None) -> None:
    found = candidate_ranges(RULES, first, last, HolidayCalendar()).care_phases
    assert (len(found) if found is not None else None) == phases
    if found is not None:
        assert RULES.care.phase(first - HOLIDAY_SHIFT) in found and RULES.care.phase(last) in found


def test_a_greeting_day_in_the_days_searches_everyone() -> None:
    # 春节 2027 is on 02-06; its statutory holiday starts 02-05 (greeted the day before).
    calendar = HolidayCalendar()
    greeted = [d for d in (date(2027, 2, 3), date(2027, 2, 4), date(2027, 2, 5))
               if candidate_ranges(RULES, d, d, calendar).greeting]
    assert len(greeted) == 1


def test_lookback_is_the_longest_stay_on_the_list_plus_the_margin() -> None:
    # The longest stay: the first renewal step (60 days before the expiry, until the next step); a
    # holiday shifts the list date and extends the window (one margin each).
    assert lookback_days(RULES) == 60 + 2 * HOLIDAY_SHIFT.days
