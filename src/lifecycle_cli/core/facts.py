"""The facts the rules read about a customer and their vehicles, and the dates of a vehicle that
follow from them (next maintenance, warranty end, upgrade). Pure: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from lifecycle_cli.core.insurance import ExpiryChange, earlier_expiry
from lifecycle_cli.core.mileage import Projection, Reading, project, vehicle_readings
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.stages import add_months

# A car's status (vehicle.status): only an active car gets tasks, stages and churn; the others are
# shown apart (care-desk §6). The code, not the Chinese name, is stored and is the closing reason of
# the tasks the status closes.
ACTIVE = "active"
VEHICLE_STATUS_LABELS = {ACTIVE: "在用", "sold": "已售", "scrapped": "报废", "transferred": "过户"}
INACTIVE_STATUSES = tuple(s for s in VEHICLE_STATUS_LABELS if s != ACTIVE)


class VisitFact(NamedTuple):
    """One service visit of a vehicle, as the scheduler needs it."""

    key: str
    date: date
    km: int
    kind: str


@dataclass(frozen=True)
class VehicleFacts:
    """A vehicle and its history, as the scheduler needs them."""

    vin: str
    delivery_date: date
    plate: str | None = None
    row_reading: tuple[date | None, int | None] = (None, None)
    extra_readings: tuple[tuple[date, int], ...] = ()
    visits: tuple[VisitFact, ...] = ()
    sales_consultant: str | None = None
    service_advisor: str | None = None
    store: str | None = None
    commercial_insurance_expiry: date | None = None
    compulsory_insurance_expiry: date | None = None
    inspection_due: date | None = None
    # Every change of the earlier insurance expiry (renewals, corrections), oldest first.
    insurance_changes: tuple[ExpiryChange, ...] = ()
    # active / sold / scrapped / transferred: a car that is not active gets no tasks.
    status: str = ACTIVE

    @property
    def insurance_expiry(self) -> date | None:
        """The earlier of the two insurance expiries: the date renewal calls count back from."""
        return earlier_expiry(self.commercial_insurance_expiry, self.compulsory_insurance_expiry)


@dataclass(frozen=True)
class CustomerFacts:
    """A customer, their vehicles and their last successful contact."""

    customer_id: str
    birthday: date | None = None
    do_not_contact: bool = False
    last_contact: date | None = None
    vehicles: tuple[VehicleFacts, ...] = ()
    store: str | None = None
    # The customer's assigned person of each role (专属), (role, name) of active staff only.
    assigned: tuple[tuple[str, str], ...] = ()
    # The desk found the current number bad (wrong_number / invalid_number / not_owner): no phone tasks.
    phone_bad: bool = False
    # The customer opted out of messages (短信退订): no sms tasks.
    sms_opt_out: bool = False

    @property
    def active_vehicles(self) -> tuple[VehicleFacts, ...]:
        """The cars that still get tasks (status active)."""
        return tuple(v for v in self.vehicles if v.status == ACTIVE)

    def inactive_status(self, vin: str) -> str | None:
        """Why the tasks of this car (vin "" : the customer's own tasks) are no longer made: the car's
        status when it is not active; for the customer's own tasks, the status of their first car
        (by VIN) when none of their cars is active; else None."""
        if vin:
            return next((v.status for v in self.vehicles if v.vin == vin and v.status != ACTIVE), None)
        if self.vehicles and not self.active_vehicles:
            return self.vehicles[0].status
        return None

    def assigned_to(self, role: str) -> str | None:
        """The customer's assigned person of `role`, if any."""
        for assigned_role, name in self.assigned:
            if assigned_role == role:
                return name
        return None


class MaintenanceDue(NamedTuple):
    """The next maintenance a car owes: first service or periodic, and the chain it belongs to."""

    first: bool
    due: date
    event_key: str
    based_on: VisitFact | None


def maintenance_visits(vehicle: VehicleFacts, rules: Rules, today: date) -> list[VisitFact]:
    """The vehicle's maintenance visits (保养/定保/首保) up to `today`, oldest first."""
    return sorted(
        (v for v in vehicle.visits if v.kind in rules.schedule.maintenance_kinds and v.date <= today),
        key=lambda v: (v.date, v.km),
    )


def readings_of(vehicle: VehicleFacts) -> list[Reading]:
    """Every odometer reading of the vehicle (delivery, its row, visits, extra readings), any date."""
    visits = [(v.date, v.km) for v in vehicle.visits] + list(vehicle.extra_readings)
    return vehicle_readings(vehicle.delivery_date, vehicle.row_reading, visits)


def vehicle_projection(vehicle: VehicleFacts, rules: Rules, today: date,
                       readings: list[Reading] | None = None) -> Projection:
    """The vehicle's mileage projection from its readings up to `today` (`readings`: readings_of(vehicle),
    when the caller projects the same car on several days)."""
    return project(readings_of(vehicle) if readings is None else readings, max(today, vehicle.delivery_date), rules)


def next_maintenance(vehicle: VehicleFacts, projection: Projection, rules: Rules, today: date,
                     done: list[VisitFact] | None = None) -> MaintenanceDue:
    """The next maintenance due date: first service, or the last maintenance + interval, whichever first
    (`done`: maintenance_visits(vehicle, rules, today), when the caller has it already)."""
    if done is None:
        done = maintenance_visits(vehicle, rules, today)
    if not done:
        due = min(
            add_months(vehicle.delivery_date, rules.schedule.first_service_months),
            projection.date_at_km(rules.schedule.first_service_km),
        )
        return MaintenanceDue(first=True, due=due, event_key="first", based_on=None)
    last = done[-1]
    due = min(
        add_months(last.date, rules.schedule.service_interval_months),
        projection.date_at_km(last.km + rules.schedule.service_interval_km),
    )
    return MaintenanceDue(first=False, due=due, event_key=f"after:{last.date.isoformat()}", based_on=last)


def warranty_end(vehicle: VehicleFacts, projection: Projection, rules: Rules) -> date:
    """The day the warranty ends: delivery + 36 months or the day at 60,000 km, whichever first."""
    return min(add_months(vehicle.delivery_date, rules.warranty.months), projection.date_at_km(rules.warranty.km))


def upgrade_date(vehicle: VehicleFacts, projection: Projection, rules: Rules) -> date:
    """The day the car enters 换车升级期: delivery + 60 months or the day at 100,000 km, whichever first."""
    return min(add_months(vehicle.delivery_date, rules.schedule.upgrade_months), projection.date_at_km(rules.schedule.upgrade_km))


def yearly_date(month: int, day: int, year: int) -> date:
    """A yearly date in a given year; 29 February falls on 28 February in other years."""
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)
