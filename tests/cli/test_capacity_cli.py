"""Capacity levelling through the CLI (care-desk §2, §9): a person's day never holds more lines than
their capacity, the rest is deferred and never dropped; `--owner X` equals X's split file;
`--no-capacity` shows the backlog; JSON `deferred_days`; the report's workload rows."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Files, customer, due_lines, make_vin, run_json, run_ok, sql_rows, vehicle, visit

START = date(2026, 3, 23)  # a Monday; 21 days run over 清明 (04-04..06), 60 days over 劳动节 (05-01..05) too
CAPACITY = {"sales_manager": 2, "sales_consultant": 1, "customer_care": 2, "service_advisor": 2,
            "insurance_specialist": 2, "service_manager": 2}
RULES = "[capacity]\n" + "".join(f"{role} = {n}\n" for role, n in CAPACITY.items())
ROLE_OF_OWNER = {"销售经理": "sales_manager", "李娜": "sales_consultant", "陈晨": "sales_consultant",
                 "客服专员": "customer_care", "服务顾问": "service_advisor", "续保专员": "insurance_specialist",
                 "服务经理": "service_manager", "王强": "service_advisor"}


def clock(day: date) -> dict[str, str]:
    return {"LIFECYCLE_NOW": f"{day.isoformat()}T01:00:00Z"}  # 09:00 in Shanghai


@pytest.fixture
def store(db: Path, files: Files, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """12 cars delivered in the four days before START (24-hour and 7-day calls pile up on the sales
    manager and the consultants) and 8 repair visits (follow-ups for 客服专员), with small capacities."""
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    env = {"LIFECYCLE_RULES": str(rules)}
    customers, vehicles, visits = [], [], []
    for n in range(1, 13):
        delivered = START - timedelta(days=1 + n % 4)
        customers.append(customer(f"C{n:02d}", f"客户{n:02d}", n))
        vehicles.append(vehicle(make_vin(800 + n), f"C{n:02d}", delivered.isoformat(),
                                sales="李娜" if n % 2 else "陈晨"))
    for n in range(13, 21):
        customers.append(customer(f"C{n:02d}", f"客户{n:02d}", n))
        vehicles.append(vehicle(make_vin(800 + n), f"C{n:02d}", "2024-06-01", sales="李娜"))
        visits.append(visit(f"RO-{n}", make_vin(800 + n), (START - timedelta(days=1 + n % 3)).isoformat(), 20000,
                            "repair"))
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits),
           env={**env, **clock(START)})
    return db, env


def phone_lines_by_owner(lines: list[dict[str, Any]]) -> Counter[str]:
    return Counter(line["owner"] for line in lines if any(t["channel"] != "sms" for t in line["tasks"]))


# Three weeks (over 清明) in the default run; the full sixty days (劳动节 too) are slow (--run-slow).
@pytest.mark.parametrize("days", [21, pytest.param(60, marks=pytest.mark.slow)], ids=lambda n: f"{n}-days")
def test_each_morning_never_over_capacity_and_nothing_dropped(store: tuple[Path, dict[str, str]], days: int) -> None:
    db, env = store
    listed: set[int] = set()
    deferred_seen = 0
    last = START + timedelta(days=days - 1)
    day = START
    while day <= last:
        lines = due_lines(db, env={**env, **clock(day)})
        counts = phone_lines_by_owner(lines)
        for owner, n in counts.items():
            assert n <= CAPACITY[ROLE_OF_OWNER[owner]], (day, owner, n)
        stored = {owner: n for owner, n in sql_rows(db, "SELECT owner, listed FROM workload WHERE day = ?",
                                                     (day.isoformat(),))}
        assert stored == {o: n for o, n in counts.items()}, day  # what was levelled is what is listed
        for line in lines:
            listed.update(t["task_id"] for t in line["tasks"])
            deferred_seen = max(deferred_seen, line["deferred_days"])
        # the desk works the day's first line (the rest stays: overdue tomorrow, competing again)
        for line in lines[:1]:
            task = line["tasks"][0]
            result = "no_answer" if task["code"] == "delivery_call_7d" and task["attempts"] == 0 else "reached"
            run_ok(db, "done", task["task_id"], "--result", result, "--date", day.isoformat(),
                   env={**env, **clock(day)})
        day += timedelta(days=1)
    assert deferred_seen >= 2  # the first days' pile was pushed more than once
    rows = sql_rows(db, "SELECT id, status, closed_reason, due_date, list_from FROM task WHERE channel = 'phone'")
    dropped = [r for r in rows if r[0] not in listed and not (r[1] == "closed" and r[2])
               and max(r[3], r[4] or r[3]) <= last.isoformat()]
    assert dropped == []
    assert sql_rows(db, "SELECT count(*) FROM task WHERE deferred_days > 0")[0][0] >= 10


def test_owner_filter_equals_the_split_file_and_deferral_shows(store: tuple[Path, dict[str, str]],
                                                               tmp_path: Path) -> None:
    db, env = store
    env = {**env, **clock(START)}
    lines = due_lines(db, env=env)
    owners = {line["owner"] for line in lines}
    assert owners == {"销售经理", "客服专员"}  # the consultants' 7-day calls come from START + 3
    out = tmp_path / "split"
    run_ok(db, "due", "--split-by", "owner", "--out", out, "--english-headers", env=env)
    for owner in owners:
        [path] = out.glob(f"*_{owner}.csv")
        with path.open(encoding="utf-8-sig") as fh:
            in_file = {int(row["task_id"]) for row in csv.DictReader(fh)}
        by_option = {t["task_id"] for line in due_lines(db, "--owner", owner, env=env) for t in line["tasks"]}
        assert in_file == by_option, owner
    # the same day again (after outcomes) does not level again: nothing deferred comes back
    first = {line["customer_id"] for line in lines}
    top = lines[0]["tasks"][0]["task_id"]
    run_ok(db, "done", top, "--result", "reached", env=env)
    again = {line["customer_id"] for line in due_lines(db, env=env)}
    assert again == first - {lines[0]["customer_id"]}
    # tomorrow, the deferred lines come back with deferred_days 1
    tomorrow = due_lines(db, env={**env, **clock(START + timedelta(days=1))})
    assert {line["deferred_days"] for line in tomorrow} >= {1}
    for line in tomorrow:
        assert line["deferred_days"] == max(t["deferred_days"] for t in line["tasks"])


def test_no_capacity_shows_the_backlog(store: tuple[Path, dict[str, str]]) -> None:
    db, env = store
    env = {**env, **clock(START)}
    backlog = due_lines(db, "--no-capacity", env=env)
    levelled = due_lines(db, env=env)
    assert phone_lines_by_owner(levelled) == {"销售经理": 2, "客服专员": 2}
    assert phone_lines_by_owner(backlog) == {"销售经理": 12, "客服专员": 3}  # follow-ups: visit + 3
    assert len(backlog) > len(levelled)
    assert {line["customer_id"] for line in levelled} < {line["customer_id"] for line in backlog}
    assert all(line["deferred_days"] == 0 for line in backlog + levelled)  # nothing was pushed yet


def test_the_backlog_after_levelling_still_shows_the_deferred_lines(store: tuple[Path, dict[str, str]]) -> None:
    """The manager's view is everything due, whatever today's levelling already pushed to tomorrow."""
    db, env = store
    env = {**env, **clock(START)}
    levelled = due_lines(db, env=env)  # today's levelling stored: the rest is deferred
    backlog = due_lines(db, "--no-capacity", env=env)
    assert phone_lines_by_owner(levelled) == {"销售经理": 2, "客服专员": 2}
    # A 24-hour call pushed past its 3-day window closed lapsed_capacity: no longer due.
    lapsed = sql_rows(db, "SELECT count(*) FROM task WHERE closed_reason = 'lapsed_capacity'")[0][0]
    assert lapsed == 1
    assert phone_lines_by_owner(backlog) == {"销售经理": 12 - lapsed, "客服专员": 3}
    deferred = [line for line in backlog if line["deferred_days"]]
    assert len(deferred) == len(backlog) - len(levelled) and all(line["deferred_days"] == 1 for line in deferred)


def test_forecast_levels_each_day_and_carries_the_rest(store: tuple[Path, dict[str, str]]) -> None:
    db, env = store
    env = {**env, **clock(START)}
    lines = due_lines(db, "--days", "5", env=env)
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        if any(t["channel"] != "sms" for t in line["tasks"]):
            per_day[line["date"]][line["owner"]] += 1
    for day, counts in per_day.items():
        for owner, n in counts.items():
            assert n <= CAPACITY[ROLE_OF_OWNER[owner]], (day, owner, n)
    later = [line for line in lines if line["date"] > START.isoformat()]
    assert any(line["deferred_days"] >= 1 for line in later)
    # nothing stored for the days ahead
    assert sql_rows(db, "SELECT DISTINCT day FROM workload") == [(START.isoformat(),)]


def test_report_shows_workload_rows(store: tuple[Path, dict[str, str]]) -> None:
    db, env = store
    env = {**env, **clock(START)}
    due_lines(db, env=env)
    data = run_json(db, "report", env=env)
    rows = data["workload_days"]
    today = [r for r in rows if r["date"] == START.isoformat()]
    assert {r["owner"]: (r["capacity"], r["listed"], r["deferred"]) for r in today} == {
        "销售经理": (2, 2, 10), "客服专员": (2, 2, 1)}
    assert set(rows[0]) == {"owner", "date", "store", "capacity", "listed", "deferred", "lapsed_capacity", "worked",
                            "completion"}
    ahead = {r["date"] for r in rows}
    assert (START + timedelta(days=1)).isoformat() in ahead  # the forecast's days
    table = run_ok(db, "report", env=env).stdout
    assert "负责人\t日期\t产能\t已列入\t顺延\t超出产能过期\t已完成\t完成率" in table
    sheet = run_ok(db, "report", "--workload", "--format", "csv", env=env).stdout.lstrip("\ufeff")
    read = list(csv.DictReader(sheet.splitlines()))
    assert read[0].keys() == {"负责人", "日期", "产能", "已列入", "顺延", "超出产能过期", "已完成", "完成率"}
    assert {(r["负责人"], r["产能"], r["已列入"]) for r in read if r["日期"] == START.isoformat()} == {
        ("销售经理", "2", "2"), ("客服专员", "2", "2")}
    # a consultant's 7-day calls (capacity 1) in the forecast: levelled days ahead, never over
    ahead_rows = [r for r in rows if r["owner"] in ("李娜", "陈晨")]
    assert ahead_rows and all(r["listed"] <= 1 == r["capacity"] for r in ahead_rows)


def test_the_first_report_after_new_lines_shows_today_as_levelled_now(store: tuple[Path, dict[str, str]]) -> None:
    """Lines new since the day's first list (a campaign added this morning) are levelled by the report
    that meets them; its workload rows for today are read after that, not before."""
    db, env = store
    env = {**env, **clock(START)}
    due_lines(db, env=env)
    run_ok(db, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--stage", "保内初期", "-y", env=env)
    first = run_json(db, "report", env=env)["workload_days"]
    again = run_json(db, "report", env=env)["workload_days"]
    assert first == again
    assert sum(r["listed"] + r["deferred"] for r in first if r["date"] == START.isoformat()) > 14  # the campaign's


def test_completion_counts_the_lines_worked_by_their_person(store: tuple[Path, dict[str, str]]) -> None:
    """care-desk §5: each person's completion per day (worked lines / listed lines) and the month's
    completion_rate; a line with several tasks worked counts once, an undone call no more."""
    db, env = store
    env = {**env, **clock(START)}
    lines = due_lines(db, env=env)
    manager = [line for line in lines if line["owner"] == "销售经理"]
    care = [line for line in lines if line["owner"] == "客服专员"]
    assert len(manager) == len(care) == 2
    for task in manager[0]["tasks"]:  # every task of the line: still one line worked
        run_ok(db, "done", task["task_id"], "--result", "reached", "--by", "销售经理", env=env)
    undone = care[0]["tasks"][0]["task_id"]
    run_ok(db, "done", undone, "--result", "no_answer", env=env)  # no --by: the task's owner

    def today(data: dict[str, Any]) -> dict[str, tuple[int, int, float | None]]:
        return {r["owner"]: (r["listed"], r["worked"], r["completion"])
                for r in data["workload_days"] if r["date"] == START.isoformat()}

    data = run_json(db, "report", env=env)
    assert today(data) == {"销售经理": (2, 1, 0.5), "客服专员": (2, 1, 0.5)}
    kpi = data["kpis"]["completion_rate"]
    assert (kpi["name"], kpi["numerator"], kpi["denominator"], kpi["value"], kpi["met"]) == (
        "清单完成率", 2, 4, 0.5, False)
    assert all(r["worked"] == 0 and r["completion"] is None
               for r in data["workload_days"] if r["date"] > START.isoformat())  # the forecast: nothing yet
    assert "清单完成率" in run_ok(db, "report", env=env).stdout
    run_ok(db, "done", undone, "--undo", env=env)
    assert today(run_json(db, "report", env=env))["客服专员"] == (2, 0, 0.0)
