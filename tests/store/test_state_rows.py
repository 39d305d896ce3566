"""The stored state computed on day numbers (store/state_rows.py) is `vehicle_state`'s, as stored, for every
car: hand-picked boundaries of each rule (readings before the delivery, rollbacks, a maintenance on the
delivery day and the day after, spans and gains on the projection's bounds, a km on a kept reading, 29
February and month ends) and random fleets under the default rules and rules moved to their edges, with
dates as SQLite gives them (ISO text) and as PostgreSQL does (dates)."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta
from typing import Any

import pytest

from lifecycle_cli.core.rules import Rules, load_rules
from lifecycle_cli.store.fact_rows import VehicleFactRows, vehicle_facts_of
from lifecycle_cli.store.state_rows import StateRows
from lifecycle_cli.store.vehicle_state import vehicle_state, vehicle_state_columns

RULES = load_rules()


def _rules(**sections: dict[str, Any]) -> Rules:
    """The default rules with some values of some sections moved."""
    return dataclasses.replace(RULES, **{name: dataclasses.replace(getattr(RULES, name), **values)
                                         for name, values in sections.items()})


RULE_VARIANTS = {
    "default": RULES,
    "short window, no minimum span": _rules(projection={"window_days": 45, "min_span_days": 0}),
    "default daily above the bounds": _rules(projection={"default_daily_km": 900, "min_daily_km": 20,
                                                         "max_daily_km": 60}),
    "one daily km": _rules(projection={"default_daily_km": 7, "min_daily_km": 7, "max_daily_km": 7}),
    "repairs count as maintenance": _rules(schedule={"maintenance_kinds": frozenset({"maintenance", "repair"}),
                                                     "service_interval_months": 1, "first_service_months": 1}),
    "three stages by km": _rules(stages={"mileage_km": (0, 3000, 9000)}),
    "seven stages by km": _rules(stages={"mileage_km": (0, 10, 2000, 5000, 7000, 9000, 20000)}),
    "no early days, no churn days": _rules(kpi={"maintenance_visit_early_days": 0},
                                           schedule={"churn_after_days": 0}),
}


def _expected(batch: VehicleFactRows, rules: Rules) -> list[tuple[Any, ...]]:
    """What `vehicle_state` gives for each car of the batch, dates as ISO text."""
    columns = vehicle_state_columns()
    out = []
    for pk, (_, facts) in vehicle_facts_of(batch).items():
        state = vehicle_state(facts, rules)
        out.append((pk, *(v.isoformat() if isinstance(v, date) else v for v in (state[c] for c in columns))))
    return out


def _as_text(batch: VehicleFactRows) -> VehicleFactRows:
    """The batch as SQLite reads it: every date as its ISO text."""
    def text(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(v.isoformat() if isinstance(v, date) else v for v in row)
    return VehicleFactRows(*([text(row) for row in rows] for rows in batch))


def _car(pk: int, delivered: date, *, row: tuple[date | None, int | None] = (None, None),
         commercial: date | None = None, compulsory: date | None = None) -> tuple[Any, ...]:
    """A vehicle row in VEHICLE_FACT_COLUMNS order."""
    return (pk, 1, f"V{pk:05d}", delivered, None, row[0], row[1], None, None, None, commercial, compulsory,
            None, "active")


D = date(2024, 2, 29)  # a delivery on 29 February: month arithmetic clamps from it

# (what the case holds, the car's row, its visits (date, km, kind), its extra readings (date, km))
CASES: list[tuple[str, tuple[Any, ...], list[tuple[date, int, str]], list[tuple[date, int]]]] = [
    ("no visit, no reading", _car(1, D), [], []),
    ("the car row's reading only", _car(2, D, row=(D + timedelta(days=200), 9000)), [], []),
    ("a reading on the car row without its km", _car(3, D, row=(D + timedelta(days=200), None)), [], []),
    ("a maintenance on the delivery day (no eve)", _car(4, D), [(D, 0, "maintenance")], []),
    ("a maintenance the day after (eve = delivery)", _car(5, D), [(D + timedelta(days=1), 30, "maintenance")], []),
    ("a visit before the delivery", _car(6, D), [(D - timedelta(days=10), 500, "maintenance"),
                                                 (D + timedelta(days=90), 4000, "repair")], []),
    ("an odometer rollback", _car(7, D), [(D + timedelta(days=100), 8000, "maintenance"),
                                          (D + timedelta(days=200), 7000, "maintenance"),
                                          (D + timedelta(days=300), 15000, "repair")], []),
    ("two maintenances on one day", _car(8, D), [(D + timedelta(days=150), 5000, "maintenance"),
                                                 (D + timedelta(days=150), 5100, "maintenance")], []),
    ("a span one day short of the minimum", _car(9, D), [(D + timedelta(days=29), 1000, "maintenance")], []),
    ("a span of exactly the minimum", _car(10, D), [(D + timedelta(days=30), 1000, "maintenance")], []),
    ("a gain of exactly the minimum daily km", _car(11, D), [(D + timedelta(days=100), 500, "repair")], []),
    ("a gain of exactly the maximum daily km", _car(12, D), [(D + timedelta(days=100), 30000, "repair")], []),
    ("a gain above the maximum", _car(13, D), [(D + timedelta(days=100), 30001, "repair")], []),
    ("a stage km on a kept reading", _car(14, D), [(D + timedelta(days=400), 5000, "maintenance"),
                                                   (D + timedelta(days=900), 40000, "maintenance")], []),
    ("past the upgrade km", _car(15, date(2019, 8, 31)), [(date(2023, 1, 31), 120000, "maintenance")], []),
    ("readings older than the window", _car(16, date(2015, 3, 31)), [(date(2016, 3, 31), 9000, "maintenance"),
                                                                     (date(2020, 1, 15), 60000, "maintenance"),
                                                                     (date(2020, 2, 14), 60001, "other")], []),
    ("extra readings", _car(17, D), [(D + timedelta(days=50), 2000, "maintenance")],
     [(D + timedelta(days=60), 2500), (D + timedelta(days=10), 100), (D - timedelta(days=1), 50)]),
    ("both insurance dates", _car(18, D, commercial=date(2027, 3, 1), compulsory=date(2027, 2, 28)), [], []),
    ("one insurance date", _car(19, D, compulsory=date(2026, 12, 31)), [], []),
]


@pytest.mark.parametrize("rules", RULE_VARIANTS.values(), ids=RULE_VARIANTS.keys())
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_boundary_gives_the_cores_state(case: tuple[Any, ...], rules: Rules) -> None:
    _, car, visits, readings = case
    pk = car[0]
    batch = VehicleFactRows([car], [(pk, f"RO{n}", d, km, kind) for n, (d, km, kind) in enumerate(visits)],
                            [(pk, d, km) for d, km in readings], [])
    assert StateRows(rules).rows(batch) == _expected(batch, rules)
    assert StateRows(rules).rows(_as_text(batch)) == _expected(batch, rules)


def _random_batch(rng: random.Random, cars: int) -> VehicleFactRows:
    """Random cars: month-end and 29 February deliveries, visits of every kind with rollbacks, same-day
    visits and visits before the delivery, car-row and extra readings, insurance dates and their changes."""
    batch = VehicleFactRows([], [], [], [])
    for pk in range(1, cars + 1):
        delivered = rng.choice([date(2016, 2, 29), date(2020, 1, 31), date(2023, 8, 31)]) if rng.random() < 0.2 \
            else date(2012, 1, 1) + timedelta(days=rng.randrange(5000))
        row: tuple[date | None, int | None] = (None, None)
        if rng.random() < 0.4:
            row = (delivered + timedelta(days=rng.randrange(-30, 2000)), rng.choice([None, rng.randrange(0, 90000)]))
        insured = [delivered + timedelta(days=rng.randrange(300, 3000)) if rng.random() < 0.5 else None
                   for _ in range(2)]
        batch.vehicles.append(_car(pk, delivered, row=row, commercial=insured[0], compulsory=insured[1]))
        day, km = delivered - timedelta(days=rng.choice([0, 0, 0, 5])), 0
        for n in range(rng.choice([0, 1, 2, 3, 5, 9])):
            day += timedelta(days=rng.choice([0, 1, rng.randrange(2, 40), rng.randrange(40, 400)]))
            km = max(0, km + rng.choice([0, -1500, rng.randrange(1, 200), rng.randrange(200, 20000)]))
            kind = rng.choice(["maintenance", "maintenance", "repair", "warranty", "other"])
            batch.visits.append((pk, rng.choice([f"RO{pk}-{n}", None]), day, km, kind))
        for _ in range(rng.choice([0, 0, 0, 1, 3])):
            batch.readings.append((pk, delivered + timedelta(days=rng.randrange(-20, 1500)), rng.randrange(0, 70000)))
        if insured[0] and rng.random() < 0.3:
            batch.expiry_changes.append((pk, pk, insured[0] - timedelta(days=365), insured[0],
                                         insured[0] - timedelta(days=rng.randrange(-30, 60))))
    rng.shuffle(batch.visits)
    return batch


@pytest.mark.parametrize("rules", RULE_VARIANTS.values(), ids=RULE_VARIANTS.keys())
@pytest.mark.parametrize("seed", range(4))
def test_random_fleets_give_the_cores_state(seed: int, rules: Rules) -> None:
    batch = _random_batch(random.Random(seed), 300)
    expected = _expected(batch, rules)
    state = StateRows(rules)
    assert state.rows(batch) == expected
    assert state.rows(_as_text(batch)) == expected  # the caches filled by the first batch, read by this one


def test_the_types_are_the_cores() -> None:
    """Flags are bools and kms ints, as the core's state (the rows are compared with ==, where True == 1)."""
    batch = _random_batch(random.Random(9), 200)
    for got, want in zip(StateRows(RULES).rows(batch), _expected(batch, RULES), strict=True):
        assert [type(v) for v in got] == [type(v) for v in want]
