"""Chinese statutory holidays (with 调休 make-up workdays) and lunar festival dates.

A 4S store works weekends, so only statutory holidays move phone tasks. The official
calendar comes from the `chinese-calendar` package, festival dates from `lunardate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from lunardate import LunarDate

from lifecycle_cli.core.rules import Festival

# The most a statutory holiday (with its 调休) can push a phone task to the next working day, with
# room: the longest push in the official calendar's data is 10 days (春节 2020, extended; 春节 2026 and
# 国庆 are 8-9). The one margin of the scheduler's pruning and of the indexed candidate search
# (core/candidates.py); tests/core/test_calendar.py holds it above every push the data has.
HOLIDAY_SHIFT = timedelta(days=14)


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
