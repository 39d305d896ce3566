"""`lifecycle event ...`, `lifecycle campaign ...`, events import and their KPIs, end to end.

The world (the clock is 2026-11-23; the campaign day is Saturday 2026-12-05):
  C1 V1  CX-5   delivered 2023-01-10, maintenance 2026-01-15 and 2026-07-15: 保修外期, 3-5年, 2 visits
  C2 V2  CX-5   delivered 2024-06-10, maintenance 2026-03-10:               保内后期, 1-3年, 1 visit
  C3 V3  Mazda3 delivered 2023-03-01, never serviced:                       保修外期, 3-5年, 首保流失
  C4 V4  CX-5   delivered 2023-02-01, never serviced, DO NOT CONTACT:       保修外期, 3-5年, 首保流失
  C5 V5  CX-5   delivered 2026-08-01:                                       保内初期, 1年内, ~5,000 km
  C5 V6  CX-5   delivered 2023-05-01, maintenance 2026-05-01:               保修外期, 3-5年, 1 visit
  C6 V7  CX-5   delivered 2021-01-01, store 佛山店, never serviced:          换车升级期, 5年以上, ~86,000 km
  C7 V8  CX-5   delivered 2025-06-01, 45,000 km on 2026-06-01 (123 km/day):  保修外期 by km (~68,000 km), 1-3年
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    Files,
    customer,
    due_lines,
    due_tasks,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    vehicle,
    visit,
    write_csv,
)
from typer.testing import CliRunner

from lifecycle_cli.cli.app import app

V = {n: make_vin(800 + n) for n in range(1, 9)}
CAMPAIGN_DAY = "2026-12-05"
FOSHAN = "佛山店"


@pytest.fixture
def store(db: Path, files: Files) -> Path:
    customers = [customer(f"C{n}", name, n, dnc="是" if n == 4 else "0")
                 for n, name in enumerate(["张伟", "李静", "王芳", "刘洋", "赵敏", "陈杰", "杨帆"], 1)]
    vehicles = [
        vehicle(V[1], "C1", "2023-01-10", plate="粤A80001"),
        vehicle(V[2], "C2", "2024-06-10", plate="粤A80002"),
        vehicle(V[3], "C3", "2023-03-01", plate="粤A80003", model="Mazda3"),
        vehicle(V[4], "C4", "2023-02-01", plate="粤A80004"),
        vehicle(V[5], "C5", "2026-08-01", plate="粤A80005"),
        vehicle(V[6], "C5", "2023-05-01", plate="粤A80006", advisor="孙丽"),
        vehicle(V[7], "C6", "2021-01-01", plate="粤A80007", store=FOSHAN),
        vehicle(V[8], "C7", "2025-06-01", plate="粤A80008", km="45000", km_date="2026-06-01"),
    ]
    visits = [
        visit("RO-1-1", V[1], "2026-01-15", 40000),
        visit("RO-1-2", V[1], "2026-07-15", 47000),
        visit("RO-2-1", V[2], "2026-03-10", 25000),
        visit("RO-6-1", V[6], "2026-05-01", 40000),
    ]
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))
    return db


def count(db: Path, table: str, where: str = "1=1") -> int:
    return int(sql_rows(db, f"select count(*) from {table} where {where}")[0][0])


def campaign(db: Path, *args: Any) -> dict[str, Any]:
    """Create a campaign with --yes and return `campaign show --format json` of it."""
    result = run_ok(db, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--date", CAMPAIGN_DAY,
                    *args, "--yes")
    campaign_id = int(result.stdout.split("已创建活动 #")[1].split("「")[0])
    shown: dict[str, Any] = run_json(db, "campaign", "show", campaign_id)
    return shown


def targeted(shown: dict[str, Any]) -> set[str]:
    return {t["vin"] for t in shown["targets"]}


def morning(day: str) -> dict[str, str]:
    """The clock of a command run on `day` (a task's window closes as the clock passes it)."""
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def listed(db: Path, day: str, customer_id: str, code: str) -> int:
    """The task_id of the one task with this code on this customer's line of `day`'s list, printed that day."""
    found = [t["task_id"] for t in due_tasks(db, "--date", day, env=morning(day))
             if t["customer_id"] == customer_id and t["code"] == code]
    assert len(found) == 1, f"expected one {code} for {customer_id} on {day}, got {found}"
    return int(found[0])


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize(
    ("kind", "code", "owner"),
    [
        ("complaint", "complaint_followup", "服务经理"),
        ("rescue", "rescue_followup", "王强"),
        ("warranty_claim", "warranty_claim_followup", "王强"),
        ("breakdown", "breakdown_followup", "王强"),
    ],
)
def test_each_event_kind_creates_its_follow_up_the_next_day(store: Path, kind: str, code: str, owner: str) -> None:
    result = run_ok(store, "event", "add", V[2], kind, "--date", "2026-11-20", "--note", "说明")
    assert "已记录事件 #1" in result.stdout

    tasks = [t for t in due_tasks(store, "--date", "2026-11-21") if t["code"] == code]
    assert [(t["customer_id"], t["vin"], t["due_date"], t["owner"]) for t in tasks] == [
        ("C2", V[2], "2026-11-21", owner)]
    assert not [t for t in due_tasks(store, "--date", "2026-11-20") if t["code"] == code]
    # Follow-ups come first on the list: the customer's line is at the top of the day.
    assert due_lines(store, "--date", "2026-11-21")[0]["customer_id"] == "C2"


def test_the_same_event_twice_is_recorded_once(store: Path) -> None:
    run_ok(store, "event", "add", V[2], "complaint", "--date", "2026-11-20", "--note", "等待时间过长")
    again = run_ok(store, "event", "add", V[2], "投诉", "--date", "2026-11-20", "--note", "等待时间过长")
    assert "已记录过" in again.stdout
    assert count(store, "event") == 1
    assert count(store, "task", "code = 'complaint_followup'") == 1


def test_complaint_resolution_brings_a_second_follow_up_the_day_after(store: Path) -> None:
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-20", "--note", "等待时间过长")
    result = run_ok(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-22")
    assert "满意" in result.stdout

    followups = [t for t in due_tasks(store, "--date", "2026-11-23", "--code", "complaint_followup")]
    # The first follow-up (due 11-21) is still open and overdue; the second falls due on 11-23.
    assert sorted((t["due_date"], t["overdue_days"]) for t in followups) == [("2026-11-21", 2), ("2026-11-23", 0)]
    [event] = run_json(store, "event", "list")
    assert (event["status"], event["resolved_on"]) == ("satisfied", "2026-11-22")
    assert event["resolved_followup_due"] == "2026-11-23"


def test_unsatisfied_resolution_is_recorded(store: Path) -> None:
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-20")
    run_ok(store, "event", "resolve", "1", "--unsatisfied", "--date", "2026-11-21")
    assert run_json(store, "event", "list", "--status", "unsatisfied")[0]["event_id"] == 1


def test_resolving_a_rescue_brings_no_second_follow_up(store: Path) -> None:
    run_ok(store, "event", "add", V[1], "rescue", "--date", "2026-11-20")
    run_ok(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-21")
    assert count(store, "task", "code = 'rescue_followup'") == 1


def test_resolve_refusals(store: Path) -> None:
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-20")
    assert refusal(store, "event", "resolve", "1") == "请指定 --satisfied（满意）或 --unsatisfied（不满意）"
    missing = run(store, "event", "resolve", "99", "--satisfied")
    assert missing.exit_code == 2 and "事件 99 不存在" in missing.stderr
    early = run(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-19")
    assert early.exit_code == 2 and "早于事件日期" in early.stderr
    run_ok(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-21")
    again = run(store, "event", "resolve", "1", "--unsatisfied", "--date", "2026-11-22")
    assert again.exit_code == 1 and "未做任何更改" in again.stderr
    assert count(store, "event", "status = 'satisfied'") == 1
    assert count(store, "task", "code = 'complaint_followup'") == 2


@pytest.mark.parametrize(("vin", "warned"), [(V[7], True), (V[8], True), (V[5], False)])
def test_warranty_claim_out_of_warranty_is_accepted_with_a_warning(store: Path, vin: str, warned: bool) -> None:
    # V7 is 70 months old; V8 is 17 months old but past 60,000 km projected; V5 is new.
    result = run_ok(store, "event", "add", vin, "warranty_claim", "--date", "2026-11-20")
    assert ("已过保修期" in result.stderr) is warned
    assert count(store, "event", "kind = 'warranty_claim'") == 1
    assert count(store, "task", "code = 'warranty_claim_followup'") == 1


def test_event_of_a_do_not_contact_customer_is_kept_with_a_warning(store: Path) -> None:
    result = run_ok(store, "event", "add", V[4], "complaint", "--date", "2026-11-20")
    assert "免打扰" in result.stderr
    assert not [t for t in due_tasks(store, "--date", "2026-11-21") if t["customer_id"] == "C4"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("LVRHDA3K0TN999999", "complaint"), ["LVRHDA3K0TN999999", "不存在"]),
        ((V[1], "accident"), ['"accident"', "complaint", "rescue", "warranty_claim", "breakdown"]),
        ((V[1], "complaint", "--date", "2026-02-30"), ['"2026-02-30"', "YYYY-MM-DD"]),
        ((V[5], "complaint", "--date", "2026-07-01"), ["早于", "交车日期"]),
    ],
    ids=["unknown-vin", "unknown-kind", "bad-date", "before-delivery"],
)
def test_bad_event_input_exits_2_and_writes_nothing(store: Path, args: tuple[str, ...], words: list[str]) -> None:
    tasks_before = count(store, "task")
    result = run(store, "event", "add", *args)
    assert result.exit_code == 2
    for word in words:
        assert word in result.stderr
    assert count(store, "event") == 0
    assert count(store, "task") == tasks_before


# --------------------------------------------------------------------------- events import


def test_events_import_with_chinese_headers(store: Path, files: Files) -> None:
    path = write_csv(files.folder / "事件.csv", ("车架号", "日期", "类型", "说明"), [
        {"车架号": V[1], "日期": "2026/11/20", "类型": "投诉", "说明": "等待时间过长"},
        {"车架号": V[2], "日期": "2026-11-21", "类型": "救援", "说明": "高速抛锚"},
        {"车架号": V[3], "日期": "2026-11-21", "类型": "车损", "说明": ""},
        {"车架号": "LVRHDA3K0TN999999", "日期": "2026-11-21", "类型": "rescue", "说明": ""},
    ])
    result = run(store, "import", path)
    assert result.exit_code == 1  # two rows rejected
    assert '不认识的事件类型 "车损"' in result.stderr
    assert "LVRHDA3K0TN999999" in result.stderr
    assert "事件" in result.stdout
    assert count(store, "event") == 2
    codes = {(t["customer_id"], t["code"], t["due_date"]) for t in due_tasks(store, "--date", "2026-11-22")
             if t["code"].endswith("_followup") and t["code"] != "post_service_followup"}
    assert codes == {("C1", "complaint_followup", "2026-11-21"), ("C2", "rescue_followup", "2026-11-22")}

    again = run(store, "import", path)
    assert again.exit_code == 1
    assert count(store, "event") == 2  # importing the same file again changes nothing
    assert count(store, "task", "code in ('complaint_followup', 'rescue_followup')") == 2


def test_events_import_english_headers_dry_run_writes_nothing(store: Path, files: Files) -> None:
    path = write_csv(files.folder / "events.csv", ("vin", "event_date", "kind", "note"), [
        {"vin": V[1], "event_date": "2026-11-20", "kind": "breakdown", "note": "发动机故障灯亮"},
    ])
    run_ok(store, "import", path, "--dry-run")
    assert count(store, "event") == 0
    run_ok(store, "import", path)
    assert count(store, "event", "kind = 'breakdown' and source = 'import'") == 1


# --------------------------------------------------------------------------- campaigns


def test_campaign_of_the_issue_combines_stage_age_band_and_model(store: Path) -> None:
    result = run_ok(store, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--date", CAMPAIGN_DAY,
                    "--stage", "保修外期", "--stage", "保内后期", "--age-band", "3-5", "--model", "CX-5",
                    "--channel", "phone", "--owner-role", "service_advisor", "--yes")
    assert "选中客户 2 位、车辆 2 辆" in result.stdout
    assert "免打扰客户 1 位已排除" in result.stdout
    shown = run_json(store, "campaign", "show", 1)
    assert targeted(shown) == {V[1], V[6]}
    assert (shown["customers"], shown["vehicles"], shown["excluded_do_not_contact"], shown["tasks"]) == (2, 2, 1, 2)

    tasks = [t for t in due_tasks(store, "--date", CAMPAIGN_DAY) if t["code"] == "seasonal_campaign"]
    assert sorted((t["customer_id"], t["vin"], t["owner"], t["stage"], t["due_date"]) for t in tasks) == [
        ("C1", V[1], "王强", "保修外期", CAMPAIGN_DAY),
        ("C5", V[6], "孙丽", "保修外期", CAMPAIGN_DAY),
    ]
    # Merged into the customer's line like any other task of the day.
    lines = [line for line in due_lines(store, "--date", CAMPAIGN_DAY) if line["customer_id"] == "C1"]
    assert len(lines) == 1 and "seasonal_campaign" in [t["code"] for t in lines[0]["tasks"]]
    assert not [t for t in due_tasks(store, "--date", "2026-12-04") if t["code"] == "seasonal_campaign"]


@pytest.mark.parametrize(
    ("args", "vins"),
    [
        (("--stage", "保内后期"), {2}),
        (("--stage", "保修外期"), {1, 3, 6, 8}),  # V8 by projected km, not by age
        (("--stage", "换车升级期"), {7}),
        (("--age-band", "1年内"), {5}),
        (("--age-band", "1-3"), {2, 8}),
        (("--age-band", "3-5年"), {1, 3, 6}),
        (("--age-band", "5+"), {7}),
        (("--model", "Mazda3"), {3}),
        (("--store", FOSHAN), {7}),
        (("--km-min", "60000"), {7, 8}),
        (("--km-max", "10000"), {5}),
        (("--km-min", "50000", "--km-max", "60000"), {1, 3}),
        (("--visits-min", "2"), {1}),
        (("--visits-min", "1", "--visits-max", "1"), {2, 6}),
        (("--visits-max", "0"), {3, 5, 7, 8}),
        (("--churn-category", "首保流失"), {3, 7, 8}),
        (("--churn-category", "first_service", "--store", FOSHAN), {7}),
        (("--stage", "保修外期", "--age-band", "3-5", "--model", "CX-5", "--visits-min", "2"), {1}),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_each_segment_filter(store: Path, args: tuple[str, ...], vins: set[int]) -> None:
    assert targeted(campaign(store, *args)) == {V[n] for n in vins}


def test_one_task_per_customer_and_never_for_do_not_contact(store: Path) -> None:
    shown = campaign(store, "--model", "CX-5")
    assert V[4] not in targeted(shown)  # C4 asked not to be contacted
    c5 = [t for t in shown["targets"] if t["customer_id"] == "C5"]
    assert {t["vin"] for t in c5} == {V[5], V[6]}
    assert len({t["task_id"] for t in c5}) == 1  # two cars, one call
    assert count(store, "task", "code = 'seasonal_campaign'") == shown["customers"] == 5
    assert count(store, "task", "code = 'seasonal_campaign' and customer_pk = (select id from customer "
                                "where customer_id = 'C4')") == 0


def test_dry_run_counts_and_writes_nothing(store: Path) -> None:
    tasks_before = count(store, "task")
    result = run_ok(store, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--date", CAMPAIGN_DAY,
                    "--age-band", "3-5", "--dry-run")
    assert "选中客户 3 位、车辆 3 辆" in result.stdout
    assert count(store, "campaign") == 0 and count(store, "task") == tasks_before


def test_without_yes_it_asks_first(store: Path) -> None:
    runner = CliRunner()
    args = ["--db", str(store), "campaign", "add", "沙龙", "--kind", "care_salon", "--date", CAMPAIGN_DAY,
            "--age-band", "1年内"]
    declined = runner.invoke(app, args, input="n\n")
    assert declined.exit_code == 1 and count(store, "campaign") == 0
    accepted = runner.invoke(app, args, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    shown = run_json(store, "campaign", "show", 1)
    assert (shown["kind"], shown["owner_role"], shown["channel"], targeted(shown)) == (
        "care_salon", "customer_care", "phone", {V[5]})
    [task] = [t for t in due_tasks(store, "--date", CAMPAIGN_DAY) if t["code"] == "care_salon"]
    assert (task["owner"], task["name"]) == ("客服专员", "爱车养护沙龙")


def test_campaign_list_and_show_follow_the_outcomes(store: Path) -> None:
    shown = campaign(store, "--age-band", "3-5")
    task_id = shown["targets"][0]["task_id"]
    run_ok(store, "done", task_id, "--result", "booked", "--booked-for", "2026-12-06", "--date", CAMPAIGN_DAY)
    [listed] = run_json(store, "campaign", "list")
    assert (listed["tasks"], listed["tasks_open"], listed["tasks_closed"], listed["outcomes"]) == (
        3, 2, 1, {"booked": 1})
    assert json.loads(json.dumps(listed["segment"])) == {"age_bands": ["3-5"]}
    table = run_ok(store, "campaign", "show", 1).stdout
    assert "已预约" in table and "冬季免费检测" in table
    assert "冬季免费检测" in run_ok(store, "campaign", "list").stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--stage", "保内中期"), ['"保内中期"', "新车体验期", "换车升级期"]),
        (("--age-band", "2-4"), ['"2-4"', "1年内", "5年以上"]),
        (("--churn-category", "流失"), ['"流失"', "首保流失"]),
        (("--kind", "spring_sale"), ['"spring_sale"', "seasonal_campaign", "care_salon"]),
        (("--date", "2026/12/05x"), ['"2026/12/05x"', "YYYY-MM-DD"]),
        (("--km-min", "60000", "--km-max", "50000"), ["--km-min", "--km-max"]),
        (("--owner-role", "boss"), ['"boss"', "service_advisor"]),
        (("--channel", "wechat"), ['"wechat"', "phone", "sms"]),
        (("--model", "CX-9"), ["客群为空", "CX-9"]),
        (("--model", "CX-5", "--store", "深圳店"), ["客群为空"]),
    ],
    ids=["stage", "age-band", "churn", "kind", "date", "km-range", "role", "channel", "empty", "empty-combo"],
)
def test_bad_campaign_input_exits_2_and_writes_nothing(store: Path, args: tuple[str, ...], words: list[str]) -> None:
    tasks_before = count(store, "task")
    base = ["campaign", "add", "冬季免费检测"]
    if "--kind" not in args:
        base += ["--kind", "seasonal_campaign"]
    if "--date" not in args:
        base += ["--date", CAMPAIGN_DAY]
    result = run(store, *base, *args, "--yes")
    assert result.exit_code == 2, result.stdout + result.stderr
    for word in words:
        assert word in result.stderr
    assert count(store, "campaign") == 0 and count(store, "campaign_target") == 0
    assert count(store, "task") == tasks_before


def test_a_segment_of_only_do_not_contact_customers_is_empty(store: Path) -> None:
    result = run(store, "campaign", "add", "x", "--kind", "theme_campaign", "--date", CAMPAIGN_DAY,
                 "--age-band", "3-5", "--churn-category", "首保流失", "--model", "CX-5", "--yes")
    assert result.exit_code == 2 and "免打扰客户 1 位" in result.stderr
    assert count(store, "campaign") == 0


# --------------------------------------------------------------------------- KPIs


def test_event_and_campaign_kpis_with_numerator_and_denominator(store: Path) -> None:
    # The desk records each event and works each list on its day (a follow-up is listed 7 days).
    # Complaint 1: reached the next day (timely); complaint 2: no answer, then reached a day late.
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-10", env=morning("2026-11-10"))
    run_ok(store, "event", "add", V[2], "complaint", "--date", "2026-11-10", env=morning("2026-11-10"))
    c1 = listed(store, "2026-11-11", "C1", "complaint_followup")
    run_ok(store, "done", c1, "--result", "reached", "--date", "2026-11-11", env=morning("2026-11-11"))
    c2 = listed(store, "2026-11-11", "C2", "complaint_followup")
    run_ok(store, "done", c2, "--result", "no_answer", "--date", "2026-11-11", env=morning("2026-11-11"))
    run_ok(store, "event", "add", V[5], "rescue", "--date", "2026-11-12", env=morning("2026-11-12"))
    assert listed(store, "2026-11-12", "C2", "complaint_followup") == c2  # back the next day
    run_ok(store, "done", c2, "--result", "reached", "--date", "2026-11-12", env=morning("2026-11-12"))
    rescue = listed(store, "2026-11-13", "C5", "rescue_followup")
    run_ok(store, "done", rescue, "--result", "reached", "--date", "2026-11-13", env=morning("2026-11-13"))
    run_ok(store, "event", "resolve", "1", "--satisfied", "--date", "2026-11-15", env=morning("2026-11-15"))
    run_ok(store, "event", "resolve", "2", "--unsatisfied", "--date", "2026-11-16", env=morning("2026-11-16"))
    # Complaint 3 today (the clock's 11-23): its follow-up is not due yet, it is not counted.
    run_ok(store, "event", "add", V[3], "complaint", "--date", "2026-11-23")
    run_ok(store, "campaign", "add", "十一月主题活动", "--kind", "theme_campaign", "--date", "2026-11-05",
           "--model", "CX-5", "--yes")
    campaign(store, "--model", "CX-5")  # 2026-12-05: next month

    kpis = run_json(store, "report", "--date", "2026-11-23")["kpis"]
    figures = {code: (kpis[code]["numerator"], kpis[code]["denominator"], kpis[code]["met"]) for code in (
        "campaigns_run", "complaint_timely_rate", "complaint_satisfaction_rate", "rescue_timely_rate")}
    assert figures == {
        "campaigns_run": (1, 1, True),
        "complaint_timely_rate": (1, 2, False),
        "complaint_satisfaction_rate": (1, 2, False),
        "rescue_timely_rate": (1, 1, True),
    }
    assert kpis["campaigns_run"]["name"] == "客户服务活动次数"
    assert kpis["complaint_timely_rate"]["name"] == "抱怨处理及时率"
    assert kpis["complaint_satisfaction_rate"]["target"] == 0.95
    table = run_ok(store, "report", "--date", "2026-11-23").stdout
    row = next(line for line in table.splitlines() if "campaigns_run" in line).split("\t")
    assert row[2] == "1"  # a count, not 100%
    december = run_json(store, "report", "--date", "2026-12-31")["kpis"]
    assert december["campaigns_run"]["numerator"] == 1
    assert december["complaint_timely_rate"]["denominator"] == 0
    assert december["complaint_timely_rate"]["value"] is None


def test_kpis_of_another_store_leave_these_events_out(store: Path) -> None:
    run_ok(store, "event", "add", V[1], "complaint", "--date", "2026-11-10")
    run_ok(store, "campaign", "add", "x", "--kind", "theme_campaign", "--date", "2026-11-05", "--store", FOSHAN,
           "--yes")
    kpis = run_json(store, "report", "--date", "2026-11-23", "--store", FOSHAN)["kpis"]
    assert kpis["complaint_timely_rate"]["denominator"] == 0
    assert kpis["campaigns_run"]["numerator"] == 1
    here = run_json(store, "report", "--date", "2026-11-23", "--store", "广州天河店")["kpis"]
    assert here["complaint_timely_rate"]["denominator"] == 1
    assert here["campaigns_run"]["numerator"] == 0


def test_a_phone_campaign_on_a_statutory_holiday_moves_to_the_next_working_day(store: Path) -> None:
    # Planned in September, looked at ahead the same day (by 11-23 its calls' window has long closed).
    result = run_ok(store, "campaign", "add", "国庆关怀", "--kind", "theme_campaign", "--date", "2026-10-01",
                    "--age-band", "1-3", "--yes", env=morning("2026-09-25"))
    assert "法定节假日" in result.stderr
    tasks = [t for t in due_tasks(store, "--date", "2026-10-01", "--days", "14", env=morning("2026-09-25"))
             if t["code"] == "theme_campaign"]
    assert {t["original_due_date"] for t in tasks} == {"2026-10-01"}
    assert len({t["due_date"] for t in tasks}) == 1 and tasks[0]["due_date"] > "2026-10-07"
    sms = campaign(store, "--age-band", "1-3", "--channel", "sms")
    assert {t["due_date"] for t in sms["targets"]} == {CAMPAIGN_DAY}
