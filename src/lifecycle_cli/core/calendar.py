"""Chinese statutory holidays (with 调休 make-up workdays) and lunar festival dates.

A 4S store works weekends, so only statutory holidays move phone tasks. The official
calendar comes from the `chinese-calendar` package, festival dates from `lunardate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

from lifecycle_cli.core.rules import Festival

# The most a statutory holiday (with its 调休) can push a phone task to the next working day, with
# room: the longest push in the official calendar's data is 10 days (春节 2020, extended; 春节 2026 and
# 国庆 are 8-9). The one margin of the scheduler's pruning and of the indexed candidate search
# (core/candidates.py); tests/core/test_calendar.py holds it above every push the data has.
HOLIDAY_SHIFT = timedelta(days=14)

# Statutory holiday days counted up to each day of the calendar's data (a prefix count), so the
# holiday days inside a window are two lookups, not a loop over its days (1M cars: ~15 tasks each).
_HOLIDAY_DAYS = sorted(d.toordinal() for d in chinese_calendar.holidays)
_FIRST = _HOLIDAY_DAYS[0] if _HOLIDAY_DAYS else 0
_BEFORE: list[int] = []  # _BEFORE[i]: holiday days strictly before ordinal _FIRST + i
if _HOLIDAY_DAYS:
    _held = set(_HOLIDAY_DAYS)
    _count = 0
    for _ordinal in range(_FIRST, _HOLIDAY_DAYS[-1] + 2):
        _BEFORE.append(_count)
        _count += _ordinal in _held


def _holidays_before(ordinal: int) -> int:
    """Statutory holiday days strictly before the day of this ordinal."""
    i = ordinal - _FIRST
    if i <= 0:
        return 0
    return _BEFORE[min(i, len(_BEFORE) - 1)]


def holiday_days_between(first: date, last: date) -> int:
    """How many statutory holiday days lie in [first, last] (0 when last < first)."""
    if last < first:
        return 0
    return _holidays_before(last.toordinal() + 1) - _holidays_before(first.toordinal())


@lru_cache(maxsize=1 << 16)
def extended_window_end(due: date, days: int) -> date:
    """The last list day of a window of `days` days after `due`, extended by the statutory holiday
    days inside it (care-desk §9): the `days`-th non-holiday day after `due` (`due` itself for 0)."""
    end = due + timedelta(days=days)
    extra = holiday_days_between(due + timedelta(days=1), end)
    while extra:
        start, end = end + timedelta(days=1), end + timedelta(days=extra)
        extra = holiday_days_between(start, end)
    return end


@dataclass
class HolidayCalendar:
    """Tells statutory holidays apart from ordinary days and remembers years it has no data for."""

    missing_years: set[int] = field(default_factory=set)
    _known: dict[int, bool] = field(default_factory=dict, repr=False)
    _greetings: dict[tuple[str, int], date] = field(default_factory=dict, repr=False)

    def has_data(self, year: int) -> bool:
        """Whether the official calendar knows the holidays of this year."""
        known = self._known.get(year)
        if known is None:
            try:
                chinese_calendar.is_holiday(date(year, 6, 1))
                known = True
            except NotImplementedError:
                known = False
            self._known[year] = known
        return known

    def is_statutory_holiday(self, day: date) -> bool:
        """True on a statutory holiday day (法定节假日); weekends and 调休 workdays are not."""
        if day in chinese_calendar.holidays:
            return True
        if not self.has_data(day.year):
            self.missing_years.add(day.year)
        return False

    def next_working_day(self, day: date) -> date:
        """The day itself, or the first day after it that is not a statutory holiday."""
        while self.is_statutory_holiday(day):
            day += timedelta(days=1)
        return day

    def earliest_shifted_into(self, day: date) -> date:
        """The earliest rule date a phone task can have and still fall due on `day` or later: `day`
        itself, or the first of the statutory holidays running up to it (they push a task past them)."""
        while self.is_statutory_holiday(day - timedelta(days=1)):
            day -= timedelta(days=1)
        return day

    def holiday_start(self, festival_day: date) -> date:
        """The first day of the statutory holiday that holds `festival_day` (the day itself without data)."""
        start = festival_day
        if not self.is_statutory_holiday(start):
            return start
        while self.is_statutory_holiday(start - timedelta(days=1)):
            start -= timedelta(days=1)
        return start


def festival_date(festival: Festival, year: int) -> date:
    """The festival's own date in a Gregorian year (lunar festivals converted by the lunar calendar)."""
    if festival.lunar is not None:
        month, day = festival.lunar
        return LunarDate(year, month, day).to_solar_date()
    if festival.solar is None:
        raise ValueError(f"节日 {festival.name} 需要 lunar 或 solar 日期")
    month, day = festival.solar
    return date(year, month, day)


def greeting_date(festival: Festival, year: int, calendar: HolidayCalendar) -> date:
    """The day before the festival's statutory holiday starts (its greeting day)."""
    key = (festival.name, year)
    day = calendar._greetings.get(key)
    if day is None:
        day = calendar.holiday_start(festival_date(festival, year)) - timedelta(days=1)
        calendar._greetings[key] = day
    return day


def next_list_day(is_holiday: Callable[[date], bool]) -> Callable[[date], date]:
    """The next working day after a day (statutory holidays skipped), from a holiday test."""
    def following(day: date) -> date:
        day += timedelta(days=1)
        while is_holiday(day):
            day += timedelta(days=1)
        return day
    return following
