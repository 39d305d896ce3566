"""The scheduler's run over a sync's batches of customers: in this process, or — for a big sync on a
machine with more than one core — in worker processes, while this process reads the stored tasks of
the next batches and writes the changes of the last.

The scheduler is pure (core/schedule.py): a worker gets it once, then each batch's customers, and sends
back each customer's generated tasks and what the sync needs of them (`Seen`). When the sync's facts
are committed (a morning's sync: nothing in its transaction changed customers, cars or visits) a
worker reads the batch's facts itself through its own read connection; otherwise (an import's resync)
they are read here and handed over. Workers are spawned and ignore Ctrl-C (lifecycle_cli/spawned.py):
the command that started them stops them and rolls back.
`LIFECYCLE_SYNC_WORKERS` sets the number of workers (0: none, the scheduler runs here); otherwise a
sync of `PARALLEL_FROM` customers or more uses one worker per usable core (at most `MAX_WORKERS`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from lifecycle_cli.core.facts import ACTIVE, CustomerFacts
from lifecycle_cli.core.schedule import ScheduledTask, Scheduler
from lifecycle_cli.errors import UsageError
from lifecycle_cli.spawned import PoolHolder, spawn_pool

WORKERS_ENV = "LIFECYCLE_SYNC_WORKERS"
# Below this many customers the workers' start (about a second each) costs more than they save.
PARALLEL_FROM = 20_000
MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class Seen:
    """What a sync needs of a customer besides the generated tasks: the stores its search met (they go
    live), and why a stored task the rules no longer produce closes."""

    stores: tuple[str | None, ...]
    do_not_contact: bool
    sms_opt_out: bool
    inactive: tuple[tuple[str, str], ...]  # (vin, status) of cars not active; vin "": the customer's own

    @classmethod
    def of(cls, customer: CustomerFacts) -> Seen:
        """The summary of a customer's facts."""
        stores = tuple(v.store or customer.store for v in customer.vehicles) or (customer.store,)
        inactive = [(v.vin, v.status) for v in customer.vehicles if v.status != ACTIVE]
        own = customer.inactive_status("")
        if own is not None:
            inactive.append(("", own))
        return cls(stores, customer.do_not_contact, customer.sms_opt_out, tuple(inactive))

    def cancel_reason(self, vin: str, channel: str, default: str) -> str:
        """Why a stored task the rules no longer produce closes: do-not-contact, a message to a customer
        who opted out of messages, the car's status when it is not active (care-desk §6), else `default`."""
        if self.do_not_contact:
            return "do_not_contact"
        if self.sms_opt_out and channel == "sms":
            return "sms_opt_out"
        return next((status for v, status in self.inactive if v == vin), default)


Generated = dict[int, tuple[list[ScheduledTask], Seen]]
FactsOf = Callable[[Connection, Sequence[int]], dict[int, CustomerFacts]]


def generate(scheduler: Scheduler, part: Sequence[int], facts: dict[int, CustomerFacts],
             stored: Collection[int]) -> Generated:
    """Each customer's tasks: every task the rules produce around the window for a customer with
    stored tasks (so a stored one whose dates moved is found by its key), only the window's for one
    without (a first sync; the scheduler then does not build the rest)."""
    return {pk: (scheduler.for_customer(facts[pk], in_window=pk not in stored), Seen.of(facts[pk]))
            for pk in part if pk in facts}


@dataclass
class _Worker:
    scheduler: Scheduler
    facts_of: FactsOf
    engine: Engine | None


_worker: _Worker | None = None  # a worker process's own (set by _start)


def _start(scheduler: Scheduler, facts_of: FactsOf, url: str | None) -> None:
    global _worker
    from lifecycle_cli.store.db import make_engine

    _worker = _Worker(scheduler, facts_of, make_engine(url) if url else None)


def _generate(part: Sequence[int], facts: dict[int, CustomerFacts] | None, stored: Collection[int]) -> Generated:
    assert _worker is not None
    if facts is None:  # the worker reads the committed facts itself
        assert _worker.engine is not None
        with _worker.engine.connect() as conn:
            facts = _worker.facts_of(conn, part)
    return generate(_worker.scheduler, part, facts, stored)


def worker_count(customers: int) -> int:
    """How many worker processes a sync of this many customers uses (0: none)."""
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting:
        if not setting.isdigit():
            raise UsageError(f"环境变量 {WORKERS_ENV} 应为 0 或正整数，实际为 {setting!r}")
        return min(int(setting), MAX_WORKERS)
    if customers < PARALLEL_FROM:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, MAX_WORKERS) if cores > 1 else 0


def readable_url(conn: Connection) -> str | None:
    """The database's URL for a worker's own connection (None: an in-memory SQLite database)."""
    from lifecycle_cli.store.db import sqlite_path

    url = conn.engine.url.render_as_string(hide_password=False)
    if conn.dialect.name == "sqlite" and sqlite_path(url) is None:
        return None
    return url


class Generation(PoolHolder):
    """Batches handed to the scheduler. `submit` returns a call that gives the batch's tasks (waiting
    for its worker when there is one); `ahead` batches may be submitted before the first is taken."""

    def __init__(self, conn: Connection, scheduler: Scheduler, facts_of: FactsOf, customers: int, *,
                 facts_committed: bool) -> None:
        self._conn, self._scheduler, self._facts_of = conn, scheduler, facts_of
        workers = worker_count(customers)
        url = readable_url(conn) if workers and facts_committed else None
        self._workers_read = url is not None
        self._pool = spawn_pool(workers, _start, (scheduler, facts_of, url)) if workers else None
        self.ahead = workers + 1 if workers else 0

    def submit(self, part: Sequence[int], stored: Collection[int]) -> Callable[[], Generated]:
        """The batch's tasks, as a call: computed in a worker, or here when the call is made."""
        if self._pool is None:
            return lambda: generate(self._scheduler, part, self._facts_of(self._conn, part), stored)
        facts = None if self._workers_read else self._facts_of(self._conn, part)
        return self._pool.submit(_generate, part, facts, frozenset(stored)).result
