"""How long each task stays on the list (care-desk §3, §9 "Windows") and how it ends when nobody works it.

Each case goes live on the task's own list day (so go-live takes nothing away), is listed on its
last list day (the holiday-shifted list date + N, extended by the statutory holidays inside) and,
the day after, is gone from the list and stored as closed `lapsed` on that day — never silently.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from cli_helpers import Files, customer, due_tasks, make_vin, run_ok, sql_rows, vehicle, visit

VIN = make_vin(1)


def now(day: str) -> dict[str, str]:
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def listed(db: Path, day: str, code: str, suffix: str) -> list[str]:
    """Names of the tasks of this code (first step or second step) on the list of `day`, as of that day."""
    return [t["name"] for t in due_tasks(db, "--date", day, env=now(day))
            if t["code"] == code and t["name"].endswith("（二次邀约）") == (suffix == ":step:2")]


# (code, delivered, repair visit, event, list day, last list day, name, event key suffix)
CASES = [
    pytest.param("delivery_call_24h", "2026-06-01", None, None, "2026-06-02", "2026-06-05", "交车24小时感谢回访", "",
                 id="24h-call-3-days"),
    pytest.param("delivery_call_7d", "2026-06-01", None, None, "2026-06-08", "2026-06-15", "交车7日回访", "",
                 id="7-day-call-7-days"),
    pytest.param("delivery_call_7d", "2026-09-22", None, None, "2026-09-29", "2026-10-13", "交车7日回访", "",
                 id="7-day-call-extended-by-the-national-day-holiday-inside"),
    pytest.param("visit_45d", "2026-06-01", None, None, "2026-07-16", "2026-07-30", "购车1.5月回访", "",
                 id="45-day-call-14-days"),
    pytest.param("post_service_followup", "2025-01-10", "2026-06-01", None, "2026-06-04", "2026-06-11",
                 "维修保养后三日回访", "", id="post-service-follow-up-7-days"),
    pytest.param("complaint_followup", "2025-01-10", None, "2026-06-01", "2026-06-02", "2026-06-09",
                 "客户抱怨处理回访", "", id="complaint-follow-up-7-days"),
    pytest.param("first_service_invite", "2026-03-02", None, None, "2026-05-26", "2026-06-09", "首保邀约", "",
                 id="invitation-due-minus-7-to-due-plus-7"),
    pytest.param("first_service_invite", "2026-03-02", None, None, "2026-07-02", "2026-07-16",
                 "首保邀约（二次邀约）", ":step:2", id="second-invitation-due-plus-30-to-due-plus-44"),
    pytest.param("churn_winback", "2026-03-02", None, None, "2026-08-31", "2026-10-10", "流失客户招揽", "",
                 id="win-back-30-days-extended-by-mid-autumn-and-national-day"),
]


@pytest.mark.parametrize(("code", "delivered", "repair", "event", "first", "last", "name", "suffix"), CASES)
def test_a_task_is_listed_to_its_last_day_and_closes_lapsed_the_day_after(
        db: Path, files: Files, code: str, delivered: str, repair: str | None, event: str | None, first: str,
        last: str, name: str, suffix: str) -> None:
    data = [files.customers([customer("C1", "张伟", 1)]), files.vehicles([vehicle(VIN, "C1", delivered)])]
    if repair is not None:
        data.append(files.visits([visit("RO1", VIN, repair, 8000, "repair")]))
    run_ok(db, "import", *data, env=now(first if event is None else event))
    if event is not None:
        run_ok(db, "event", "add", VIN, "complaint", "--date", event, env=now(event))

    assert listed(db, first, code, suffix) == [name]  # the first morning: go-live on its list day
    assert listed(db, last, code, suffix) == [name]
    after = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    assert listed(db, after, code, suffix) == []
    rows = sql_rows(db, "SELECT event_key, status, closed_reason, closed_on FROM task WHERE code = ?", (code,))
    assert [(status, reason, str(on)[:10]) for key, status, reason, on in rows
            if key.endswith(":step:2") == (suffix == ":step:2")] == [("closed", "lapsed", after)]
