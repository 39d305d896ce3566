"""The complaint clock end to end (care-desk §6, §9): handler, level, response and resolution
deadlines, escalation tasks for 售后经理 and 总经理 that stay on the list until the complaint is
resolved, `event list --open`, and 抱怨处理及时率 (reached by the response deadline / complaints).

The world: two cars of 广州天河店 (C1, C2) and one of 佛山店 (C3); the stores went live on 2026-09-01,
so the mornings replayed below (LIFECYCLE_NOW per day) list what they listed then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    STORE,
    Files,
    customer,
    due_lines,
    due_tasks,
    live_since,
    make_vin,
    refusal,
    run_json,
    run_ok,
    sql_rows,
    vehicle,
    write_csv,
)

V = {n: make_vin(900 + n) for n in range(1, 4)}
FOSHAN = "佛山店"


@pytest.fixture
def store(db: Path, files: Files) -> Path:
    customers = [customer("C1", "张伟", 1), customer("C2", "李静", 2), customer("C3", "王芳", 3, store=FOSHAN)]
    vehicles = [vehicle(V[1], "C1", "2024-06-10", plate="粤A90001"), vehicle(V[2], "C2", "2024-06-10"),
                vehicle(V[3], "C3", "2024-06-10", store=FOSHAN)]
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles))
    live_since(db, "2026-09-01")
    return db


def morning(day: str) -> dict[str, str]:
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def escalations(db: Path) -> list[tuple[Any, ...]]:
    return sql_rows(db, "SELECT event_key, due_date, role, owner, status, closed_reason FROM task "
                        "WHERE code = 'complaint_escalation' ORDER BY event_key")


def listed(db: Path, day: str) -> list[tuple[str, str]]:
    """(customer, owner) of the escalation tasks on `day`'s list, replayed that morning."""
    return [(t["customer_id"], t["owner"]) for t in due_tasks(db, "--date", day, env=morning(day))
            if t["code"] == "complaint_escalation"]


@pytest.mark.parametrize(("made", "response", "resolution", "first", "second"), [
    ("2026-11-10", "2026-11-11", "2026-11-17", "2026-11-18", "2026-11-21"),
    # 国庆 (10-01..10-07): answered on 10-08, the holiday days not counted in the 7 to resolve.
    ("2026-09-30", "2026-10-08", "2026-10-14", "2026-10-15", "2026-10-18"),
    # Resolution due 09-24; + 1 falls on 中秋 (09-25..27): the 售后经理's call moves to 09-28, with the 总经理's.
    ("2026-09-17", "2026-09-18", "2026-09-24", "2026-09-28", "2026-09-28"),
])
def test_a_complaint_gets_its_handler_deadlines_and_escalations(store: Path, made: str, response: str,
                                                                 resolution: str, first: str, second: str) -> None:
    result = run_ok(store, "event", "add", V[1], "投诉", "--date", made, "--note", "维修后异响", env=morning(made))
    assert f"抱怨级别 店内，处理人 服务经理；响应期限 {response}，解决期限 {resolution}" in result.stdout
    [event] = run_json(store, "event", "list")
    assert (event["level"], event["handler"], event["response_due"], event["resolution_due"]) == (
        "store", "服务经理", response, resolution)
    assert escalations(store) == [
        ("event:1:escalation:1", first, "aftersales_manager", "售后经理", "open", None),
        ("event:1:escalation:2", second, "general_manager", "总经理", "open", None),
    ]


def test_escalations_stay_on_the_list_until_the_complaint_is_resolved(store: Path) -> None:
    run_ok(store, "event", "add", V[2], "complaint", "--date", "2026-11-10", env=morning("2026-11-10"))
    assert listed(store, "2026-11-17") == []  # the resolution deadline: nothing escalates yet
    assert listed(store, "2026-11-18") == [("C2", "售后经理")]
    lines = due_lines(store, "--date", "2026-11-21", env=morning("2026-11-21"))
    # Top of the list (care-desk §9 priority), both steps on the customer's one line.
    assert lines[0]["customer_id"] == "C2"
    assert [t["code"] for t in lines[0]["tasks"]][:2] == ["complaint_escalation", "complaint_escalation"]
    assert sorted(listed(store, "2026-11-21")) == [("C2", "售后经理"), ("C2", "总经理")]
    first = int(sql_rows(store, "SELECT id FROM task WHERE event_key = 'event:1:escalation:1'")[0][0])
    # No answer three times (max_attempts) and then reached: it stays open, as the complaint is.
    for day in ("2026-11-21", "2026-11-22", "2026-11-23"):
        run_ok(store, "done", first, "--result", "no_answer", "--date", day, env=morning(day))
    said = run_ok(store, "done", first, "--result", "reached", "--date", "2026-11-23").stdout
    assert "抱怨处理完毕（event resolve）前每天仍在清单上" in said
    assert sql_rows(store, "SELECT status, attempts FROM task WHERE id = ?", (first,)) == [("open", 4)]
    assert sorted(listed(store, "2026-11-24")) == [("C2", "售后经理"), ("C2", "总经理")]

    run_ok(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-24", env=morning("2026-11-24"))
    assert [(r[4], r[5]) for r in escalations(store)] == [("closed", "resolved"), ("closed", "resolved")]
    assert listed(store, "2026-11-25") == []


def test_a_complaint_resolved_in_time_never_escalates(store: Path) -> None:
    run_ok(store, "event", "add", V[2], "complaint", "--date", "2026-11-10", env=morning("2026-11-10"))
    run_ok(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-15", env=morning("2026-11-15"))
    assert listed(store, "2026-11-18") == []
    assert listed(store, "2026-11-21") == []


def test_the_handler_and_escalations_are_people_with_a_staff_file(store: Path, files: Files) -> None:
    staff = write_csv(files.folder / "staff.csv", ("姓名", "岗位", "门店"),
                      [{"姓名": "赵刚", "岗位": "服务经理", "门店": STORE},
                       {"姓名": "钱军", "岗位": "售后经理", "门店": STORE},
                       {"姓名": "孙总", "岗位": "总经理", "门店": STORE}])
    run_ok(store, "import", staff)
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-10", env=morning("2026-11-10"))
    [event] = run_json(store, "event", "list")
    assert event["handler"] == "赵刚"
    assert [r[3] for r in escalations(store)] == ["钱军", "孙总"]


@pytest.mark.parametrize(("level", "code", "name"), [("oem", "oem", "厂家"), ("厂家", "oem", "厂家"),
                                                     ("店内", "store", "店内")])
def test_the_level_of_a_complaint(store: Path, level: str, code: str, name: str) -> None:
    result = run_ok(store, "event", "add", V[1], "complaint", "--level", level)
    assert f"抱怨级别 {name}" in result.stdout
    [event] = run_json(store, "event", "list", "--open")
    assert (event["level"], event["level_name"]) == (code, name)


def test_a_bad_level_is_refused_and_writes_nothing(store: Path) -> None:
    message = refusal(store, "event", "add", V[1], "complaint", "--level", "集团")
    assert "--level" in message and "store 店内" in message and "oem 厂家" in message
    assert sql_rows(store, "SELECT count(*) FROM event") == [(0,)]


def test_event_list_open_shows_age_deadlines_and_where_each_stands(store: Path) -> None:
    now = morning("2026-11-23")
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-10", "--note", "等待过长", env=now)
    run_ok(store, "event", "add", V[2], "complaint", "--date", "2026-11-22", env=now)
    run_ok(store, "event", "add", V[3], "rescue", "--date", "2026-11-20", env=now)
    run_ok(store, "event", "add", V[2], "rescue", "--date", "2026-11-19", env=now)
    run_ok(store, "event", "resolve", "4", "--satisfied", "--date", "2026-11-21", env=now)
    shown = run_json(store, "event", "list", "--open", env=now)
    assert [(e["event_id"], e["age_days"], e["response_due"], e["resolution_due"], e["clock"]) for e in shown] == [
        (2, 1, "2026-11-23", "2026-11-29", "待响应"),
        (3, 3, None, None, ""),
        (1, 13, "2026-11-11", "2026-11-17", "已超过解决期限 6 天"),
    ]
    table = run_ok(store, "event", "list", "--open", env=now).stdout
    assert "未处理完的事件清单（共 3 个）" in table
    assert "已过天数\t级别\t处理人" in table and "已超过解决期限 6 天" in table
    message = refusal(store, "event", "list", "--open", "--status", "satisfied")
    assert message == "--open 不能与 --status 满意 / 不满意 一起使用"


def kpi(db: Path, *args: str) -> dict[str, Any]:
    data = run_json(db, "report", "--date", "2026-11-23", "--month", "2026-11", *args, env=morning("2026-11-23"))
    found: dict[str, Any] = data["kpis"]["complaint_timely_rate"]
    return found


def test_complaint_timely_rate_is_reaching_the_customer_by_the_response_deadline(store: Path) -> None:
    def complaint(vin: str, day: str) -> int:
        run_ok(store, "event", "add", vin, "complaint", "--date", day, "--note", day, env=morning(day))
        return int(sql_rows(store, "SELECT followup_task_id FROM event ORDER BY id DESC LIMIT 1")[0][0])

    on_time = complaint(V[1], "2026-11-10")  # reached 11-11: timely
    late = complaint(V[2], "2026-11-12")  # reached 11-14, due 11-13: late
    declined = complaint(V[1], "2026-11-16")  # declined on 11-17: not reached
    complaint(V[2], "2026-11-19")  # never reached, deadline 11-20 passed: late
    complaint(V[1], "2026-11-22")  # due 11-23 (the report day), not answered yet: not counted
    run_ok(store, "done", on_time, "--result", "reached", "--date", "2026-11-11")
    run_ok(store, "done", late, "--result", "reached", "--date", "2026-11-14")
    run_ok(store, "done", declined, "--result", "declined", "--date", "2026-11-17")
    found = kpi(store)
    assert (found["numerator"], found["denominator"]) == (1, 4)
    assert found["value"] == pytest.approx(0.25)
    [event] = [e for e in run_json(store, "event", "list") if e["event_id"] == 1]
    assert event["responded_on"] == "2026-11-11"
    # Another store: no complaints, no value (never 0% of nothing).
    other = kpi(store, "--store", FOSHAN)
    assert (other["numerator"], other["denominator"], other["value"]) == (0, 0, None)
