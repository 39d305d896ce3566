"""`lifecycle due`: the morning call list, end to end on the call-list world (see cli_helpers)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    DAY,
    WORLD_VINS,
    Files,
    customer,
    due_lines,
    due_tasks,
    import_world,
    live_since,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    vehicle,
    world_rows,
)

LINE_KEYS = {"customer_id", "name", "phone", "owner", "overdue_days", "tasks"}
TASK_KEYS = {"task_id", "code", "name", "vin", "plate", "due_date", "original_due_date", "stage", "channel",
             "role", "owner", "attempts", "hint"}


def codes_by_customer(lines: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {line["customer_id"]: [t["code"] for t in line["tasks"]] for line in lines}


def morning(day: str) -> dict[str, str]:
    """The clock of 09:00 in Shanghai on `day`: a test that replays that day's morning."""
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


# --------------------------------------------------------------------------- shape and content


def test_json_is_one_object_per_customer_with_the_contract_keys(world: Path) -> None:
    lines = due_lines(world, "--date", DAY)

    assert isinstance(lines, list) and lines
    for line in lines:
        assert set(line) >= LINE_KEYS, LINE_KEYS - set(line)
        assert line["tasks"]
        for task in line["tasks"]:
            assert set(task) >= TASK_KEYS, TASK_KEYS - set(task)
    customer_ids = [line["customer_id"] for line in lines]
    assert len(customer_ids) == len(set(customer_ids))  # one line per customer
    # by priority, then overdue days; C105's birthday greeting is an sms: `messages`, not the phone list
    assert customer_ids == ["C100", "C101", "C102"]


def test_the_delivery_call_24h_is_owned_by_the_sales_manager(world: Path) -> None:
    line = next(x for x in due_lines(world, "--date", DAY) if x["customer_id"] == "C100")

    assert (line["name"], line["phone"], line["owner"], line["overdue_days"]) == ("张伟", "13812345601", "销售经理", 0)
    [task] = line["tasks"]
    assert task["code"] == "delivery_call_24h"
    assert (task["role"], task["owner"], task["channel"]) == ("sales_manager", "销售经理", "phone")
    assert (task["vin"], task["plate"]) == (WORLD_VINS["C100"], "粤A10001")
    assert (task["due_date"], task["original_due_date"]) == (DAY, None)
    assert task["stage"] == "新车体验期"
    assert task["attempts"] == 0
    assert task["name"] and task["hint"]  # Chinese name and 话术要点


def test_the_delivery_call_7d_is_owned_by_the_vehicle_sales_consultant(world: Path) -> None:
    lines = due_lines(world, "--date", "2026-11-29", "--code", "delivery_call_7d")

    owners = {line["customer_id"]: [(t["code"], t["owner"], t["role"]) for t in line["tasks"]] for line in lines}
    assert owners == {"C100": [("delivery_call_7d", "李娜", "sales_consultant")],
                      "C101": [("delivery_call_7d", "陈晨", "sales_consultant")]}
    # Unworked, the 24h call of 11-23 stays until its window's last day (11-26, 3 days overdue); by 11-29 it
    # has lapsed and the 7d call, on the consultant's line, covers it (care-desk §3).
    line = next(x for x in due_lines(world, "--date", "2026-11-26") if x["customer_id"] == "C100")
    assert [(t["code"], t["overdue_days"]) for t in line["tasks"]] == [("delivery_call_24h", 3)]
    line = next(x for x in due_lines(world, "--date", "2026-11-29") if x["customer_id"] == "C100")
    assert [(t["code"], t["overdue_days"]) for t in line["tasks"]] == [("delivery_call_7d", 0)]
    assert line["owner"] == "李娜"


def test_two_tasks_of_one_customer_on_one_day_are_merged_highest_priority_first(world: Path) -> None:
    line = next(x for x in due_lines(world, "--date", DAY) if x["customer_id"] == "C101")

    assert [t["code"] for t in line["tasks"]] == ["delivery_call_24h", "post_service_followup"]
    assert [t["vin"] for t in line["tasks"]] == [WORLD_VINS["C101b"], WORLD_VINS["C101a"]]
    # The post-service follow-up was created first (its car sorts first): priority, not age, decides.
    assert line["tasks"][1]["task_id"] < line["tasks"][0]["task_id"]
    assert line["owner"] == "销售经理"  # the top task's owner makes the call
    assert line["tasks"][1]["owner"] == "客服专员"


def test_the_priority_order_comes_from_the_rules_file(world: Path, tmp_path: Path) -> None:
    override = tmp_path / "priority.toml"
    override.write_text('[call_list]\npriority = ["birthday_greeting", "post_service_followup", '
                        '"delivery_call_24h"]\n', encoding="utf-8")

    lines = due_lines(world, "--date", DAY, env={"LIFECYCLE_RULES": str(override)})

    # C102 and C101 both lead with a follow-up now: the one 5 days overdue comes first.
    assert [line["customer_id"] for line in lines] == ["C102", "C101", "C100"]
    assert codes_by_customer(lines)["C101"] == ["post_service_followup", "delivery_call_24h"]


@pytest.mark.parametrize(("ahead", "through"), [(None, "2026-12-06"), (1, DAY), (3, "2026-11-25")])
def test_the_call_list_materialises_the_days_ahead_the_report_reads(
    world: Path, tmp_path: Path, ahead: int | None, through: str
) -> None:
    env: dict[str, str] = {}
    if ahead is not None:
        override = tmp_path / "ahead.toml"
        override.write_text(f"[call_list]\nahead_days = {ahead}\n", encoding="utf-8")
        env["LIFECYCLE_RULES"] = str(override)
    due_tasks(world, "--date", DAY, env=env)
    assert sql_rows(world, "select value from meta where key = 'tasks_synced_through'") == [(through,)]
    stored = sql_rows(world, "select count(*) from task")[0][0]
    # The report's workload covers the same days: it finds them all stored and adds nothing.
    report = run_json(world, "report", "--date", DAY, env=env)
    assert sql_rows(world, "select count(*) from task")[0][0] == stored
    assert all(DAY <= day <= through for w in report["workload"] for day in w["by_day"])


def test_rerunning_due_never_duplicates_a_task(world: Path) -> None:
    first = due_tasks(world, "--date", DAY)
    week = due_tasks(world, "--date", DAY, "--days", "7")
    again = due_tasks(world, "--date", DAY)

    assert again == first
    ids = [t["task_id"] for t in first]
    assert len(ids) == len(set(ids)) == 4  # the phone tasks (C105's birthday sms is in `messages`)
    assert {t["task_id"] for t in week} >= set(ids)


def test_overdue_follow_up_carries_over_until_its_window_closes(world: Path) -> None:
    lines = {line["customer_id"]: line for line in due_lines(world, "--date", DAY)}

    # C102: visit 11-15, follow-up due 11-18: 5 days overdue.
    late = lines["C102"]
    assert late["overdue_days"] == 5
    [task] = late["tasks"]
    assert (task["code"], task["due_date"], task["overdue_days"]) == ("post_service_followup", "2026-11-18", 5)
    # C103: visit 11-05, follow-up due 11-08: 15 days overdue, past its 14-day window.
    assert "C103" not in lines
    # ... and it is gone for good the next day as well; C102 is still there, 6 days overdue.
    next_day = {line["customer_id"]: line for line in due_lines(world, "--date", "2026-11-24")}
    assert "C103" not in next_day
    assert next_day["C102"]["overdue_days"] == 6


def test_an_overdue_task_is_listed_on_the_last_day_of_its_window(db: Path, files: Files) -> None:
    import_world(db, files)
    live_since(db, "2026-11-01")  # live before C103's visit: the window is the rule looked at, not go-live
    lines = {line["customer_id"]: line for line in due_lines(db, "--date", "2026-11-15", env=morning("2026-11-15"))}
    assert lines["C103"]["overdue_days"] == 7  # due 11-08, window 7 days: still there on 11-15
    # ... and gone the next morning, closed as lapsed (nobody worked it).
    assert "C103" not in {line["customer_id"] for line in due_lines(db, "--date", "2026-11-16",
                                                                    env=morning("2026-11-16"))}
    assert sql_rows(db, "select closed_reason, closed_on from task where code = 'post_service_followup' "
                        "and due_date = '2026-11-08'") == [("lapsed", "2026-11-16")]


def test_asking_for_an_earlier_day_after_a_later_one_shows_that_days_list(world: Path) -> None:
    # The morning of 11-15 (lists are levelled from a store's first sync, so a day before it lists nothing):
    # a look at 11-20 first, whose list does not hold C103 (its window ended 11-15) ...
    live_since(world, "2026-11-01")  # live before C103's visit: the window is the rule looked at, not go-live
    assert "C103" not in {line["customer_id"] for line in due_lines(world, "--date", "2026-11-20",
                                                                    env=morning("2026-11-15"))}
    # ... then 11-15's own list still finds it, due 11-08, 7 days overdue.
    lines = {line["customer_id"]: line for line in due_lines(world, "--date", "2026-11-15",
                                                              env=morning("2026-11-15"))}
    assert lines["C103"]["overdue_days"] == 7


def test_looking_ahead_does_not_lose_the_tasks_of_the_days_in_between(world: Path) -> None:
    due_lines(world, "--date", "2026-12-24")  # a look at Christmas Eve's list first
    lines = due_lines(world, "--date", "2026-11-29", "--code", "delivery_call_7d")
    assert {line["customer_id"] for line in lines} == {"C100", "C101"}


def test_no_overdue_hides_only_the_overdue_tasks(world: Path) -> None:
    lines = due_lines(world, "--date", DAY, "--no-overdue")

    assert [line["customer_id"] for line in lines] == ["C100", "C101"]
    assert all(line["overdue_days"] == 0 for line in lines)


def test_do_not_contact_customers_never_appear(world: Path) -> None:
    dnc_vin = WORLD_VINS["C104"]
    for args in (("--date", DAY), ("--date", DAY, "--days", "30"), ("--date", DAY, "--code", "birthday_greeting")):
        tasks = due_tasks(world, *args)
        assert all(t["customer_id"] != "C104" for t in tasks), args
        assert all(t["vin"] != dnc_vin for t in tasks), args
    assert "赵敏" not in run_ok(world, "due", "--date", DAY, "--days", "7").stdout


def test_a_customer_who_opts_out_later_disappears_from_the_list(world: Path, files: Files) -> None:
    assert "C100" in {line["customer_id"] for line in due_lines(world, "--date", DAY)}
    customers, _, _ = world_rows()
    customers[0]["do_not_contact"] = "是"
    run_ok(world, "import", files.customers(customers))

    assert "C100" not in {line["customer_id"] for line in due_lines(world, "--date", DAY)}


def test_owner_filter_keeps_only_that_persons_lines(world: Path) -> None:
    # care-desk §9: by the line's owner (its top task's); C101's follow-up rides along on the manager's line
    managers = due_lines(world, "--date", DAY, "--owner", "销售经理")
    assert codes_by_customer(managers) == {"C100": ["delivery_call_24h"],
                                           "C101": ["delivery_call_24h", "post_service_followup"]}

    care = due_lines(world, "--date", DAY, "--owner", "客服专员")
    assert codes_by_customer(care) == {"C102": ["post_service_followup"]}

    lina = due_lines(world, "--date", DAY, "--days", "7", "--owner", "李娜")
    assert [(line["customer_id"], [t["code"] for t in line["tasks"]]) for line in lina] == [
        ("C100", ["delivery_call_7d"])]
    assert due_lines(world, "--date", DAY, "--owner", "没有这个人") == []


def test_code_filter(world: Path) -> None:
    lines = due_lines(world, "--date", DAY, "--code", "post_service_followup")
    assert codes_by_customer(lines) == {"C101": ["post_service_followup"], "C102": ["post_service_followup"]}

    assert refusal(world, "due", "--date", DAY, "--code", "no_such_code").startswith(
        '--code: 不认识 "no_such_code"，可用：delivery_call_24h 交车24小时感谢回访 / delivery_call_7d 交车7日回访 / ')


def test_role_filter(world: Path) -> None:
    lines = due_lines(world, "--date", DAY, "--role", "customer_care")
    assert set(codes_by_customer(lines)) == {"C102"}  # C101's line is the sales manager's
    assert refusal(world, "due", "--date", DAY, "--role", "janitor") == (
        '--role: 不认识 "janitor"，可用：sales_manager 销售经理 / sales_consultant 销售顾问 / service_advisor 服务顾问 / '
        'customer_care 客服专员 / service_manager 服务经理 / insurance_specialist 续保专员 / '
        'aftersales_manager 售后经理 / general_manager 总经理')


def test_sms_tasks_leave_the_phone_list_for_messages(world: Path) -> None:
    # care-desk §7: C105's birthday greeting (sms) is not a call; it is the day's message.
    assert "C105" not in {x["customer_id"] for x in due_lines(world, "--date", DAY, "--days", "7")}
    assert due_lines(world, "--date", DAY, "--code", "birthday_greeting") == []
    [message] = json.loads(run_ok(world, "messages", "--date", DAY, "--format", "json").stdout)
    assert (message["customer_id"], message["code"], message["vin"]) == ("C105", "birthday_greeting", "")
    # An sms greeting lapses after its day.
    assert json.loads(run_ok(world, "messages", "--date", "2026-11-24", "--format", "json").stdout) == []


# --------------------------------------------------------------------------- windows and formats


def test_days_groups_the_week_by_day_each_task_once_on_its_first_day(world: Path) -> None:
    lines = due_lines(world, "--date", DAY, "--days", "7")

    days = {(line["date"], line["customer_id"]): [t["code"] for t in line["tasks"]] for line in lines}
    assert days == {
        (DAY, "C100"): ["delivery_call_24h"],
        (DAY, "C101"): ["delivery_call_24h", "post_service_followup"],
        (DAY, "C102"): ["post_service_followup"],
        ("2026-11-29", "C100"): ["delivery_call_7d"],
        ("2026-11-29", "C101"): ["delivery_call_7d"],
    }
    assert [line["date"] for line in lines] == sorted(line["date"] for line in lines)
    ids = [t["task_id"] for line in lines for t in line["tasks"]]
    assert len(ids) == len(set(ids))

    table = run_ok(world, "due", "--date", DAY, "--days", "7").stdout
    titles = [line for line in table.splitlines() if line.startswith("# ")]
    assert len(titles) == 2
    assert DAY in titles[0] and "2026-11-29" in titles[1]


def test_csv_is_one_row_per_task_with_a_bom(world: Path) -> None:
    result = run_ok(world, "due", "--date", DAY, "--format", "csv")
    assert result.stdout.startswith("\ufeff")
    rows = list(csv.reader(result.stdout[1:].splitlines()))
    assert "任务号" in rows[0] and "负责人" in rows[0]
    assert len(rows) == 1 + 4


def test_csv_english_headers_for_machines(world: Path) -> None:
    english = run_ok(world, "due", "--date", DAY, "--format", "csv", "--english-headers").stdout
    header = next(csv.reader(english.lstrip("\ufeff").splitlines()))
    assert {"task_id", "code", "owner", "due_date"} <= set(header)


def test_split_by_owner_writes_one_excel_file_per_owner(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "calls"
    result = run_ok(world, "due", "--date", DAY, "--format", "csv", "--split-by", "owner", "--out", out)

    printed = [Path(line) for line in result.stdout.splitlines() if line.strip()]
    assert sorted(printed) == sorted(out.iterdir())  # every file written is printed, nothing else
    assert len(printed) == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left behind
    by_owner: dict[str, list[dict[str, str]]] = {}
    for path in printed:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
        owner = next(name for name in ("销售经理", "客服专员") if name in path.name)
        by_owner[owner] = rows
    assert {r["客户编号"] for r in by_owner["销售经理"]} == {"C100", "C101"}
    assert {r["客户编号"] for r in by_owner["客服专员"]} == {"C102"}
    listed = sorted(int(t["task_id"]) for t in due_tasks(world, "--date", DAY))
    assert sorted(int(r["任务号"]) for rows in by_owner.values() for r in rows) == listed


def test_split_by_needs_an_out_directory(world: Path) -> None:
    assert refusal(world, "due", "--date", DAY, "--split-by", "owner") == "--split-by owner 需要和 --out DIR 一起使用"
    assert refusal(world, "due", "--date", DAY, "--split-by", "store", "--out", "x") == '--split-by: 不认识 "store"，可用：owner 负责人'


def test_an_empty_list_exits_0(db: Path) -> None:
    run_ok(db, "db", "upgrade")  # a new database, no data yet
    assert due_lines(db, "--date", DAY) == []
    table = run_ok(db, "due", "--date", DAY)
    assert DAY in table.stdout
    csv_out = run_ok(db, "due", "--date", DAY, "--format", "csv").stdout
    assert csv_out.startswith("\ufeff") and len(csv_out.splitlines()) == 1


def test_bad_date_and_both_dates_are_usage_errors(world: Path) -> None:
    assert refusal(world, "due", "--date", "2026-11-31") == '--date: 无法识别的日期 "2026-11-31"（格式：YYYY-MM-DD）'
    assert refusal(world, "due", "--date", DAY, "--today") == "--today 和 --date 只能给一个"


# --------------------------------------------------------------------------- holidays

# C200's car is delivered 2026-09-24: 24h call on 09-25 (中秋节 holiday 09-25..27) and 7d call on
# 10-01 (国庆节 10-01..07). C201 was born on 10-01: an sms greeting, never moved.


@pytest.fixture
def holidays(db: Path, files: Files) -> Path:
    vin = make_vin(200)
    run_ok(db, "import",
           files.customers([customer("C200", "周杰", 20), customer("C201", "吴芳", 21, birthday="1988-10-01")]),
           files.vehicles([vehicle(vin, "C200", "2026-09-24", plate="粤A20000", sales="李娜")]),
           env={"LIFECYCLE_NOW": "2026-09-24T02:00:00Z"})
    live_since(db, "2026-09-24")  # the rules of days before the clock's today
    return db


def test_a_phone_task_on_national_day_moves_to_the_next_working_day(holidays: Path) -> None:
    assert due_tasks(holidays, "--date", "2026-10-01", "--days", "7", "--code", "delivery_call_7d",
                     env=morning("2026-10-01")) == []

    [task] = due_tasks(holidays, "--date", "2026-10-08", "--code", "delivery_call_7d", env=morning("2026-10-08"))
    assert (task["due_date"], task["original_due_date"]) == ("2026-10-08", "2026-10-01")
    assert task["overdue_days"] == 0  # counted from the day it is on the list


def test_a_phone_task_on_mid_autumn_moves_too(holidays: Path) -> None:
    [task] = due_tasks(holidays, "--date", "2026-09-25", "--days", "7", "--code", "delivery_call_24h",
                       env=morning("2026-09-25"))
    assert (task["due_date"], task["original_due_date"]) == ("2026-09-28", "2026-09-25")


def test_an_sms_greeting_on_a_holiday_is_not_moved(holidays: Path) -> None:
    tasks = due_tasks(holidays, "--date", "2026-10-01", env=morning("2026-10-01"))
    messages = json.loads(run_ok(holidays, "messages", "--date", "2026-10-01", "--format", "json",
                                 env=morning("2026-10-01")).stdout)

    # The greeting goes on its day, a holiday (sms tasks are messages, not calls).
    [greeting] = [m for m in messages if m["customer_id"] == "C201"]
    assert greeting["code"] == "birthday_greeting"
    # No phone task falls due on the holiday (the 24h call of 09-28 may still be carried over).
    assert not [t for t in tasks if t["due_date"] == "2026-10-01"]
    assert "delivery_call_7d" not in {t["code"] for t in tasks}


def test_a_year_without_holiday_data_is_said_once_on_stderr(world: Path) -> None:
    result = run_ok(world, "due", "--date", "2026-12-29", "--days", "10", "--format", "json")
    mentions = [line for line in result.stderr.splitlines() if "2027" in line]
    assert len(mentions) == 1
    assert "2026" not in mentions[0]
    assert run_ok(world, "due", "--date", DAY, "--format", "json").stderr == ""


# --------------------------------------------------------------------------- today in the store's time zone


def test_today_is_the_date_in_shanghai_not_utc(world: Path) -> None:
    evening_utc = {"LIFECYCLE_NOW": "2026-11-22T17:00:00Z"}  # 01:00 on 11-23 in Shanghai

    lines = due_lines(world, "--today", env=evening_utc)

    assert lines and {line["date"] for line in lines} == {DAY}
    assert "delivery_call_24h" in codes_by_customer(lines)["C100"]
    assert due_lines(world, env=evening_utc) == lines  # no date at all means today


def test_just_before_midnight_in_shanghai_it_is_still_the_day_before(db: Path, files: Files) -> None:
    import_world(db, files)
    late_evening = {"LIFECYCLE_NOW": "2026-11-22T15:59:00Z"}  # 23:59 on 11-22 in Shanghai
    lines = due_lines(db, "--today", env=late_evening)
    assert {line["date"] for line in lines} <= {"2026-11-22"}
    assert "C100" not in {line["customer_id"] for line in lines}  # its 24h call is tomorrow


def test_an_interrupted_first_list_erases_its_progress_line(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from lifecycle_cli.render.progress import StepProgress

    shown = io.StringIO()

    class StoppedMidway(StepProgress):
        """A terminal's progress line, and Ctrl-C once the first batch is done (halfway through a
        list twice this world's size, so the line is on screen)."""

        def __call__(self, label: str, done: int, total: int) -> None:
            super().__call__(label, done, 2 * total)
            if done > 0:
                raise KeyboardInterrupt

    monkeypatch.setattr("lifecycle_cli.render.progress.terminal_progress",
                        lambda: StoppedMidway(stream=shown, quiet_seconds=0))
    result = run(world, "due", "--date", DAY)

    assert result.exit_code == 130
    assert shown.getvalue().startswith("\r\033[K生成回访任务（位客户）：")  # the line was on screen
    assert shown.getvalue().endswith("\r\033[K")  # and is gone before the message is printed
    monkeypatch.setattr("lifecycle_cli.render.progress.terminal_progress", lambda: None)  # Ctrl-C no more
    assert run_json(world, "due", "--date", DAY)  # nothing half-done: the next run lists as usual
