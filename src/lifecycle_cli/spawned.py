"""Worker processes, made one way for every pool: started with `spawn` (no fork of a process that holds a
database connection), each ignoring Ctrl-C (the command that started them stops them and rolls back),
then running the pool's own initializer. `PoolHolder` shuts a pool down when its block ends, cancelling
the batches not yet started; `pipelined` keeps a pool's batches in flight while this process reads the
next ones and writes the last. Used by the task sync (store/generation.py), the import's parse of a
big file (ingest/parse_ahead.py) and car state (store/state_workers.py), the month ends of the report's
trend (store/month_ends.py) and the report's figures process (service/report.py). A worker ends itself
when the command that started it is gone."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


# How often a worker looks whether the process that started it is still there.
ORPHAN_CHECK_SECONDS = 0.2


def spawn_pool(workers: int, initializer: Callable[..., None] | None = None,
               initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """`workers` spawned processes, each running `initializer(*initargs)` once, with Ctrl-C ignored
    (concurrent.futures imported here: a command that runs no worker does not load it)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_started,
                               initargs=(os.getpid(), initializer, initargs))


def _started(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """A worker's first act: Ctrl-C ignored, and an end of its own when its command is killed (a
    worker waiting for work would otherwise outlive it, holding the terminal's output open)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_when_orphaned, args=(parent,), daemon=True, name="orphan-check").start()
    if initializer is not None:
        initializer(*initargs)


def _end_when_orphaned(parent: int) -> None:
    """Exit once the process that started this worker is gone (its parent is then another)."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)


class PoolHolder:
    """What holds an optional pool (`_pool`, None when the work runs in this process), as a context
    manager: leaving it waits for the running batches and cancels the rest."""

    _pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


_Item = TypeVar("_Item")
_Started = TypeVar("_Started")


def pipelined(items: Iterable[_Item], start: Callable[[_Item], _Started], finish: Callable[[_Item, _Started], None],
              ahead: int) -> None:
    """Start each item in order and finish the oldest once `ahead` more are started (its work runs in
    a worker while this process reads the next batches and writes the last); then finish the rest, in
    order. With `ahead` 0 each item is finished as soon as it is started."""
    pending: deque[tuple[_Item, _Started]] = deque()
    for item in items:
        pending.append((item, start(item)))
        if len(pending) > ahead:
            finish(*pending.popleft())
    while pending:
        finish(*pending.popleft())
