"""Fleet queries: every car's stage on a date, and one customer or vehicle in full."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.mileage import Projection
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import VehicleFacts, vehicle_projection
from lifecycle_cli.core.stages import StageResult, stage_on
from lifecycle_cli.store.bulk import chunks
from lifecycle_cli.store.facts import load_vehicle_facts
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES, VISITS

PAGE = 2000


@dataclass(frozen=True)
class VehicleStage:
    """A vehicle with its owner, its projection and its stage on a date."""

    row: dict[str, Any]
    customer_id: str
    facts: VehicleFacts
    projection: Projection
    stage: StageResult


def vehicle_stage(row: dict[str, Any], customer_id: str, facts: VehicleFacts, on: date, rules: Rules) -> VehicleStage:
    """Project a vehicle's mileage and place it in its stage on a date."""
    proj = vehicle_projection(facts, rules, on)
    at = max(on, facts.delivery_date)
    result = stage_on(facts.delivery_date, at, proj.projected_km(at), rules)
    return VehicleStage(row=row, customer_id=customer_id, facts=facts, projection=proj, stage=result)


def iter_vehicle_stages(
    conn: Connection,
    on: date,
    rules: Rules,
    *,
    store: str | None = None,
    model: str | None = None,
    stage: str | None = None,
) -> Iterator[VehicleStage]:
    """Every vehicle delivered on or before `on` (filtered), with its stage, a page at a time."""
    query = (
        select(VEHICLES, CUSTOMERS.c.customer_id.label("owner_id"))
        .join(CUSTOMERS, CUSTOMERS.c.id == VEHICLES.c.customer_pk)
        .where(VEHICLES.c.delivery_date <= on)
        .order_by(VEHICLES.c.delivery_date, VEHICLES.c.vin)
    )
    if store:
        query = query.where(VEHICLES.c.store == store)
    if model:
        query = query.where(VEHICLES.c.model == model)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    for page in chunks(rows, PAGE):
        facts = load_vehicle_facts(conn, [r["id"] for r in page])
        for row in page:
            vs = vehicle_stage(row, row["owner_id"], facts[row["id"]][1], on, rules)
            if stage is None or vs.stage.stage == stage:
                yield vs


def vehicle_record(vs: VehicleStage) -> dict[str, Any]:
    """The machine form of a vehicle's stage (the JSON contract of `lifecycle vehicles`)."""
    row, proj, st = vs.row, vs.projection, vs.stage
    return {
        "vin": row["vin"],
        "customer_id": vs.customer_id,
        "plate": row["plate"],
        "model": row["model"],
        "store": row["store"],
        "delivery_date": row["delivery_date"],
        "age_months": st.age_months,
        "stage": st.stage,
        "stage_by_age": st.by_age,
        "stage_by_mileage": st.by_mileage,
        "projected_km": int(st.projected_km),
        "daily_km": round(float(proj.daily_km), 1),
        "daily_km_measured": proj.measured,
        "last_reading_date": proj.last.date,
        "last_reading_km": proj.last.km,
        "rollbacks": len(proj.rollbacks),
    }


def find_customers(conn: Connection, key: str) -> list[int]:
    """Customer pks matching a VIN, plate, phone or customer_id."""
    text = key.strip()
    upper = text.upper().replace(" ", "")
    by_vehicle = select(VEHICLES.c.customer_pk).where(or_(VEHICLES.c.vin == upper, VEHICLES.c.plate == upper))
    found = set(conn.execute(by_vehicle).scalars())
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "-")
    conditions = [CUSTOMERS.c.customer_id == text]
    if digits:
        conditions.append(CUSTOMERS.c.phone == digits)
        # A mobile is stored as 11 bare digits: "138-1234-5678", "+86 138 1234 5678" find it too.
        bare = digits.replace("-", "")
        if len(bare) == 13 and bare.startswith("86"):
            bare = bare[2:]
        if bare != digits:
            conditions.append(CUSTOMERS.c.phone == bare)
    found.update(conn.execute(select(CUSTOMERS.c.id).where(or_(*conditions))).scalars())
    return sorted(found)


def customer_detail(conn: Connection, customer_pk: int, on: date, rules: Rules) -> dict[str, Any]:
    """One customer with each vehicle's stage, readings and visit timeline."""
    customer = dict(conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk)).mappings().one())
    vehicle_rows = [
        dict(r) for r in conn.execute(
            select(VEHICLES).where(VEHICLES.c.customer_pk == customer_pk).order_by(VEHICLES.c.delivery_date)
        ).mappings()
    ]
    facts = load_vehicle_facts(conn, [r["id"] for r in vehicle_rows])
    vehicles = []
    for row in vehicle_rows:
        vs = vehicle_stage(row, customer["customer_id"], facts[row["id"]][1], on, rules)
        visits = [
            dict(v) for v in conn.execute(
                select(VISITS).where(VISITS.c.vehicle_pk == row["id"]).order_by(VISITS.c.visit_date)
            ).mappings()
        ]
        rollbacks = {(r.date, r.km) for r in vs.projection.rollbacks}
        readings = [
            {"date": r.date, "km": r.km, "source": r.source, "rollback": False} for r in vs.projection.kept
        ] + [{"date": r.date, "km": r.km, "source": r.source, "rollback": True} for r in vs.projection.rollbacks]
        readings.sort(key=lambda r: (r["date"], r["km"]))
        vehicles.append({
            **vehicle_record(vs),
            "sales_consultant": row["sales_consultant"],
            "service_advisor": row["service_advisor"],
            "commercial_insurance_expiry": row["commercial_insurance_expiry"],
            "compulsory_insurance_expiry": row["compulsory_insurance_expiry"],
            "inspection_due": row["inspection_due"],
            "ref_reading_date": vs.projection.ref.date,
            "ref_reading_km": vs.projection.ref.km,
            "readings": readings,
            "visits": [
                {
                    "visit_date": v["visit_date"],
                    "mileage_km": v["mileage_km"],
                    "kind": v["kind"],
                    "amount": v["amount"],
                    "advisor": v["advisor"],
                    "ro_number": v["ro_number"],
                    "rollback": (v["visit_date"], v["mileage_km"]) in rollbacks,
                }
                for v in visits
            ],
        })
    return {
        "customer_id": customer["customer_id"],
        "name": customer["name"],
        "phone": customer["phone"],
        "phone_valid": customer["phone_valid"],
        "birthday": customer["birthday"],
        "do_not_contact": customer["do_not_contact"],
        "sms_opt_out": customer["sms_opt_out"],
        "gender": customer["gender"],
        "store": customer["store"],
        "vehicles": vehicles,
    }
