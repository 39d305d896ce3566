"""The call sheet carries the questionnaire (issue 18): `due --format csv|xlsx` (and the split files) has
one empty column per question of the rules' [survey] after 满意度, and `done --from` reads a filled one back
as the call's answers (the answer table) and its score counts in the month's satisfaction.

The world (clock 2026-11-23): C2's and C3's cars were repaired on 2026-11-20, so each has a
post_service_followup (三日回访) on the 23rd."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from cli_helpers import Files, customer, make_vin, run, run_json, run_ok, sql_rows, vehicle, visit

DAY = "2026-11-23"
V = {k: make_vin(960 + n) for n, k in enumerate("BC")}
QUESTIONS = ["服务态度", "维修质量", "按时交车", "费用透明", "推荐意愿"]
DESK = ["结果", "备注", "预约日期", "满意度", *QUESTIONS, "原因"]
DESK_EN = ["result", "note", "booked_for", "score", *QUESTIONS, "reason"]


@pytest.fixture
def store(db: Path, files: Files) -> Path:
    vehicles = [vehicle(V["B"], "C2", "2025-01-10"), vehicle(V["C"], "C3", "2025-01-10")]
    visits = [visit("RO-B-1", V["B"], "2026-11-20", 21000, "repair"), visit("RO-C-1", V["C"], "2026-11-20", 22000, "repair")]
    run_ok(db, "import", files.customers([customer("C2", "李静", 2), customer("C3", "王芳", 3)]),
           files.vehicles(vehicles), files.visits(visits))
    return db


@pytest.mark.parametrize(("english", "desk"), [(False, DESK), (True, DESK_EN)])
def test_the_csv_sheet_has_a_column_per_question_after_the_score(store: Path, english: bool, desk: list[str]) -> None:
    args = ("--english-headers",) if english else ()
    out = run_ok(store, "due", "--date", DAY, "--format", "csv", *args).stdout
    header, *rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert header[-len(desk):] == desk
    assert len(rows) == 2 and all(len(r) == len(header) and r[-len(desk):] == [""] * len(desk) for r in rows)


def test_a_rules_file_with_other_questions_gets_its_columns(store: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[survey]\nquestions = ["环境整洁"]\n', encoding="utf-8")
    header = next(csv.reader(io.StringIO(run_ok(store, "--rules", rules, "due", "--date", DAY, "--format", "csv")
                                         .stdout.lstrip("\ufeff"))))
    assert header[-6:] == ["结果", "备注", "预约日期", "满意度", "环境整洁", "原因"]


def fill(path: Path, cells: dict[str, dict[str, object]]) -> None:
    """Fill cells of a written xlsx sheet by customer and header, as the desk does in Excel."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        values = cells.get(str(row[headers.index("客户编号")].value), {})
        for header, value in values.items():
            row[headers.index(header)].value = value
    workbook.save(path)


@pytest.mark.parametrize("split", [False, True], ids=["one-workbook", "split-files"])
def test_the_xlsx_sheet_round_trip_stores_and_counts_the_answers(store: Path, tmp_path: Path, split: bool) -> None:
    if split:
        folder = tmp_path / "sheets"
        [written] = run_ok(store, "due", "--date", DAY, "--format", "xlsx", "--split-by", "owner",
                           "--out", folder).stdout.split()
        sheet = Path(written)
    else:
        sheet = tmp_path / "sheet.xlsx"
        run_ok(store, "due", "--date", DAY, "--format", "xlsx", "--out", sheet)
    from openpyxl import load_workbook

    active = load_workbook(sheet).active
    assert active is not None
    headers = [c.value for c in active[1]]
    assert headers[-len(DESK) - 1:] == [*DESK, "话术"]  # the workbook's call script comes last
    fill(sheet, {"C2": {"结果": "接通", "满意度": 5, "维修质量": 4, "费用透明": "3"},
                 "C3": {"结果": "接通", "满意度": 3, "推荐意愿": 5}})
    result = run(store, "done", "--from", sheet)
    assert result.exit_code == 0, result.stderr
    answers = sql_rows(store, "SELECT c.customer_id, a.question, a.score, o.score FROM answer a "
                              "JOIN outcome o ON o.id = a.outcome_id JOIN task t ON t.id = o.task_id "
                              "JOIN customer c ON c.id = t.customer_pk ORDER BY c.customer_id, a.question")
    assert answers == [("C2", "维修质量", 4, 5), ("C2", "费用透明", 3, 5), ("C3", "推荐意愿", 5, 3)]
    kpi = run_json(store, "report", "--month", "2026-11")["kpis"]["high_satisfaction_ratio"]
    assert (kpi["numerator"], kpi["denominator"]) == (1, 2)
    assert run_ok(store, "done", "--from", sheet).exit_code == 0  # the same sheet twice records nothing new
    assert sql_rows(store, "SELECT count(*) FROM answer") == [(3,)]
