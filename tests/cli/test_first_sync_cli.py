"""The database's first sync searches only the days go-live can still create (core/golive.py
first_sync_lookback_days, core/candidates relationship_from): it must store exactly what the full
search stores for a store that went live the same day."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli_helpers import live_since, run_json, run_ok, sql_rows

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
TASKS = "SELECT customer_pk, vin, code, event_key, due_date, window_end, owner, status FROM task ORDER BY 1, 2, 3, 4"


def test_the_first_sync_stores_what_the_full_search_stores(tmp_path: Path) -> None:
    first = tmp_path / "first.db"
    run_ok(first, "import", *(SAMPLE / f"{name}.csv" for name in ("staff", "customers", "vehicles", "visits")))
    full = tmp_path / "full.db"
    shutil.copy(first, full)
    live_since(full, "2026-11-23")  # go-live known before the sync: the whole lookback is searched
    for db in (first, full):
        run_json(db, "due", "--today", "--days", "14", "--no-capacity")
    stored = sql_rows(first, TASKS)
    assert len(stored) > 100
    assert stored == sql_rows(full, TASKS)
    assert run_json(first, "due", "--today") == run_json(full, "due", "--today")
