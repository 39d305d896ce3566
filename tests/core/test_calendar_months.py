"""add_months must give exactly what dateutil's relativedelta gives (the method pins relativedelta)."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from lifecycle_cli.core.stages import add_months, add_years


@pytest.mark.parametrize("months", [-61, -13, -12, -3, -1, 0, 1, 2, 3, 6, 11, 12, 24, 36, 60, 120])
def test_add_months_agrees_with_relativedelta_for_every_day_of_four_years(months: int) -> None:
    day = date(2023, 1, 1)
    while day < date(2027, 1, 1):
        assert add_months(day, months) == day + relativedelta(months=months), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2026, 8, 31), 0, date(2026, 8, 31)),
    ],
    ids=["29-feb-plus-one-year", "29-feb-plus-four-years", "zero-years"],
)
def test_add_years_clamps_29_february(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected
