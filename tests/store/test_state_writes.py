"""The stored state is written where it moved, and on SQLite only the fields that moved: an UPDATE
rewrites the index entries of every column it names, moved or not (issue 21: a day's 2,000 work orders
at 1M dirtied ~6,000 index pages for values that had not changed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.store.bulk import upsert_customers, upsert_vehicles, upsert_visits
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
        rows = [{"_pk": c1, "care_anchor": date(2026, 1, 5), "care_phase": 3, "birthday_mmdd": "02-03"},
                {"_pk": c2, "care_anchor": date(2026, 1, 6), "care_phase": 4, "birthday_mmdd": "02-04"}]
        # Stale on purpose: `stored` claims C1's birthday key and all of C2 are already as the rows say.
        stored = {c1: (None, None, "02-03"), c2: (date(2026, 1, 6), 4, "02-04")}
        write_changed(conn, CUSTOMERS, CARE, rows, stored)
        got = {pk: tuple(rest) for pk, *rest in conn.execute(
            select(CUSTOMERS.c.id, *(CUSTOMERS.c[c] for c in CARE)).order_by(CUSTOMERS.c.id))}
        assert got[c2] == (None, None, None)  # nothing moved: not written
        # SQLite writes only the moved fields; PostgreSQL every field of a row that moved
        birthday = None if conn.dialect.name == "sqlite" else "02-03"
        assert got[c1] == (date(2026, 1, 5), 3, birthday)
