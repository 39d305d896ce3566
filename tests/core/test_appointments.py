"""The pure rules of appointments (core/appointments.py) and of 定保邀约成功率's success, at their boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from lifecycle_cli.core.appointments import reminder_date, settled_status, show_counts
from lifecycle_cli.core.kpi import invitation_succeeded

D = date(2026, 11, 24)


@pytest.mark.parametrize(("booked_on", "expected"), [
    (date(2026, 11, 1), date(2026, 11, 23)),
    (date(2026, 11, 22), date(2026, 11, 23)),  # two days before: the reminder the next day
    (date(2026, 11, 23), None),  # on D − 1
    (D, None),
])
def test_reminder_date(booked_on: date, expected: date | None) -> None:
    assert reminder_date(booked_on, D) == expected


@pytest.mark.parametrize(("visits", "today", "expected"), [
    ((), D, None),  # the day itself: still booked
    ((), date(2026, 11, 25), "no_show"),
    ((date(2026, 11, 24),), D, "visited"),
    ((date(2026, 11, 25),), date(2026, 11, 25), "visited"),  # D + 1
    ((date(2026, 11, 23),), date(2026, 11, 25), "no_show"),  # D − 1
    ((date(2026, 11, 26),), date(2026, 11, 27), "no_show"),  # D + 2
])
def test_settled_status(visits: tuple[date, ...], today: date, expected: str | None) -> None:
    assert settled_status(D, visits, today) == expected


@pytest.mark.parametrize(("on", "expected"), [
    (date(2026, 11, 24), (0, 0)),  # D + 1 not yet passed: not counted
    (date(2026, 11, 25), (1, 2)),  # both counted; the second car comes only on 11-26
    (date(2026, 11, 26), (1, 2)),  # 11-26 is the second's D + 2
])
def test_show_counts(on: date, expected: tuple[int, int]) -> None:
    rows = [(D, [date(2026, 11, 25)]), (D, [date(2026, 11, 26)])]
    assert show_counts(rows, on) == expected


@pytest.mark.parametrize(("visit", "expected"), [
    (date(2026, 11, 1), True),  # the day of the first attempt
    (date(2026, 12, 1), True),  # 30 days after
    (date(2026, 12, 2), False),  # 31 days after
    (date(2026, 10, 31), False),  # before the attempt
])
def test_invitation_succeeded(visit: date, expected: bool) -> None:
    assert invitation_succeeded(date(2026, 11, 1), [visit], 30, date(2026, 12, 31)) is expected
