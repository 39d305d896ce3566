"""One car's stored projection state, from its facts by the rules core: the definition of what the vehicle
table stores beside each car (a batch of cars' stored rows are computed on day numbers by
store/state_rows.py, held equal to this). Pure — no SQLAlchemy, no storage.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lifecycle_cli.core.facts import readings_of
from lifecycle_cli.core.insurance import expiry_on
from lifecycle_cli.core.mileage import Projection, Reading
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import (
    VehicleFacts,
    maintenance_visits,
    next_maintenance,
    upgrade_date,
    vehicle_projection,
    warranty_end,
)

# State is computed from all the facts there are, whatever their date.
FAR_FUTURE = date(9999, 12, 31)


def mmdd(day: date | None) -> str | None:
    """'MM-DD' of a date, the key of yearly events (anniversaries, birthdays)."""
    return day.isoformat()[5:] if day is not None else None  # "YYYY-MM-DD"[5:]: 4x cheaper than strftime


def vehicle_state(vehicle: VehicleFacts, rules: Rules, as_of: date = FAR_FUTURE) -> dict[str, Any]:
    """The projection state of one vehicle from the facts up to `as_of` (stored: all facts)."""
    readings = readings_of(vehicle)  # built once, projected on as_of and on the eve below
    proj = vehicle_projection(vehicle, rules, as_of, readings)
    upgrade = upgrade_date(vehicle, proj, rules)
    km_dates: list[date | None] = [proj.date_at_km(km) for km in rules.stages.mileage_km[1:]]
    km_dates += [None] * (4 - len(km_dates))
    return {
        **dated_state(vehicle, rules, as_of, readings, proj),
        "km_stage_date_1": km_dates[0],
        "km_stage_date_2": km_dates[1],
        "km_stage_date_3": km_dates[2],
        "km_stage_date_4": km_dates[3],
        "last_reading_date": proj.last.date,
        "last_reading_km": proj.last.km,
        "daily_km_num": proj.daily_km.numerator,
        "daily_km_den": proj.daily_km.denominator,
        "upgrade_date": upgrade,
        "upgrade_mmdd": mmdd(upgrade),
        "delivery_mmdd": mmdd(vehicle.delivery_date),
    }


# The state columns a month's KPIs read (store/car_pass.py, store/insurance.py): all dated_state gives.
DATED_STATE_COLUMNS = ("last_maintenance_date", "answered_in_window", "returned_from_churn", "last_visit_date",
                       "prev_service_due", "prev_service_first", "has_maintenance", "service_due", "warranty_end",
                       "insurance_expiry")


def dated_state(vehicle: VehicleFacts, rules: Rules, as_of: date, readings: list[Reading],
                proj: Projection | None = None, eves: dict[date, tuple[date | None, bool]] | None = None,
                ) -> dict[str, Any]:
    """The part of the state a month's KPIs read (DATED_STATE_COLUMNS), from the facts up to `as_of`:
    maintenance, what was due on the eve of the last one, warranty end, latest visit, insurance expiry.
    `readings`: readings_of(vehicle); `proj`: its projection on as_of when made already; `eves`: what was
    due on the eve of a maintenance day, kept by the caller that computes one car on several days."""
    if proj is None:
        proj = vehicle_projection(vehicle, rules, as_of, readings)
    done = maintenance_visits(vehicle, rules, as_of)
    nxt = next_maintenance(vehicle, proj, rules, as_of, done)
    prev_due: date | None = None
    prev_first = False
    if done:
        # What the rules said was due on the eve of the last maintenance visit.
        last_done = done[-1].date
        if eves is not None and last_done in eves:
            prev_due, prev_first = eves[last_done]
        else:
            eve = last_done - timedelta(days=1)
            if eve >= vehicle.delivery_date:
                before_eve = [v for v in done if v.date <= eve]  # maintenance_visits(vehicle, rules, eve)
                answered = next_maintenance(vehicle, vehicle_projection(vehicle, rules, eve, readings), rules, eve,
                                            before_eve)
                prev_due, prev_first = answered.due, answered.first
            if eves is not None:
                eves[last_done] = (prev_due, prev_first)
    last_maintenance = done[-1].date if done else None
    early = timedelta(days=rules.kpi.maintenance_visit_early_days)
    lost = timedelta(days=rules.schedule.churn_after_days)
    return {
        "last_maintenance_date": last_maintenance,
        "answered_in_window": bool(prev_due and last_maintenance and last_maintenance >= prev_due - early),
        "returned_from_churn": bool(prev_due and last_maintenance and last_maintenance > prev_due + lost),
        "last_visit_date": max((v.date for v in vehicle.visits if v.date <= as_of), default=None),
        "prev_service_due": prev_due,
        "prev_service_first": prev_first,
        "has_maintenance": bool(done),
        "service_due": nxt.due,
        "warranty_end": warranty_end(vehicle, proj, rules),
        "insurance_expiry": expiry_on(vehicle.insurance_expiry, vehicle.insurance_changes, as_of),
    }


def vehicle_state_columns() -> tuple[str, ...]:
    """The vehicle columns that hold projection state."""
    return ("last_reading_date", "last_reading_km", "daily_km_num", "daily_km_den", "has_maintenance",
            "service_due", "warranty_end", "upgrade_date", "upgrade_mmdd", "delivery_mmdd",
            "last_maintenance_date", "prev_service_due", "prev_service_first", "answered_in_window",
            "returned_from_churn", "last_visit_date",
            "km_stage_date_1", "km_stage_date_2", "km_stage_date_3", "km_stage_date_4",
            "insurance_expiry")


def as_stored(value: Any) -> Any:
    """A state value as the vehicle table stores it: a date as its ISO text, the rest as it is."""
    return value.isoformat() if isinstance(value, date) else value
