"""`vehicles`, `show`, `vehicle set` and `customer set`: the fleet on a day, one customer in full, a car's
dates, a customer's flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lifecycle_cli.errors import NotDone

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.store.customers import FlagChange
    from lifecycle_cli.store.insurance import VehicleDates
    from lifecycle_cli.store.vehicle_status import StatusChange


@dataclass
class FleetOptions:
    """The day looked at and the filters of `vehicles`."""

    day: date
    stage: str | None = None
    store: str | None = None
    model: str | None = None


def vehicles(engine: Engine, rules: Rules, options: FleetOptions) -> list[dict[str, Any]]:
    """One record per vehicle (of the filters) with its stage on the day."""
    from lifecycle_cli.store.fleet import iter_vehicle_stages, vehicle_record

    with engine.connect() as conn:
        return [vehicle_record(vs) for vs in iter_vehicle_stages(conn, options.day, rules, store=options.store,
                                                                 model=options.model, stage=options.stage)]


def customers(engine: Engine, rules: Rules, key: str, day: date) -> list[dict[str, Any]]:
    """Every customer a VIN, plate, phone or customer id names, in full on the day; NotDone when none."""
    from lifecycle_cli.store.fleet import customer_detail, find_customers

    with engine.connect() as conn:
        pks = find_customers(conn, key)
        if not pks:
            raise NotDone(f"找不到 \"{key}\"：没有匹配的车架号、车牌号、手机号或客户编号")
        return [customer_detail(conn, pk, day, rules) for pk in pks]


def set_dates(engine: Engine, rules: Rules, today: date, vin: str, values: Mapping[str, date]) -> VehicleDates:
    """Set a car's insurance / inspection dates (a moved expiry dated today) and bring its tasks in step;
    NotDone when there is no such VIN."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.insurance import set_vehicle_dates

    with engine.begin() as conn:
        done = set_vehicle_dates(conn, rules, vin, values, today, HolidayCalendar())
    if done is None:
        raise NotDone(f"找不到车架号 \"{vin}\"")
    return done


def set_status(engine: Engine, rules: Rules, today: date, vin: str, status: str) -> StatusChange:
    """Set a car's status (active / sold / scrapped / transferred) and bring its customer's tasks in
    step; NotDone when there is no such VIN."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.vehicle_status import set_vehicle_status

    with engine.begin() as conn:
        done = set_vehicle_status(conn, rules, vin, status, today, HolidayCalendar())
    if done is None:
        raise NotDone(f"找不到车架号 \"{vin}\"")
    return done


def set_customer(engine: Engine, rules: Rules, today: date, customer_id: str, values: dict[str, bool]) -> FlagChange:
    """`customer set`: a customer's do-not-contact / sms opt-out by hand; NotDone when there is no such customer."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.customers import set_customer_flags

    with engine.begin() as conn:
        done = set_customer_flags(conn, rules, customer_id, values, today, HolidayCalendar())
    if done is None:
        raise NotDone(f"找不到客户编号 \"{customer_id}\"")
    return done
