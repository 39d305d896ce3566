"""The progress line of long work on a terminal: silent when piped or under cron.

The library reports steps through `lifecycle_cli.steps.Steps`: `(label, done, total)` after each
batch, and the import the rows it has read of each file: `(path, count)`. The CLI hands it one
`StepProgress` (its `__call__` and its `file_rows`) only when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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
    """One line on stderr, redrawn in place: `label：done / total（share），约剩 N 秒` for a step,
    `file：count / 约 total 行（share），N 行/秒，约剩 N 秒` for the rows read of an imported file.

    A step is timed from the first count it reports (steps report 0 before their first batch),
    shows nothing during its first `quiet_seconds` (short work stays silent) and erases its line
    when it reaches its total; `clear()` erases whatever is shown before the command prints.
    A file's total is estimated from its size (`estimated_lines`); files estimated under
    `min_file_rows` rows show nothing.
    """

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 quiet_seconds: float = 1.0, min_file_rows: int = 50_000) -> None:
        self.stream = stream
        self.clock = clock
        self.quiet_seconds = quiet_seconds
        self.min_file_rows = min_file_rows
        self._started: dict[str | Path, tuple[float, int]] = {}  # step or file -> (time, done) first reported
        self._estimates: dict[Path, int] = {}  # file -> its estimated rows
        self._shown = False

    def __call__(self, label: str, done: int, total: int) -> None:
        """Show `done` of `total` of the step `label`; a step that reaches its total is erased."""
        rate = self._rate(label, done)
        if done >= total:
            self.clear()
        elif rate is not None:
            left = f"，约剩 {(total - done) / rate:,.0f} 秒" if rate > 0 else ""
            self._write(f"\r\033[K{screen_text(label)}：{done:,} / {total:,}（{done / total:.0%}）{left}")

    def file_rows(self, path: Path, count: int) -> None:
        """Show `count` rows read of `path`, of a total estimated from the file's size (a row count
        past the estimate stays at 99%)."""
        total = self._estimates.get(path)
        if total is None:
            total = self._estimates[path] = estimated_lines(path)
        if total < self.min_file_rows:
            return
        rate = self._rate(path, count)
        if rate is not None:
            left = f"，约剩 {max(total - count, 0) / rate:,.0f} 秒" if rate > 0 else ""
            self._write(f"\r\033[K{screen_text(path.name)}：{count:,} / 约 {total:,} 行"
                        f"（{min(count / total, 0.99):.0%}），{rate:,.0f} 行/秒{left}")

    def _rate(self, key: str | Path, done: int) -> float | None:
        """Units a second since the first report of `key`; None while it is in its quiet start."""
        now = self.clock()
        start, first = self._started.setdefault(key, (now, done))
        if now - start < self.quiet_seconds or now <= start:
            return None
        return (done - first) / (now - start)

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


def estimated_lines(path: Path) -> int:
    """The lines of a file, estimated from its size and the bytes per line of its first 64 KB
    (0 when it cannot be read: the import says why)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
        return int(path.stat().st_size / (len(head) / max(head.count(b"\n"), 1))) if head else 0
    except OSError:
        return 0
