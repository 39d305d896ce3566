"""An import's refresh holds one set of car keys and one of customer keys, never copies of them: at a
million cars each copy of a set of keys is ~60 MB of the import's peak memory (issue 21)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.service.importing import StateAndTasks
from lifecycle_cli.store.bulk import upsert_customers, upsert_vehicles
from lifecycle_cli.store.state import customers_of_vehicles
from lifecycle_cli.store.tables import VEHICLES

TODAY = date(2026, 11, 23)


def test_refresh_grows_the_customers_set_in_place_and_consumes_the_cars(engine: Engine) -> None:
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": "C1"}, {"customer_id": "C2"}, {"customer_id": "C3"}])
        _, cars = upsert_vehicles(conn, [{"vin": "V1", "customer_pk": owners["C1"], "delivery_date": date(2026, 1, 10)},
                                         {"vin": "V2", "customer_pk": owners["C2"], "delivery_date": date(2025, 3, 5)}])
        vehicles, customers = set(cars.values()), {owners["C3"]}
        touched = StateAndTasks(load_rules(), TODAY).refresh(conn, vehicles, customers, None)
        assert touched is customers  # grown in place, not a union copy
        assert touched == {owners["C1"], owners["C2"], owners["C3"]}
        assert vehicles == set()  # consumed once their state is stored
        assert conn.execute(select(VEHICLES.c.service_due).where(VEHICLES.c.vin == "V1")).scalar_one() == date(2026, 4, 10)


def test_customers_of_vehicles_adds_to_the_given_set(engine: Engine) -> None:
    with engine.begin() as conn:
        _, owners = upsert_customers(conn, [{"customer_id": "C1"}, {"customer_id": "C2"}])
        _, cars = upsert_vehicles(conn, [{"vin": "V1", "customer_pk": owners["C1"], "delivery_date": date(2026, 1, 10)}])
        into = {owners["C2"]}
        assert customers_of_vehicles(conn, set(cars.values()), into=into) is into
        assert into == {owners["C1"], owners["C2"]}
        assert customers_of_vehicles(conn, [cars["V1"], cars["V1"]]) == {owners["C1"]}
