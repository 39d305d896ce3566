"""Progress lines for long work on a terminal: silent when piped or under cron.

The library reports steps through `lifecycle_cli.steps.Steps`: `(label, done, total)` after each
batch. The CLI hands it a `StepProgress` only when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from lifecycle_cli.render.output import screen_text


def terminal_progress() -> StepProgress | None:
    """A progress line when stderr is a terminal; None when piped, redirected or under cron."""
    return StepProgress() if sys.stderr.isatty() else None


@contextmanager
def progress_line() -> Iterator[StepProgress | None]:
    """terminal_progress() for a block, erased when the block ends, however it ends (an
    interrupt's message must not land on the line)."""
    steps = terminal_progress()
    try:
        yield steps
    finally:
        if steps is not None:
            steps.clear()


class StepProgress:
    """One line on stderr: `label：done / total（share），约剩 N 秒`, redrawn in place.

    A step is timed from the first count it reports (steps report 0 before their first batch),
    shows nothing during its first `quiet_seconds` (short work stays silent) and erases its line
    when it reaches its total; `clear()` erases whatever is shown before the command prints.
    """

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 quiet_seconds: float = 1.0) -> None:
        self.stream = stream
        self.clock = clock
        self.quiet_seconds = quiet_seconds
        self._started: dict[str, tuple[float, int]] = {}  # label -> (time, done) of its first report
        self._shown = False

    def __call__(self, label: str, done: int, total: int) -> None:
        now = self.clock()
        start, first = self._started.setdefault(label, (now, done))
        if done >= total:
            self.clear()
            return
        if now - start < self.quiet_seconds or now <= start:
            return
        rate = (done - first) / (now - start)
        left = f"，约剩 {(total - done) / rate:,.0f} 秒" if rate > 0 else ""
        self._write(f"\r\033[K{screen_text(label)}：{done:,} / {total:,}（{done / total:.0%}）{left}")

    def clear(self) -> None:
        """Erase the line, if one was shown."""
        if self._shown:
            self._write("\r\033[K")
            self._shown = False

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(text)
        stream.flush()
        self._shown = text != "\r\033[K"
