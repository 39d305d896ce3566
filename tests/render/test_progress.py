"""The terminal progress line of long steps, and the steps the import and the first list report."""

from __future__ import annotations

import io
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest.pipeline import ImportOptions
from lifecycle_cli.render.progress import StepProgress, estimated_lines, terminal_progress
from lifecycle_cli.service.importing import import_files
from lifecycle_cli.store.db import open_database
from lifecycle_cli.store.stamps import stamped
from lifecycle_cli.store.tasks import sync_window

ERASE = "\r\033[K"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_step_is_silent_for_its_first_second_then_shows_counts_share_and_time_left() -> None:
    out, clock = io.StringIO(), Clock()
    line = StepProgress(stream=out, clock=clock)

    line("计算车辆状态（辆）", 0, 100_000)  # reported before the first batch: the step's start
    clock.now += 0.5
    line("计算车辆状态（辆）", 5_000, 100_000)
    assert out.getvalue() == ""

    clock.now += 1.5  # 2 s in: 20,000 done at 10,000 a second, 80,000 to go
    line("计算车辆状态（辆）", 20_000, 100_000)
    assert out.getvalue() == f"{ERASE}计算车辆状态（辆）：20,000 / 100,000（20%），约剩 8 秒"

    clock.now += 8  # done: the line goes, the screen is clean for the next step or the result
    line("计算车辆状态（辆）", 100_000, 100_000)
    assert out.getvalue() == f"{ERASE}计算车辆状态（辆）：20,000 / 100,000（20%），约剩 8 秒{ERASE}"
    line.clear()
    assert out.getvalue().count(ERASE) == 2


def test_the_rate_counts_from_the_first_report_not_from_zero() -> None:
    out, clock = io.StringIO(), Clock()
    line = StepProgress(stream=out, clock=clock)
    line("建立索引（个）", 1, 4)
    clock.now += 10
    line("建立索引（个）", 2, 4)  # one index in 10 s, two to go
    assert out.getvalue().endswith("建立索引（个）：2 / 4（50%），约剩 20 秒")


def test_clear_writes_nothing_when_no_line_was_shown() -> None:
    out = io.StringIO()
    line = StepProgress(stream=out, clock=Clock())
    line("建立索引（个）", 1, 3)  # within its first second
    line.clear()
    assert out.getvalue() == ""



def lines_file(path: Path, lines: int) -> Path:
    path.write_bytes(b"C0000001,name,13812345600,20245\n" * lines)  # 32 bytes a line
    return path


def test_a_files_rows_are_counted_against_the_lines_its_size_suggests(tmp_path: Path) -> None:
    big = lines_file(tmp_path / "customers.csv", 100_000)  # read past its first 64 KB: estimated
    assert estimated_lines(big) == 100_000
    assert estimated_lines(lines_file(tmp_path / "empty.csv", 0)) == 0
    assert estimated_lines(tmp_path / "gone.csv") == 0

    out, clock = io.StringIO(), Clock()
    line = StepProgress(stream=out, clock=clock)
    line.file_rows(big, 10_000)  # the first report starts the clock
    clock.now += 4  # 30,000 rows in 4 s, 60,000 to go
    line.file_rows(big, 40_000)
    assert out.getvalue() == f"{ERASE}customers.csv：40,000 / 约 100,000 行（40%），7,500 行/秒，约剩 8 秒"
    clock.now += 16  # past the estimate: the share stops at 99%, nothing is said to be left
    line.file_rows(big, 130_000)
    assert out.getvalue().endswith(f"{ERASE}customers.csv：130,000 / 约 100,000 行（99%），6,000 行/秒，约剩 0 秒")
    line("计算车辆状态（辆）", 0, 10)  # the next step starts on the same line, after a quiet second
    line.clear()
    assert out.getvalue().endswith(f"约剩 0 秒{ERASE}")


def test_a_small_file_shows_no_rows(tmp_path: Path) -> None:
    small = lines_file(tmp_path / "customers.csv", 49_000)  # under 50,000 lines: over in a moment
    out, clock = io.StringIO(), Clock()
    line = StepProgress(stream=out, clock=clock)
    for count in (10_000, 20_000, 30_000):
        line.file_rows(small, count)
        clock.now += 5
    assert out.getvalue() == ""
    line.clear()
    assert out.getvalue() == ""

def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_import_and_the_first_list_report_their_steps_to_the_end(tmp_path: Path) -> None:
    n = 30
    customers = write(tmp_path / "customers.csv", "customer_id,name,phone",
                      [f"C{i:03d},客户{i},138123456{i:02d}" for i in range(n)])
    vins = [f"LVRHDA3KX0T{i:06d}" for i in range(n)]  # a wrong check digit is only a warning
    vehicles = write(tmp_path / "vehicles.csv", "vin,customer_id,delivery_date",
                     [f"{vin},C{i:03d},2026-11-{10 + i % 9:02d}" for i, vin in enumerate(vins)])
    _, opened = open_database(f"sqlite:///{tmp_path / 'p.db'}", create=True)
    engine = stamped(opened, datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    rules = load_rules()
    seen: list[tuple[str, int, int]] = []

    report = import_files(engine, rules, [customers, vehicles], ImportOptions(today=date(2026, 11, 23)),
                          steps=lambda *a: seen.append(a))
    assert not any(f.rejected or f.refused for f in report.files)

    labels = [label for label, _, _ in seen]
    assert "计算车辆状态（辆）" in labels and "更新客户回访周期（位）" in labels
    for label in set(labels):
        counts = [(done, total) for lab, done, total in seen if lab == label]
        assert counts[0][0] == 0  # reported before its first batch, so it is timed from its start
        assert counts[-1][0] == counts[-1][1]  # every step reaches its total
        assert [d for d, _ in counts] == sorted(d for d, _ in counts)
    assert ("计算车辆状态（辆）", n, n) in seen

    seen.clear()
    with engine.begin() as conn:
        sync_window(conn, rules, date(2026, 11, 23), date(2026, 11, 23), HolidayCalendar(), today=date(2026, 11, 23),
                    steps=lambda *a: seen.append(a))
    assert seen[-1] == ("生成回访任务（位客户）", n, n)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_line_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert terminal_progress() is None  # piped, redirected, cron
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert isinstance(terminal_progress(), StepProgress)
