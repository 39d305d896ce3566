"""An import writes in bulk on every engine (issue 21): the rows it changes — the changed fields of
stored rows, the projection state of the cars and customers they touch, and their tasks brought in
step afterwards — go to the database as whole batches (SQLite: the driver's executemany; PostgreSQL:
COPY into a scratch table and one UPDATE ... FROM), never as one statement per row through SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    DAY,
    WORLD_VINS,
    Files,
    due_tasks,
    import_world,
    run_ok,
    sql_rows,
    summary_rows,
    world_rows,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine


@pytest.fixture
def per_row_updates() -> Iterator[list[tuple[str, int]]]:
    """The UPDATE statements run with a list of rows (an executemany) while the test runs: (statement, rows)."""
    seen: list[tuple[str, int]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if executemany and statement.lstrip().upper().startswith("UPDATE"):
            seen.append((statement, len(parameters)))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_a_reimport_that_changes_rows_and_tasks_writes_them_in_bulk(
        db: Path, files: Files, per_row_updates: list[tuple[str, int]]) -> None:
    import_world(db, files)
    tasks = {(t["customer_id"], t["code"]) for t in due_tasks(db, "--date", DAY)}  # the synced days hold tasks
    assert {("C100", "delivery_call_24h"), ("C101", "delivery_call_24h")} <= tasks
    customers, vehicles, visits = world_rows()
    for row in customers[:2]:
        row["do_not_contact"] = "是"  # C100, C101: their open tasks close
    for row in vehicles[3:5]:
        row["mileage_km"], row["mileage_date"] = "41000", "2026-11-20"  # C102, C103: a new reading each
    per_row_updates.clear()

    result = run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))

    assert per_row_updates == []
    summary = summary_rows(result.stdout)
    assert (summary["customers.csv"]["updated"], summary["vehicles.csv"]["updated"]) == (2, 2)
    closed = sql_rows(db, "SELECT c.customer_id, t.status, t.closed_reason FROM task t "
                          "JOIN customer c ON c.id = t.customer_pk WHERE c.customer_id IN ('C100', 'C101')")
    assert closed and set(closed) == {("C100", "closed", "do_not_contact"), ("C101", "closed", "do_not_contact")}
    readings = sql_rows(db, "SELECT vin, last_reading_km, last_reading_date FROM vehicle WHERE vin IN (?, ?)",
                        (WORLD_VINS["C102"], WORLD_VINS["C103"]))
    assert sorted(readings) == [(WORLD_VINS["C102"], 41000, "2026-11-20"), (WORLD_VINS["C103"], 41000, "2026-11-20")]
    assert {t["customer_id"] for t in due_tasks(db, "--date", DAY)} & {"C100", "C101"} == set()
