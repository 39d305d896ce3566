"""Odometer readings and the daily-mileage projection: every pinned line of issue 3's rules core."""

from __future__ import annotations

import dataclasses
from datetime import date
from fractions import Fraction

import pytest

from lifecycle_cli.core.mileage import (
    DELIVERY,
    VEHICLE_ROW,
    VISIT,
    Projection,
    Reading,
    project,
    split_readings,
    vehicle_readings,
)
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.stages import stage_index_by_mileage

RULES = load_rules()
D = date(2025, 1, 1)  # delivery date of most cases below


def dlv(on: date = D) -> Reading:
    return Reading(on, 0, DELIVERY)


def visit(on: date, km: int) -> Reading:
    return Reading(on, km, VISIT)


# -- sorting, rollbacks, readings after the date ----------------------------------------------


@pytest.mark.parametrize(
    ("readings", "kept_km", "rollback_km"),
    [
        pytest.param(
            [
                visit(date(2025, 5, 1), 2000),
                visit(date(2025, 3, 2), 1500),
                visit(date(2025, 3, 2), 1200),
                dlv(),
            ],
            [0, 1200, 1500, 2000],
            [],
            id="sort-by-date-then-km-same-day-lower-km-first-both-kept",
        ),
        pytest.param(
            [
                dlv(),
                visit(date(2025, 3, 2), 3000),
                visit(date(2025, 4, 1), 2500),
                visit(date(2025, 5, 1), 4000),
            ],
            [0, 3000, 4000],
            [2500],
            id="rollback-below-previous-kept-out-and-flagged",
        ),
        pytest.param(
            [
                dlv(),
                visit(date(2025, 3, 2), 3000),
                visit(date(2025, 4, 1), 2500),
                visit(date(2025, 4, 15), 2800),
                visit(date(2025, 5, 1), 3100),
            ],
            [0, 3000, 3100],
            [2500, 2800],
            id="rollback-measured-against-highest-kept-not-previous-reading",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 3, 2), 3000), visit(date(2025, 4, 1), 3000)],
            [0, 3000, 3000],
            [],
            id="equal-km-later-is-kept-not-a-rollback",
        ),
    ],
)
def test_split_readings_sorts_and_flags_rollbacks(
    readings: list[Reading], kept_km: list[int], rollback_km: list[int]
) -> None:
    kept, rollbacks = split_readings(readings)
    assert [r.km for r in kept] == kept_km
    assert [r.km for r in rollbacks] == rollback_km


def test_project_keeps_rollback_out_of_projection_but_reports_it() -> None:
    readings = [
        dlv(),
        visit(date(2025, 3, 2), 3000),
        visit(date(2025, 4, 1), 2500),
        visit(date(2025, 5, 1), 4000),
    ]
    p = project(readings, date(2025, 6, 1), RULES)
    assert p.rollbacks == (visit(date(2025, 4, 1), 2500),)
    assert [r.km for r in p.kept] == [0, 3000, 4000]
    assert p.last == visit(date(2025, 5, 1), 4000)
    assert p.daily_km == Fraction(4000, 120)


def test_project_flags_reading_dated_before_delivery() -> None:
    early = visit(date(2024, 12, 1), 10)
    p = project([dlv(), early, visit(date(2025, 3, 2), 3000)], date(2025, 6, 1), RULES)
    assert p.rollbacks == (early,)
    assert p.kept[0] == dlv()


@pytest.mark.parametrize(
    ("on", "last", "daily"),
    [
        pytest.param(
            date(2025, 3, 1), dlv(), Fraction(40), id="date-before-first-visit-only-delivery-default-40"
        ),
        pytest.param(
            date(2025, 3, 2), visit(date(2025, 3, 2), 3000), Fraction(50), id="reading-on-the-date-counts"
        ),
        pytest.param(
            date(2025, 3, 3),
            visit(date(2025, 3, 3), 9000),
            Fraction(9000, 61),
            id="reading-one-day-later-counts-once-the-date-reaches-it",
        ),
    ],
)
def test_readings_after_the_date_are_ignored(on: date, last: Reading, daily: Fraction) -> None:
    readings = [dlv(), visit(date(2025, 3, 2), 3000), visit(date(2025, 3, 3), 9000)]
    p = project(readings, on, RULES)
    assert p.last == last
    assert p.daily_km == daily
    assert all(r.date <= on for r in p.kept + p.rollbacks)


# -- ref, span, default and clamp --------------------------------------------------------------


@pytest.mark.parametrize(
    ("readings", "ref", "daily", "measured"),
    [
        pytest.param(
            [dlv(), visit(date(2025, 7, 20), 10000)],
            dlv(),
            Fraction(50),
            True,
            id="delivery-reading-counts-as-ref",
        ),
        pytest.param(
            [
                dlv(date(2020, 1, 1)),
                visit(date(2022, 1, 1), 20000),
                visit(date(2023, 1, 1), 30000),
                visit(date(2024, 1, 1), 40000),
            ],
            visit(date(2022, 1, 1), 20000),
            Fraction(20000, 730),
            True,
            id="window-edge-exactly-730-days-before-last-is-ref",
        ),
        pytest.param(
            [
                dlv(date(2020, 1, 1)),
                visit(date(2021, 12, 31), 20000),
                visit(date(2022, 7, 2), 26000),
                visit(date(2024, 1, 1), 40000),
            ],
            visit(date(2022, 7, 2), 26000),
            Fraction(14000, 548),
            True,
            id="window-edge-731-days-before-last-is-out-next-reading-is-ref",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 1, 30), 3000)],
            dlv(),
            Fraction(40),
            False,
            id="span-29-days-under-30-default-40",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 1, 31), 3000)],
            dlv(),
            Fraction(100),
            True,
            id="span-exactly-30-days-measured",
        ),
        pytest.param([dlv()], dlv(), Fraction(40), False, id="delivery-only-span-0-default-40"),
        pytest.param(
            [dlv(date(2020, 1, 1)), visit(date(2022, 1, 1), 20000), visit(date(2023, 6, 1), 20000)],
            visit(date(2022, 1, 1), 20000),
            Fraction(40),
            False,
            id="last-km-equals-ref-km-default-40",
        ),
        pytest.param(
            [dlv(), visit(date(2026, 1, 1), 365)],
            dlv(),
            Fraction(5),
            True,
            id="clamp-low-1-km-per-day-becomes-5",
        ),
        pytest.param(
            [dlv(), visit(date(2026, 1, 1), 1825)],
            dlv(),
            Fraction(5),
            True,
            id="clamp-low-exactly-5-unchanged",
        ),
        pytest.param(
            [dlv(), visit(date(2026, 1, 1), 1826)],
            dlv(),
            Fraction(1826, 365),
            True,
            id="clamp-low-just-above-5-unchanged",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 1, 31), 30000)],
            dlv(),
            Fraction(300),
            True,
            id="clamp-high-1000-km-per-day-becomes-300",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 1, 31), 9030)],
            dlv(),
            Fraction(300),
            True,
            id="clamp-high-301-becomes-300",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 1, 31), 9000)],
            dlv(),
            Fraction(300),
            True,
            id="clamp-high-exactly-300-unchanged",
        ),
        pytest.param(
            [dlv(), visit(date(2025, 1, 31), 8970)],
            dlv(),
            Fraction(299),
            True,
            id="clamp-high-just-below-300-unchanged",
        ),
    ],
)
def test_ref_span_default_and_clamp(
    readings: list[Reading], ref: Reading, daily: Fraction, measured: bool
) -> None:
    p = project(readings, date(2026, 6, 1), RULES)
    assert p.ref == ref
    assert p.daily_km == daily
    assert isinstance(p.daily_km, Fraction)
    assert p.measured is measured


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        pytest.param(2, Fraction(5), id="default-below-min-clamped-to-5"),
        pytest.param(500, Fraction(300), id="default-above-max-clamped-to-300"),
    ],
)
def test_default_daily_km_is_clamped_too(default: int, expected: Fraction) -> None:
    rules = dataclasses.replace(RULES, projection=dataclasses.replace(RULES.projection, default_daily_km=default))
    assert project([dlv()], date(2025, 6, 1), rules).daily_km == expected


# -- projected_km and date_at_km -----------------------------------------------------------------


def fifty_a_day() -> Projection:
    """Delivery 2025-01-01, last reading 2025-03-02 at 3,000 km: 50 km a day."""
    return project([dlv(), visit(date(2025, 3, 2), 3000)], date(2025, 6, 1), RULES)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(date(2025, 2, 1), Fraction(3000), id="before-last-reading-is-last-km"),
        pytest.param(date(2025, 3, 2), Fraction(3000), id="on-last-reading-is-last-km"),
        pytest.param(date(2025, 3, 3), Fraction(3050), id="one-day-after-last-adds-daily"),
        pytest.param(date(2025, 3, 12), Fraction(3500), id="ten-days-after-last"),
    ],
)
def test_projected_km(on: date, expected: Fraction) -> None:
    km = fifty_a_day().projected_km(on)
    assert km == expected
    assert isinstance(km, Fraction)


@pytest.mark.parametrize(
    ("km", "expected"),
    [
        pytest.param(3001, date(2025, 3, 3), id="ahead-1-km-ceil-to-1-day"),
        pytest.param(3050, date(2025, 3, 3), id="ahead-exactly-one-day"),
        pytest.param(3051, date(2025, 3, 4), id="ahead-one-km-over-a-day-ceil-to-2-days"),
        pytest.param(5000, date(2025, 4, 11), id="ahead-5000-km-40-days"),
    ],
)
def test_date_at_km_ahead_uses_ceil(km: int, expected: date) -> None:
    assert fifty_a_day().date_at_km(km) == expected


def test_date_at_km_ahead_with_fractional_daily_km() -> None:
    # 4,000 km in 120 days: 100/3 km a day. 100 km -> exactly 3 days; 101 km -> ceil(3.03) = 4 days.
    p = project([dlv(), visit(date(2025, 5, 1), 4000)], date(2025, 6, 1), RULES)
    assert p.daily_km == Fraction(100, 3)
    assert p.date_at_km(4100) == date(2025, 5, 4)
    assert p.date_at_km(4101) == date(2025, 5, 5)


PASSED = [dlv(), visit(date(2025, 3, 2), 3000), visit(date(2025, 5, 1), 4000)]


@pytest.mark.parametrize(
    ("readings", "km", "expected"),
    [
        pytest.param(PASSED, 0, D, id="passed-0-km-is-delivery"),
        pytest.param(PASSED, 1, date(2025, 1, 2), id="passed-1-km-ceil-to-first-day"),
        pytest.param(PASSED, 1500, date(2025, 1, 31), id="passed-halfway-interpolated"),
        pytest.param(PASSED, 3000, date(2025, 3, 2), id="passed-k-equals-reading-km-is-that-readings-date"),
        pytest.param(PASSED, 3001, date(2025, 3, 3), id="passed-just-over-reading-next-bracket-ceil"),
        pytest.param(PASSED, 4000, date(2025, 5, 1), id="passed-k-equals-last-km-is-last-date"),
        pytest.param(
            [
                dlv(),
                visit(date(2025, 3, 2), 3000),
                visit(date(2025, 4, 1), 2500),
                visit(date(2025, 5, 1), 4000),
            ],
            3500,
            date(2025, 4, 1),
            id="passed-interpolation-skips-rollback-reading",
        ),
        pytest.param(
            [
                dlv(),
                visit(date(2025, 3, 2), 3000),
                visit(date(2025, 4, 1), 3000),
                visit(date(2025, 5, 1), 4000),
            ],
            3000,
            date(2025, 3, 2),
            id="passed-k-equals-repeated-km-is-earliest-date",
        ),
    ],
)
def test_date_at_km_interpolates_when_already_passed(
    readings: list[Reading], km: int, expected: date
) -> None:
    assert project(readings, date(2025, 6, 1), RULES).date_at_km(km) == expected


# -- exact arithmetic ------------------------------------------------------------------------------


def test_exactly_40000_km_is_at_the_boundary_not_below() -> None:
    # 4,000 km in 121 days (4000/121 km a day); 1,089 days later: 4000 + 4000*1089/121 = 40,000 exactly.
    # In floats this is 39999.99999999999 and the car would still be 保内初期 by mileage.
    p = project([dlv(date(2020, 1, 1)), visit(date(2020, 5, 1), 4000)], date(2020, 6, 1), RULES)
    on = date(2023, 4, 25)  # 2020-05-01 + 1089 days
    assert p.projected_km(on) == 40000
    assert RULES.stages.names[stage_index_by_mileage(p.projected_km(on), RULES)] == "保内后期"
    assert RULES.stages.names[stage_index_by_mileage(p.projected_km(date(2023, 4, 24)), RULES)] == "保内初期"
    assert p.date_at_km(40000) == on


def test_date_at_km_exact_ceil_no_float_overshoot() -> None:
    # 15,000 km in 57 days; 25,000 km more is exactly 95 days (floats give ceil(95.00000000000001) = 96).
    p = project([dlv(), visit(date(2025, 2, 27), 15000)], date(2025, 3, 1), RULES)
    assert p.daily_km == Fraction(15000, 57)
    assert p.date_at_km(40000) == date(2025, 6, 2)


# -- the readings of a vehicle ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param((None, None), [], id="vehicle-row-without-reading-unused"),
        pytest.param((date(2025, 2, 1), None), [], id="vehicle-row-date-without-km-unused"),
        pytest.param((None, 1234), [], id="vehicle-row-km-without-date-unused"),
        pytest.param(
            (date(2025, 2, 1), 1234),
            [Reading(date(2025, 2, 1), 1234, VEHICLE_ROW)],
            id="vehicle-row-with-date-and-km-used",
        ),
        pytest.param(
            (date(2025, 2, 1), 0),
            [Reading(date(2025, 2, 1), 0, VEHICLE_ROW)],
            id="vehicle-row-with-zero-km-still-used",
        ),
    ],
)
def test_vehicle_readings(row: tuple[date | None, int | None], expected: list[Reading]) -> None:
    visits = [(date(2025, 3, 1), 2000), (date(2025, 4, 1), 3000)]
    readings = vehicle_readings(D, row, visits)
    assert readings[0] == Reading(D, 0, DELIVERY)
    assert readings[1:-2] == expected
    assert readings[-2:] == [Reading(date(2025, 3, 1), 2000, VISIT), Reading(date(2025, 4, 1), 3000, VISIT)]
