"""Statutory holidays (with 调休 make-up workdays), the next working day, and festival greeting dates.

Expected holiday facts come from chinese_calendar's own tables (``chinese_calendar.holidays`` /
``chinese_calendar.workdays``), read directly here, never from the module under test.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from lifecycle_cli.core.calendar import HolidayCalendar, festival_date, greeting_date
from lifecycle_cli.core.rules import load_rules

RULES = load_rules()
FESTIVALS = {f.name: f for f in RULES.holidays}
OFFICIAL_HOLIDAYS = frozenset(chinese_calendar.holidays)
DATA_YEARS = frozenset(d.year for d in OFFICIAL_HOLIDAYS)
MAKEUP_WORKDAYS_2026 = sorted(d for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5)


def official_next_working_day(day: date) -> date:
    """Independent oracle: walk the official holiday table forward."""
    while day in OFFICIAL_HOLIDAYS:
        day += timedelta(days=1)
    return day


def official_greeting(festival_day: date) -> date:
    """Independent oracle: the day before the official holiday block holding the festival,
    or the day before the festival itself when the table has no data for that year."""
    start = festival_day
    while start - timedelta(days=1) in OFFICIAL_HOLIDAYS and start in OFFICIAL_HOLIDAYS:
        start -= timedelta(days=1)
    return start - timedelta(days=1)


def test_official_data_has_2026_and_a_makeup_workday() -> None:
    assert 2026 in DATA_YEARS
    assert MAKEUP_WORKDAYS_2026, "chinese_calendar should list 调休 weekend workdays for 2026"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 10, 1), True, id="statutory-holiday-2026-10-01-national-day"),
        pytest.param(date(2026, 10, 7), True, id="statutory-holiday-2026-10-07-last-day-of-national-day"),
        pytest.param(date(2026, 2, 17), True, id="statutory-holiday-2026-spring-festival"),
        pytest.param(date(2026, 11, 21), False, id="plain-saturday-2026-11-21-is-not-a-holiday"),
        pytest.param(date(2026, 11, 22), False, id="plain-sunday-2026-11-22-is-not-a-holiday"),
        pytest.param(date(2026, 11, 23), False, id="plain-monday-is-not-a-holiday"),
    ]
    + [
        pytest.param(d, False, id=f"makeup-workday-{d.isoformat()}-is-not-a-holiday")
        for d in MAKEUP_WORKDAYS_2026
    ],
)
def test_is_statutory_holiday(day: date, expected: bool) -> None:
    assert (day in OFFICIAL_HOLIDAYS) is expected  # the oracle agrees with the table
    cal = HolidayCalendar()
    assert cal.is_statutory_holiday(day) is expected
    assert cal.missing_years == set()


def test_every_official_2026_holiday_is_a_holiday() -> None:
    cal = HolidayCalendar()
    days = sorted(d for d in OFFICIAL_HOLIDAYS if d.year == 2026)
    assert [d for d in days if not cal.is_statutory_holiday(d)] == []


@pytest.mark.parametrize(
    ("day", "literal"),
    [
        pytest.param(date(2026, 10, 1), date(2026, 10, 8), id="next-working-day-across-national-day-2026"),
        pytest.param(date(2026, 10, 7), date(2026, 10, 8), id="next-working-day-from-last-holiday-day"),
        pytest.param(date(2026, 9, 30), date(2026, 9, 30), id="next-working-day-eve-of-holiday-is-itself"),
        pytest.param(date(2026, 10, 8), date(2026, 10, 8), id="next-working-day-first-day-after-is-itself"),
        pytest.param(date(2026, 2, 15), date(2026, 2, 24), id="next-working-day-across-spring-festival-2026"),
        pytest.param(date(2026, 10, 10), date(2026, 10, 10), id="next-working-day-makeup-saturday-is-itself"),
        pytest.param(date(2026, 11, 21), date(2026, 11, 21), id="next-working-day-plain-saturday-is-itself"),
    ],
)
def test_next_working_day(day: date, literal: date) -> None:
    expected = official_next_working_day(day)
    assert expected == literal, "chinese_calendar's data changed: update the literal"
    assert HolidayCalendar().next_working_day(day) == expected


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2030, 10, 1), id="no-data-2030-national-day-not-shifted"),
        pytest.param(date(2030, 1, 1), id="no-data-2030-new-year-not-shifted"),
    ],
)
def test_year_without_data_is_not_shifted_and_is_recorded(day: date) -> None:
    assert 2030 not in DATA_YEARS
    cal = HolidayCalendar()
    assert cal.has_data(2030) is False
    assert cal.is_statutory_holiday(day) is False
    assert cal.next_working_day(day) == day
    assert cal.missing_years == {2030}


def test_year_with_data_is_not_recorded_as_missing() -> None:
    cal = HolidayCalendar()
    assert cal.has_data(2026) is True
    cal.next_working_day(date(2026, 10, 1))
    cal.next_working_day(date(2026, 11, 21))
    assert cal.missing_years == set()


@pytest.mark.parametrize(
    ("name", "year", "festival_day"),
    [
        pytest.param("春节", 2025, date(2025, 1, 29), id="lunar-spring-festival-2025"),
        pytest.param("春节", 2026, date(2026, 2, 17), id="lunar-spring-festival-2026"),
        pytest.param("春节", 2027, date(2027, 2, 6), id="lunar-spring-festival-2027"),
        pytest.param("中秋节", 2025, date(2025, 10, 6), id="lunar-mid-autumn-2025"),
        pytest.param("中秋节", 2026, date(2026, 9, 25), id="lunar-mid-autumn-2026"),
        pytest.param("中秋节", 2027, date(2027, 9, 15), id="lunar-mid-autumn-2027"),
        pytest.param("国庆节", 2026, date(2026, 10, 1), id="solar-national-day-2026"),
        pytest.param("国庆节", 2027, date(2027, 10, 1), id="solar-national-day-2027"),
    ],
)
def test_festival_date_from_lunar_calendar(name: str, year: int, festival_day: date) -> None:
    assert festival_date(FESTIVALS[name], year) == festival_day


@pytest.mark.parametrize(
    ("name", "year", "festival_day", "literal_if_data"),
    [
        pytest.param(
            "春节",
            2026,
            date(2026, 2, 17),
            date(2026, 2, 14),
            id="greeting-spring-festival-2026-before-holiday",
        ),
        pytest.param("中秋节", 2026, date(2026, 9, 25), date(2026, 9, 24), id="greeting-mid-autumn-2026"),
        pytest.param("国庆节", 2026, date(2026, 10, 1), date(2026, 9, 30), id="greeting-national-day-2026"),
        pytest.param("春节", 2025, date(2025, 1, 29), date(2025, 1, 27), id="greeting-spring-festival-2025"),
        pytest.param(
            "中秋节",
            2025,
            date(2025, 10, 6),
            date(2025, 9, 30),
            id="greeting-mid-autumn-2025-inside-national-day",
        ),
        pytest.param("春节", 2027, date(2027, 2, 6), None, id="greeting-spring-festival-2027"),
        pytest.param("中秋节", 2027, date(2027, 9, 15), None, id="greeting-mid-autumn-2027"),
        pytest.param("国庆节", 2027, date(2027, 10, 1), None, id="greeting-national-day-2027"),
    ],
)
def test_greeting_date_is_day_before_holiday_or_festival(
    name: str, year: int, festival_day: date, literal_if_data: date | None
) -> None:
    expected = official_greeting(festival_day)
    if year in DATA_YEARS:
        if literal_if_data is not None:
            assert expected == literal_if_data, "chinese_calendar's data changed: update the literal"
    else:
        assert expected == festival_day - timedelta(days=1)  # no data: the day before the festival
    cal = HolidayCalendar()
    assert greeting_date(FESTIVALS[name], year, cal) == expected
    assert cal.missing_years == ({year} if year not in DATA_YEARS else set())
