"""The festival tasks of a window: greetings (one per day: festivals that share a greeting day merge) and
the pre-holiday travel checks (节前出行检查). Pure.

A greeting's event key is its festival's name and year (`春节:2026`); festivals greeted on the same
day (中秋 inside the 国庆 holiday, as in 2023 and 2025) make one greeting keyed by their names joined
with `+` (`中秋节+国庆节:2025`), so a customer gets one greeting that names both (中秋国庆双节).
A pre-holiday check falls `check_before_days` before the festival's statutory holiday starts, for the
festivals whose [[holidays]] entry sets it (春节 and 国庆 by default), keyed `国庆节:2025`.
"""

from __future__ import annotations

from datetime import date, timedelta

from lifecycle_cli.core.calendar import HolidayCalendar, festival_date, greeting_date
from lifecycle_cli.core.rules import Rules

GREETING_CODE = "holiday_greeting"
PRE_HOLIDAY_CODE = "pre_holiday_check"
FESTIVAL_CODES = frozenset({GREETING_CODE, PRE_HOLIDAY_CODE})
# Joins the names of festivals greeted on one day in a greeting's event key.
JOINED = "+"


def greetings(rules: Rules, calendar: HolidayCalendar, start: date, end: date) -> list[tuple[str, date]]:
    """(event key, day) of each greeting day in [start, end]: one per day, festivals of one day merged
    (in the rules' order)."""
    by_day: dict[tuple[date, int], list[str]] = {}
    for festival in rules.holidays:
        for year in range(start.year, end.year + 2):
            day = greeting_date(festival, year, calendar)
            if start <= day <= end:
                by_day.setdefault((day, year), []).append(festival.name)
    return [(f"{JOINED.join(names)}:{year}", day) for (day, year), names in by_day.items()]


def pre_holiday_checks(rules: Rules, calendar: HolidayCalendar, start: date, end: date) -> list[tuple[str, date]]:
    """(event key, day) of each pre-holiday travel check in [start, end]: `check_before_days` before the
    first day of the festival's statutory holiday."""
    out = []
    for festival in rules.holidays:
        if festival.check_before_days is None:
            continue
        for year in range(start.year, end.year + 2):
            day = calendar.holiday_start(festival_date(festival, year)) - timedelta(days=festival.check_before_days)
            if start <= day <= end:
                out.append((f"{festival.name}:{year}", day))
    return out


def festival_days(rules: Rules, calendar: HolidayCalendar, start: date, end: date) -> list[date]:
    """Every day in [start, end] that has a festival task (greeting or pre-holiday check)."""
    return sorted({day for _, day in [*greetings(rules, calendar, start, end),
                                      *pre_holiday_checks(rules, calendar, start, end)]})


def festival_names(event_key: str) -> list[str]:
    """The festivals a greeting or pre-holiday check is for, from its event key (`中秋节+国庆节:2025`)."""
    names = event_key.rsplit(":", 1)[0]
    return [n for n in names.split(JOINED) if n]


def festival_label(event_key: str) -> str:
    """What the customer reads: 春节 / 国庆节, or festivals of one day together: 中秋国庆双节."""
    names = festival_names(event_key)
    if len(names) <= 1:
        return names[0] if names else ""
    stems = [n[:-1] if n.endswith("节") and len(n) > 1 else n for n in names]
    return "".join(stems) + ("双节" if len(names) == 2 else "佳节")
