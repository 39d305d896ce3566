"""Stored projection state: per-vehicle dates the call list and report query by index.

The rules core stays the single source of the formulas: this module only runs the pure
functions over the stored facts and writes their answers next to the vehicle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

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
from lifecycle_cli.steps import Steps, reported
from lifecycle_cli.store.bulk import chunks, fetch_in, in_keys, update_by_pk
from lifecycle_cli.store.facts import load_vehicle_facts
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES, VISITS

# State is computed from all the facts there are, whatever their date.
FAR_FUTURE = date(9999, 12, 31)
BATCH = 2000
# A customer's stored state: the care-call anchor and phase, the birthday key.
CARE = ("care_anchor", "care_phase", "birthday_mmdd")
# From this many customers in hand, whether they are every customer is worth a count (~50 ms at 850,000).
EVERY_CUSTOMER_CHECK_FROM = 20_000


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


def refresh_vehicles(conn: Connection, vehicle_pks: Iterable[int], rules: Rules, steps: Steps | None = None, *,
                     only_moved: bool = True) -> None:
    """Recompute and store the projection state of these vehicles: where it moved (`write_changed`), or
    with `only_moved=False` all of it without reading it first (a bulk load whose read-side indexes are
    dropped, a rebuild of every car: no index entry to spare, and the read and compare cost ~10%)."""
    pks = distinct_sorted(vehicle_pks)
    columns = vehicle_state_columns()
    for part in reported(chunks(pks, BATCH), len(pks), "计算车辆状态（辆）", steps):
        facts = load_vehicle_facts(conn, part)
        rows = [{"_pk": pk, **vehicle_state(v, rules)} for pk, (_, v) in facts.items()]
        if not only_moved:
            update_by_pk(conn, VEHICLES, columns, rows)
            continue
        stored = {row[0]: row[1:] for keys in chunks(part) for row in fetch_in(conn, VEHICLES, ("id", *columns), "id", keys)}
        write_changed(conn, VEHICLES, columns, rows, stored)


def write_changed(conn: Connection, table: Table, fields: Sequence[str], rows: list[dict[str, Any]],
                  stored: Mapping[int, Sequence[Any]]) -> None:
    """Store the state of rows keyed by "_pk" where it moved from `stored` (pk -> the stored values, in
    `fields` order); a row whose state did not move is not written. On SQLite a row writes only the
    fields that moved (one executemany per set of them): an UPDATE rewrites the index entries of every
    column it names, moved or not, and at 1M a day's 2,000 work orders named seven indexed vehicle
    columns of which about three move (each rewrite dirties a page, then copied to the WAL and back).
    PostgreSQL writes a whole row version anyway: every field of the rows that moved, in one statement."""
    whole = tuple(fields)
    shaped = conn.dialect.name == "sqlite"
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        old = stored.get(row["_pk"])
        moved = whole if old is None else tuple(f for f, value in zip(fields, old, strict=True) if row[f] != value)
        if moved:
            by_shape[moved if shaped else whole].append(row)
    for shape, batch in by_shape.items():
        update_by_pk(conn, table, shape, batch)


def vehicle_state_columns() -> tuple[str, ...]:
    """The vehicle columns that hold projection state."""
    return ("last_reading_date", "last_reading_km", "daily_km_num", "daily_km_den", "has_maintenance",
            "service_due", "warranty_end", "upgrade_date", "upgrade_mmdd", "delivery_mmdd",
            "last_maintenance_date", "prev_service_due", "prev_service_first", "answered_in_window",
            "returned_from_churn", "last_visit_date",
            "km_stage_date_1", "km_stage_date_2", "km_stage_date_3", "km_stage_date_4",
            "insurance_expiry")


def refresh_customers(conn: Connection, customer_pks: Iterable[int], rules: Rules,
                      steps: Steps | None = None, *, only_moved: bool = True) -> None:
    """Recompute and store the care-call anchor and phase and the birthday key of these customers (where
    they moved; all of them with `only_moved=False`, as refresh_vehicles).

    The anchor is the latest of the last successful contact, deliveries and visits
    gathered with grouped queries (the one place the care anchor is computed).
    """
    pks = distinct_sorted(customer_pks)
    if not only_moved and pks and len(pks) == conn.execute(select(func.count()).select_from(CUSTOMERS)).scalar_one():
        for _ in reported([pks], len(pks), "更新客户回访周期（位）", steps):
            write_every_care_state(conn, rules)  # a first import: every customer, in one statement
        return
    for part in reported(chunks(pks, BATCH), len(pks), "更新客户回访周期（位）", steps):
        latest: dict[int, date] = {}
        customers = conn.execute(
            select(CUSTOMERS.c.id, CUSTOMERS.c.last_contact, CUSTOMERS.c.birthday, *(CUSTOMERS.c[c] for c in CARE)).where(
                in_keys(conn, CUSTOMERS.c.id, part))
        ).all()
        found: list[tuple[int, date | None]] = [(pk, last_contact) for pk, last_contact, *_ in customers]
        deliveries = select(VEHICLES.c.customer_pk, func.max(VEHICLES.c.delivery_date)).where(
            in_keys(conn, VEHICLES.c.customer_pk, part)).group_by(VEHICLES.c.customer_pk)
        visits = (
            select(VEHICLES.c.customer_pk, func.max(VISITS.c.visit_date))
            .join(VISITS, VISITS.c.vehicle_pk == VEHICLES.c.id)
            .where(in_keys(conn, VEHICLES.c.customer_pk, part))
            .group_by(VEHICLES.c.customer_pk)
        )
        for query in (deliveries, visits):
            found.extend((pk, day) for pk, day in conn.execute(query))
        for pk, day in found:
            if day is not None and (pk not in latest or day > latest[pk]):
                latest[pk] = day
        rows = [
            {"_pk": pk, "care_anchor": latest.get(pk),
             "care_phase": rules.care.phase(latest[pk]) if pk in latest else None,
             "birthday_mmdd": mmdd(birthday)}
            for pk, _, birthday, *_ in customers
        ]
        if only_moved:
            write_changed(conn, CUSTOMERS, CARE, rows, {pk: stored for pk, _, _, *stored in customers})
        else:
            update_by_pk(conn, CUSTOMERS, CARE, rows)


# Every customer's care state, set-based (`write_every_care_state`): the anchor is the latest of the last
# successful contact, the latest delivery and the latest visit of the customer's cars; the phase is the
# anchor's day ordinal (date.toordinal) mod the rhythm; the birthday key 'MM-DD'.
# SQLite: correlated subqueries through the owner's and the visits' own indexes (an import keeps them),
# 100,000 customers per statement: no grouping of a million rows in the import's own memory.
_LATEST_DELIVERY = "(SELECT max(v.delivery_date) FROM vehicle v WHERE v.customer_pk = customer.id)"
_LATEST_VISIT = ("(SELECT max(x.visit_date) FROM vehicle v JOIN visit x ON x.vehicle_pk = v.id "
                 "WHERE v.customer_pk = customer.id)")
_IN_PART = "WHERE customer.id BETWEEN :lo AND :hi"
_CARE_PART = 100_000
_SQLITE_CARE_STATE = (  # SQLite's max() of several values is NULL when one is: a missing date counts as ''
    "UPDATE customer SET care_anchor = nullif(max(coalesce(last_contact, ''), "
    f"coalesce({_LATEST_DELIVERY}, ''), coalesce({_LATEST_VISIT}, '')), '') {_IN_PART}",
    "UPDATE customer SET care_phase = CAST(julianday(care_anchor) - 1721424.5 AS INTEGER) % :every, "
    f"birthday_mmdd = substr(birthday, 6) {_IN_PART}",
)
# PostgreSQL: one statement, the latest dates grouped by the server (a hash aggregate, in its memory):
# just after a first import its planner has no statistics, and the correlated form read the whole vehicle
# table once per customer (a part of 100,000 customers ran for over 6 minutes at 1M).
_POSTGRES_CARE_STATE = """
UPDATE customer SET care_anchor = a.anchor, care_phase = ((a.anchor - DATE '0001-01-01') + 1) % :every,
  birthday_mmdd = to_char(customer.birthday, 'MM-DD')
FROM (SELECT c.id AS pk, GREATEST(c.last_contact, d.m, s.m) AS anchor FROM customer c
      LEFT JOIN (SELECT customer_pk AS pk, max(delivery_date) AS m FROM vehicle GROUP BY customer_pk) d ON d.pk = c.id
      LEFT JOIN (SELECT v.customer_pk AS pk, max(x.visit_date) AS m FROM visit x JOIN vehicle v ON v.id = x.vehicle_pk
                 GROUP BY v.customer_pk) s ON s.pk = c.id) a
WHERE customer.id = a.pk"""


def write_every_care_state(conn: Connection, rules: Rules) -> None:
    """Store every customer's care anchor, phase and birthday key (what refresh_customers computes per
    customer) set-based: a first import's 850,000 customers in ~8 s on SQLite instead of ~32 s of grouped
    reads and Python. Other databases take refresh_customers' own path."""
    every = rules.care.every_days
    if conn.dialect.name == "postgresql":
        conn.execute(text(_POSTGRES_CARE_STATE), {"every": every})
        return
    if conn.dialect.name != "sqlite":
        refresh_customers(conn, conn.execute(select(CUSTOMERS.c.id)).scalars().all(), rules, only_moved=True)
        return
    low, high = conn.execute(select(func.min(CUSTOMERS.c.id), func.max(CUSTOMERS.c.id))).one()
    if low is None:
        return
    for lo in range(low, high + 1, _CARE_PART):
        for sql in _SQLITE_CARE_STATE:
            conn.execute(text(sql), {"every": every, "lo": lo, "hi": lo + _CARE_PART - 1})


def distinct_sorted(pks: Iterable[int]) -> list[int]:
    """The keys once each, in order (a set is sorted as it is: at a million keys a copy is ~60 MB)."""
    return sorted(pks if isinstance(pks, set | frozenset) else set(pks))


def customers_of_vehicles(conn: Connection, vehicle_pks: Iterable[int], into: set[int] | None = None) -> set[int]:
    """The customer pks owning these vehicles, added to `into` when given (no second set of a million)."""
    out: set[int] = set() if into is None else into
    if len(out) >= EVERY_CUSTOMER_CHECK_FROM and len(out) >= conn.execute(
            select(func.count()).select_from(CUSTOMERS)).scalar_one():
        return out  # every customer is in already (a first import): a million cars' owners need no reading
    for part in chunks(distinct_sorted(vehicle_pks)):
        out.update(conn.execute(select(VEHICLES.c.customer_pk).where(in_keys(conn, VEHICLES.c.id, part))).scalars())
    return out
