"""Call sheets (care-desk §5): `due --format xlsx` written, filled in as a person would in Excel,
read back with `done --from`; CSV sheets in GBK; result codes and their effects; undo; the
terminal table at 80 and 120 columns."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import DAY, due_tasks, refusal, run, run_ok, sql_rows, task_id_of

NEXT = {"LIFECYCLE_NOW": "2026-11-24T02:00:00Z"}


def write_sheet(db: Path, path: Path, *args: str) -> Any:
    from openpyxl import load_workbook

    result = run_ok(db, "due", "--date", DAY, "--format", "xlsx", "--out", path, *args)
    assert result.stdout.strip() == str(path)
    return load_workbook(path)


def columns(sheet: Any) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1]}


def row_of(sheet: Any, task_id: int) -> int:
    col = columns(sheet)["任务号"]
    [found] = [r for r in range(2, sheet.max_row + 1) if str(sheet.cell(r, col).value) == str(task_id)]
    return found


def outcomes(db: Path, task_id: int) -> list[tuple[Any, ...]]:
    return sql_rows(db, "select result, attempt_date, note, booked_for, recorded_by, list_date, score, withdrawn "
                        "from outcome where task_id = ? order by id", (task_id,))


def test_the_xlsx_sheet_is_a_workbook_the_desk_can_fill(world: Path, tmp_path: Path) -> None:
    book = write_sheet(world, tmp_path / "sheet.xlsx")
    sheet = book.active
    cols = columns(sheet)
    assert {"任务号", "客户编号", "电话", "负责人", "任务负责人", "顺延次数", "结果", "备注", "预约日期", "满意度",
            "原因"} <= set(cols)
    assert sheet.freeze_panes == "A2"
    listed = sorted(t["task_id"] for t in due_tasks(world, "--date", DAY))
    ids = sorted(int(sheet.cell(r, cols["任务号"]).value) for r in range(2, sheet.max_row + 1))
    assert ids == listed
    phone = sheet.cell(2, cols["电话"])
    assert isinstance(phone.value, str) and phone.value.startswith("138") and phone.number_format == "@"
    assert isinstance(sheet.cell(2, cols["任务号"]).value, str)
    [validation] = sheet.data_validations.dataValidation
    assert "接通" in validation.formula1 and "空号" in validation.formula1
    assert "已发送" not in validation.formula1  # a message's result: the phone sheet does not offer it
    letter = sheet.cell(1, cols["结果"]).column_letter
    assert str(validation.sqref).startswith(f"{letter}2:")
    assert sheet.column_dimensions["A"].width


def test_a_formula_name_stays_text_in_the_workbook(db: Path, files: Any, tmp_path: Path) -> None:
    from cli_helpers import customer, make_vin, vehicle

    run_ok(db, "import", files.customers([customer("C1", "=HYPERLINK(\"http://x\")", 1)]),
           files.vehicles([vehicle(make_vin(1), "C1", "2026-11-22")]))
    sheet = write_sheet(db, tmp_path / "s.xlsx").active
    cell = sheet.cell(2, columns(sheet)["客户姓名"])
    assert cell.data_type == "s" and cell.value == "'=HYPERLINK(\"http://x\")"


def test_xlsx_needs_out(world: Path) -> None:
    assert refusal(world, "due", "--date", DAY, "--format", "xlsx") == (
        "--format xlsx 需要 --out 文件（或与 --split-by owner 一起用 --out 目录）")


def test_split_by_owner_writes_one_workbook_per_person(world: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "books"
    result = run_ok(world, "due", "--date", DAY, "--format", "xlsx", "--split-by", "owner", "--out", out)
    printed = sorted(Path(p) for p in result.stdout.split())
    assert [p.name for p in printed] == [f"{DAY}_广州天河店_客服专员.xlsx", f"{DAY}_广州天河店_销售经理.xlsx"]
    ids = []
    for path in printed:
        sheet = load_workbook(path).active
        ids += [int(sheet.cell(r, columns(sheet)["任务号"]).value) for r in range(2, sheet.max_row + 1)]
    assert sorted(ids) == sorted(t["task_id"] for t in due_tasks(world, "--date", DAY))


def test_the_round_trip_records_good_rows_names_bad_ones_and_twice_records_nothing(world: Path,
                                                                                   tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    book = write_sheet(world, path)
    sheet = book.active
    cols = columns(sheet)
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    follow = task_id_of(world, DAY, "C102", "post_service_followup")
    other = task_id_of(world, DAY, "C101", "post_service_followup")
    booked = task_id_of(world, DAY, "C101", "delivery_call_24h")
    # As a person fills it: Chinese words, a score, a date cell, a typo, a task id from elsewhere.
    sheet.cell(row_of(sheet, call), cols["结果"]).value = "接通"
    sheet.cell(row_of(sheet, call), cols["满意度"]).value = 5.0  # Excel turned it into a float
    sheet.cell(row_of(sheet, call), cols["备注"]).value = "客户满意"
    sheet.cell(row_of(sheet, follow), cols["结果"]).value = "未接通"
    sheet.cell(row_of(sheet, booked), cols["结果"]).value = "已预约"
    sheet.cell(row_of(sheet, booked), cols["预约日期"]).value = datetime(2026, 11, 28)
    sheet.cell(row_of(sheet, other), cols["结果"]).value = "也许"
    foreign = row_of(sheet, other) + 0
    sheet.insert_rows(sheet.max_row + 1)
    last = sheet.max_row + 1
    for key in ("清单日期", "客户编号", "任务号", "结果"):
        sheet.cell(last, cols[key]).value = {"清单日期": DAY, "客户编号": "C999", "任务号": str(call),
                                              "结果": "reached"}[key]
    book.save(path)

    result = run(world, "done", "--from", path, "--date", DAY, "--by", "刘芳")

    assert result.exit_code == 1
    assert f"{path}:{foreign}: 结果: 无法识别的回访结果「也许」" in result.stderr
    assert f"{path}:{last}: 客户编号: 任务 {call} 不属于客户 C999（清单来自另一个数据库？）" in result.stderr
    assert f"{path}：已记录 3 条，跳过 0 条，拒绝 2 条" in result.stdout  # the path as given
    assert outcomes(world, call) == [("reached", DAY, "客户满意", None, "刘芳", DAY, 5, 0)]
    assert outcomes(world, follow) == [("no_answer", DAY, None, None, "刘芳", DAY, None, 0)]
    assert outcomes(world, booked) == [("booked", DAY, None, "2026-11-28", "刘芳", DAY, None, 0)]
    assert outcomes(world, other) == []

    again = run(world, "done", "--from", path, "--date", DAY, "--by", "刘芳")
    assert "已记录 0 条，跳过 3 条，拒绝 2 条" in again.stdout
    assert [len(outcomes(world, t)) for t in (call, follow, booked)] == [1, 1, 1]


def csv_sheet(db: Path, *args: str) -> tuple[list[str], list[list[str]]]:
    text = run_ok(db, "due", "--date", DAY, "--format", "csv", *args).stdout.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_a_gbk_csv_sheet_with_english_words_and_reordered_columns(world: Path, tmp_path: Path) -> None:
    header, rows = csv_sheet(world)
    tid, res, owner = header.index("任务号"), header.index("结果"), header.index("负责人")
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    [row] = [r for r in rows if r[tid] == str(call)]
    row[res] = "Switched Off"
    order = list(reversed(range(len(header))))  # WPS users move columns around
    path = tmp_path / "back.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([header[i] for i in order] + ["我的备注"])
        for r in rows:
            writer.writerow([r[i] for i in order] + ["x"])
    result = run_ok(world, "done", "--from", path, "--date", DAY)
    assert "已记录 1 条，跳过 3 条，拒绝 0 条" in result.stdout
    assert outcomes(world, call) == [("switched_off", DAY, None, None, row[owner], DAY, None, 0)]
    assert call not in {t["task_id"] for t in due_tasks(world, "--date", DAY)}
    assert call in {t["task_id"] for t in due_tasks(world, "--date", "2026-11-24")}  # retried tomorrow


def test_a_file_that_is_not_a_call_sheet_is_refused(world: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert refusal(world, "done", "--from", path) == (
        f"--from：{path}: 不是回访清单：缺少列 任务号、结果（请用 lifecycle due 导出的 CSV / xlsx）")


# --------------------------------------------------------------------------- result codes


@pytest.mark.parametrize(("result", "word", "status", "reason", "said"), [
    ("switched_off", "关机", "open", None, "下一个工作日再回访（还可尝试 2 次）"),
    ("suspended", "停机", "open", None, "下一个工作日再回访"),
    ("no_answer", "未接通", "open", None, "下一个工作日再回访"),
    ("declined", "拒绝", "closed", "declined", "拒绝，任务完成"),
    ("sent", "已发送", "closed", "sent", "已发送，任务完成"),
    ("invalid_number", "空号", "closed", "invalid_number", "号码已标记为无效"),
    ("not_owner", "非本人", "closed", "not_owner", "号码已标记为无效"),
    ("vehicle_sold", "车已卖", "closed", "vehicle_sold", "该车的待办任务已关闭"),
    ("do_not_contact", "要求免打扰", "closed", "do_not_contact", "已设为免打扰"),
])
def test_result_codes_and_their_effect_on_the_task(world: Path, result: str, word: str, status: str,
                                                   reason: str | None, said: str) -> None:
    call = task_id_of(world, DAY, "C101", "delivery_call_24h")
    done = run_ok(world, "done", call, "--result", word, "--date", DAY)
    assert said in done.stdout and result not in done.stdout  # Chinese, no code leaks
    assert sql_rows(world, "select status, closed_reason, attempts from task where id = ?", (call,)) == [
        (status, reason, 1)]
    assert sql_rows(world, "select last_contact from customer where customer_id = 'C101'") == [(DAY,)]


def test_the_bad_number_family_closes_the_customers_phone_tasks_until_a_new_number(world: Path, files: Any) -> None:
    from cli_helpers import customer

    call = task_id_of(world, DAY, "C101", "delivery_call_24h")
    follow = task_id_of(world, DAY, "C101", "post_service_followup")
    run_ok(world, "done", call, "--result", "空号", "--date", DAY)
    assert sql_rows(world, "select status, closed_reason from task where id = ?", (follow,)) == [
        ("closed", "invalid_number")]
    assert sql_rows(world, "select bad_phone from customer where customer_id = 'C101'") == [("13812345602",)]
    assert not [t for t in due_tasks(world, "--date", "2026-11-29") if t["customer_id"] == "C101"]
    assert not care_calls(world, "C101")  # the scheduler makes no phone task while the number is bad
    # An import with another number clears the flag; the same number keeps it.
    run_ok(world, "import", files.customers([customer("C101", "李静", 2)], name="same.csv"))
    assert sql_rows(world, "select bad_phone from customer where customer_id = 'C101'") == [("13812345602",)]
    run_ok(world, "import", files.customers([customer("C101", "李静", 22)], name="new.csv"))
    assert sql_rows(world, "select bad_phone from customer where customer_id = 'C101'") == [(None,)]
    # On the attempt's rhythm (every 60 days from 11-23; from the delivery of 11-22 it would be 05-21), the
    # first call after car 111's first-service invitation closed (二次邀约 through 2027-04-07, care-desk §3).
    assert care_calls(world, "C101") == ["2027-05-22"]


def care_calls(db: Path, customer_id: str) -> list[str]:
    return [t["due_date"] for t in due_tasks(db, "--date", "2027-05-15", "--days", "14", "--code", "care_call")
            if t["customer_id"] == customer_id]


def test_vehicle_sold_closes_that_cars_tasks_only(world: Path) -> None:
    call = task_id_of(world, DAY, "C101", "delivery_call_24h")
    follow = task_id_of(world, DAY, "C101", "post_service_followup")  # the customer's other car
    run_ok(world, "done", call, "--result", "vehicle_sold", "--date", DAY)
    assert sql_rows(world, "select status from task where id = ?", (follow,)) == [("open",)]
    assert not [t for t in due_tasks(world, "--date", "2026-11-29") if t["customer_id"] == "C101"
                and t["code"] == "delivery_call_7d"]


def test_reschedule_moves_a_booking_and_is_refused_without_one(world: Path) -> None:
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    assert refusal(world, "done", call, "--result", "改约", "--booked-for", "2026-11-30", "--date", DAY) == (
        f"任务 {call} 没有预约，不能改约（先记录 已预约）")
    run_ok(world, "done", call, "--result", "booked", "--booked-for", "2026-11-28", "--date", DAY)
    moved = run_ok(world, "done", call, "--result", "reschedule", "--booked-for", "2026-11-30", "--date", DAY)
    assert "改约，预约 2026-11-30" in moved.stdout
    assert [r[:4] for r in outcomes(world, call)] == [("booked", DAY, None, "2026-11-28"),
                                                      ("reschedule", DAY, None, "2026-11-30")]


@pytest.mark.parametrize(("code", "customer", "result", "score", "ok"), [
    ("delivery_call_24h", "C100", "reached", "5", True),
    ("delivery_call_24h", "C100", "reached", "6", False),
    ("delivery_call_24h", "C100", "declined", "3", False),
    ("post_service_followup", "C102", "reached", "1", True),
    ("birthday_greeting", "C105", "sent", "4", False),
])
def test_scores_only_on_reached_or_booked_delivery_and_post_service_calls(world: Path, code: str, customer: str,
                                                                          result: str, score: str, ok: bool) -> None:
    if code == "birthday_greeting":  # an sms task: in `messages`, not on the call sheet
        due_tasks(world, "--date", DAY)  # the day's tasks are stored
        [(task,)] = sql_rows(world, "SELECT id FROM task WHERE code = 'birthday_greeting' AND status = 'open'")
    else:
        task = task_id_of(world, DAY, customer, code)
    done = run(world, "done", task, "--result", result, "--score", score, "--date", DAY)
    assert done.exit_code == (0 if ok else 2), done.stderr
    if not ok:
        assert "满意度" in done.stderr and len(outcomes(world, task)) == 0


def test_a_sheet_row_booked_without_a_date_is_rejected(world: Path, tmp_path: Path) -> None:
    header, rows = csv_sheet(world)
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    [row] = [r for r in rows if r[header.index("任务号")] == str(call)]
    row[header.index("结果")] = "已预约"
    path = tmp_path / "b.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    result = run(world, "done", "--from", path, "--date", DAY)
    assert result.exit_code == 1
    assert f"b.csv:2: 预约日期: 任务 {call}：已预约 / 改约需要预约日期" in result.stderr


# --------------------------------------------------------------------------- undo


def test_undo_withdraws_the_latest_outcome_and_reopens_the_task(world: Path) -> None:
    call = task_id_of(world, DAY, "C101", "delivery_call_24h")
    follow = task_id_of(world, DAY, "C101", "post_service_followup")
    run_ok(world, "done", call, "--result", "no_answer", "--date", DAY)
    run_ok(world, "done", call, "--result", "wrong_number", "--date", "2026-11-24", env=NEXT)
    undone = run_ok(world, "done", call, "--undo", env=NEXT)
    assert f"已撤销：任务 {call}（交车24小时感谢回访）2026-11-24 的「号码错误」，任务重新打开" in undone.stdout
    assert sql_rows(world, "select status, attempts, last_attempt from task where id = ?", (call,)) == [
        ("open", 1, DAY)]
    assert sql_rows(world, "select status from task where id = ?", (follow,)) == [("open",)]
    assert sql_rows(world, "select bad_phone from customer where customer_id = 'C101'") == [(None,)]
    assert [r[0] for r in outcomes(world, call)] == ["no_answer", "wrong_number"]
    assert [r[-1] for r in outcomes(world, call)] == [0, 1]
    run_ok(world, "done", call, "--undo", env=NEXT)
    assert refusal(world, "done", call, "--undo", env=NEXT) == f"任务 {call} 没有可撤销的回访结果"


def test_undo_puts_the_care_call_rhythm_back_to_the_attempt_before(world: Path) -> None:
    """Every attempt restarts the care-call rhythm (last_contact); a withdrawn one no longer does."""
    call = task_id_of(world, DAY, "C101", "delivery_call_24h")
    last = "SELECT last_contact FROM customer WHERE customer_id = 'C101'"
    before = sql_rows(world, last)
    run_ok(world, "done", call, "--result", "no_answer", "--date", DAY)
    assert sql_rows(world, last) == [(DAY,)]
    run_ok(world, "done", call, "--result", "reached", "--date", "2026-11-24", env=NEXT)
    assert sql_rows(world, last) == [("2026-11-24",)]
    run_ok(world, "done", call, "--undo", env=NEXT)
    assert sql_rows(world, last) == [(DAY,)]  # back to the attempt still recorded
    run_ok(world, "done", call, "--undo", env=NEXT)
    assert sql_rows(world, last) == before  # none left: as it was


# --------------------------------------------------------------------------- terminal widths


@pytest.mark.parametrize("width", [80, 120])
def test_every_task_id_and_phone_is_readable_on_a_narrow_terminal(world: Path, width: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from lifecycle_cli.render import calllist

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    lines = json.loads(run_ok(world, "due", "--date", DAY, "--format", "json").stdout)
    for line in lines:
        line["date"] = DAY
        line["tasks"][0]["hint"] = "请确认客户对交车过程是否满意，并介绍首保时间和预约方式" * 2
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Tty()
    monkeypatch.setattr("sys.stdout", out)
    calllist._day_table(DAY, lines)  # type: ignore[arg-type]
    from rich.cells import cell_len

    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert max(cell_len(x) for x in text.splitlines()) <= width
    assert "…" not in text
    words = set(re.split(r"[\s│┃(；]+", text))
    for line in lines:
        assert line["phone"] in words and line["name"] in words  # whole, on one line
        for task in line["tasks"]:
            assert f"#{task['task_id']}" in words
    # At 80 columns the long hint and the stage are left out (piped output and sheets keep them), so a
    # row is a line or two; at 120 the hint is there.
    assert ("话术要点" in text, "阶段" in text) == ((False, False) if width == 80 else (True, True))
    if width == 80:
        rows = len([x for x in text.splitlines() if x.startswith("│")])
        assert rows <= 3 * len(lines), text


# --------------------------------------------------------------------------- KPIs


def kpi_figures(db: Path) -> dict[str, tuple[int, int]]:
    import json

    data = json.loads(run_ok(db, "report", "--date", DAY, "--month", "2026-11", "--format", "json").stdout)
    return {code: (k["numerator"], k["denominator"]) for code, k in data["kpis"].items()
            if code in ("info_accuracy_rate", "phone_valid_rate", "follow_up_success_rate")}


def test_kpis_count_the_bad_number_family_and_ignore_withdrawn_outcomes(world: Path) -> None:
    assert kpi_figures(world) == {"info_accuracy_rate": (0, 0), "phone_valid_rate": (6, 6),
                                  "follow_up_success_rate": (0, 0)}
    follow = task_id_of(world, DAY, "C102", "post_service_followup")
    run_ok(world, "done", follow, "--result", "reached", "--date", DAY)
    run_ok(world, "done", follow, "--undo")
    assert kpi_figures(world)["follow_up_success_rate"] == (0, 0)  # withdrawn: counted nowhere
    run_ok(world, "done", follow, "--result", "not_owner", "--date", DAY)
    assert kpi_figures(world) == {"info_accuracy_rate": (0, 1), "phone_valid_rate": (5, 6),
                                  "follow_up_success_rate": (0, 1)}


# --------------------------------------------------------------------------- the audit export


def test_outcomes_exports_the_call_records_without_phones(world: Path, tmp_path: Path) -> None:
    import json

    from openpyxl import load_workbook

    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    run_ok(world, "done", call, "--result", "接通", "--score", "4", "--note", "很满意", "--by", "刘芳", "--date", DAY)
    follow = task_id_of(world, DAY, "C102", "post_service_followup")
    run_ok(world, "done", follow, "--result", "拒绝", "--reason", "价格", "--date", DAY)
    run_ok(world, "done", follow, "--undo")
    records = json.loads(run_ok(world, "outcomes", "--month", "2026-11", "--format", "json").stdout)
    assert [(r["date"], r["person"], r["customer_id"], r["task_id"], r["result"], r["result_name"], r["note"],
             r["score"], r["reason"], r["withdrawn"]) for r in records] == [
        (DAY, "刘芳", "C100", call, "reached", "接通", "很满意", 4, None, False),
        (DAY, None, "C102", follow, "declined", "拒绝", None, None, "price", True),
    ]
    assert json.loads(run_ok(world, "outcomes", "--from", "2026-11-24", "--to", "2026-11-30", "--format",
                             "json").stdout) == []
    csv_text = run_ok(world, "outcomes", "--month", "2026-11", "--format", "csv").stdout
    assert "13812345" not in csv_text and "记录人" in csv_text and "已撤销" in csv_text
    out = tmp_path / "audit.xlsx"
    run_ok(world, "outcomes", "--month", "2026-11", "--format", "xlsx", "--out", out)
    sheet = load_workbook(out).active
    assert sheet.cell(1, 1).value == "日期" and sheet.max_row == 3
    assert refusal(world, "outcomes", "--format", "xlsx") == "--format xlsx 需要 --out 文件"
