"""Odometer readings and the daily-mileage projection (日均里程), in exact arithmetic."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from functools import cache
from operator import attrgetter
from typing import NamedTuple

from lifecycle_cli.core.rules import Rules

DELIVERY = "delivery"
VEHICLE_ROW = "vehicle"
VISIT = "visit"
_KM = attrgetter("km")
_DATE = attrgetter("date")
# A day some whole days after another, by ordinals: a quarter of `day + timedelta(days=n)`'s cost.
_fromordinal = date.fromordinal


class Reading(NamedTuple):
    """One odometer reading: a date and the km on the clock, and where it came from."""

    date: date
    km: int
    source: str = VISIT


class Projection(NamedTuple):
    """The kept readings of a vehicle and the daily mileage they give. (A named tuple: made 1.75 times per
    car by a first import's state, at a quarter of a frozen dataclass's cost.)"""

    kept: tuple[Reading, ...]
    rollbacks: tuple[Reading, ...]
    last: Reading
    ref: Reading
    daily_km: Fraction
    measured: bool

    def projected_km(self, on: date) -> Fraction:
        """The projected odometer on a date: last.km + daily_km x days after last, else last.km."""
        if on <= self.last.date:
            return Fraction(self.last.km)
        return self.last.km + self.daily_km * (on - self.last.date).days

    def date_at_km(self, km: int) -> date:
        """The date the car reaches `km`: projected ahead, or interpolated when already passed."""
        last = self.last
        if km > last.km:
            # ceil((km - last.km) / daily_km) in integers: daily_km = n / d
            n, d = self.daily_km.numerator, self.daily_km.denominator
            return _fromordinal(last.date.toordinal() - ((-(km - last.km) * d) // n))
        kept = self.kept
        if km <= kept[0].km:
            return kept[0].date
        # The first kept reading at or above km and the one before it: before.km < km <= after.km.
        i = bisect_left(kept, km, key=_KM)
        before, after = kept[i - 1], kept[i]
        span = (after.date - before.date).days
        # d0 + ceil((K - k0) * days(d0 -> d1) / (k1 - k0)), in integers
        return _fromordinal(before.date.toordinal() - ((-(km - before.km) * span) // (after.km - before.km)))


@cache
def _whole(km: int) -> Fraction:
    """A whole daily km as a Fraction, made once per value (Fractions are immutable)."""
    return Fraction(km)


def split_readings(readings: Iterable[Reading]) -> tuple[tuple[Reading, ...], tuple[Reading, ...]]:
    """Sort readings by (date, km); keep those not below the highest kept km, flag the rest as rollbacks."""
    kept: list[Reading] = []
    rollbacks: list[Reading] = []
    high = -1
    # Named tuples sort by (date, km, source): the same order as (date, km), ties are equal kms.
    for reading in sorted(readings):
        if reading.km >= high:
            kept.append(reading)
            high = reading.km
        else:
            rollbacks.append(reading)
    return tuple(kept), tuple(rollbacks)


def vehicle_readings(
    delivery_date: date,
    row_reading: tuple[date | None, int | None],
    visits: Iterable[tuple[date, int]],
) -> list[Reading]:
    """All readings of a vehicle: the delivery at 0 km, the vehicle row's reading when whole, every visit."""
    readings = [Reading(delivery_date, 0, DELIVERY)]
    row_date, row_km = row_reading
    if row_date is not None and row_km is not None:
        readings.append(Reading(row_date, row_km, VEHICLE_ROW))
    readings.extend(Reading(d, km, VISIT) for d, km in visits)
    return readings


def project(readings: Iterable[Reading], on: date, rules: Rules) -> Projection:
    """The projection from the readings dated on or before `on`.

    A reading dated before the delivery is an anomaly (it would make the delivery's 0 km look
    like a rollback): it is flagged with the rollbacks and left out.
    """
    usable = [r for r in readings if r.date <= on]
    starts = [r.date for r in usable if r.source == DELIVERY]
    early: list[Reading] = []
    if starts:
        start = min(starts)
        early = [r for r in usable if r.date < start]
        if early:
            usable = [r for r in usable if r.date >= start]
    kept, rollbacks = split_readings(usable)
    if not kept:
        raise ValueError("a projection needs at least one reading on or before the date")
    last = kept[-1]
    bounds = rules.projection
    horizon = _fromordinal(last.date.toordinal() - bounds.window_days)
    ref = kept[bisect_left(kept, horizon, key=_DATE)]  # the first kept reading on or after the horizon
    span = (last.date - ref.date).days
    gain = last.km - ref.km
    measured = span >= bounds.min_span_days and gain > 0
    # Clamp to [min, max] in integers (gain / span against the bounds), then one exact Fraction.
    if not measured:
        daily = _whole(min(max(bounds.default_daily_km, bounds.min_daily_km), bounds.max_daily_km))
    elif gain < bounds.min_daily_km * span:
        daily = _whole(bounds.min_daily_km)
    elif gain > bounds.max_daily_km * span:
        daily = _whole(bounds.max_daily_km)
    else:
        daily = Fraction(gain, span)
    return Projection(
        kept=kept,
        rollbacks=tuple(sorted(early + list(rollbacks), key=lambda r: (r.date, r.km))) if early else rollbacks,
        last=last,
        ref=ref,
        daily_km=daily,
        measured=measured,
    )


def whole_km(projection: Projection, on: date) -> int:
    """The projected odometer on a date, rounded down: in integers, the same stage as the exact km
    (the stage bounds are whole km), without Fraction arithmetic per task."""
    last, daily = projection.last, projection.daily_km
    if on <= last.date:
        return last.km
    return last.km + daily.numerator * (on - last.date).days // daily.denominator
