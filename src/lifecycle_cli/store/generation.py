"""The scheduler's run over a sync's batches of customers: in this process, or — for a big sync on a
machine with more than one core — in worker processes, while this process reads the next batches
and writes the tasks of the last.

The scheduler is pure (core/schedule.py): a worker gets it once, then each batch's facts, and sends
back each customer's generated tasks; it never touches the database. Workers are started with
`spawn` (no fork of a process holding a database connection) and ignore Ctrl-C: the command that
started them stops them and rolls back. `LIFECYCLE_SYNC_WORKERS` sets the number of workers (0: none,
the scheduler runs here), otherwise a sync of `PARALLEL_FROM` customers or more uses one worker per
usable core (at most `MAX_WORKERS`).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType

from lifecycle_cli.core.schedule import CustomerFacts, ScheduledTask, Scheduler
from lifecycle_cli.errors import UsageError

WORKERS_ENV = "LIFECYCLE_SYNC_WORKERS"
# Below this many customers the workers' start (about 0.3 s each) costs more than they save.
PARALLEL_FROM = 20_000
MAX_WORKERS = 4

Generated = dict[int, list[ScheduledTask]]

_scheduler: Scheduler | None = None  # a worker's scheduler (set by _start)


def generate(scheduler: Scheduler, part: Sequence[int], facts: dict[int, CustomerFacts],
             stored: Collection[int]) -> Generated:
    """Each customer's tasks: every task the rules produce around the window for a customer with
    stored tasks (so a stored one whose dates moved is found by its key), only the window's for one
    without (a first sync; the scheduler then does not build the rest)."""
    return {pk: scheduler.for_customer(facts[pk], in_window=pk not in stored) for pk in part if pk in facts}


def _start(scheduler: Scheduler) -> None:
    global _scheduler
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _scheduler = scheduler


def _generate(part: Sequence[int], facts: dict[int, CustomerFacts], stored: Collection[int]) -> Generated:
    assert _scheduler is not None
    return generate(_scheduler, part, facts, stored)


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


class Generation:
    """Batches handed to the scheduler; `submit` returns a call that gives the batch's tasks (waiting
    for its worker when there is one). `ahead` batches may be submitted before the first is taken."""

    def __init__(self, scheduler: Scheduler, customers: int) -> None:
        self._scheduler = scheduler
        workers = worker_count(customers)
        self._pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start,
                                         initargs=(scheduler,)) if workers else None
        self.ahead = workers + 1 if workers else 0

    def submit(self, part: Sequence[int], facts: dict[int, CustomerFacts],
               stored: Collection[int]) -> Callable[[], Generated]:
        """The batch's tasks, as a call: computed in a worker, or here when the call is made."""
        if self._pool is None:
            return lambda: generate(self._scheduler, part, facts, stored)
        return self._pool.submit(_generate, part, facts, frozenset(stored)).result

    def __enter__(self) -> Generation:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
