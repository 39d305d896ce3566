"""A day's work-order CSV imports without loading what it does not need (issue 21: the 2,000 work
orders' start-up): rich (piped output is plain text), phonenumbers (no phone column), charset_normalizer
(UTF-8), the event and report modules (no event file), the worker processes' machinery (a small sync)."""

from __future__ import annotations

import os
from pathlib import Path

from cli_helpers import NOW, Files, customer, make_vin, run_ok, run_watching, vehicle, visit

NOT_NEEDED = ("rich", "phonenumbers", "charset_normalizer", "multiprocessing",
              "lifecycle_cli.store.events", "lifecycle_cli.store.report")



def test_a_work_order_file_loads_none_of_the_modules_it_does_not_need(tmp_path: Path) -> None:
    db, files = tmp_path / "shop.db", Files(tmp_path)
    vin = make_vin(1)
    run_ok(db, "import", files.customers([customer("C001", "张伟", 1)]),
           files.vehicles([vehicle(vin, "C001", "2025-06-01")]), env={"LIFECYCLE_NOW": NOW})
    orders = files.visits([visit("RO1", vin, "2026-11-23", 5000)], name="day.csv")
    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_DB", "LIFECYCLE_RULES", "NO_COLOR")}
    ending, done = run_watching(["--db", str(db), "import", str(orders)], NOT_NEEDED, {**env, "LIFECYCLE_NOW": NOW})
    assert ending == {"code": 0, "loaded": []}, done.stderr
    assert "完成" in done.stdout  # the summary, as plain text
