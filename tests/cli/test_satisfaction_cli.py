"""Satisfaction end to end (care-desk §6, §9): `done --score` and `--answer`, the call sheet's question
columns, a low score opening a complaint linked to the call, and the month's figures in the report:
高满意度客户比例 (latest score per customer), average score per service advisor (the work order's),
per sales consultant, per assigned person (专属管家满意度, with a staff file).

The world (clock 2026-11-23):
  C1 car A delivered 2026-11-22 by 李娜: delivery_call_24h on 11-23, delivery_call_7d on 11-29
  C2 car B (the car's advisor 王强) repaired 2026-11-20, work order by 孙丽: post_service_followup 11-23
  C3 car C repaired 2026-11-20 by 王强: post_service_followup 11-23
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    STORE,
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
    visit,
    write_csv,
)

DAY = "2026-11-23"
V = {k: make_vin(950 + n) for n, k in enumerate("ABC")}


@pytest.fixture
def store(db: Path, files: Files) -> Path:
    customers = [customer("C1", "张伟", 1), customer("C2", "李静", 2), customer("C3", "王芳", 3)]
    vehicles = [vehicle(V["A"], "C1", "2026-11-22", sales="李娜"),
                vehicle(V["B"], "C2", "2025-01-10", advisor="王强"),
                vehicle(V["C"], "C3", "2025-01-10", advisor="王强")]
    visits = [visit("RO-B-1", V["B"], "2026-11-20", 21000, "repair", advisor="孙丽"),
              visit("RO-C-1", V["C"], "2026-11-20", 22000, "repair", advisor="王强")]
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))
    return db


def morning(day: str) -> dict[str, str]:
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def complaints(db: Path) -> list[tuple[Any, ...]]:
    return sql_rows(db, "SELECT e.vin, e.event_date, e.source, e.handler, e.outcome_id = o.id, o.score FROM event e "
                        "LEFT JOIN outcome o ON o.id = e.outcome_id WHERE e.kind = 'complaint' ORDER BY e.id")


@pytest.mark.parametrize(("score", "opens"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_score_at_or_below_complaint_at_opens_a_complaint_linked_to_the_call(store: Path, score: int,
                                                                               opens: bool) -> None:
    task = task_id_of(store, DAY, "C3", "post_service_followup")
    said = run_ok(store, "done", task, "--result", "reached", "--score", score, "--note", "异响未修好").stdout
    assert ("已自动登记客户抱怨 #1" in said) is opens
    if not opens:
        assert complaints(store) == []
        return
    assert complaints(store) == [(V["C"], DAY, "score", "服务经理", 1, score)]
    [event] = run_json(store, "event", "list")
    assert event["note"] == f"满意度 {score} 分（回访任务 {task}）：异响未修好"
    # Its follow-up (服务经理, the next day) and its clock, like any complaint.
    followups = [t for t in due_tasks(store, "--date", "2026-11-24") if t["code"] == "complaint_followup"]
    assert [(t["customer_id"], t["owner"]) for t in followups] == [("C3", "服务经理")]
    assert (event["response_due"], event["resolution_due"]) == ("2026-11-24", "2026-11-30")


def test_undoing_a_low_score_withdraws_the_complaint_it_opened_unless_it_was_worked(store: Path) -> None:
    """A mistaken 1 undone: its complaint goes with it (no follow-up, no escalation, counted nowhere);
    once the complaint's follow-up was called, undoing the score leaves the complaint to be resolved."""
    task = task_id_of(store, DAY, "C3", "post_service_followup")
    run_ok(store, "done", task, "--result", "reached", "--score", "1")
    undone = run_ok(store, "done", task, "--undo").stdout
    assert "这次回访的低分登记的客户抱怨 #1 已一并撤销（其回访与升级任务已关闭）" in undone
    assert sql_rows(store, "SELECT status FROM event WHERE id = 1") == [("withdrawn",)]
    assert sql_rows(store, "SELECT code, status, closed_reason FROM task WHERE code IN "
                           "('complaint_followup', 'complaint_escalation') ORDER BY id") == [
        ("complaint_followup", "closed", "withdrawn"), ("complaint_escalation", "closed", "withdrawn"),
        ("complaint_escalation", "closed", "withdrawn")]
    assert run_json(store, "event", "list", "--open") == []
    # After its response deadline (11-24) a complaint counts in 抱怨处理及时率; a withdrawn one does not.
    kpi = run_json(store, "report", "--month", "2026-11", "--format", "json", env=morning("2026-11-26"))["kpis"]
    assert kpi["complaint_timely_rate"]["denominator"] == 0
    # Scored again (low): a new complaint; its follow-up called the next day; the undo keeps it.
    run_ok(store, "done", task, "--result", "reached", "--score", "2")
    [follow] = [t["task_id"] for t in due_tasks(store, "--date", "2026-11-24", env=morning("2026-11-24"))
                if t["code"] == "complaint_followup"]
    run_ok(store, "done", follow, "--result", "reached", env=morning("2026-11-24"))
    kept = run_ok(store, "done", task, "--undo", env=morning("2026-11-24")).stdout
    assert "这次回访的低分登记的客户抱怨 #2 已有处理记录，保留" in kept
    assert sql_rows(store, "SELECT status FROM event WHERE id = 2") == [("open",)]


def test_a_low_score_with_another_complaint_at_opens_nothing(store: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[survey]\ncomplaint_at = 0\n", encoding="utf-8")
    task = task_id_of(store, DAY, "C3", "post_service_followup")
    run_ok(store, "--rules", rules, "done", task, "--result", "reached", "--score", 1)
    assert complaints(store) == []


def test_answers_are_stored_with_the_call(store: Path) -> None:
    task = task_id_of(store, DAY, "C2", "post_service_followup")
    run_ok(store, "done", task, "--result", "reached", "--score", 4, "--answer", "维修质量=4",
           "--answer", "服务态度 = 5")
    assert sql_rows(store, "SELECT a.question, a.score, o.score FROM answer a JOIN outcome o ON o.id = a.outcome_id "
                           "ORDER BY a.question") == [("服务态度", 5, 4), ("维修质量", 4, 4)]


@pytest.mark.parametrize(("args", "message"), [
    (("--answer", "洗车=4"), "--answer：问卷中没有题目「洗车」（可用：服务态度、维修质量、按时交车、费用透明、推荐意愿）"),
    (("--answer", "维修质量=9"), "--answer：维修质量 的分数应为 1–5 的整数，不是「9」"),
    (("--answer", "维修质量"), "--answer：「维修质量」应写成 题目=分数，例如 服务态度=4"),
    (("--answer", "维修质量=4", "--answer", "维修质量=5"), "--answer：题目「维修质量」给了两次"),
])
def test_bad_answers_are_refused_and_record_nothing(store: Path, args: tuple[str, ...], message: str) -> None:
    task = task_id_of(store, DAY, "C2", "post_service_followup")
    assert refusal(store, "done", task, "--result", "reached", *args) == message
    assert sql_rows(store, "SELECT count(*) FROM outcome") == [(0,)]


def test_answers_only_on_a_reached_satisfaction_call(store: Path) -> None:
    task = task_id_of(store, DAY, "C2", "post_service_followup")
    result = run(store, "done", task, "--result", "no_answer", "--answer", "维修质量=4")
    assert result.exit_code == 2
    assert f"任务 {task}：问卷只用于接通或已预约的交车回访和维修保养后回访" in result.stderr
    assert sql_rows(store, "SELECT count(*) FROM outcome") == [(0,)]


def test_the_call_sheet_brings_back_the_score_and_one_column_per_question(store: Path, tmp_path: Path) -> None:
    b = task_id_of(store, DAY, "C2", "post_service_followup")
    c = task_id_of(store, DAY, "C3", "post_service_followup")
    sheet = write_csv(tmp_path / "sheet.csv", ("清单日期", "任务号", "结果", "满意度", "维修质量", "费用透明"), [
        {"清单日期": DAY, "任务号": b, "结果": "接通", "满意度": 5, "维修质量": "5", "费用透明": 4},
        {"清单日期": DAY, "任务号": c, "结果": "接通", "满意度": 2, "维修质量": "很差"},
    ])
    result = run(store, "done", "--from", sheet)
    assert result.exit_code == 1
    assert f"{sheet}:3: 维修质量: 维修质量应为整数：很差" in result.stderr
    assert sql_rows(store, "SELECT o.task_id, a.question, a.score FROM answer a JOIN outcome o ON o.id = a.outcome_id "
                           "ORDER BY a.question") == [(b, "维修质量", 5), (b, "费用透明", 4)]
    assert complaints(store) == []  # the low-scored row was not recorded
    assert refusal(store, "done", "--from", sheet, "--answer", "维修质量=4") == (
        "--from 不能与任务号、--result、--answer、--undo 一起使用（问卷各题为清单中的列）")


def score_month(db: Path) -> None:
    """C1: 2 on the 24 h call (11-23), 5 on the 7-day call (11-29): the latest, 5, counts; C2: 5 (孙丽's work
    order); C3: 3 (王强)."""
    run_ok(db, "done", task_id_of(db, DAY, "C1", "delivery_call_24h"), "--result", "reached", "--score", 2)
    run_ok(db, "done", task_id_of(db, DAY, "C2", "post_service_followup"), "--result", "reached", "--score", 5)
    run_ok(db, "done", task_id_of(db, DAY, "C3", "post_service_followup"), "--result", "booked", "--score", 3)
    [seven] = [t["task_id"] for t in due_tasks(db, "--date", "2026-11-29", env=morning("2026-11-29"))
               if t["code"] == "delivery_call_7d"]
    run_ok(db, "done", seven, "--result", "reached", "--score", 5, env=morning("2026-11-29"))


def report(db: Path, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = run_json(db, "report", "--date", "2026-11-30", "--month", "2026-11", *args,
                                    env=morning("2026-11-30"))
    return data


def test_high_satisfaction_ratio_and_averages_per_advisor_and_consultant(store: Path) -> None:
    score_month(store)
    data = report(store)
    kpi = data["kpis"]["high_satisfaction_ratio"]
    assert (kpi["name"], kpi["numerator"], kpi["denominator"]) == ("高满意度客户比例", 2, 3)
    assert kpi["value"] == pytest.approx(2 / 3)
    block = data["satisfaction"]
    assert (block["surveyed"], block["average_score"]) == (3, 4.33)
    assert block["by_service_advisor"] == [{"name": "孙丽", "customers": 1, "average_score": 5.0},
                                           {"name": "王强", "customers": 1, "average_score": 3.0}]
    assert block["by_sales_consultant"] == [{"name": "李娜", "customers": 1, "average_score": 5.0}]
    assert block["by_assigned_person"] == []  # no staff file
    table = run_ok(store, "report", "--date", "2026-11-30", "--month", "2026-11", env=morning("2026-11-30")).stdout
    assert "满意度（2026-11，每位客户取当月最近一次评分）" in table
    assert "服务顾问\t孙丽\t1\t5.00" in table and "高满意度客户比例\thigh_satisfaction_ratio\t66.7%\t2\t3" in table


def test_satisfaction_of_nobody_surveyed_is_no_value(store: Path) -> None:
    score_month(store)
    data = report(store, "--store", "佛山店")
    kpi = data["kpis"]["high_satisfaction_ratio"]
    assert (kpi["numerator"], kpi["denominator"], kpi["value"]) == (0, 0, None)
    assert data["satisfaction"]["surveyed"] == 0 and data["satisfaction"]["average_score"] is None


def test_assigned_person_satisfaction_with_a_staff_file(store: Path, files: Files) -> None:
    staff = write_csv(files.folder / "staff.csv", ("姓名", "岗位", "门店"),
                      [{"姓名": "林晓燕", "岗位": "客服专员", "门店": STORE}, {"姓名": "周敏", "岗位": "客服专员", "门店": STORE}])
    run_ok(store, "import", staff)
    assigned = dict(sql_rows(store, "SELECT c.customer_id, s.name FROM assignment a JOIN customer c ON c.id = "
                                    "a.customer_pk JOIN staff s ON s.id = a.staff_pk"))
    score_month(store)
    got = {(g["role"], g["role_name"], g["name"]): (g["customers"], g["average_score"])
           for g in report(store)["satisfaction"]["by_assigned_person"]}
    latest = {"C1": 5, "C2": 5, "C3": 3}
    expected: dict[tuple[str, str, str], list[int]] = {}
    for cid, name in assigned.items():
        expected.setdefault(("customer_care", "客服专员", name), []).append(latest[cid])
    assert got == {k: (len(v), round(sum(v) / len(v), 2)) for k, v in expected.items()}
    assert len(got) == 2
