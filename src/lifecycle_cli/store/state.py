"""Stored projection state: per-vehicle dates the call list and report query by index.

The rules core stays the single source of the formulas: this module only runs the pure
functions over the stored facts and writes their answers next to the vehicle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import date
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.spawned import pipelined
from lifecycle_cli.steps import Steps, reported
from lifecycle_cli.store.bulk import chunks, fetch_in, in_keys, update_tuples
from lifecycle_cli.store.bulkload import lookups_built_after
from lifecycle_cli.store.facts import read_vehicle_fact_rows
from lifecycle_cli.store.state_workers import StateWorkers
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES, VISITS
from lifecycle_cli.store.vehicle_state import as_stored, mmdd, vehicle_state_columns

BATCH = 2000
# A customer's stored state: the care-call anchor and phase, the birthday key.
CARE = ("care_anchor", "care_phase", "birthday_mmdd")
# From this many customers in hand, whether they are every customer is worth a count (~50 ms at 850,000).
EVERY_CUSTOMER_CHECK_FROM = 20_000


def refresh_vehicles(conn: Connection, vehicle_pks: Iterable[int], rules: Rules, steps: Steps | None = None, *,
                     only_moved: bool = True, bulk_load: bool = False) -> None:
    """Recompute and store the projection state of these vehicles: where it moved (`write_changed`), or
    with `only_moved=False` all of it without reading it first (a bulk load whose read-side indexes are
    dropped, a rebuild of every car: no index entry to spare, and the read and compare cost ~10%).
    Many cars' state is computed in worker processes (store/state_workers.py) while the next batches'
    rows are read and the last one's state is written here.

    `bulk_load`: an import dropped the table's read-side indexes, which PostgreSQL does only for an empty
    table (store/bulkload.py: no desk reads it yet). There every row's new version would also enter the
    import's lookups (VIN, plate, owner), so they are dropped while the state is written and built after
    (a read through one builds it first, store/keyed.lookup_ready): at 1M the state's writes 36.4 -> 16.5 s,
    the three builds 2.1 s."""
    pks = distinct_sorted(vehicle_pks)
    columns = vehicle_state_columns()
    as_text = conn.dialect.name != "sqlite"  # SQLite reads its dates as the text the state rows hold

    def write(part: Sequence[int], state_rows: list[tuple[Any, ...]]) -> None:
        if not only_moved:
            update_tuples(conn, VEHICLES, columns, state_rows)
            return
        stored = {row[0]: tuple(map(as_stored, row[1:])) if as_text else row[1:] for keys in chunks(part)
                  for row in fetch_in(conn, VEHICLES, ("id", *columns), "id", keys, as_stored=True)}
        write_changed(conn, VEHICLES, columns, state_rows, stored)

    spared = bulk_load and conn.dialect.name == "postgresql"
    with StateWorkers(rules, len(pks)) as workers, lookups_built_after(conn, VEHICLES) if spared else nullcontext():
        pipelined(reported(chunks(pks, BATCH), len(pks), "计算车辆状态（辆）", steps),
                  lambda part: workers.submit(read_vehicle_fact_rows(conn, part, as_stored=True)),
                  lambda part, state_rows: write(part, state_rows()), workers.ahead)


def write_changed(conn: Connection, table: Table, fields: Sequence[str], rows: Sequence[tuple[Any, ...]],
                  stored: Mapping[int, Sequence[Any]]) -> None:
    """Store the state of rows given as (pk, *values in `fields` order) where it moved from `stored` (pk ->
    the stored values, in `fields` order); a row whose state did not move is not written. On SQLite a row
    writes only the fields that moved (one executemany per set of them): an UPDATE rewrites the index
    entries of every column it names, moved or not, and at 1M a day's 2,000 work orders named seven indexed
    vehicle columns of which about three move (each rewrite dirties a page, then copied to the WAL and
    back). PostgreSQL writes a whole row version anyway: every field of the rows that moved, in one statement."""
    whole = tuple(range(len(fields)))
    shaped = conn.dialect.name == "sqlite"
    by_shape: dict[tuple[int, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        old = stored.get(row[0])
        values = row[1:]
        moved = whole if old is None else tuple(i for i, (new, was) in enumerate(zip(values, old, strict=True))
                                                if new != was)
        if moved:
            by_shape[moved if shaped else whole].append(row)
    for shape, batch in by_shape.items():
        if shape == whole:
            update_tuples(conn, table, fields, batch)
        else:
            update_tuples(conn, table, [fields[i] for i in shape], [(row[0], *(row[i + 1] for i in shape)) for row in batch])


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
        rows = [(pk, latest.get(pk), rules.care.phase(latest[pk]) if pk in latest else None, mmdd(birthday))
                for pk, _, birthday, *_ in customers]
        if only_moved:
            write_changed(conn, CUSTOMERS, CARE, rows, {pk: stored for pk, _, _, *stored in customers})
        else:
            update_tuples(conn, CUSTOMERS, CARE, rows)


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
