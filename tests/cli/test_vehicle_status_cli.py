"""Cars that leave (care-desk §6 车辆状态): `vehicle set VIN --status` and the `vehicle_sold` result.

A car that is not active gets no tasks (its open ones close with the status as the reason), a customer
left with no active car gets no customer-level tasks, the report shows such cars apart from the stage
distribution and they are not churn; set back to active, the tasks come back. The world is
cli_helpers' call-list world (clock 2026-11-23).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import (
    DAY,
    WORLD_VINS,
    Files,
    customer,
    due_tasks,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    task_id_of,
    vehicle,
)

CAR = WORLD_VINS["C100"]  # delivered 2026-11-22: delivery calls 24 h (on the list today) and 7 d


def tasks_of(db: Path, vin: str) -> list[tuple[str, str, str | None]]:
    return sql_rows(db, "select code, status, closed_reason from task where vin = ? order by code", (vin,))


@pytest.mark.parametrize(("word", "code", "label"), [
    ("sold", "sold", "已售"),
    ("已售", "sold", "已售"),
    ("scrapped", "scrapped", "报废"),
    ("报废", "scrapped", "报废"),
    ("transferred", "transferred", "过户"),
    ("过户", "transferred", "过户"),
])
def test_a_car_that_leaves_loses_its_tasks_and_gets_them_back_when_active(world: Path, word: str, code: str,
                                                                          label: str) -> None:
    task_id_of(world, DAY, "C100", "delivery_call_24h")  # the list was synced: the car's tasks are stored
    assert tasks_of(world, CAR) == [("delivery_call_24h", "open", None), ("delivery_call_7d", "open", None)]
    done = run_ok(world, "vehicle", "set", CAR, "--status", word)
    assert done.stdout.strip() == f"已更新 {CAR}（粤A10001）：车辆状态 在用 → {label}，关闭 2 项待办任务"
    assert sql_rows(world, "select status from vehicle where vin = ?", (CAR,)) == [(code,)]
    assert tasks_of(world, CAR) == [("delivery_call_24h", "closed", code), ("delivery_call_7d", "closed", code)]
    assert not [t for t in due_tasks(world, "--date", DAY, "--days", "10") if t["customer_id"] == "C100"]
    back = run_ok(world, "vehicle", "set", CAR, "--status", "在用")
    assert back.stdout.strip() == f"已更新 {CAR}（粤A10001）：车辆状态 {label} → 在用，恢复 2 项任务"
    assert tasks_of(world, CAR) == [("delivery_call_24h", "open", None), ("delivery_call_7d", "open", None)]
    assert [t["code"] for t in due_tasks(world, "--date", DAY) if t["customer_id"] == "C100"] == ["delivery_call_24h"]


def test_a_car_that_left_before_the_first_sync_never_gets_tasks(world: Path) -> None:
    run_ok(world, "vehicle", "set", CAR, "--status", "scrapped")
    assert not [t for t in due_tasks(world, "--date", DAY) if t["customer_id"] == "C100"]
    assert tasks_of(world, CAR) == []


def test_an_unknown_status_or_vin_is_refused(world: Path) -> None:
    assert refusal(world, "vehicle", "set", CAR, "--status", "lost") == (
        '--status: 不认识 "lost"，可用：active 在用 / sold 已售 / scrapped 报废 / transferred 过户')
    missing = run(world, "vehicle", "set", "LVRHDA3K0TN999999", "--status", "sold")
    assert missing.exit_code == 1 and '找不到车架号 "LVRHDA3K0TN999999"' in missing.stderr
    assert sql_rows(world, "select count(*) from vehicle where status <> 'active'") == [(0,)]


def test_a_customer_with_no_active_car_left_gets_no_customer_tasks(db: Path, files: Files) -> None:
    one, two = make_vin(300), make_vin(301)
    run_ok(db, "import", files.customers([customer("C300", "周一", 30, birthday="1980-11-25")]),
           files.vehicles([vehicle(one, "C300", "2025-06-01"), vehicle(two, "C300", "2025-07-01")]))
    run_ok(db, "due", "--date", DAY)  # syncs the days ahead: the birthday greeting of 11-25 is stored
    greeting = "select status, closed_reason from task where code = 'birthday_greeting'"
    assert sql_rows(db, greeting) == [("open", None)]
    run_ok(db, "vehicle", "set", one, "--status", "sold")
    assert sql_rows(db, greeting) == [("open", None)]  # one car is still active
    run_ok(db, "vehicle", "set", two, "--status", "transferred")
    assert sql_rows(db, greeting) == [("closed", "sold")]  # the status of the customer's first car
    run_ok(db, "vehicle", "set", two, "--status", "active")
    assert sql_rows(db, greeting) == [("open", None)]


def test_the_vehicle_sold_result_marks_the_car_sold_and_undo_makes_it_active(world: Path) -> None:
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    run_ok(world, "done", call, "--result", "车已卖", "--date", DAY)
    assert sql_rows(world, "select status from vehicle where vin = ?", (CAR,)) == [("sold",)]
    assert tasks_of(world, CAR) == [("delivery_call_24h", "closed", "vehicle_sold"),
                                    ("delivery_call_7d", "closed", "sold")]
    run_ok(world, "done", call, "--undo")
    assert sql_rows(world, "select status from vehicle where vin = ?", (CAR,)) == [("active",)]
    assert tasks_of(world, CAR) == [("delivery_call_24h", "open", None), ("delivery_call_7d", "open", None)]
    # Sold again, then set active by hand: the other task comes back, the call that said sold stays done.
    run_ok(world, "done", call, "--result", "vehicle_sold", "--date", DAY)
    run_ok(world, "vehicle", "set", CAR, "--status", "active")
    assert tasks_of(world, CAR) == [("delivery_call_24h", "closed", "vehicle_sold"),
                                    ("delivery_call_7d", "open", None)]


@pytest.mark.parametrize(("status", "key"), [("sold", "sold"), ("报废", "scrapped"), ("过户", "transferred")])
def test_the_report_shows_cars_that_left_apart_and_not_as_churn(world: Path, status: str, key: str) -> None:
    before = run_json(world, "report")
    assert before["inactive"] == {"sold": 0, "scrapped": 0, "transferred": 0}
    assert before["churn"]["首保流失"] == 3
    assert (before["kpis"]["churn_rate"]["numerator"], before["kpis"]["churn_rate"]["denominator"]) == (3, 3)
    run_ok(world, "vehicle", "set", WORLD_VINS["C102"], "--status", status)  # a 首保流失 car (2024-01-10)
    after = run_json(world, "report")
    assert after["inactive"] == {"sold": 0, "scrapped": 0, "transferred": 0, key: 1}
    assert sum(s["count"] for s in after["stages"].values()) == sum(s["count"] for s in before["stages"].values()) - 1
    assert after["churn"]["首保流失"] == 2
    assert (after["kpis"]["churn_rate"]["numerator"], after["kpis"]["churn_rate"]["denominator"]) == (2, 2)
    assert "C102" not in [r["customer_id"] for r in run_json(world, "churn")]
    table = run_ok(world, "report").stdout
    label = {"sold": "已售", "scrapped": "报废", "transferred": "过户"}
    expected = "，".join(f"{label[k]} {1 if k == key else 0}" for k in label)
    assert f"不计入阶段分布（车辆已离开）：{expected}" in table
