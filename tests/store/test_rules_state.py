"""store/rules_state.py on a real database: the rules digest round trip and the rebuild it triggers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from lifecycle_cli.core.rules import load_rules, state_digest
from lifecycle_cli.store.bulk import upsert_customers, upsert_vehicles, upsert_visits
from lifecycle_cli.store.rules_state import ensure_state_current, stored_digest
from lifecycle_cli.store.state import refresh_vehicles
from lifecycle_cli.store.tables import VEHICLES

TODAY = date(2026, 11, 23)


def digest(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return stored_digest(conn)


def service_due(engine: Engine) -> dict[str, date]:
    with engine.connect() as conn:
        return {vin: due for vin, due in conn.execute(select(VEHICLES.c.vin, VEHICLES.c.service_due))}


def test_an_empty_database_only_records_the_digest(engine: Engine) -> None:
    rules = load_rules()
    assert digest(engine) is None  # a new database: built with unknown rules
    assert ensure_state_current(engine, rules, TODAY) is None
    assert digest(engine) == state_digest(rules)
    assert ensure_state_current(engine, rules, TODAY) is None  # current: one read, nothing done


def test_other_rules_rebuild_every_car_once_and_record_their_digest(engine: Engine, tmp_path: Path) -> None:
    defaults = load_rules()
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": "C1"}, {"customer_id": "C2"}])
        _, cars = upsert_vehicles(conn, [{"vin": "V1", "customer_pk": owners["C1"], "delivery_date": date(2026, 1, 10)},
                                         {"vin": "V2", "customer_pk": owners["C2"], "delivery_date": date(2025, 3, 5)}])
        upsert_visits(conn, [{"vehicle_pk": cars["V2"], "visit_date": date(2026, 6, 1), "mileage_km": 5000,
                              "kind": "maintenance", "ro_number": "RO1"}])
        refresh_vehicles(conn, sorted(cars.values()), defaults)
    assert ensure_state_current(engine, defaults, TODAY) is not None  # no digest stored yet: rebuilt
    assert digest(engine) == state_digest(defaults)
    assert service_due(engine) == {"V1": date(2026, 4, 10), "V2": date(2026, 12, 1)}  # 6 months after

    override = tmp_path / "dealer.toml"
    override.write_text("[schedule]\nservice_interval_months = 4\n", encoding="utf-8")
    changed = load_rules(override)
    assert state_digest(changed) != state_digest(defaults)

    rebuild = ensure_state_current(engine, changed, TODAY)

    assert rebuild is not None and (rebuild.vehicles, rebuild.customers) == (2, 2)
    assert digest(engine) == state_digest(changed)
    assert ensure_state_current(engine, changed, TODAY) is None
    # The stored state is the new rules': V2's next service 4 months after its last one; V1's first
    # service stays 3 months after delivery (the interval is not the first service's).
    assert service_due(engine) == {"V1": date(2026, 4, 10), "V2": date(2026, 10, 1)}
