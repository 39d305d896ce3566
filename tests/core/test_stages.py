"""The five lifecycle stages: by calendar-month age, by projected km, the later one wins."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.stages import stage_on

RULES = load_rules()
NEW, EARLY, LATE, OUT, UPGRADE = "新车体验期", "保内初期", "保内后期", "保修外期", "换车升级期"


@pytest.mark.parametrize(
    ("delivered", "on", "months", "expected"),
    [
        pytest.param(date(2026, 8, 31), date(2026, 8, 31), 0, NEW, id="age-0-on-delivery-day"),
        pytest.param(date(2026, 8, 31), date(2026, 11, 29), 2, NEW, id="age-3m-from-31st-not-yet-on-11-29"),
        pytest.param(date(2026, 8, 31), date(2026, 11, 30), 3, EARLY, id="age-3m-from-31st-reached-on-11-30"),
        pytest.param(date(2026, 8, 31), date(2026, 12, 30), 3, EARLY, id="age-4m-from-31st-not-yet-on-12-30"),
        pytest.param(date(2025, 11, 30), date(2026, 2, 27), 2, NEW, id="age-3m-from-11-30-not-yet-on-02-27"),
        pytest.param(
            date(2025, 11, 30), date(2026, 2, 28), 3, EARLY, id="age-3m-from-11-30-reached-on-02-28"
        ),
        pytest.param(date(2024, 2, 29), date(2024, 5, 28), 2, NEW, id="age-3m-from-29-feb-not-yet"),
        pytest.param(date(2024, 2, 29), date(2024, 5, 29), 3, EARLY, id="age-3m-from-29-feb-reached"),
        pytest.param(date(2024, 2, 29), date(2026, 2, 27), 23, EARLY, id="age-24m-from-29-feb-not-yet"),
        pytest.param(
            date(2024, 2, 29), date(2026, 2, 28), 24, LATE, id="age-24m-from-29-feb-reached-on-28-feb"
        ),
        pytest.param(date(2024, 2, 29), date(2027, 2, 27), 35, LATE, id="age-36m-from-29-feb-not-yet"),
        pytest.param(
            date(2024, 2, 29), date(2027, 2, 28), 36, OUT, id="age-36m-from-29-feb-reached-on-28-feb"
        ),
        pytest.param(
            date(2024, 2, 29), date(2028, 2, 28), 47, OUT, id="age-48m-from-29-feb-not-on-28-feb-leap-year"
        ),
        pytest.param(date(2024, 2, 29), date(2029, 2, 27), 59, OUT, id="age-60m-from-29-feb-not-yet"),
        pytest.param(
            date(2024, 2, 29), date(2029, 2, 28), 60, UPGRADE, id="age-60m-from-29-feb-reached-on-28-feb"
        ),
        pytest.param(date(2022, 5, 15), date(2024, 5, 14), 23, EARLY, id="age-exactly-24m-minus-1-day"),
        pytest.param(date(2022, 5, 15), date(2024, 5, 15), 24, LATE, id="age-exactly-24m"),
        pytest.param(date(2022, 5, 15), date(2025, 5, 14), 35, LATE, id="age-exactly-36m-minus-1-day"),
        pytest.param(date(2022, 5, 15), date(2025, 5, 15), 36, OUT, id="age-exactly-36m"),
        pytest.param(date(2022, 5, 15), date(2027, 5, 14), 59, OUT, id="age-exactly-60m-minus-1-day"),
        pytest.param(date(2022, 5, 15), date(2027, 5, 15), 60, UPGRADE, id="age-exactly-60m"),
        pytest.param(date(2010, 1, 1), date(2026, 1, 1), 192, UPGRADE, id="age-past-10-years-stays-upgrade"),
    ],
)
def test_stage_by_age_in_calendar_months(delivered: date, on: date, months: int, expected: str) -> None:
    result = stage_on(delivered, on, 0, RULES)
    assert (result.age_months, result.by_age, result.by_mileage, result.stage) == (
        months,
        expected,
        NEW,
        expected,
    )


@pytest.mark.parametrize(
    ("km", "expected"),
    [
        pytest.param(0, NEW, id="km-0"),
        pytest.param(4999, NEW, id="km-4999-below-5000"),
        pytest.param(5000, EARLY, id="km-exactly-5000"),
        pytest.param(39999, EARLY, id="km-39999-below-40000"),
        pytest.param(Fraction(399999, 10), EARLY, id="km-39999.9-fraction-below-40000"),
        pytest.param(40000, LATE, id="km-exactly-40000"),
        pytest.param(Fraction(40000), LATE, id="km-exactly-40000-as-fraction"),
        pytest.param(59999, LATE, id="km-59999-below-60000"),
        pytest.param(60000, OUT, id="km-exactly-60000"),
        pytest.param(99999, OUT, id="km-99999-below-100000"),
        pytest.param(100000, UPGRADE, id="km-exactly-100000"),
        pytest.param(250000, UPGRADE, id="km-past-200000-stays-upgrade"),
    ],
)
def test_stage_by_mileage_half_open(km: int | Fraction, expected: str) -> None:
    result = stage_on(date(2026, 1, 1), date(2026, 1, 1), km, RULES)
    assert (result.by_age, result.by_mileage, result.stage) == (NEW, expected, expected)
    assert result.projected_km == km


@pytest.mark.parametrize(
    ("delivered", "on", "km", "by_age", "by_km", "stage"),
    [
        pytest.param(
            date(2025, 6, 1),
            date(2026, 6, 1),
            45000,
            EARLY,
            LATE,
            LATE,
            id="later-wins-1-year-old-at-45000-km",
        ),
        pytest.param(
            date(2022, 6, 1), date(2026, 6, 1), 10000, OUT, EARLY, OUT, id="later-wins-4-year-old-at-10000-km"
        ),
        pytest.param(
            date(2026, 4, 1),
            date(2026, 6, 1),
            5000,
            NEW,
            EARLY,
            EARLY,
            id="later-wins-2-months-old-at-5000-km",
        ),
        pytest.param(
            date(2025, 6, 1), date(2026, 6, 1), 20000, EARLY, EARLY, EARLY, id="both-agree-1-year-20000-km"
        ),
        pytest.param(
            date(2015, 1, 1),
            date(2026, 1, 1),
            250000,
            UPGRADE,
            UPGRADE,
            UPGRADE,
            id="past-10-years-and-200000-km",
        ),
        pytest.param(
            date(2025, 11, 1), date(2026, 1, 1), 300000, NEW, UPGRADE, UPGRADE, id="past-200000-km-young-car"
        ),
    ],
)
def test_later_stage_wins_and_both_partials_are_kept(
    delivered: date, on: date, km: int, by_age: str, by_km: str, stage: str
) -> None:
    result = stage_on(delivered, on, km, RULES)
    assert (result.by_age, result.by_mileage, result.stage) == (by_age, by_km, stage)
