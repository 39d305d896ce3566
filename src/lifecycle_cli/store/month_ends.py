"""The cars as they stood at each month end of the report's trend (`report --months N`), for all months at once.

A month of the trend reads every car's state as of its last day (store/report.vehicles_as_of: the stored
state, recomputed by the rules core for the cars with a fact after that day). Done month by month, the
oldest month recomputes most cars and each month loads their facts again. Here the facts of the cars with
a fact after the oldest month end are loaded once, and a car's state is computed once per *distinct* set of
facts: the state depends on the day only through the facts dated up to it (visits up to the day, readings up
to the day or the delivery, expiry changes up to the day), so consecutive month ends with the same facts
share one row (the benchmark's 1,000,000 cars: 1,127,000 states month by month, about 216,000 here). The rows
land in a temporary table with the months they hold for (k_lo..k_hi, k the month's place in `ends`, oldest
0); `MonthEnds` reads them beside the stored rows of the other cars and months, so one pass over the
cars counts every month (store/trend_pass.py). Many cars are computed in worker processes.
"""

from __future__ import annotations

import signal
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, func, literal, select, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import Select

from lifecycle_cli.core.facts import readings_of
from lifecycle_cli.core.mileage import Reading
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import VehicleFacts
from lifecycle_cli.store.bulk import chunks, insert_by_shape
from lifecycle_cli.store.facts import load_vehicle_facts
from lifecycle_cli.store.state import DATED_STATE_COLUMNS, dated_state
from lifecycle_cli.store.tables import READINGS, VEHICLES, VISITS

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


def state_rows(conn: Connection, rules: Rules, ends: Sequence[date], stored_from: dict[int, int]) -> list[dict[str, Any]]:
    """The recomputed rows of these cars (pk -> the first month its stored row holds for): one per run of
    month ends with the same facts, before that month."""
    rows: list[dict[str, Any]] = []
    for pk, (_, facts) in load_vehicle_facts(conn, list(stored_from)).items():
        readings = readings_of(facts)
        eves: dict[date, tuple[date | None, bool]] = {}  # what was due on a maintenance's eve, per car
        for k_lo, k_hi, day in fact_epochs(facts, ends, stored_from[pk], readings):
            rows.append({"id": pk, "k_lo": k_lo, "k_hi": k_hi, **dated_state(facts, rules, day, readings, eves=eves)})
    return rows


class _States:
    """state_rows of batches of cars: here, or — for many cars on a machine with more than one core — in
    worker processes reading the committed facts on their own connections (the sync's workers and
    setting, store/generation.py), while this process writes the rows of the batches before."""

    def __init__(self, conn: Connection, rules: Rules, ends: Sequence[date], cars: int) -> None:
        from lifecycle_cli.store.generation import readable_url, worker_count

        self._conn, self._rules, self._ends = conn, rules, list(ends)
        workers = worker_count(cars)
        url = readable_url(conn) if workers else None
        self._pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start,
                                         initargs=(rules, self._ends, url)) if url else None

    def submit(self, part: Sequence[int], stored_from: dict[int, int]) -> Callable[[], list[dict[str, Any]]]:
        """The batch's rows, as a call: computed in a worker, or here when the call is made."""
        if self._pool is None:
            return lambda: state_rows(self._conn, self._rules, self._ends, stored_from)
        return self._pool.submit(_state_rows, stored_from).result

    def __enter__(self) -> _States:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


_worker: tuple[Engine, Rules, list[date]] | None = None  # a worker process's own (set by _start)


def _start(rules: Rules, ends: list[date], url: str) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command that started the workers stops them
    from lifecycle_cli.store.db import make_engine

    _worker = (make_engine(url), rules, ends)


def _state_rows(stored_from: dict[int, int]) -> list[dict[str, Any]]:
    assert _worker is not None
    engine, rules, ends = _worker
    with engine.connect() as conn:
        return state_rows(conn, rules, ends, stored_from)


class MonthEnds:
    """Every car as it stood at each of the month ends `ends` (ascending), as two queries whose rows together
    are that: `stored`, the stored rows, and `recomputed`, the rows recomputed for the months before a car's
    latest fact. Each has the BASE_COLUMNS, the DATED_STATE_COLUMNS, and k_lo / k_hi, the places in `ends`
    of the months a row holds for (a row with k_lo > k_hi holds for none). Two queries, not their UNION:
    SQLite would copy a million rows into a scratch table to read a union once. Makes two temporary tables
    on `conn`.

    Made, it has started computing the recomputed rows (in worker processes for many cars); `parts()` gives
    `stored` first, so its pass runs while they compute, then lands them and gives `recomputed`. Use it in
    a `with` block (the workers stop at its end)."""

    def __init__(self, conn: Connection, rules: Rules, ends: Sequence[date]) -> None:
        last = len(ends) - 1
        stored_from = {pk: next((k for k, end in enumerate(ends) if end >= day), len(ends))
                       for pk, day in last_fact_dates(conn, ends[0]).items()}
        changed = Table("trend_changed", MetaData(), Column("id", Integer, primary_key=True),
                        Column("k_lo", Integer), prefixes=["TEMPORARY"])
        self._states = Table("trend_state", MetaData(), Column("id", Integer), Column("k_lo", Integer),
                             Column("k_hi", Integer), *[V.c[c]._copy() for c in DATED_STATE_COLUMNS],
                             prefixes=["TEMPORARY"])
        for table in (changed, self._states):
            table.drop(conn, checkfirst=True)
            table.create(conn)
        pks = sorted(stored_from)
        insert_by_shape(conn, changed, [{"id": pk, "k_lo": stored_from[pk]} for pk in pks])
        self._conn = conn
        self._computing = _States(conn, rules, ends, len(pks))
        self._batches = [self._computing.submit(part, {pk: stored_from[pk] for pk in part})
                         for part in chunks(pks, BATCH)]
        self.stored = (
            select(*[V.c[c] for c in (*BASE_COLUMNS, *DATED_STATE_COLUMNS)],
                   func.coalesce(changed.c.k_lo, 0).label("k_lo"), literal(last).label("k_hi"))
            .select_from(V.outerjoin(changed, changed.c.id == V.c.id))
        )
        self.recomputed = (
            select(*[V.c[c] for c in BASE_COLUMNS], *[self._states.c[c] for c in DATED_STATE_COLUMNS],
                   self._states.c.k_lo, self._states.c.k_hi)
            .select_from(self._states.join(V, V.c.id == self._states.c.id))
        )

    def parts(self) -> Iterator[Select[Any]]:
        """`stored`, then — the recomputed rows landed — `recomputed`."""
        yield self.stored
        self._land()
        yield self.recomputed

    def _land(self) -> None:
        while self._batches:
            insert_by_shape(self._conn, self._states, self._batches.pop(0)())

    def __enter__(self) -> MonthEnds:
        return self

    def __exit__(self, *_: object) -> None:
        self._computing.__exit__()
