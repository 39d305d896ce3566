"""The stored state is written where it moved, and on SQLite only the fields that moved: an UPDATE
rewrites the index entries of every column it names, moved or not (issue 21: a day's 2,000 work orders
at 1M dirtied ~6,000 index pages for values that had not changed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest.pipeline import ImportOptions, run_import
from lifecycle_cli.service.importing import StateAndTasks
from lifecycle_cli.store.bulk import upsert_customers, upsert_vehicles, upsert_visits
from lifecycle_cli.store.bulkload import tables_of
from lifecycle_cli.store.state import CARE, refresh_vehicles, write_changed
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES

WATCHED = ("service_due", "last_visit_date", "delivery_mmdd", "insurance_expiry")


def _watch_updates(conn: Connection) -> None:
    """SQLite: log (row, column) for every UPDATE that names one of the WATCHED vehicle columns."""
    conn.exec_driver_sql("CREATE TEMP TABLE named (id INTEGER, col TEXT)")
    for col in WATCHED:
        conn.exec_driver_sql(f"CREATE TEMP TRIGGER named_{col} AFTER UPDATE OF {col} ON vehicle "
                             f"BEGIN INSERT INTO named VALUES (new.id, '{col}'); END")


def test_a_visit_rewrites_the_state_that_moved_and_no_other_car(engine: Engine) -> None:
    rules = load_rules()
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": "C1"}])
        _, cars = upsert_vehicles(conn, [
            {"vin": "V1", "customer_pk": owners["C1"], "delivery_date": date(2025, 1, 10)},
            {"vin": "V2", "customer_pk": owners["C1"], "delivery_date": date(2024, 3, 5)}])
        refresh_vehicles(conn, set(cars.values()), rules)
        state = select(VEHICLES.c.vin, VEHICLES.c.service_due, VEHICLES.c.last_visit_date, VEHICLES.c.delivery_mmdd)
        before = {row.vin: row for row in conn.execute(state)}
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _watch_updates(conn)
        upsert_visits(conn, [{"vehicle_pk": cars["V1"], "ro_number": "R1", "visit_date": date(2025, 7, 1),
                              "mileage_km": 5000, "kind": "maintenance"}])
        refresh_vehicles(conn, set(cars.values()), rules)
        after = {row.vin: row for row in conn.execute(state)}
        assert after["V2"] == before["V2"]
        assert after["V1"].last_visit_date == date(2025, 7, 1)
        assert after["V1"].service_due != before["V1"].service_due
        assert after["V1"].delivery_mmdd == before["V1"].delivery_mmdd == "01-10"
        if sqlite:  # V2 not written; V1's unmoved indexed columns not named
            named = set(conn.exec_driver_sql("SELECT id, col FROM named").all())
            assert named == {(cars["V1"], "service_due"), (cars["V1"], "last_visit_date")}


def test_write_changed_skips_what_the_stored_values_say_did_not_move(engine: Engine) -> None:
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": "C1"}, {"customer_id": "C2"}])
        c1, c2 = owners["C1"], owners["C2"]
        rows = [(c1, date(2026, 1, 5), 3, "02-03"), (c2, date(2026, 1, 6), 4, "02-04")]  # (pk, *CARE)
        # Stale on purpose: `stored` claims C1's birthday key and all of C2 are already as the rows say.
        stored = {c1: (None, None, "02-03"), c2: (date(2026, 1, 6), 4, "02-04")}
        write_changed(conn, CUSTOMERS, CARE, rows, stored)
        got = {pk: tuple(rest) for pk, *rest in conn.execute(
            select(CUSTOMERS.c.id, *(CUSTOMERS.c[c] for c in CARE)).order_by(CUSTOMERS.c.id))}
        assert got[c2] == (None, None, None)  # nothing moved: not written
        # SQLite writes only the moved fields; PostgreSQL every field of a row that moved
        birthday = None if conn.dialect.name == "sqlite" else "02-03"
        assert got[c1] == (date(2026, 1, 5), 3, birthday)


def _two_cars(conn: Connection) -> dict[str, int]:
    _, owners = upsert_customers(conn, [{"customer_id": "C1"}])
    _, cars = upsert_vehicles(conn, [
        {"vin": "V1", "customer_pk": owners["C1"], "delivery_date": date(2025, 1, 10)},
        {"vin": "V2", "customer_pk": owners["C1"], "delivery_date": date(2024, 3, 5)}])
    return cars


def test_a_bulk_refresh_writes_every_car_whole(engine: Engine) -> None:
    """refresh_vehicles(only_moved=False) (a load that dropped the read-side indexes, a rules rebuild)
    writes as before: every column of every car, nothing read first; StateAndTasks passes it for a
    table the import named in `bulk`, and only then."""
    rules = load_rules()
    with engine.begin() as conn:
        cars = _two_cars(conn)
        refresh_vehicles(conn, set(cars.values()), rules)
        if conn.dialect.name != "sqlite":
            return  # the columns an UPDATE names are SQLite's concern (PostgreSQL writes rows whole)
        _watch_updates(conn)
        refresh_vehicles(conn, set(cars.values()), rules, only_moved=False)
        named = conn.exec_driver_sql("SELECT id, col FROM named").all()
        assert sorted(named) == sorted((pk, col) for pk in cars.values() for col in WATCHED)
        conn.exec_driver_sql("DELETE FROM named")
        StateAndTasks(rules, date(2026, 11, 23)).refresh(conn, set(cars.values()), set(), None)
        assert conn.exec_driver_sql("SELECT count(*) FROM named").scalar() == 0  # nothing moved
        StateAndTasks(rules, date(2026, 11, 23)).refresh(conn, set(cars.values()), set(), None, bulk={"vehicle"})
        assert conn.exec_driver_sql("SELECT count(*) FROM named").scalar() == len(cars) * len(WATCHED)


def test_tables_of_deferred_indexes() -> None:
    assert tables_of(["ix_vehicle_service_due", "ix_visit_visit_date"]) == {"vehicle", "visit"}
    assert tables_of([]) == set()


class _Recorder:
    """An AfterLanding that records what the pipeline tells it."""

    def __init__(self) -> None:
        self.bulk: list[set[str]] = []

    def refresh(self, conn: Any, vehicles: set[int], customers: set[int], steps: Any,
                bulk: Any = ()) -> set[int]:
        self.bulk.append(set(bulk))
        return customers

    def resync(self, conn: Any, customers: set[int], steps: Any) -> None:
        pass


def test_the_pipeline_names_the_tables_whose_indexes_it_dropped(engine: Engine, tmp_path: Path) -> None:
    """A first import (it at least doubles the tables: indexes dropped) says so; a small one into a
    bigger store does not (store/bulkload.py's threshold, both sides)."""
    rules = load_rules()
    first = tmp_path / "vehicles.csv"
    first.write_text("customer_id,vin,delivery_date\n" + "".join(
        f"C{i},LVRHDA3K{i:09d},2025-01-10\n" for i in range(40)), encoding="utf-8")
    small = tmp_path / "one.csv"
    small.write_text("customer_id,vin,delivery_date\nC99,LVRHDA3K999999999,2025-01-10\n", encoding="utf-8")
    recorder = _Recorder()
    for path in (first, small):
        run_import(engine, rules, [path], ImportOptions(today=date(2026, 11, 23)), recorder)
    assert "vehicle" in recorder.bulk[0]
    assert recorder.bulk[1] == set()


@pytest.mark.parametrize("part", [100_000, 3])  # customers per statement: one part, and parts with a last short one
def test_every_customers_care_state_in_one_statement_is_the_per_customer_one(
        engine: Engine, part: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first import stores every customer's care anchor, phase and birthday key in one set-based
    statement (store/state.write_every_care_state); it must be what refresh_customers computes per
    customer: the latest of last contact, deliveries and visits (any of them missing), the anchor's day
    ordinal mod the rhythm, 'MM-DD' of the birthday (29 February included)."""
    import lifecycle_cli.store.state as state
    from lifecycle_cli.store.state import refresh_customers, write_every_care_state

    monkeypatch.setattr(state, "_CARE_PART", part)
    rules = load_rules()
    d = date
    people = [  # (customer_id, last_contact, birthday, cars: [(delivery, [visit dates])])
        ("none", None, None, []),
        ("contact-only", d(2026, 3, 1), d(1990, 2, 28), []),
        ("leap", None, d(1992, 2, 29), [(d(2020, 1, 1), [])]),
        ("visit-latest", d(2025, 1, 1), d(1985, 12, 31), [(d(2019, 6, 30), [d(2020, 1, 1), d(2026, 11, 20)])]),
        ("contact-latest", d(2026, 11, 22), None, [(d(2024, 1, 1), [d(2025, 5, 5)])]),
        ("delivery-latest", d(2021, 1, 1), d(2000, 1, 1), [(d(2018, 1, 1), [d(2019, 1, 1)]), (d(2026, 10, 1), [])]),
        ("old", None, d(1970, 1, 1), [(d(1999, 12, 31), [d(2000, 1, 1)])]),
        ("two-cars-visits", None, None, [(d(2017, 1, 1), [d(2023, 8, 8)]), (d(2016, 1, 1), [d(2024, 8, 9)])]),
    ]
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": c, "last_contact": lc, "birthday": b}
                                            for c, lc, b, _ in people])
        cars = [{"vin": f"V{n}{i}", "customer_pk": owners[c], "delivery_date": delivered}
                for n, (c, _, _, owned) in enumerate(people) for i, (delivered, _) in enumerate(owned)]
        _, car_ids = upsert_vehicles(conn, cars)
        upsert_visits(conn, [{"vehicle_pk": car_ids[f"V{n}{i}"], "ro_number": f"R{n}{i}{k}", "visit_date": day,
                              "mileage_km": 1000 * (k + 1), "kind": "maintenance"}
                             for n, (_, _, _, owned) in enumerate(people) for i, (_, visits) in enumerate(owned)
                             for k, day in enumerate(visits)])
        care = select(CUSTOMERS.c.customer_id, *(CUSTOMERS.c[c] for c in CARE)).order_by(CUSTOMERS.c.customer_id)
        refresh_customers(conn, set(owners.values()), rules)  # per customer
        per_customer = conn.execute(care).all()
        conn.execute(CUSTOMERS.update().values(care_anchor=None, care_phase=None, birthday_mmdd=None))
        write_every_care_state(conn, rules)
        assert conn.execute(care).all() == per_customer
        conn.execute(CUSTOMERS.update().values(care_anchor=None, care_phase=None, birthday_mmdd=None))
        refresh_customers(conn, set(owners.values()), rules, only_moved=False)  # every customer: the statement
        assert conn.execute(care).all() == per_customer
    by_id = {row.customer_id: row for row in per_customer}
    assert by_id["none"].care_anchor is None and by_id["none"].care_phase is None
    assert by_id["leap"].birthday_mmdd == "02-29" and by_id["leap"].care_anchor == d(2020, 1, 1)
    assert by_id["visit-latest"].care_anchor == d(2026, 11, 20)
    assert by_id["contact-latest"].care_anchor == d(2026, 11, 22)
    assert by_id["delivery-latest"].care_anchor == d(2026, 10, 1)
    assert by_id["two-cars-visits"].care_anchor == d(2024, 8, 9)
    assert by_id["old"].care_phase == d(2000, 1, 1).toordinal() % rules.care.every_days
