"""The cars as they stood at each month end of the report's trend (`report --months N`), for all months at once.

A month of the trend reads every car's state as of its last day (store/report.vehicles_as_of: the stored
state, recomputed by the rules core for the cars with a fact after that day). Done month by month, the
oldest month recomputes most cars and each month loads their facts again. Here the facts of the cars with
a fact after the oldest month end are loaded once, and a car's state is computed once per *distinct* set of
facts: the state depends on the day only through the facts dated up to it (visits up to the day, readings up
to the day or the delivery, expiry changes up to the day), so consecutive month ends with the same facts
share one row (the benchmark's 1,000,000 cars: 1,127,000 states month by month, about 216,000 here). Each
row holds for a run of months (k_lo..k_hi, k the month's place, oldest 0) and is counted where it is computed
(store/trend_pass.PassKeys: the key the pass's SQL gives a stored row), in worker processes for many cars:
only the groups come back, not the rows. `MonthEnds` gives the stored rows of the other cars and months as a
query, so one SQL pass over the cars counts every month while the workers compute (store/trend_pass.py).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Column, Integer, MetaData, Table, func, literal, select, union_all
from sqlalchemy.engine import Connection, Engine

from lifecycle_cli.core.facts import ACTIVE, readings_of
from lifecycle_cli.core.mileage import Reading
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import VehicleFacts
from lifecycle_cli.spawned import PoolHolder, spawn_pool
from lifecycle_cli.store.bulk import chunks, insert_by_shape
from lifecycle_cli.store.facts import load_vehicle_facts
from lifecycle_cli.store.tables import READINGS, VEHICLES, VISITS
from lifecycle_cli.store.trend_pass import PassKeys
from lifecycle_cli.store.vehicle_state import DATED_STATE_COLUMNS, dated_state

V = VEHICLES
# The vehicle columns the month's figures read besides the dated state.
BASE_COLUMNS = ("id", "customer_pk", "store", "delivery_date", "status")
BATCH = 2000


def last_fact_dates(conn: Connection, after: date) -> dict[int, date]:
    """vehicle pk -> its latest visit, reading or row-reading date, for the cars with one after `after` (the
    cars store/report.vehicles_as_of recomputes on `after`)."""
    later = union_all(
        select(VISITS.c.vehicle_pk.label("id"), VISITS.c.visit_date.label("day")).where(VISITS.c.visit_date > after),
        select(READINGS.c.vehicle_pk.label("id"), READINGS.c.reading_date.label("day"))
        .where(READINGS.c.reading_date > after),
        select(V.c.id.label("id"), V.c.mileage_date.label("day")).where(V.c.mileage_date > after),
    ).subquery()
    return {pk: day for pk, day in conn.execute(select(later.c.id, func.max(later.c.day)).group_by(later.c.id))}


def fact_epochs(facts: VehicleFacts, ends: Sequence[date], upto: int,
                readings: list[Reading] | None = None) -> list[tuple[int, int, date]]:
    """The month ends ends[0..upto) grouped by the facts a car had on them: (k_lo, k_hi, the day to compute
    the state on) per group of consecutive month ends with the same visits, readings and expiry changes
    (`readings`: readings_of(facts), when the caller has it already)."""
    reading_days = sorted(r.date for r in (readings_of(facts) if readings is None else readings))
    visits = sorted(v.date for v in facts.visits)
    changes = sorted(c.changed_on for c in facts.insurance_changes)
    epochs: list[tuple[int, int, date]] = []
    previous: tuple[int, int, int] | None = None
    for k in range(upto):
        day = ends[k]
        # what the state reads: visits up to the day, readings up to the day or the delivery (the projection's
        # day), expiry changes up to the day (store/state.dated_state)
        key = (bisect_right(visits, day), bisect_right(reading_days, max(day, facts.delivery_date)),
               bisect_right(changes, day))
        if key == previous:
            k_lo, _, first_day = epochs[-1]
            epochs[-1] = (k_lo, k, first_day)
        else:
            epochs.append((k, k, day))
        previous = key
    return epochs


class Recomputed(NamedTuple):
    """What the recomputed rows of some cars come to: the pass's groups (store/trend_pass.PassKeys.key ->
    cars), and (pk, k_lo, k_hi, insurance expiry) of the rows whose expiry falls in their months (what
    store/insurance.renewal_due_by_month reads of them)."""

    groups: Counter[tuple[Any, ...]]
    expiries: list[tuple[int, int, int, date]]


def recompute(conn: Connection, rules: Rules, keys: PassKeys, stored_from: dict[int, int]) -> Recomputed:
    """The recomputed rows of these cars (pk -> the first month its stored row holds for): one state per run
    of month ends with the same facts, before that month, counted as the pass counts them."""
    ends, months = keys.lasts, keys.months
    groups: Counter[tuple[Any, ...]] = Counter()
    expiries: list[tuple[int, int, int, date]] = []
    for pk, (_, facts) in load_vehicle_facts(conn, list(stored_from)).items():
        readings = readings_of(facts)
        eves: dict[date, tuple[date | None, bool]] = {}  # what was due on a maintenance's eve, per car
        active = facts.status == ACTIVE
        for k_lo, k_hi, day in fact_epochs(facts, ends, stored_from[pk], readings):
            state = dated_state(facts, rules, day, readings, eves=eves)
            key = keys.key(k_lo, k_hi, facts.delivery_date, active, facts.store, state)
            if key is not None:
                groups[key] += 1
            expiry = state["insurance_expiry"]
            if expiry is not None and months[k_lo][0] <= expiry <= months[k_hi][1]:
                expiries.append((pk, k_lo, k_hi, expiry))
    return Recomputed(groups, expiries)


class _States(PoolHolder):
    """recompute() of batches of cars: here, or — for many cars on a machine with more than one core — in
    worker processes reading the committed facts on their own connections (the sync's workers and
    setting, store/generation.py), while this process counts the stored rows."""

    def __init__(self, conn: Connection, rules: Rules, keys: PassKeys, cars: int) -> None:
        from lifecycle_cli.store.generation import readable_url, worker_count

        self._conn, self._rules, self._keys = conn, rules, keys
        workers = worker_count(cars)
        url = readable_url(conn) if workers else None
        self._pool = spawn_pool(workers, _start, (rules, keys, url)) if url else None
        if self._pool is not None:
            for _ in range(workers):  # each starts (its imports: ~1 s) while the caller finds the cars
                self._pool.submit(_ready)

    def submit(self, stored_from: dict[int, int]) -> Callable[[], Recomputed]:
        """The batch's result, as a call: computed in a worker, or here when the call is made."""
        if self._pool is None:
            return lambda: recompute(self._conn, self._rules, self._keys, stored_from)
        return self._pool.submit(_recompute, stored_from).result


_worker: tuple[Engine, Rules, PassKeys] | None = None  # a worker process's own (set by _start)


def _start(rules: Rules, keys: PassKeys, url: str) -> None:
    global _worker
    from lifecycle_cli.store.db import make_engine

    _worker = (make_engine(url), rules, keys)


def _ready() -> None:
    """Nothing: submitted to start a worker process before there is work for it."""


def _recompute(stored_from: dict[int, int]) -> Recomputed:
    assert _worker is not None
    engine, rules, keys = _worker
    with engine.connect() as conn:
        return recompute(conn, rules, keys, stored_from)


class MonthEnds:
    """Every car as it stood at each month end of `keys.months` (ascending): `stored`, a query of the stored
    rows (the BASE_COLUMNS, the DATED_STATE_COLUMNS, and k_lo / k_hi, the places of the months a row holds
    for: a row with k_lo > k_hi holds for none), and the rows recomputed for the months before a car's
    latest fact, already counted (`recomputed()`: they never land in the database). Makes a temporary table on `conn`.

    Made, it has started computing the recomputed rows (in worker processes for many cars), so the stored
    rows' pass runs meanwhile. Use it in a `with` block (the workers stop at its end)."""

    def __init__(self, conn: Connection, rules: Rules, keys: PassKeys) -> None:
        self.keys = keys  # the months, and the pass's key of a recomputed row
        ends = keys.lasts
        last = len(ends) - 1
        # the workers start while the cars to recompute are found: how many there are follows the fleet
        self._computing = _States(conn, rules, keys, conn.execute(select(func.count()).select_from(V)).scalar_one())
        changed = Table("trend_changed", MetaData(), Column("id", Integer, primary_key=True),
                        Column("k_lo", Integer), prefixes=["TEMPORARY"])
        try:
            stored_from = {pk: next((k for k, end in enumerate(ends) if end >= day), len(ends))
                           for pk, day in last_fact_dates(conn, ends[0]).items()}
            changed.drop(conn, checkfirst=True)
            changed.create(conn)
            pks = sorted(stored_from)
            insert_by_shape(conn, changed, [{"id": pk, "k_lo": stored_from[pk]} for pk in pks])
            self._batches = [self._computing.submit({pk: stored_from[pk] for pk in part})
                             for part in chunks(pks, BATCH)]
        except BaseException:  # not made: no `with` block will stop the workers
            self._computing.__exit__()
            raise
        self._done: Recomputed | None = None
        self.stored = (
            select(*[V.c[c] for c in (*BASE_COLUMNS, *DATED_STATE_COLUMNS)],
                   func.coalesce(changed.c.k_lo, 0).label("k_lo"), literal(last).label("k_hi"))
            .select_from(V.outerjoin(changed, changed.c.id == V.c.id))
        )

    def recomputed(self) -> Recomputed:
        """The recomputed rows' groups and expiries (waits for the batches still computing)."""
        if self._done is None:
            done = Recomputed(Counter(), [])
            for batch in self._batches:
                part = batch()
                done.groups.update(part.groups)
                done.expiries.extend(part.expiries)
            self._batches, self._done = [], done
        return self._done

    def __enter__(self) -> MonthEnds:
        return self

    def __exit__(self, *_: object) -> None:
        self._computing.__exit__()
