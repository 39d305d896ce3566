"""The projection state of many cars computed in worker processes, while this process reads the next
batches' rows and writes the last one's state (store/state.refresh_vehicles).

A worker gets the rules once, then each batch's rows as read (store/fact_rows.VehicleFactRows: on SQLite
plain text and numbers, cheap to send) and sends back the batch's state rows as stored
(store/vehicle_state.stored_state_rows): building the facts and running the rules core, about three
quarters of a first import's state work, leave this process. Workers are started with `spawn` (no fork of
a process holding a database connection) and ignore Ctrl-C; how many is store/generation.worker_count's
answer (`LIFECYCLE_SYNC_WORKERS`; from `PARALLEL_FROM` cars one per usable core). Below that, or with 0
workers, the same function runs here.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.fact_rows import VehicleFactRows
from lifecycle_cli.store.vehicle_state import stored_state_rows

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

StateRows = list[tuple[Any, ...]]
_rules: Rules | None = None  # a worker process's own (set by _start)


def _start(rules: Rules) -> None:
    global _rules
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _rules = rules


def _state_rows(rows: VehicleFactRows) -> StateRows:
    assert _rules is not None
    return stored_state_rows(rows, _rules)


class StateWorkers:
    """Batches of cars' rows handed to the workers. `submit` returns a call that gives the batch's state
    rows (waiting for its worker when there is one); `ahead` batches may be in flight before the first
    is taken."""

    def __init__(self, rules: Rules, cars: int) -> None:
        from lifecycle_cli.store.generation import worker_count

        self._rules = rules
        workers = worker_count(cars)
        self._pool = _pool(workers, rules) if workers else None
        self.ahead = workers + 1 if workers else 0

    def submit(self, rows: VehicleFactRows) -> Callable[[], StateRows]:
        """The batch's state rows, as a call: computed in a worker, or here when the call is made."""
        if self._pool is None:
            return lambda: stored_state_rows(rows, self._rules)
        return self._pool.submit(_state_rows, rows).result

    def __enter__(self) -> StateWorkers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int, rules: Rules) -> ProcessPoolExecutor:
    """The worker processes (imported here: a small refresh runs none)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start, initargs=(rules,))
