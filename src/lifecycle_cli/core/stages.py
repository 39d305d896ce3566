"""The five lifecycle stages: by age in calendar months, by projected mileage, the later one wins."""

from __future__ import annotations

from bisect import bisect_right
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from lifecycle_cli.core.rules import Rules


@dataclass(frozen=True)
class StageResult:
    """A car's stage on a date, with the two partial stages that explain it."""

    stage: str
    by_age: str
    by_mileage: str
    age_months: int
    projected_km: Fraction


def add_months(start: date, months: int) -> date:
    """Calendar-month arithmetic: 2026-08-31 + 3 months = 2026-11-30 (clamped to the month's end).

    The same answer as `start + relativedelta(months=months)`, without its per-call cost
    (a test checks the two agree).
    """
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    if start.day <= 28:  # every month has the day: no clamping to look up
        return date(year, month0 + 1, start.day)
    return date(year, month0 + 1, min(start.day, monthrange(year, month0 + 1)[1]))


def add_years(start: date, years: int) -> date:
    """Calendar-year arithmetic: 29 February plus one year is 28 February."""
    return add_months(start, 12 * years)


def months_between(start: date, on: date) -> int:
    """Whole calendar months from `start` reached on `on` (the largest m with start + m months <= on)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    if add_months(start, months) > on:
        months -= 1
    return months


def stage_index_by_age(delivery: date, on: date, rules: Rules) -> int:
    """Index of the stage by age: half-open month bounds [0,3), [3,24), ... from the delivery date."""
    return max(bisect_right(rules.stages.age_months, months_between(delivery, on)) - 1, 0)


def stage_index_by_mileage(km: Fraction | int, rules: Rules) -> int:
    """Index of the stage by projected km: half-open bounds [0,5000), [5000,40000), ..."""
    return max(bisect_right(rules.stages.mileage_km, km) - 1, 0)


def stage_on(delivery: date, on: date, projected_km: Fraction | int, rules: Rules) -> StageResult:
    """The car's stage on a date: the later of its stage by age and its stage by mileage."""
    by_age = stage_index_by_age(delivery, on, rules)
    by_km = stage_index_by_mileage(projected_km, rules)
    return StageResult(
        stage=rules.stages.names[max(by_age, by_km)],
        by_age=rules.stages.names[by_age],
        by_mileage=rules.stages.names[by_km],
        age_months=months_between(delivery, on),
        projected_km=Fraction(projected_km),
    )
