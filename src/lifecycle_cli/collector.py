"""The cyclic garbage collector, tuned for the commands that allocate by the hundred thousand.

An import allocates a few dicts per row, a sync or a levelled forecast a few small objects per task,
and frees them at once (no cycles), yet every 700 allocations the default collector walks the young
objects again. Inside `few_collections()` it runs rarely; inside `no_collections()` not at all (a
levelled forecast: hundreds of thousands of objects that live through the whole block and make no cycles,
which even rare full collections walk again and again).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def few_collections(first_generation: int = 50_000) -> Iterator[None]:
    """Let the cyclic garbage collector run rarely inside the block (at 100k rows it was ~15% of a
    re-import; about half of a levelled forecast over a group's 14 days)."""
    before = gc.get_threshold()
    gc.set_threshold(first_generation, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def no_collections() -> Iterator[None]:
    """No cyclic garbage collection inside the block (objects without cycles are freed as always; any
    cycle waits for the collector after the block). At 1M a levelled forecast took 13.4 s of CPU with
    `few_collections()`, 8.0 s without collections."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
