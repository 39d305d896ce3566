"""for_customer(in_window=True) does not build the tasks that cannot meet the window; what it
returns must be exactly the window's share of everything the rules produce (in_window=False).

A first sync of a million cars relies on it (no stored tasks to match), so it is checked on
seeded random customers — 29 February birthdays and deliveries, insurance expiries that moved,
given and computed inspection dates, contacts — over windows around the statutory holidays,
whose shifts move phone tasks by up to a week.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.golive import created_at_go_live
from lifecycle_cli.core.insurance import ExpiryChange
from lifecycle_cli.core.mileage import whole_km as projected_whole_km
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.schedule import (
    CustomerFacts,
    ScheduledTask,
    Scheduler,
    VehicleFacts,
    VisitFact,
    vehicle_projection,
)
from lifecycle_cli.core.stages import stage_index_by_mileage, stage_on

RULES = load_rules()
KINDS = ("maintenance", "maintenance", "repair", "warranty", "accident", "other")
TODAY = date(2026, 1, 10)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def random_vehicle(rng: random.Random, serial: int) -> VehicleFacts:
    delivered = rng.choice([date(2024, 2, 29), date(2020, 2, 29), date(2025, 10, 31)]) if rng.random() < 0.15 \
        else random_day(rng, date(2016, 1, 1), TODAY)
    daily = rng.randint(5, 150)
    visits = []
    day, km = delivered, 0
    for n in range(rng.randint(0, 5)):
        day = min(TODAY, day + timedelta(days=rng.randint(20, 400)))
        km = max(km, (day - delivered).days * daily + rng.randint(-200, 200))
        visits.append(VisitFact(f"RO{serial}-{n}", day, km, rng.choice(KINDS)))
    expiry = random_day(rng, TODAY - timedelta(days=60), TODAY + timedelta(days=400)) if rng.random() < 0.6 else None
    changes: tuple[ExpiryChange, ...] = ()
    if expiry is not None and rng.random() < 0.3:
        old = expiry - timedelta(days=rng.choice((365, 30, -20)))
        changes = (ExpiryChange(old, expiry, random_day(rng, min(old, TODAY) - timedelta(days=90), TODAY)),)
    return VehicleFacts(
        vin=f"LRAND{serial:012d}",
        delivery_date=delivered,
        row_reading=(delivered + timedelta(days=30), 30 * daily) if rng.random() < 0.5 else (None, None),
        visits=tuple(sorted(visits, key=lambda v: (v.date, v.km))),
        commercial_insurance_expiry=expiry,
        compulsory_insurance_expiry=expiry + timedelta(days=rng.randint(0, 40)) if expiry else None,
        inspection_due=random_day(rng, TODAY - timedelta(days=30), TODAY + timedelta(days=300))
        if rng.random() < 0.3 else None,
        insurance_changes=changes,
    )


def random_customers(seed: int, count: int = 60) -> list[CustomerFacts]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        birthday = rng.choice([None, date(1988, 2, 29), random_day(rng, date(1960, 1, 1), date(2000, 12, 31))])
        out.append(CustomerFacts(
            customer_id=f"P{n}",
            birthday=birthday,
            last_contact=random_day(rng, TODAY - timedelta(days=200), TODAY) if rng.random() < 0.3 else None,
            vehicles=tuple(random_vehicle(rng, seed * 1000 + n * 10 + k) for k in range(rng.choice((1, 1, 2)))),
        ))
    return out


# Single days and 14-day windows on and around 元旦, 春节 and 清明 2026 (the facts run to 2026-01-10).
WINDOWS = [(d, d) for d in (date(2026, 1, 10), date(2025, 12, 31), date(2026, 2, 14), date(2026, 2, 24),
                            date(2026, 4, 3), date(2026, 5, 6))]
WINDOWS += [(d, d + timedelta(days=13)) for d in (date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 28))]


@pytest.mark.parametrize("seed", [3, 11, 2026])
def test_pruned_tasks_are_exactly_the_windows_share_of_everything(seed: int) -> None:
    customers = random_customers(seed)
    kept = 0
    for start, end in WINDOWS:
        scheduler = Scheduler(rules=RULES, today=TODAY, start=start, end=end, calendar=HolidayCalendar())
        for customer in customers:
            everything = scheduler.for_customer(customer, in_window=False)
            expected = [t for t in everything if t.due_date <= end and t.window_end >= start]
            assert scheduler.for_customer(customer, in_window=True) == expected, (customer.customer_id, start)
            kept += len(expected)
    assert kept > 100  # the windows do hold tasks


def test_a_task_a_holiday_pushed_past_its_unshifted_window_is_still_built() -> None:
    # Delivered 2023-03-17: the warranty ends 2026-03-17, its check is due 30 days before, on
    # 2026-02-15 — inside the Spring Festival holiday (02-15..02-23), so the call moves to 02-24
    # and stays on the list until the warranty's end, 03-17.
    customer = CustomerFacts("W1", vehicles=(VehicleFacts(vin="LWARR000000000001", delivery_date=date(2023, 3, 17)),))
    day = date(2026, 3, 17)
    scheduler = Scheduler(rules=RULES, today=TODAY, start=day, end=day, calendar=HolidayCalendar())

    listed = scheduler.for_customer(customer, in_window=True)

    check = [t for t in listed if t.code == "warranty_expiry_check"]
    assert [(t.rule_date, t.due_date, t.window_end) for t in check] == [
        (date(2026, 2, 15), date(2026, 2, 24), date(2026, 3, 17))]
    assert listed == [t for t in scheduler.for_customer(customer, in_window=False)
                      if t.due_date <= day and t.window_end >= day]


# A database's first sync: every store goes live on the clock's today, which is the window's first day,
# or (a look at another day) before or after it.
GO_LIVE_SHIFTS = (0, 0, -10, 5)


@pytest.mark.parametrize("seed", [3, 11, 2026])
def test_with_a_go_live_floor_the_window_holds_exactly_what_go_live_creates(seed: int) -> None:
    customers = random_customers(seed)
    kept = dropped = 0
    for (start, end), shift in zip(WINDOWS, GO_LIVE_SHIFTS * 3, strict=False):
        go_live = start + timedelta(days=shift)
        everything = Scheduler(rules=RULES, today=TODAY, start=start, end=end, calendar=HolidayCalendar())
        first_sync = Scheduler(rules=RULES, today=TODAY, start=start, end=end, calendar=HolidayCalendar(),
                               go_live=go_live)
        for customer in customers:
            window = [t for t in everything.for_customer(customer, in_window=False)
                      if t.due_date <= end and t.window_end >= start]
            expected = [t for t in window if created_at_go_live(t.code, t.due_date, t.window_end, go_live, RULES)]
            assert first_sync.for_customer(customer, in_window=True) == expected, (customer.customer_id, start)
            # Without pruning the floor changes nothing: stored tasks are matched against everything.
            assert first_sync.for_customer(customer, in_window=False) == everything.for_customer(customer,
                                                                                                 in_window=False)
            kept += len(expected)
            dropped += len(window) - len(expected)
    assert kept > 100 and dropped > 100  # the floor both keeps and drops tasks


class CountingScheduler(Scheduler):
    """Counts the tasks it builds."""

    built = 0

    def _task(self, *args: Any, **kwargs: Any) -> ScheduledTask:
        CountingScheduler.built += 1
        return super()._task(*args, **kwargs)


@pytest.mark.parametrize("go_live_shift", [None, 0, -10])
def test_pruning_builds_only_the_tasks_it_returns(go_live_shift: int | None) -> None:
    # The first sync of a million cars: a task built and then filtered out costs as much as a kept one.
    customers = random_customers(7)
    built = returned = 0
    for start, end in WINDOWS:
        go_live = None if go_live_shift is None else start + timedelta(days=go_live_shift)
        scheduler = CountingScheduler(rules=RULES, today=TODAY, start=start, end=end, calendar=HolidayCalendar(),
                                      go_live=go_live)
        CountingScheduler.built = 0
        returned += sum(len(scheduler.for_customer(customer, in_window=True)) for customer in customers)
        built += CountingScheduler.built
    assert returned > 50
    assert built == returned


@pytest.mark.parametrize("seed", [5, 13])
def test_a_tasks_stage_is_the_cars_stage_on_its_list_day(seed: int) -> None:
    # The scheduler works the stage out in whole km (no Fraction per task): the same as stage_on's.
    customers = random_customers(seed)
    checked = 0
    for start, end in WINDOWS:
        scheduler = Scheduler(rules=RULES, today=TODAY, start=start, end=end, calendar=HolidayCalendar())
        for customer in customers:
            cars = {v.vin: v for v in customer.vehicles}
            for task in scheduler.for_customer(customer, in_window=True):
                if not task.vin:
                    continue
                car = cars[task.vin]
                on = max(task.rule_date, car.delivery_date)
                km = vehicle_projection(car, RULES, TODAY).projected_km(on)
                assert task.stage == stage_on(car.delivery_date, on, km, RULES).stage, (task.key, km)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize(("days", "whole_km", "stage"), [(329, 39878, "保内初期"), (330, 40000, "保内后期"),
                                                      (331, 40121, "保内后期")])
def test_the_stage_by_mileage_at_a_bound_reached_by_a_fractional_daily_km(days: int, whole_km: int, stage: str) -> None:
    # 16,000 km on day 132: 4000/33 km a day, exactly 40,000 km (the third stage's bound) on day 330.
    delivered = date(2025, 1, 1)
    car = VehicleFacts(vin="LFRAC000000000001", delivery_date=delivered,
                       row_reading=(delivered + timedelta(days=132), 16000))
    projection = vehicle_projection(car, RULES, delivered + timedelta(days=132))
    assert projection.daily_km == Fraction(4000, 33)
    on = delivered + timedelta(days=days)
    assert projected_whole_km(projection, on) == whole_km
    assert RULES.stages.names[stage_index_by_mileage(projected_whole_km(projection, on), RULES)] == stage
    assert stage_on(delivered, on, projection.projected_km(on), RULES).by_mileage == stage
