"""refresh_vehicles computes many cars' state in worker processes (store/state_workers.py): the stored
state is the same as computed here, written whole or only where it moved, on SQLite and PostgreSQL;
and a batch's rows as read (dates as stored text) make the same facts as the converted ones."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

import lifecycle_cli.store.state as state
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.store.bulk import upsert_customers, upsert_vehicles, upsert_visits
from lifecycle_cli.store.fact_rows import vehicle_facts_of
from lifecycle_cli.store.facts import load_vehicle_facts, read_vehicle_fact_rows
from lifecycle_cli.store.generation import WORKERS_ENV
from lifecycle_cli.store.state_rows import StateRows
from lifecycle_cli.store.tables import VEHICLES
from lifecycle_cli.store.vehicle_state import vehicle_state, vehicle_state_columns

CARS = 240


def _fleet(conn: Connection, seed: int) -> list[int]:
    """CARS cars of 120 owners, each with 0-6 visits (some rolled back, some not maintenance), readings
    on the car row for some, insurance dates for some."""
    rng = random.Random(seed)
    _, owners = upsert_customers(conn, [{"customer_id": f"C{i}"} for i in range(120)])
    cars: list[dict[str, Any]] = []
    for i in range(CARS):
        delivered = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
        car: dict[str, Any] = {"vin": f"V{i:05d}", "customer_pk": owners[f"C{i % 120}"], "delivery_date": delivered}
        if rng.random() < 0.3:
            car |= {"mileage_date": delivered + timedelta(days=rng.randrange(1, 900)), "mileage_km": rng.randrange(100, 60000)}
        if rng.random() < 0.4:
            car["commercial_insurance_expiry"] = delivered + timedelta(days=365 * rng.randrange(1, 6))
        cars.append(car)
    _, pks = upsert_vehicles(conn, cars)
    visits = []
    for car in cars:
        day, km = car["delivery_date"], 0
        for n in range(rng.randrange(7)):
            day += timedelta(days=rng.randrange(30, 300))
            km += rng.randrange(-2000, 12000)
            visits.append({"vehicle_pk": pks[car["vin"]], "ro_number": f"RO{car['vin']}{n}", "visit_date": day,
                           "mileage_km": max(km, 0), "kind": rng.choice(["maintenance", "maintenance", "repair"])})
    upsert_visits(conn, visits)
    return sorted(pks.values())


def _stored(conn: Connection) -> dict[int, tuple[Any, ...]]:
    columns = vehicle_state_columns()
    return {row[0]: tuple(row[1:]) for row in conn.execute(select(VEHICLES.c.id, *(VEHICLES.c[c] for c in columns)))}


def _forget_state(conn: Connection) -> None:
    """Every state column wrong: NULL, or a flag that must be there flipped."""
    columns = [VEHICLES.c[c] for c in vehicle_state_columns()]
    conn.execute(update(VEHICLES).values({c: None if c.nullable else ~c for c in columns}))


def test_rows_as_read_make_the_facts_and_state_the_core_computes(engine: Engine) -> None:
    rules = load_rules()
    with engine.begin() as conn:
        pks = _fleet(conn, 1)
        facts = load_vehicle_facts(conn, pks)
        assert vehicle_facts_of(read_vehicle_fact_rows(conn, pks, as_stored=True)) == facts
        columns = vehicle_state_columns()
        expected = []
        for pk, (_, car) in facts.items():
            values = vehicle_state(car, rules)
            expected.append((pk, *(v.isoformat() if isinstance(v, date) else v for v in (values[c] for c in columns))))
        assert StateRows(rules).rows(read_vehicle_fact_rows(conn, pks, as_stored=True)) == expected


def test_the_state_rows_hold_iso_text_in_the_vehicle_tables_date_columns_only(engine: Engine) -> None:
    """Dates cross from the workers as ISO text: in exactly the columns the vehicle table stores as dates."""
    from sqlalchemy import Date

    columns = vehicle_state_columns()
    dated = {c for c in columns if isinstance(VEHICLES.c[c].type, Date)}
    with engine.begin() as conn:
        rows = StateRows(load_rules()).rows(read_vehicle_fact_rows(conn, _fleet(conn, 3), as_stored=True))
    seen: set[str] = set()
    for row in rows:
        for column, value in zip(columns, row[1:], strict=True):
            if isinstance(value, str) and len(value) == 10:
                assert date.fromisoformat(value) and column in dated, column
                seen.add(column)
            else:
                assert column not in dated or value is None, column
    assert seen == dated


@pytest.mark.parametrize("only_moved", [False, True], ids=["whole", "moved"])
def test_workers_store_the_state_computed_here(engine: Engine, monkeypatch: pytest.MonkeyPatch, only_moved: bool) -> None:
    rules = load_rules()
    monkeypatch.setattr(state, "BATCH", 50)  # five batches, several in flight
    with engine.begin() as conn:
        pks = _fleet(conn, 2)
        monkeypatch.setenv(WORKERS_ENV, "0")
        state.refresh_vehicles(conn, pks, rules, only_moved=only_moved)
        here = _stored(conn)
        assert all(values[0] is not None for values in here.values())  # last_reading_date: every car has one
        _forget_state(conn)
        monkeypatch.setenv(WORKERS_ENV, "1")
        state.refresh_vehicles(conn, pks, rules, only_moved=only_moved)
        assert _stored(conn) == here
        # A new visit moves some cars' state; the workers' refresh writes it and leaves the rest as they are.
        upsert_visits(conn, [{"vehicle_pk": pk, "ro_number": f"NEW{pk}", "visit_date": date(2026, 11, 20),
                              "mileage_km": 90000, "kind": "maintenance"} for pk in pks[::7]])
        state.refresh_vehicles(conn, pks, rules, only_moved=only_moved)
        after_workers = _stored(conn)
        monkeypatch.setenv(WORKERS_ENV, "0")
        _forget_state(conn)
        state.refresh_vehicles(conn, pks, rules, only_moved=only_moved)
        assert after_workers == _stored(conn)
        assert {pk for pk in pks if after_workers[pk] != here[pk]} == set(pks[::7])
