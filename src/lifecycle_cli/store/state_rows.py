"""A batch of cars' stored projection state, computed on day numbers: what `vehicle_state` (the rules
core's definition, store/vehicle_state.py) gives for all of a car's facts, as the vehicle table stores it.

An import computes the state of every car it touched (a million at a group's first import), and there
the rules core's general form — a `VehicleFacts`, `Reading` and `Projection` objects, `date` arithmetic
and a dict per car — cost about three quarters of the time. Here the same steps run on what the rows
hold, with dates as day numbers (`date.toordinal`): the readings kept in date order (a rollback left
out), the daily km from the reference reading in the window to the last, clamped; the day a km is
reached, ahead of the last reading by the daily km or between two kept readings; calendar months added
through `core.stages.add_months`; the maintenance due now and on the eve of the last maintenance. Every
number comes from the rules. Day numbers become dates and ISO text only through caches (a fleet has a
few thousand distinct days), so a car costs a few microseconds of integer work.

The state at `FAR_FUTURE` reads every fact whatever its date: the insurance expiry is the car's own
(`expiry_on` undoes no change made before that day), so the expiry changes are not read here.
tests/store/test_state_rows.py holds this to `vehicle_state` on random cars with every boundary the rules
have, and tests/cli/test_stored_state_agrees.py holds what an import stores to it on random stores.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date
from math import gcd
from operator import itemgetter
from typing import Any

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.stages import add_months
from lifecycle_cli.store.fact_rows import VehicleFactRows

_FIRST = itemgetter(0)


class _DayNumbers(dict[Any, int]):
    """A date as read (SQLite's ISO text, or a date) -> its day number, each value converted once."""

    def __missing__(self, value: Any) -> int:
        number = (date.fromisoformat(value) if isinstance(value, str) else value).toordinal()
        self[value] = number
        return number


class _IsoTexts(dict[int, str]):
    """A day number -> its date's ISO text ('YYYY-MM-DD'), as stored."""

    def __missing__(self, number: int) -> str:
        text = date.fromordinal(number).isoformat()
        self[number] = text
        return text


class _MonthsLater(dict[int, int]):
    """A day number -> the day number `months` calendar months later (add_months: clamped to the month's end)."""

    def __init__(self, months: int) -> None:
        super().__init__()
        self.months = months

    def __missing__(self, number: int) -> int:
        later = add_months(date.fromordinal(number), self.months).toordinal()
        self[number] = later
        return later


class StateRows:
    """The stored state of batches of cars under one set of rules (`rows`), with its day caches."""

    def __init__(self, rules: Rules) -> None:
        bounds, schedule = rules.projection, rules.schedule
        self._window = bounds.window_days
        self._min_span = bounds.min_span_days
        self._min_daily = bounds.min_daily_km
        self._max_daily = bounds.max_daily_km
        self._default_daily = min(max(bounds.default_daily_km, bounds.min_daily_km), bounds.max_daily_km)
        self._maintenance_kinds = schedule.maintenance_kinds
        self._first_km = schedule.first_service_km
        self._interval_km = schedule.service_interval_km
        self._warranty_km = rules.warranty.km
        self._upgrade_km = schedule.upgrade_km
        self._stage_kms = rules.stages.mileage_km[1:5]
        self._early = rules.kpi.maintenance_visit_early_days
        self._lost = schedule.churn_after_days
        self._first_service = _MonthsLater(schedule.first_service_months)
        self._interval = _MonthsLater(schedule.service_interval_months)
        self._warranty = _MonthsLater(rules.warranty.months)
        self._upgrade = _MonthsLater(schedule.upgrade_months)
        self._days = _DayNumbers()
        self._iso = _IsoTexts()

    def rows(self, batch: VehicleFactRows) -> list[tuple[Any, ...]]:
        """(vehicle pk, *its state in vehicle_state_columns() order) of each car of the batch, in the
        batch's order: dates as ISO text, flags as bools, the daily km as its reduced fraction's terms."""
        days, iso = self._days, self._iso
        readings: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        maintained: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        latest_visit: dict[int, int] = {}
        maintenance = self._maintenance_kinds
        for pk, _, visit_date, km, kind in batch.visits:
            day = days[visit_date]
            readings[pk].append((day, km))
            if kind in maintenance:
                maintained[pk].append((day, km))
            if latest_visit.get(pk, 0) < day:
                latest_visit[pk] = day
        for pk, reading_date, km in batch.readings:
            readings[pk].append((days[reading_date], km))
        out = []
        for (pk, _, _, delivered, _, mileage_date, mileage_km, _, _, _,
             commercial, compulsory, _, _) in batch.vehicles:
            delivery = days[delivered]
            read = readings.get(pk, [])
            if mileage_date is not None and mileage_km is not None:
                read = [*read, (days[mileage_date], mileage_km)]
            # The delivery at 0 km, then every reading from the delivery on (one before it is left out).
            usable = sorted([(delivery, 0), *(r for r in read if r[0] >= delivery)])
            kept_days, kept_kms, num, den = self._projection(usable)
            done = maintained.get(pk)
            due, last_maintenance, prev_due, prev_first = self._maintenance_days(done, usable, delivery, kept_days,
                                                                            kept_kms, num, den)
            upgrade = min(self._upgrade[delivery], _day_at_km(kept_days, kept_kms, num, den, self._upgrade_km))
            stage_days: list[str | None] = [iso[_day_at_km(kept_days, kept_kms, num, den, km)] for km in self._stage_kms]
            stage_days += [None] * (4 - len(stage_days))
            insured = [d for d in (commercial, compulsory) if d is not None]
            visited = latest_visit.get(pk)
            reduced = gcd(num, den)
            upgrade_text = iso[upgrade]
            out.append((
                pk,
                iso[kept_days[-1]],
                kept_kms[-1],
                num // reduced,
                den // reduced,
                bool(done),
                iso[due],
                iso[min(self._warranty[delivery], _day_at_km(kept_days, kept_kms, num, den, self._warranty_km))],
                upgrade_text,
                upgrade_text[5:],
                iso[delivery][5:],
                None if last_maintenance is None else iso[last_maintenance],
                None if prev_due is None else iso[prev_due],
                prev_first,
                prev_due is not None and last_maintenance is not None and last_maintenance >= prev_due - self._early,
                prev_due is not None and last_maintenance is not None and last_maintenance > prev_due + self._lost,
                None if visited is None else iso[visited],
                *stage_days,
                iso[min(days[d] for d in insured)] if insured else None,
            ))
        return out

    def _maintenance_days(self, done: list[tuple[int, int]] | None, usable: list[tuple[int, int]], delivery: int,
                     kept_days: list[int], kept_kms: list[int], num: int, den: int,
                     ) -> tuple[int, int | None, int | None, bool]:
        """The maintenance due now; the last maintenance's day; what was due on its eve (from the readings
        and maintenances up to the eve, none when the eve is before the delivery) and whether that was the
        first service (store/vehicle_state.dated_state). `done`: the (day, km) of every maintenance."""
        if not done:
            return self._due(kept_days, kept_kms, num, den, None, delivery), None, None, False
        last_done = max(done)
        due = self._due(kept_days, kept_kms, num, den, last_done, delivery)
        eve = last_done[0] - 1
        if eve < delivery:
            return due, last_done[0], None, False
        before = [m for m in done if m[0] <= eve]
        eve_days, eve_kms, eve_num, eve_den = self._projection(usable[:bisect_right(usable, eve, key=_FIRST)])
        prev_due = self._due(eve_days, eve_kms, eve_num, eve_den, max(before) if before else None, delivery)
        return due, last_done[0], prev_due, not before

    def _projection(self, usable: list[tuple[int, int]]) -> tuple[list[int], list[int], int, int]:
        """The kept readings (days, kms) of date-ordered readings, a rollback left out, and the daily km
        as numerator and denominator (not reduced): core.mileage.project."""
        kept_days: list[int] = []
        kept_kms: list[int] = []
        high = -1
        for day, km in usable:
            if km >= high:
                kept_days.append(day)
                kept_kms.append(km)
                high = km
        last_day, last_km = kept_days[-1], kept_kms[-1]
        ref = bisect_left(kept_days, last_day - self._window)
        span = last_day - kept_days[ref]
        gain = last_km - kept_kms[ref]
        if span < self._min_span or gain <= 0:
            return kept_days, kept_kms, self._default_daily, 1
        if gain < self._min_daily * span:
            return kept_days, kept_kms, self._min_daily, 1
        if gain > self._max_daily * span:
            return kept_days, kept_kms, self._max_daily, 1
        return kept_days, kept_kms, gain, span

    def _due(self, kept_days: list[int], kept_kms: list[int], num: int, den: int,
             last: tuple[int, int] | None, delivery: int) -> int:
        """The next maintenance's day after the `last` maintenance (day, km), or the first service's
        when there is none: core.facts.next_maintenance."""
        if last is None:
            return min(self._first_service[delivery], _day_at_km(kept_days, kept_kms, num, den, self._first_km))
        return min(self._interval[last[0]], _day_at_km(kept_days, kept_kms, num, den, last[1] + self._interval_km))


def _day_at_km(kept_days: list[int], kept_kms: list[int], num: int, den: int, km: int) -> int:
    """The day the car reaches `km`: ahead of the last reading at num / den km a day, or between the kept
    readings around it, rounded up (core.mileage.Projection.date_at_km)."""
    last_km = kept_kms[-1]
    if km > last_km:
        return kept_days[-1] - ((last_km - km) * den // num)
    if km <= kept_kms[0]:
        return kept_days[0]
    i = bisect_left(kept_kms, km)
    before_km = kept_kms[i - 1]
    before_day = kept_days[i - 1]
    return before_day - ((before_km - km) * (kept_days[i] - before_day) // (kept_kms[i] - before_km))
