"""Loading the rules core's plain facts (customers, vehicles, visits, readings) in batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.schedule import CustomerFacts, VehicleFacts, VisitFact
from lifecycle_cli.store.bulk import CUSTOMERS, READINGS, VEHICLES, VISITS, chunks


def visit_key(ro_number: str | None, visit_date: date, km: int) -> str:
    """A visit's stable key for task events: its work order, else its date and km."""
    return ro_number or f"{visit_date.isoformat()}@{km}"


def load_vehicle_facts(conn: Connection, vehicle_pks: Iterable[int]) -> dict[int, tuple[int, VehicleFacts]]:
    """vehicle pk -> (customer pk, facts) for the given vehicles, with their visits and readings."""
    pks = sorted(set(vehicle_pks))
    visits: dict[int, list[VisitFact]] = defaultdict(list)
    readings: dict[int, list[tuple[date, int]]] = defaultdict(list)
    rows: list[Any] = []
    for part in chunks(pks):
        rows.extend(conn.execute(select(VEHICLES).where(VEHICLES.c.id.in_(part))).mappings().all())
        query = select(VISITS.c.vehicle_pk, VISITS.c.ro_number, VISITS.c.visit_date, VISITS.c.mileage_km,
                       VISITS.c.kind).where(VISITS.c.vehicle_pk.in_(part))
        for vpk, ro, vdate, km, kind in conn.execute(query):
            visits[vpk].append(VisitFact(key=visit_key(ro, vdate, km), date=vdate, km=km, kind=kind))
        query = select(READINGS.c.vehicle_pk, READINGS.c.reading_date, READINGS.c.km).where(
            READINGS.c.vehicle_pk.in_(part)
        )
        for reading in conn.execute(query):
            readings[reading[0]].append((reading[1], reading[2]))
    out: dict[int, tuple[int, VehicleFacts]] = {}
    for row in rows:
        pk = row["id"]
        out[pk] = (
            row["customer_pk"],
            VehicleFacts(
                vin=row["vin"],
                delivery_date=row["delivery_date"],
                plate=row["plate"],
                row_reading=(row["mileage_date"], row["mileage_km"]),
                extra_readings=tuple(readings[pk]),
                visits=tuple(sorted(visits[pk], key=lambda v: (v.date, v.km))),
                sales_consultant=row["sales_consultant"],
                service_advisor=row["service_advisor"],
                store=row["store"],
            ),
        )
    return out


def load_customer_facts(conn: Connection, customer_pks: Iterable[int]) -> dict[int, CustomerFacts]:
    """customer pk -> facts (with every vehicle and its history) for the given customers."""
    pks = sorted(set(customer_pks))
    customers: list[Any] = []
    vehicle_pks: list[int] = []
    for part in chunks(pks):
        customers.extend(conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id.in_(part))).mappings().all())
        vehicle_pks.extend(conn.execute(select(VEHICLES.c.id).where(VEHICLES.c.customer_pk.in_(part))).scalars())
    by_customer: dict[int, list[VehicleFacts]] = defaultdict(list)
    for customer_pk, facts in load_vehicle_facts(conn, vehicle_pks).values():
        by_customer[customer_pk].append(facts)
    return {
        row["id"]: CustomerFacts(
            customer_id=row["customer_id"],
            birthday=row["birthday"],
            do_not_contact=bool(row["do_not_contact"]),
            last_contact=row["last_contact"],
            vehicles=tuple(sorted(by_customer[row["id"]], key=lambda v: v.vin)),
            store=row["store"],
        )
        for row in customers
    }
