"""Loading the rules core's plain facts (customers, vehicles, visits, readings) in batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.schedule import CustomerFacts, VehicleFacts
from lifecycle_cli.store.bulk import chunks, fetch_in
from lifecycle_cli.store.fact_rows import (
    EXPIRY_CHANGE_COLUMNS,
    READING_FACT_COLUMNS,
    VEHICLE_FACT_COLUMNS,
    VISIT_FACT_COLUMNS,
    VehicleFactRows,
    vehicle_facts_of,
)
from lifecycle_cli.store.staff import assignments_of
from lifecycle_cli.store.tables import CUSTOMERS, INSURANCE_CHANGES, READINGS, VEHICLES, VISITS


def load_vehicle_facts(conn: Connection, vehicle_pks: Iterable[int]) -> dict[int, tuple[int, VehicleFacts]]:
    """vehicle pk -> (customer pk, facts) for the given vehicles, with their visits and readings."""
    return vehicle_facts_of(read_vehicle_fact_rows(conn, vehicle_pks))


def read_vehicle_fact_rows(conn: Connection, vehicle_pks: Iterable[int], *, as_stored: bool = False) -> VehicleFactRows:
    """The rows of these vehicles, their visits, readings and expiry changes (dates as stored with
    `as_stored`: what a worker process builds the facts from, store/fact_rows.py)."""
    rows: list[tuple[Any, ...]] = []
    for part in chunks(sorted(set(vehicle_pks))):
        rows.extend(fetch_in(conn, VEHICLES, VEHICLE_FACT_COLUMNS, "id", part, as_stored=as_stored))
    return _with_history(conn, rows, as_stored=as_stored)


def _with_history(conn: Connection, rows: list[tuple[Any, ...]], *, as_stored: bool = False) -> VehicleFactRows:
    """These vehicle rows (VEHICLE_FACT_COLUMNS) with their visits, readings and expiry changes."""
    batch = VehicleFactRows(rows, [], [], [])
    for part in chunks(sorted(row[0] for row in rows)):
        batch.visits.extend(fetch_in(conn, VISITS, VISIT_FACT_COLUMNS, "vehicle_pk", part, as_stored=as_stored))
        batch.readings.extend(fetch_in(conn, READINGS, READING_FACT_COLUMNS, "vehicle_pk", part, as_stored=as_stored))
        batch.expiry_changes.extend(fetch_in(conn, INSURANCE_CHANGES, EXPIRY_CHANGE_COLUMNS, "vehicle_pk", part,
                                             as_stored=as_stored))
    return batch


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
    for customer_pk, facts in vehicle_facts_of(_with_history(conn, vehicle_rows)).values():
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
