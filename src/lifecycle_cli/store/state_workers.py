"""The projection state of many cars computed in worker processes, while this process reads the next
batches' rows and writes the last one's state (store/state.refresh_vehicles).

A worker gets the rules once, then each batch's rows as read (store/fact_rows.VehicleFactRows: on SQLite
plain text and numbers, cheap to send) and sends back the batch's state rows as stored
(store/state_rows.StateRows: the rules core's state computed on day numbers), the larger part of a first
import's state work, leaves this process. Workers are spawned and ignore Ctrl-C
(lifecycle_cli/spawned.py); how many is store/generation.worker_count's
answer (`LIFECYCLE_SYNC_WORKERS`; from `PARALLEL_FROM` cars one per usable core). Below that, or with 0
workers, the same function runs here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.spawned import PoolHolder, spawn_pool
from lifecycle_cli.store.fact_rows import VehicleFactRows
from lifecycle_cli.store.state_rows import StateRows

StoredRows = list[tuple[Any, ...]]  # (vehicle pk, *its state as stored)
_state: StateRows | None = None  # a worker process's own (set by _start)


def _start(rules: Rules) -> None:
    global _state
    _state = StateRows(rules)


def _state_rows(rows: VehicleFactRows) -> StoredRows:
    assert _state is not None
    return _state.rows(rows)


class StateWorkers(PoolHolder):
    """Batches of cars' rows handed to the workers. `submit` returns a call that gives the batch's state
    rows (waiting for its worker when there is one); `ahead` batches may be in flight before the first
    is taken."""

    def __init__(self, rules: Rules, cars: int) -> None:
        from lifecycle_cli.store.generation import worker_count

        self._state = StateRows(rules)
        workers = worker_count(cars)
        self._pool = spawn_pool(workers, _start, (rules,)) if workers else None
        self.ahead = workers + 1 if workers else 0

    def submit(self, rows: VehicleFactRows) -> Callable[[], StoredRows]:
        """The batch's state rows, as a call: computed in a worker, or here when the call is made."""
        if self._pool is None:
            return lambda: self._state.rows(rows)
        return self._pool.submit(_state_rows, rows).result
