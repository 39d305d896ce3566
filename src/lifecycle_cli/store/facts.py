"""Loading the rules core's plain facts (customers, vehicles, visits, readings) in batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.facts import ACTIVE
from lifecycle_cli.core.insurance import ExpiryChange
from lifecycle_cli.core.schedule import CustomerFacts, VehicleFacts, VisitFact
from lifecycle_cli.store.bulk import chunks, fetch_in
from lifecycle_cli.store.staff import assignments_of
from lifecycle_cli.store.tables import CUSTOMERS, INSURANCE_CHANGES, READINGS, VEHICLES, VISITS


def visit_key(ro_number: str | None, visit_date: date, km: int) -> str:
    """A visit's stable key for task events: its work order, else its date and km."""
    return ro_number or f"{visit_date.isoformat()}@{km}"


# A vehicle's visits in the order the scheduler reads them.
_BY_DATE_AND_KM = attrgetter("date", "km")

VEHICLE_FACT_COLUMNS = ("id", "customer_pk", "vin", "delivery_date", "plate", "mileage_date", "mileage_km",
                        "sales_consultant", "service_advisor", "store",
                        "commercial_insurance_expiry", "compulsory_insurance_expiry", "inspection_due", "status")


def load_vehicle_facts(conn: Connection, vehicle_pks: Iterable[int]) -> dict[int, tuple[int, VehicleFacts]]:
    """vehicle pk -> (customer pk, facts) for the given vehicles, with their visits and readings."""
    rows: list[tuple[Any, ...]] = []
    for part in chunks(sorted(set(vehicle_pks))):
        rows.extend(fetch_in(conn, VEHICLES, VEHICLE_FACT_COLUMNS, "id", part))
    return _vehicle_facts(conn, rows)


def _vehicle_facts(conn: Connection, rows: list[tuple[Any, ...]]) -> dict[int, tuple[int, VehicleFacts]]:
    """The facts of these vehicle rows (VEHICLE_FACT_COLUMNS), with their visits, readings and expiry changes."""
    visits: dict[int, list[VisitFact]] = defaultdict(list)
    readings: dict[int, list[tuple[date, int]]] = defaultdict(list)
    expiry_changes: dict[int, list[ExpiryChange]] = defaultdict(list)
    for part in chunks(sorted(row[0] for row in rows)):
        for vpk, ro, vdate, km, kind in fetch_in(
            conn, VISITS, ("vehicle_pk", "ro_number", "visit_date", "mileage_km", "kind"), "vehicle_pk", part
        ):
            visits[vpk].append(VisitFact(key=visit_key(ro, vdate, km), date=vdate, km=km, kind=kind))
        for vpk, rdate, km in fetch_in(conn, READINGS, ("vehicle_pk", "reading_date", "km"), "vehicle_pk", part):
            readings[vpk].append((rdate, km))
        for vpk, _, old, new, changed_on in sorted(fetch_in(
            conn, INSURANCE_CHANGES, ("vehicle_pk", "id", "old_expiry", "new_expiry", "changed_on"), "vehicle_pk", part
        )):
            expiry_changes[vpk].append(ExpiryChange(old, new, changed_on))
    out: dict[int, tuple[int, VehicleFacts]] = {}
    for (pk, customer_pk, vin, delivered, plate, mileage_date, mileage_km, sales, advisor, store,
         commercial, compulsory, inspection, status) in rows:
        seen = visits.get(pk, ())
        out[pk] = (
            customer_pk,
            VehicleFacts(
                vin=vin,
                delivery_date=delivered,
                plate=plate,
                row_reading=(mileage_date, mileage_km),
                extra_readings=tuple(readings.get(pk, ())),
                visits=tuple(sorted(seen, key=_BY_DATE_AND_KM)) if len(seen) > 1 else tuple(seen),
                sales_consultant=sales,
                service_advisor=advisor,
                store=store,
                commercial_insurance_expiry=commercial,
                compulsory_insurance_expiry=compulsory,
                inspection_due=inspection,
                insurance_changes=tuple(expiry_changes.get(pk, ())),
                status=status or ACTIVE,
            ),
        )
    return out


def load_customer_facts(conn: Connection, customer_pks: Iterable[int]) -> dict[int, CustomerFacts]:
    """customer pk -> facts (with every vehicle and its history, their assigned people) for the given customers."""
    pks = sorted(set(customer_pks))
    customers: list[tuple[Any, ...]] = []
    vehicle_rows: list[tuple[Any, ...]] = []
    for part in chunks(pks):
        customers.extend(fetch_in(conn, CUSTOMERS, ("id", "customer_id", "birthday", "do_not_contact",
                                                    "last_contact", "store", "phone", "bad_phone", "sms_opt_out"),
                                   "id", part))
        vehicle_rows.extend(fetch_in(conn, VEHICLES, VEHICLE_FACT_COLUMNS, "customer_pk", part))
    by_customer: dict[int, list[VehicleFacts]] = defaultdict(list)
    for customer_pk, facts in _vehicle_facts(conn, vehicle_rows).values():
        by_customer[customer_pk].append(facts)
    assigned = assignments_of(conn, pks)
    return {
        pk: CustomerFacts(
            customer_id=customer_id,
            birthday=birthday,
            do_not_contact=bool(do_not_contact),
            last_contact=last_contact,
            vehicles=tuple(sorted(by_customer[pk], key=lambda v: v.vin)),
            store=store,
            assigned=assigned.get(pk, ()),
            phone_bad=bad_phone is not None and bad_phone == (phone or ""),
            sms_opt_out=bool(sms_opt_out),
        )
        for pk, customer_id, birthday, do_not_contact, last_contact, store, phone, bad_phone, sms_opt_out in customers
    }


def customer_task_facts(conn: Connection, customer_pks: Sequence[int]) -> dict[int, tuple[CustomerFacts, bool]]:
    """customer pk -> (the facts a task written outside the scheduler needs — an event's follow-up, an
    appointment's reminder: id, store and assigned people — and whether the customer is do-not-contact)."""
    out: dict[int, tuple[CustomerFacts, bool]] = {}
    assigned = assignments_of(conn, customer_pks)
    for part in chunks(sorted(set(customer_pks))):
        query = select(CUSTOMERS.c.id, CUSTOMERS.c.customer_id, CUSTOMERS.c.store, CUSTOMERS.c.do_not_contact)
        for pk, cid, store, dnc in conn.execute(query.where(CUSTOMERS.c.id.in_(part))):
            facts = CustomerFacts(customer_id=cid, store=store, do_not_contact=bool(dnc), assigned=assigned.get(pk, ()))
            out[pk] = (facts, bool(dnc))
    return out
