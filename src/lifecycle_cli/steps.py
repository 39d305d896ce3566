"""How long work reports its progress: `steps(label, done, total)` after each batch.

The library never prints; the CLI passes a terminal progress line (render/progress.py) or None.
"""

from __future__ import annotations

from collections.abc import Callable

Steps = Callable[[str, int, int], None]
