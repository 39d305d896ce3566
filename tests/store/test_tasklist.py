"""store/tasklist.open_task_records on a real database: a young database's open tasks are read by
scanning the task table (SQLite has no statistics to know the open-task index covers nearly every row),
an older one's through the index; both read the same tasks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from lifecycle_cli.store.bulk import insert_by_shape, upsert_customers
from lifecycle_cli.store.tables import TASKS
from lifecycle_cli.store.tasklist import _mostly_open, open_task_records

DAY = date(2026, 11, 23)


def _tasks(customer: int, barred: int, statuses: list[str]) -> list[dict[str, object]]:
    """One task per status, dated around DAY: due before, on and after the window [DAY, DAY + 3],
    windows that end before it, deferred past it, of two stores, for a contactable and a barred customer."""
    out: list[dict[str, object]] = []
    for n, status in enumerate(statuses):
        due = DAY + timedelta(days=n % 9 - 4)
        out.append({"customer_pk": barred if n % 7 == 0 else customer, "code": "care_call", "event_key": f"k{n}",
                    "rule_date": due, "due_date": due, "window_end": due + timedelta(days=n % 5),
                    "status": status, "store": "A店" if n % 2 else "B店",
                    "list_from": DAY + timedelta(days=5) if n % 11 == 0 else None})
    return out


@pytest.mark.parametrize(("open_share", "scanned"), [(1.0, True), (0.5, True), (0.3, False), (0.0, False)])
def test_open_tasks_read_by_scan_or_index_are_the_same(engine: Engine, open_share: float, scanned: bool) -> None:
    total = 60
    opened = round(total * open_share)
    with engine.begin() as conn:
        _, ids = upsert_customers(conn, [{"customer_id": "C1"}, {"customer_id": "C2", "do_not_contact": True}])
        insert_by_shape(conn, TASKS, _tasks(ids["C1"], ids["C2"], ["open"] * opened + ["done"] * (total - opened)))
        assert _mostly_open(conn) is scanned
        end = DAY + timedelta(days=3)
        read = open_task_records(conn, DAY, end)
        wanted = {t.task_id for t in read}
        expected = {row.id for row in conn.execute(TASKS.select()) if row.status == "open"
                    and row.customer_pk == ids["C1"] and row.due_date <= end and row.window_end >= DAY
                    and (row.list_from is None or row.list_from <= end)}
        assert wanted == expected and (expected or opened == 0)
        assert {t.task_id for t in open_task_records(conn, DAY, end, store="A店")} == {
            t.task_id for t in read if t.store == "A店"}
