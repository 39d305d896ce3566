"""The cyclic garbage collector, tuned for the commands that allocate by the hundred thousand.

An import allocates a few dicts per row, a sync or a levelled forecast a few small objects per task,
and frees them at once (no cycles), yet every 700 allocations the default collector walks the young
objects again. Inside `few_collections()` it runs rarely.
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
