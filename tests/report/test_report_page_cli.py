"""`report --format html / xlsx --out FILE` and `report --months N` (issue 20), through the CLI on real
databases: the page's numbers against `report --format json`, the offline guarantee, every section with
empty data, the workbook read back with openpyxl, the trend, and the usage errors."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from page_helpers import SECTIONS, at, key, new_store_files, number_text, read_page, run, run_ok, sample_store

DbMaker = Any


@dataclass
class Store:
    db: Path | str
    folder: Path
    json_data: dict[str, Any]
    page: Path
    workbook: Path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, module_db: DbMaker) -> Store:
    folder = tmp_path_factory.mktemp("page")
    db = module_db(folder, "page.db")
    sample_store(db)
    data = json.loads(run_ok(db, "report", "--format", "json", "--months", "12").stdout)
    assert run_ok(db, "report", "--format", "html", "--out", folder / "report.html").stdout == f"{folder / 'report.html'}\n"
    run_ok(db, "report", "--format", "xlsx", "--out", folder / "report.xlsx")
    return Store(db, folder, data, folder / "report.html", folder / "report.xlsx")


def test_every_number_on_the_page_is_the_json_number(store: Store) -> None:
    page = read_page(store.page)
    assert json.loads(page.payload) == store.json_data  # the page's own data: report --format json --months 12
    shown = {key(path): (kind, text) for path, kind, text in page.numbers}
    for path, kind, text in page.numbers:
        assert text == number_text(at(store.json_data, path), kind), (path, kind, text)
    assert not page.loose_digits  # no number on the page that is not one of the JSON's
    data = store.json_data
    expected = [["kpis", c, k] for c in data["kpis"] for k in ("value", "numerator", "denominator")]
    expected += [["trend", i, "kpis", c, "value"] for i in range(12) for c in data["kpis"]]
    expected += [["stages", n, f] for n in data["stages"] for f in ("count", "share")]
    expected += [["stages_by_model", m, n, "count"] for m in data["stages_by_model"] for n in data["stages"]]
    expected += [["churn", c] for c in data["churn"]] + [["churn_reasons", c] for c in data["churn_reasons"]]
    expected += [["workload_days", i, "listed"] for i, w in enumerate(data["workload_days"]) if w["date"] >= data["date"]]
    expected += [["campaigns", 0, k] for k in ("vehicles", "customers", "tasks", "tasks_open", "tasks_closed")]
    missing = [p for p in expected if key(p) not in shown]
    assert not missing, missing[:5]
    # the morning's work shows: 1 of 2 follow-ups reached, the declined invitation's reason, the campaign
    assert (data["kpis"]["follow_up_success_rate"]["numerator"], data["kpis"]["follow_up_success_rate"]["denominator"]) \
        == (1, 2)
    assert shown['["kpis", "follow_up_success_rate", "value"]'] == ("pct", "50.0%")
    assert shown['["churn_reasons", "price"]'] == ("int", "1")
    assert data["campaigns"][0]["name"] == "冬季免费检测"


def test_the_page_says_met_in_words_and_shows_the_header(store: Store) -> None:
    html = store.page.read_text(encoding="utf-8")
    follow_up = re.search(r'<div class="kpi (\w+)" id="kpi-follow_up_success_rate">.*?</div>', html, re.S)
    assert follow_up and follow_up.group(1) == "unmet" and "未达标" in follow_up.group(0)  # 50% against 100%
    assert re.search(r'<div class="kpi none" id="kpi-appointment_show_rate">.*?无目标', html, re.S)
    header = html[html.index("<header>"):html.index("</header>")]
    for label in ("门店", "广州天河店", "报表日期", "2026-11-23", "KPI 月份", "数据库", "规则摘要", "程序版本", "0.1.0"):
        assert label in header, label


def test_the_page_fetches_nothing(store: Store) -> None:
    html = store.page.read_text(encoding="utf-8")
    page = read_page(store.page)
    assert page.scripts == [{"type": "application/json", "id": "report-data"}]  # data, never run
    assert page.sections == list(SECTIONS)
    references = re.findall(r'''(?:\bsrc|\bhref|xlink:href)\s*=\s*["']?([^"'\s>]+)|url\(\s*([^)]*)\)|@import''', html)
    assert references == []
    assert "<link" not in html and "<iframe" not in html and "<object" not in html
    # only XML namespace names (identifiers, never fetched) look like web addresses
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_a_new_store_has_every_section_with_dashes_for_zero_denominators(new_db: Any, tmp_path: Path) -> None:
    db = new_db("new.db")
    run_ok(db, "import", *new_store_files(tmp_path))  # one customer, one car delivered 2026-11-20, no visits
    run_ok(db, "report", "--store", "新店", "--format", "html", "--out", tmp_path / "new.html")
    data = json.loads(run_ok(db, "report", "--store", "新店", "--format", "json", "--months", "12").stdout)
    page = read_page(tmp_path / "new.html")
    assert page.sections == list(SECTIONS)
    shown = {key(p): text for p, _, text in page.numbers}
    empty = [c for c, k in data["kpis"].items() if k["denominator"] == 0]
    assert {"follow_up_success_rate", "maintenance_visit_rate", "churn_rate"} <= set(empty)
    for code in empty:
        assert data["kpis"][code]["value"] is None
        assert shown[key(["kpis", code, "value"])] == "—"
        assert shown[key(["trend", 0, "kpis", code, "value"])] == "—"
    assert "0.0%" not in [text for p, _, text in page.numbers if p[0] in ("kpis", "trend")]
    assert shown[key(["stages", "新车体验期", "count"])] == "1"
    assert "本期没有活动" in (tmp_path / "new.html").read_text(encoding="utf-8")


def test_the_workbook_has_its_sheets_numbers_formats_and_charts(store: Store) -> None:
    book = load_workbook(store.workbook)
    assert book.sheetnames == ["阶段分布", "KPI", "趋势", "流失", "工作量", "活动"]
    kpis = book["KPI"]
    assert [c.value for c in kpis[1]] == ["KPI", "代码", "数值", "分子", "分母", "目标", "是否达标"]
    rows = {r[1].value: r for r in kpis.iter_rows(min_row=2) if r[1].value}
    follow_up = rows["follow_up_success_rate"]
    assert [c.value for c in follow_up[2:]] == [0.5, 1, 2, 1.0, "未达标"]
    assert follow_up[2].number_format == "0.0%" and follow_up[5].number_format == "0.0%"
    assert rows["campaigns_run"][2].value == 1 and rows["campaigns_run"][2].number_format == "0"
    assert rows["appointment_show_rate"][2].value == "—"  # zero denominator
    trend = book["趋势"]
    assert [c.value for c in trend["A"][1:13]] == [t["month"] for t in store.json_data["trend"]]
    assert trend.cell(row=13, column=2).number_format == "0.0%"
    assert len(book["阶段分布"]._charts) == 2 and len(trend._charts) == 1  # stores, models; the trend
    stages = book["阶段分布"]
    assert [c.value for c in stages[2]][:3] == ["新车体验期", store.json_data["stages"]["新车体验期"]["count"],
                                               store.json_data["stages"]["新车体验期"]["share"]]
    assert stages["C2"].number_format == "0.0%"
    campaign = book["活动"]
    assert campaign["B2"].value == "冬季免费检测" and isinstance(campaign["F2"].value, int)
    reasons = {r[0].value: r[1].value for r in book["流失"].iter_rows() if r[0].value}
    assert reasons["价格"] == 1


def test_months_adds_the_trend_to_the_json_only_when_asked(store: Store) -> None:
    plain = json.loads(run_ok(store.db, "report", "--format", "json").stdout)
    assert "trend" not in plain
    three = json.loads(run_ok(store.db, "report", "--format", "json", "--months", "3").stdout)
    assert [(t["month"], t["date"]) for t in three["trend"]] == [
        ("2026-09", "2026-09-30"), ("2026-10", "2026-10-31"), ("2026-11", "2026-11-23")]
    assert three["trend"][-1]["kpis"] == three["kpis"] == plain["kpis"]
    # a past month is that month's report seen on its last day
    october = json.loads(run_ok(store.db, "report", "--date", "2026-10-31", "--month", "2026-10", "--format",
                                "json").stdout)
    assert three["trend"][1]["kpis"] == october["kpis"]
    assert three["trend"][1]["kpis"]["maintenance_visit_rate"]["denominator"] > 0


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "html"], "--format html 需要 --out 文件（例如 --out report.html）"),
    (["--format", "xlsx"], "--format xlsx 需要 --out 文件（例如 --out report.xlsx）"),
    (["--format", "json", "--out", "r.json"], "--out 只用于 --format html / xlsx（输出文件）"),
    (["--format", "html", "--out", "r.html", "--workload"], "--workload 不能与 --format html 一起使用（报表文件已含工作量）"),
    (["--format", "json", "--months", "0"], "--months：月数应在 1 到 36 之间，而不是 0"),
    (["--format", "html", "--out", "r.html", "--months", "37"], "--months：月数应在 1 到 36 之间，而不是 37"),
    (["--months", "3"], "--months（KPI 趋势）只用于 --format json / html / xlsx"),
])
def test_file_formats_refuse_what_does_not_go_together(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(store.db, "report", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert list(tmp_path.iterdir()) == []


def test_an_out_path_that_is_a_folder_is_refused(store: Store, tmp_path: Path) -> None:
    result = run(store.db, "report", "--format", "html", "--out", tmp_path)
    assert (result.exit_code, result.stderr) == (2, f"--out：{tmp_path} 是一个文件夹，请给出文件名\n")
