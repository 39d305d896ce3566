"""Appointments (预约, care-desk §6, §9): a booking makes one, reception lists it, the sms reminder on
D − 1, the no-show call on D + 1 when no visit came, reschedule moves it, undo withdraws it, 预约到店率."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    DAY,
    WORLD_VINS,
    Files,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    task_id_of,
    visit,
)

D = "2026-11-24"  # the appointment's day in the no-show cases (booked on DAY = 11-23)
D_PLUS_1 = "2026-11-25"
JSON_KEYS = ["appointment_id", "customer_id", "name", "phone", "vin", "plate", "date", "purpose", "booked_by",
             "task_id", "status"]


def at(day: str) -> dict[str, str]:
    """The clock at 09:00 of a day in the store's time zone."""
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def appointments(db: Path, *args: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run_json(db, "appointments", *args, env=env)
    return rows


def tasks_of(db: Path, code: str) -> list[tuple[Any, ...]]:
    return sql_rows(db, "select due_date, status, closed_reason, owner, channel from task where code = ? "
                        "order by id", (code,))


@pytest.fixture
def call(world: Path) -> int:
    """C100's delivery_call_24h on DAY (owner: the 销售经理 role, no staff file)."""
    return task_id_of(world, DAY, "C100", "delivery_call_24h")


def test_booked_makes_the_appointment_reception_lists_with_the_full_phone(world: Path, call: int) -> None:
    said = run_ok(world, "booked", call, "--booked-for", "2026-11-26", "--by", "李娜")
    assert said.stdout == f"已记录：任务 {call}（交车24小时感谢回访）已预约，预约 2026-11-26，任务完成\n"
    rows = appointments(world, "--date", "2026-11-26")
    assert [list(r) for r in rows] == [JSON_KEYS]
    assert rows[0] == {"appointment_id": 1, "customer_id": "C100", "name": "张伟", "phone": "13812345601",
                       "vin": WORLD_VINS["C100"], "plate": "粤A10001", "date": "2026-11-26",
                       "purpose": "delivery_call_24h", "booked_by": "李娜", "task_id": call, "status": "booked"}
    assert appointments(world, "--date", "2026-11-25") == []
    assert [r["date"] for r in appointments(world, "--date", DAY, "--days", "7")] == ["2026-11-26"]
    assert appointments(world, "--date", "2026-11-26", "--store", "别的店") == []
    table = run_ok(world, "appointments", "--date", "2026-11-26").stdout.splitlines()
    assert table[1:] == ["预约日期\t客户编号\t姓名\t电话\t车牌\t车架号\t预约事项\t预约人\t状态\t任务号\t预约号",
                         f"2026-11-26\tC100\t张伟\t13812345601\t粤A10001\t{WORLD_VINS['C100']}\t交车24小时感谢回访\t"
                         f"李娜\t已预约\t{call}\t1"]


def test_booked_by_is_the_tasks_owner_when_nobody_is_named(world: Path, call: int) -> None:
    run_ok(world, "done", call, "--result", "已预约", "--booked-for", "2026-11-26")
    assert [r["booked_by"] for r in appointments(world, "--date", "2026-11-26")] == ["销售经理"]


@pytest.mark.parametrize(("booked_for", "reminder"), [
    ("2026-11-25", "2026-11-24"),  # D − 1, the day after the booking
    ("2026-12-01", "2026-11-30"),
    ("2026-11-24", None),  # booked on D − 1: no reminder
    (DAY, None),  # booked for the same day
])
def test_the_reminder_goes_on_d_minus_1_unless_booked_on_d_minus_1_or_later(world: Path, call: int,
                                                                             booked_for: str,
                                                                             reminder: str | None) -> None:
    run_ok(world, "booked", call, "--booked-for", booked_for)
    expected = [] if reminder is None else [(reminder, "open", None, "客服专员", "sms")]
    assert tasks_of(world, "appointment_reminder") == expected


@pytest.mark.parametrize(("visit_day", "after_the_no_show_call", "status", "no_show_call"), [
    (None, False, "no_show", [(D_PLUS_1, "open", None, "王强", "phone")]),
    (D, False, "visited", []),  # came on D
    ("2026-11-23", False, "no_show", [(D_PLUS_1, "open", None, "王强", "phone")]),  # came the day before
    (D_PLUS_1, True, "visited", [(D_PLUS_1, "closed", "visited", "王强", "phone")]),  # D + 1 closes the call
    ("2026-11-26", True, "no_show", [(D_PLUS_1, "open", None, "王强", "phone")]),  # D + 2 is too late
])
def test_a_no_show_gets_the_advisors_call_on_d_plus_1_unless_a_visit_came_on_d_or_d_plus_1(
        world: Path, files: Files, call: int, visit_day: str | None, after_the_no_show_call: bool, status: str,
        no_show_call: list[tuple[Any, ...]]) -> None:
    run_ok(world, "booked", call, "--booked-for", D)

    def import_visit() -> None:
        assert visit_day is not None
        run_ok(world, "import", files.visits([visit("RO-A1", WORLD_VINS["C100"], visit_day, 150, "repair")]),
               env=at(visit_day))

    if visit_day is not None and not after_the_no_show_call:
        import_visit()
    listed = {(t["code"], t["owner"]) for line in run_json(world, "due", env=at(D_PLUS_1)) for t in line["tasks"]}
    assert (("no_show_followup", "王强") in listed) == (visit_day not in (D,))
    if visit_day is not None and after_the_no_show_call:
        import_visit()
    assert tasks_of(world, "no_show_followup") == no_show_call
    [row] = appointments(world, "--date", D, env=at(max(D_PLUS_1, visit_day or D_PLUS_1)))
    assert row["status"] == status
    shown = run_ok(world, "appointments", "--date", D, env=at("2026-11-26")).stdout
    assert {"visited": "已到店", "no_show": "未到店"}[status] in shown


def test_reschedule_moves_the_appointment_and_its_reminder_and_undo_moves_it_back(world: Path, call: int) -> None:
    run_ok(world, "booked", call, "--booked-for", "2026-11-26")
    moved = run_ok(world, "reschedule", call, "--booked-for", "2026-11-30")
    assert moved.stdout == f"已记录：任务 {call}（交车24小时感谢回访）改约，预约 2026-11-30\n"
    assert appointments(world, "--date", "2026-11-26") == []
    assert [(r["date"], r["status"]) for r in appointments(world, "--date", "2026-11-30")] == [("2026-11-30", "booked")]
    assert [t[:3] for t in tasks_of(world, "appointment_reminder")] == [
        ("2026-11-25", "closed", "rescheduled"), ("2026-11-29", "open", None)]

    run_ok(world, "done", call, "--undo")  # the reschedule: back to 11-26, its reminder again
    assert [r["date"] for r in appointments(world, "--date", DAY, "--days", "14")] == ["2026-11-26"]
    assert [t[:3] for t in tasks_of(world, "appointment_reminder")] == [
        ("2026-11-25", "open", None), ("2026-11-29", "closed", "rescheduled")]

    run_ok(world, "done", call, "--undo")  # the booking: the appointment is cancelled
    assert appointments(world, "--date", DAY, "--days", "14") == []
    assert sql_rows(world, "select status from appointment") == [("cancelled",)]
    assert [t[:3] for t in tasks_of(world, "appointment_reminder")] == [
        ("2026-11-25", "closed", "cancelled"), ("2026-11-29", "closed", "rescheduled")]


def test_reschedule_of_a_task_without_an_appointment_is_a_usage_error(world: Path, call: int) -> None:
    assert refusal(world, "reschedule", call, "--booked-for", "2026-11-30") == (
        f"任务 {call} 没有预约，不能改约（先记录 已预约）")
    other = task_id_of(world, DAY, "C102", "post_service_followup")
    run_ok(world, "done", other, "--result", "reached")
    assert refusal(world, "done", other, "--result", "reschedule", "--booked-for", "2026-11-30") == (
        f"任务 {other} 没有预约，不能改约（先记录 已预约）")
    assert sql_rows(world, "select count(*) from appointment") == [(0,)]
    assert "缺少 --booked-for" in run(world, "booked", call).stderr  # --booked-for is required


def test_a_call_sheet_row_booked_with_a_date_makes_an_appointment_booked_by_the_sheets_owner(
        world: Path, call: int, tmp_path: Path) -> None:
    text = run_ok(world, "due", "--date", DAY, "--format", "csv").stdout.lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    tid, res, when, owner = (header.index(h) for h in ("任务号", "结果", "预约日期", "负责人"))
    [row] = [r for r in rows if r[tid] == str(call)]
    row[res], row[when] = "已预约", "2026-11-27"
    path = tmp_path / "back.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    run_ok(world, "done", "--from", path, "--date", DAY)
    [booked] = appointments(world, "--date", "2026-11-27")
    assert (booked["task_id"], booked["booked_by"], booked["purpose"]) == (call, row[owner], "delivery_call_24h")
    assert [t[:2] for t in tasks_of(world, "appointment_reminder")] == [("2026-11-26", "open")]


def test_the_xlsx_list_keeps_phones_as_text(world: Path, call: int, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run_ok(world, "booked", call, "--booked-for", "2026-11-26")
    out = tmp_path / "reception.xlsx"
    assert run_ok(world, "appointments", "--date", "2026-11-26", "--format", "xlsx", "--out", out).stdout == f"{out}\n"
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == ["预约日期", "客户编号", "姓名", "电话", "车牌", "车架号", "预约事项", "预约人", "状态", "任务号",
                         "预约号"]
    assert values[1][1:9] == ["C100", "张伟", "13812345601", "粤A10001", WORLD_VINS["C100"], "交车24小时感谢回访",
                              "销售经理", "已预约"]


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "xlsx"), "--format xlsx 需要 --out 文件"),
    (("--out", "x.csv"), "--out 只用于 --format xlsx"),
    (("--today", "--date", DAY), "--today 和 --date 只能给一个"),
    (("--date", "11/26"), '--date: 无法识别的日期 "11/26"（格式：YYYY-MM-DD）'),
])
def test_bad_options_are_usage_errors(world: Path, args: tuple[str, ...], message: str) -> None:
    assert refusal(world, "appointments", *args) == message


def kpi(db: Path, month: str, env: dict[str, str]) -> tuple[int, int, float | None]:
    figures = run_json(db, "report", "--month", month, env=env)["kpis"]["appointment_show_rate"]
    assert figures["name"] == "预约到店率"
    return figures["numerator"], figures["denominator"], figures["value"]


def test_appointment_show_rate_counts_appointments_whose_d_plus_1_has_passed(world: Path, files: Files) -> None:
    # C100 booked for 11-24 and came 11-24 (D): kept. C101's new car booked for 11-25, came 11-26 (D + 1):
    # kept. C102 booked for 11-25, never came. C101's older car booked for 11-27: D + 1 (11-28) is after
    # the report date (11-27), not counted yet although it came on 11-27.
    v = WORLD_VINS
    for customer, code, day in (("C100", "delivery_call_24h", "2026-11-24"), ("C101", "delivery_call_24h", "2026-11-25"),
                                ("C102", "post_service_followup", "2026-11-25"),
                                ("C101", "post_service_followup", "2026-11-27")):
        run_ok(world, "booked", task_id_of(world, DAY, customer, code), "--booked-for", day)
    assert kpi(world, "2026-11", at(DAY)) == (0, 0, None)  # nothing's D + 1 has come: null, not 0 %
    came = [visit("RO-K1", v["C100"], "2026-11-24", 200), visit("RO-K2", v["C101b"], "2026-11-26", 200),
            visit("RO-K3", v["C101a"], "2026-11-27", 22000)]
    run_ok(world, "import", files.visits(came, name="came.csv"), env=at("2026-11-27"))
    assert kpi(world, "2026-11", at("2026-11-27")) == (2, 3, pytest.approx(2 / 3))
    assert kpi(world, "2026-11", at("2026-11-29")) == (3, 4, 0.75)
    assert kpi(world, "2026-10", at("2026-11-29")) == (0, 0, None)


def test_invite_success_rate_counts_invitations_made_and_maintenance_visits_only(db: Path, files: Files) -> None:
    # The four calls (declined, reached, no answer, booked) on first-service invitations: four
    # invitations made, not two. A maintenance visit within 30 days of the first attempt succeeds (the
    # no-answer one too); a repair visit does not; warranty_expiry_check is not an invitation here.
    from cli_helpers import customer, make_vin, vehicle

    cars = {"F1": make_vin(501), "F2": make_vin(502), "F3": make_vin(503), "F4": make_vin(504), "W1": make_vin(505)}
    people = [customer(cid, f"客户{cid}", i) for i, cid in enumerate(cars, start=20)]
    fleet = [vehicle(vin, cid, "2023-12-20" if cid == "W1" else "2026-08-30") for cid, vin in cars.items()]
    run_ok(db, "import", files.customers(people), files.vehicles(fleet))
    codes = {"W1": "warranty_expiry_check"}
    for cid, result in (("F1", "declined"), ("F2", "reached"), ("F3", "no_answer"), ("F4", "booked"),
                        ("W1", "reached")):
        task = task_id_of(db, DAY, cid, codes.get(cid, "first_service_invite"))
        run_ok(db, "done", task, "--result", result, *(("--booked-for", "2026-11-25") if result == "booked" else ()))
    came = [visit("RO-F2", cars["F2"], "2026-11-25", 3700), visit("RO-F3", cars["F3"], "2026-11-26", 3700),
            visit("RO-F4", cars["F4"], "2026-11-25", 3700, "repair"), visit("RO-W1", cars["W1"], "2026-11-25", 45000)]
    run_ok(db, "import", files.visits(came), env=at("2026-11-27"))
    figures = run_json(db, "report", "--month", "2026-11", env=at("2026-11-27"))["kpis"]["invite_success_rate"]
    assert (figures["numerator"], figures["denominator"]) == (2, 4)
    assert figures["value"] == 0.5
