"""The state's hot path in plain integers (bisect over the kept km, the daily ratio read once) gives
the dates the original linear scan gave: at every kept reading, one km either side of it, on ties
of equal km, before the first reading and ahead of the last."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from lifecycle_cli.core.facts import maintenance_visits, next_maintenance, vehicle_projection
from lifecycle_cli.core.mileage import Projection, project, vehicle_readings
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.schedule import VehicleFacts, VisitFact

RULES = load_rules()
D = date(2024, 2, 29)


def scan_date_at_km(proj: Projection, km: int) -> date:
    """The original date_at_km: a linear scan of the kept pairs, the ratio read from the Fraction."""
    last = proj.last
    if km > last.km:
        n, d = proj.daily_km.numerator, proj.daily_km.denominator
        return last.date + timedelta(days=-((-(km - last.km) * d) // n))
    first = proj.kept[0]
    if km <= first.km:
        return first.date
    for before, after in zip(proj.kept, proj.kept[1:], strict=False):
        if before.km < km <= after.km:
            span = (after.date - before.date).days
            return before.date + timedelta(days=-((-(km - before.km) * span) // (after.km - before.km)))
    raise AssertionError("unbracketed")


CASES = {
    "delivery-only": [],
    "one-visit": [(40, 1200)],
    "equal-km-ties": [(30, 1000), (60, 1000), (90, 1000), (200, 5000)],
    "same-day-two-readings": [(30, 1000), (30, 1500), (400, 9000)],
    "rollback-dropped": [(30, 3000), (60, 2500), (120, 4000)],
    "zero-gain-tail": [(100, 7000), (500, 7000)],
    "long-history": [(i * 97, i * 4111) for i in range(1, 25)],
}


@pytest.mark.parametrize("visits", CASES.values(), ids=CASES.keys())
def test_date_at_km_equals_the_scan_at_every_boundary(visits: list[tuple[int, int]]) -> None:
    readings = vehicle_readings(D, (None, None), [(D + timedelta(days=d), km) for d, km in visits])
    proj = project(readings, date(2030, 1, 1), RULES)
    probes = {0, 1, 4999, 5000, 5001, 60000, 100000, 250000}
    for r in proj.kept:
        probes |= {r.km - 1, r.km, r.km + 1}
    for km in sorted(k for k in probes if k >= 0):
        assert proj.date_at_km(km) == scan_date_at_km(proj, km), km


def test_random_vehicles_state_pieces_equal_the_scan() -> None:
    rnd = random.Random(21)
    kinds = ("maintenance", "repair", "other")
    for _ in range(300):
        delivered = date(2015, 1, 1) + timedelta(days=rnd.randrange(3000))
        day, km, visits = delivered, 0, []
        for _ in range(rnd.randrange(6)):
            day += timedelta(days=rnd.randrange(0, 400))
            km += rnd.choice((0, rnd.randrange(1, 30000), -rnd.randrange(1, 2000)))
            visits.append(VisitFact(key=f"k{len(visits)}", date=day, km=max(km, 0), kind=rnd.choice(kinds)))
        car = VehicleFacts(vin="V", delivery_date=delivered, visits=tuple(sorted(visits, key=lambda v: (v.date, v.km))))
        for on in (delivered, day, day + timedelta(days=rnd.randrange(1, 900))):
            proj = vehicle_projection(car, RULES, on)
            for km in (0, 1, 5000, 60000, 100000, *(v.km for v in visits), *(v.km + 1 for v in visits)):
                assert proj.date_at_km(km) == scan_date_at_km(proj, km)
            done = maintenance_visits(car, RULES, on)
            assert next_maintenance(car, proj, RULES, on, done) == next_maintenance(car, proj, RULES, on)
