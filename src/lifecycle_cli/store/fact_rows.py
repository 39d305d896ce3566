"""A batch of cars' rows as the database gave them, and the rules core's `VehicleFacts` built from them.

Reading (store/facts.py) and building are apart so a worker process can build: it gets the rows as read
(on SQLite a date is its stored ISO text, cheap to send between processes; PostgreSQL gives dates) and
imports neither SQLAlchemy nor the storage, only the rules core.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from operator import attrgetter
from typing import Any, NamedTuple

from lifecycle_cli.core.facts import ACTIVE, VehicleFacts, VisitFact
from lifecycle_cli.core.insurance import ExpiryChange

VEHICLE_FACT_COLUMNS = ("id", "customer_pk", "vin", "delivery_date", "plate", "mileage_date", "mileage_km",
                        "sales_consultant", "service_advisor", "store",
                        "commercial_insurance_expiry", "compulsory_insurance_expiry", "inspection_due", "status")
VISIT_FACT_COLUMNS = ("vehicle_pk", "ro_number", "visit_date", "mileage_km", "kind")
READING_FACT_COLUMNS = ("vehicle_pk", "reading_date", "km")
EXPIRY_CHANGE_COLUMNS = ("vehicle_pk", "id", "old_expiry", "new_expiry", "changed_on")

# A vehicle's visits in the order the scheduler reads them.
_BY_DATE_AND_KM = attrgetter("date", "km")


class VehicleFactRows(NamedTuple):
    """The rows of a batch of cars, each in its *_COLUMNS order, as read."""

    vehicles: list[tuple[Any, ...]]
    visits: list[tuple[Any, ...]]
    readings: list[tuple[Any, ...]]
    expiry_changes: list[tuple[Any, ...]]


def visit_key(ro_number: str | None, visit_date: date, km: int) -> str:
    """A visit's stable key for task events: its work order, else its date and km."""
    return ro_number or f"{visit_date.isoformat()}@{km}"


def _day(value: Any) -> Any:
    """A date as read: SQLite's stored text back to a date (what SQLAlchemy's Date gives), else as it is."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def vehicle_facts_of(rows: VehicleFactRows) -> dict[int, tuple[int, VehicleFacts]]:
    """vehicle pk -> (customer pk, facts) of the batch's cars, with their visits, readings and expiry changes."""
    visits: dict[int, list[VisitFact]] = defaultdict(list)
    readings: dict[int, list[tuple[date, int]]] = defaultdict(list)
    expiry_changes: dict[int, list[ExpiryChange]] = defaultdict(list)
    for vpk, ro, vdate, km, kind in rows.visits:
        day = _day(vdate)
        visits[vpk].append(VisitFact(key=visit_key(ro, day, km), date=day, km=km, kind=kind))
    for vpk, rdate, km in rows.readings:
        readings[vpk].append((_day(rdate), km))
    for vpk, _, old, new, changed_on in sorted(rows.expiry_changes, key=lambda row: (row[0], row[1])):
        expiry_changes[vpk].append(ExpiryChange(_day(old), _day(new), _day(changed_on)))
    out: dict[int, tuple[int, VehicleFacts]] = {}
    for (pk, customer_pk, vin, delivered, plate, mileage_date, mileage_km, sales, advisor, store,
         commercial, compulsory, inspection, status) in rows.vehicles:
        seen = visits.get(pk, ())
        out[pk] = (
            customer_pk,
            VehicleFacts(
                vin=vin,
                delivery_date=_day(delivered),
                plate=plate,
                row_reading=(_day(mileage_date), mileage_km),
                extra_readings=tuple(readings.get(pk, ())),
                visits=tuple(sorted(seen, key=_BY_DATE_AND_KM)) if len(seen) > 1 else tuple(seen),
                sales_consultant=sales,
                service_advisor=advisor,
                store=store,
                commercial_insurance_expiry=_day(commercial),
                compulsory_insurance_expiry=_day(compulsory),
                inspection_due=_day(inspection),
                insurance_changes=tuple(expiry_changes.get(pk, ())),
                status=status or ACTIVE,
            ),
        )
    return out
