"""A big sync runs the scheduler in worker processes (store/generation.py); what it stores must be
exactly what the scheduler run in this process stores: the first morning, later mornings, a re-import,
with batches small enough that several are in flight at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import refusal, run_json, run_ok, sql_rows

import lifecycle_cli.store.tasks as store_tasks
from lifecycle_cli.store.generation import WORKERS_ENV, worker_count

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
FILES = ("staff", "customers", "vehicles", "visits")
TASKS = ("SELECT id, customer_pk, vin, code, event_key, rule_date, due_date, window_end, stage, owner, role, "
         "channel, store, status, closed_reason, closed_on, list_from, deferred_days FROM task ORDER BY id")


def test_workers_store_exactly_what_the_scheduler_here_stores(new_db: Callable[[str], Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Mornings: the workers read the facts themselves; the re-import's resync hands them over."""
    monkeypatch.setattr(store_tasks, "SYNC_BATCH", 17)  # 220 customers: 13 batches, 3 ahead with 2 workers
    here, workers = new_db("here.db"), new_db("workers.db")
    mornings = ("2026-11-23T01:00:00Z", "2026-11-24T01:00:00Z", "2026-12-07T01:00:00Z")
    for db, setting in ((here, "0"), (workers, "2")):
        run_ok(db, "import", *(SAMPLE / f"{name}.csv" for name in FILES), env={"LIFECYCLE_NOW": mornings[0]})
        for now in mornings:
            run_json(db, "due", "--days", "3", env={"LIFECYCLE_NOW": now, WORKERS_ENV: setting})
        run_ok(db, "import", SAMPLE / "visits.csv", env={"LIFECYCLE_NOW": mornings[-1], WORKERS_ENV: setting})
    stored = sql_rows(here, TASKS)
    assert len(stored) > 100
    assert sql_rows(workers, TASKS) == stored


@pytest.mark.parametrize(("setting", "customers", "cores", "expected"), [
    ("", 19_999, 2, 0),      # a small sync: the workers' start costs more than they save
    ("", 20_000, 2, 2),      # a big one: one worker per core
    ("", 20_000, 1, 0),      # one core: none
    ("", 500_000, 16, 4),    # at most MAX_WORKERS
    ("0", 500_000, 2, 0),    # the setting wins
    ("3", 10, 1, 3),
])
def test_the_number_of_workers(monkeypatch: pytest.MonkeyPatch, setting: str, customers: int, cores: int,
                               expected: int) -> None:
    monkeypatch.setenv(WORKERS_ENV, setting)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(cores)))
    assert worker_count(customers) == expected


def test_a_bad_setting_is_a_usage_error(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    run_ok(db, "import", *(SAMPLE / f"{name}.csv" for name in FILES))
    message = refusal(db, "due", env={WORKERS_ENV: "two"})
    assert "环境变量 LIFECYCLE_SYNC_WORKERS 应为 0 或正整数，实际为 'two'" in message


def test_tasks_written_in_bulk_carry_the_commands_stamp_as_core_stores_it(tmp_path: Path) -> None:
    """The sync's inserts go to the driver directly (store/bulk.insert_by_shape): created_at is the
    clock's instant in the text SQLAlchemy's DateTime stores, like every other stamped row."""
    db = tmp_path / "x.db"
    run_ok(db, "import", *(SAMPLE / f"{name}.csv" for name in FILES), env={"LIFECYCLE_NOW": "2026-11-23T01:00:00Z"})
    run_json(db, "due", "--today", env={"LIFECYCLE_NOW": "2026-11-24T01:30:00Z"})
    stamps = dict(sql_rows(db, "SELECT created_at, count(*) FROM task GROUP BY created_at"))
    assert set(stamps) == {"2026-11-24 01:30:00.000000"}, stamps  # the first sync: the first due
