"""How long work reports its progress: `steps(label, done, total)` after each batch.

The library never prints; the CLI passes a terminal progress line (render/progress.py) or None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from typing import TypeVar

Steps = Callable[[str, int, int], None]
Part = TypeVar("Part", bound=Sized)


def reported(parts: Iterable[Part], total: int, label: str, steps: Steps | None) -> Iterator[Part]:
    """The parts, one at a time; `steps` hears 0 of `total` first, then the running count after
    the caller's work on each part (its loop body) is done."""
    if steps is None:
        yield from parts
        return
    done = 0
    steps(label, done, total)
    for part in parts:
        yield part
        done += len(part)
        steps(label, done, total)
