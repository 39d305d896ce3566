"""`lifecycle messages` (care-desk §7, §9): one message per customer per day from the rules' templates,
festivals of one day merged, the pre-holiday check, opt-outs, parts, --mark-sent, GBK; call scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    CUSTOMER_COLUMNS,
    STORE,
    Files,
    customer,
    make_vin,
    phone,
    refusal,
    run,
    run_ok,
    sql_rows,
    vehicle,
)

COLUMNS = (*CUSTOMER_COLUMNS, "gender")


def morning(day: str) -> dict[str, str]:
    """The clock at 09:00 of `day` in Shanghai."""
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def store_of(db: Path, files: Files, day: str, people: list[tuple[str, str, str]], *, plate: str = "粤A12345",
             delivered: str = "2020-03-15", rules: Path | None = None) -> dict[str, str]:
    """A store of customers (id, name, gender) with one car each, imported on `day`; the env of that morning."""
    env = morning(day)
    if rules is not None:
        env["LIFECYCLE_RULES"] = str(rules)
    rows = [{**customer(cid, name, i + 1), "gender": gender} for i, (cid, name, gender) in enumerate(people)]
    cars = [vehicle(make_vin(500 + i), cid, delivered, plate=plate, model="CX-5", advisor="王强")
            for i, (cid, _, _) in enumerate(people)]
    run_ok(db, "import", files.customers(rows, columns=COLUMNS), files.vehicles(cars), env=env)
    return env


def messages(db: Path, day: str, env: dict[str, str], *args: Any) -> list[dict[str, Any]]:
    result = run_ok(db, "messages", "--date", day, "--format", "json", *args, env=env)
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def set_flag(db: Path | str, customer_id: str, column: str) -> None:
    """Set a customer's do_not_contact / sms_opt_out in the database (as `customer set` or an import does)."""
    sql = f"UPDATE customer SET {column} = TRUE WHERE customer_id = ?"
    if isinstance(db, Path):
        import sqlite3

        with sqlite3.connect(db) as conn:
            conn.execute(sql.replace("TRUE", "1"), (customer_id,))
        return
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(make_url(db).set(drivername="postgresql").render_as_string(hide_password=False)) as pg:
        pg.execute(sql.replace("?", "%s"), (customer_id,))


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- festivals


@pytest.mark.parametrize(("day", "year"), [("2025-09-30", 2025), ("2023-09-28", 2023)])
def test_festivals_greeted_on_one_day_make_one_greeting(db: Path, files: Files, day: str, year: int) -> None:
    # 中秋 falls inside the 国庆 holiday: both are greeted the day before it starts.
    env = store_of(db, files, day, [("C1", "张伟", "男"), ("C2", "李娜", "女")])

    found = messages(db, day, env)

    assert [(m["customer_id"], m["code"], m["vin"]) for m in found] == [("C1", "holiday_greeting", ""),
                                                                          ("C2", "holiday_greeting", "")]
    assert all("中秋国庆双节快乐" in m["text"] for m in found)
    keys = sql_rows(db, "SELECT t.event_key FROM task t WHERE t.code = 'holiday_greeting' AND t.due_date = ?", [day])
    assert keys == [(f"中秋节+国庆节:{year}",)] * 2  # one task per customer, naming both festivals


def test_a_festival_of_its_own_keeps_its_name(db: Path, files: Files) -> None:
    env = store_of(db, files, "2026-09-30", [("C1", "张伟", "男")])  # 中秋 2026 is 09-25, apart from 国庆
    [message] = messages(db, "2026-09-30", env)
    assert "祝您国庆节快乐" in message["text"]
    assert "中秋" not in message["text"]


@pytest.mark.parametrize(("day", "festival", "listed"), [
    ("2025-09-26", "国庆节", True),   # 国庆 2025: the holiday starts 10-01, the check 5 days before
    ("2025-09-25", "国庆节", False),
    ("2026-02-10", "春节", True),     # 春节 2026 (02-17): the holiday starts 02-15
    ("2026-02-11", "春节", False),
])
def test_the_pre_holiday_check_goes_5_days_before_the_holiday(db: Path, files: Files, day: str, festival: str,
                                                              listed: bool) -> None:
    env = store_of(db, files, day, [("C1", "张伟", "男")])
    checks = [m for m in messages(db, day, env) if m["code"] == "pre_holiday_check"]
    assert bool(checks) == listed
    if listed:
        assert f"{festival}长假将至" in checks[0]["text"] and checks[0]["text"].endswith("回T退订")


# --------------------------------------------------------------------------- fields and the text


@pytest.mark.parametrize(("gender", "called"), [("男", "张伟先生"), ("女", "张伟女士"), ("", "张伟")])
def test_salutation_is_the_full_name_with_the_gender_title_when_known(db: Path, files: Files, gender: str,
                                                                      called: str) -> None:
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", gender)])
    [message] = messages(db, "2025-09-30", env)
    assert message["text"].startswith(f"【{STORE}】尊敬的{called}：")
    assert message["phone"] == phone(1)  # the gateway needs the full number


FIELDS_RULES = """
[messages]
opening = ""
store_phone = "400-000-0000"
[messages.templates]
purchase_anniversary = "称呼={称呼};车牌={车牌};车型={车型};门店={门店};顾问={顾问};门店电话={门店电话};节日={节日};日期={日期}"
[stores."广州天河店"]
phone = "020-88886666"
signature = "天河店"
"""


@pytest.mark.parametrize(("field", "value"), [
    ("称呼", "张伟先生"), ("车牌", "粤A12345"), ("车型", "CX-5"), ("门店", STORE), ("顾问", "王强"),
    ("门店电话", "020-88886666"), ("节日", "节日"), ("日期", "3月15日"),
])
def test_each_template_field(db: Path, files: Files, tmp_path: Path, field: str, value: str) -> None:
    rules = rules_file(tmp_path, FIELDS_RULES)
    env = store_of(db, files, "2026-03-15", [("C1", "张伟", "男")], rules=rules)  # the car's anniversary

    [message] = [m for m in messages(db, "2026-03-15", env) if m["code"] == "purchase_anniversary"]

    assert message["text"].startswith("【天河店】")
    values = dict(part.split("=", 1) for part in message["text"].removeprefix("【天河店】").removesuffix("回T退订")
                  .split(";"))
    assert values[field] == value
    assert message["vin"] == make_vin(500)


def test_an_empty_field_takes_its_fallback_never_a_blank(db: Path, files: Files) -> None:
    env = store_of(db, files, "2026-03-15", [("C1", "张伟", "男")], plate="")
    [message] = [m for m in messages(db, "2026-03-15", env) if m["code"] == "purchase_anniversary"]
    assert "尊敬的张伟先生：您的爱车已陪伴您又一年" in message["text"]


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_parts_are_counted_as_the_operators_do(db: Path, files: Files, tmp_path: Path, length: int,
                                               parts: int) -> None:
    signature = f"【{STORE}】"  # the store's name signs when the rules give no signature
    rules = rules_file(tmp_path, f'[messages]\nopening = ""\nmarketing = []\n[messages.templates]\n'
                                 f'holiday_greeting = "{"好" * (length - len(signature))}"\n')
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男"), ("C2", "李娜", "女")], rules=rules)

    found = messages(db, "2025-09-30", env)
    assert [len(m["text"]) for m in found] == [length, length]
    assert [m["parts"] for m in found] == [parts, parts]
    table = run_ok(db, "messages", "--date", "2025-09-30", env=env).stdout
    assert f"共 2 条短信，计费 {2 * parts} 条" in table


def test_json_keys_are_the_contract(db: Path, files: Files) -> None:
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男")])
    [message] = messages(db, "2025-09-30", env)
    assert list(message) == ["customer_id", "name", "phone", "code", "vin", "text", "parts", "task_ids", "date"]
    assert message["date"] == "2025-09-30"  # the day it goes out (a batch of several days)


# --------------------------------------------------------------------------- who gets none


@pytest.mark.parametrize(("column", "reason"), [("sms_opt_out", "sms_opt_out"), ("do_not_contact", "do_not_contact")])
def test_opted_out_and_do_not_contact_customers_get_no_message(db: Path, files: Files, column: str,
                                                               reason: str) -> None:
    env = store_of(db, files, "2025-09-29", [("C1", "张伟", "男"), ("C2", "李娜", "女")])
    messages(db, "2025-09-29", env)  # the days ahead are stored: C2's greeting of 09-30 too
    set_flag(db, "C2", column)

    assert [m["customer_id"] for m in messages(db, "2025-09-30", morning("2025-09-30"))] == ["C1"]
    # Its greeting does not linger to lapse: closed with the reason.
    assert sql_rows(db, "SELECT t.status, t.closed_reason FROM task t JOIN customer c ON c.id = t.customer_pk "
                        "WHERE c.customer_id = 'C2' AND t.channel = 'sms' AND t.due_date = '2025-09-30'") == [
        ("closed", reason)]


def test_the_sms_opt_out_result_stops_messages_and_undo_brings_them_back(db: Path, files: Files) -> None:
    """A customer on the phone asks for no more texts: `done --result 短信退订` (sms_opt_out)."""
    env = store_of(db, files, "2025-09-29", [("C1", "张伟", "男"), ("C2", "李娜", "女")], delivered="2025-09-25")
    messages(db, "2025-09-29", env)  # C2's greeting of 09-30 is stored
    [line] = [x for x in json.loads(run_ok(db, "due", "--format", "json", env=env).stdout) if x["customer_id"] == "C2"]
    call = line["tasks"][0]["task_id"]
    said = run_ok(db, "done", str(call), "--result", "短信退订", env=env).stdout
    assert f"已记录：任务 {call}（交车24小时感谢回访）短信退订，该客户不再收到短信（待发短信已关闭；电话回访照常）" in said
    assert sql_rows(db, "SELECT sms_opt_out FROM customer WHERE customer_id = 'C2'") in ([(1,)], [(True,)])
    assert [m["customer_id"] for m in messages(db, "2025-09-30", env)] == ["C1"]
    assert sql_rows(db, "SELECT t.status FROM task t JOIN customer c ON c.id = t.customer_pk "
                        "WHERE c.customer_id = 'C2' AND t.code = 'delivery_call_7d'") == [("open",)]  # calls go on
    run_ok(db, "done", str(call), "--undo", env=env)
    assert [m["customer_id"] for m in messages(db, "2025-09-30", env)] == ["C1", "C2"]


# --------------------------------------------------------------------------- --mark-sent and files


def test_mark_sent_records_sent_once(db: Path, files: Files) -> None:
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男"), ("C2", "李娜", "女")])

    first = run_ok(db, "messages", "--mark-sent", env=env).stdout
    assert "已记录为已发送：2 个任务" in first
    again = run_ok(db, "messages", "--mark-sent", env=env).stdout

    assert "共 0 条短信" in again and "已记录为已发送" not in again
    assert sql_rows(db, "SELECT result, attempt_date, list_date FROM outcome") == [
        ("sent", "2025-09-30", "2025-09-30")] * 2
    assert sql_rows(db, "SELECT DISTINCT status, closed_reason FROM task WHERE channel = 'sms' "
                        "AND due_date = '2025-09-30'") == [("closed", "sent")]


def test_gbk_csv_for_older_gateways(db: Path, files: Files, tmp_path: Path) -> None:
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男")])
    out = tmp_path / "batch.csv"

    run_ok(db, "messages", "--format", "csv", "--encoding", "gbk", "--out", out, env=env)

    text = out.read_bytes().decode("gbk")
    assert text.splitlines()[0] == "手机,短信内容,计费条数,客户编号,姓名,任务代码,车架号,任务号,发送日期"
    assert "中秋国庆双节快乐" in text.splitlines()[1]


def test_a_character_gbk_cannot_hold_refuses_the_batch_and_records_nothing(db: Path, files: Files,
                                                                           tmp_path: Path) -> None:
    rules = rules_file(tmp_path, '[messages.templates]\nholiday_greeting = "{门店}祝您{节日}快乐🎉"\n')
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男")], rules=rules)
    out = tmp_path / "batch.csv"

    result = run(db, "messages", "--format", "csv", "--encoding", "gbk", "--out", out, "--mark-sent", env=env)

    assert result.exit_code == 2
    assert "--encoding gbk：第 2 行（客户 C1）含有 GBK 无法表示的字符「🎉」" in result.stderr
    assert not out.exists()
    assert sql_rows(db, "SELECT count(*) FROM outcome") == [(0,)]


@pytest.mark.parametrize(("text", "said"), [
    ('[messages.templates]\nbirthday_greeting = "{客户名}生日快乐"\n',
     "messages.templates.birthday_greeting: 未知的字段 {客户名}"),
    ('[scripts.codes.care_call]\npurpose = "我是{门店}的{客服}"\n',
     "scripts.codes.care_call.purpose: 未知的字段 {客服}"),
    ('[messages.templates]\nappointment_reminder = "改约请致电{门店电话}"\n',
     "messages.templates.appointment_reminder: 用了 {门店电话}，但 messages.store_phone 没有设置"),
])
def test_a_field_without_a_value_is_an_error_when_the_rules_load(db: Path, tmp_path: Path, text: str,
                                                                said: str) -> None:
    rules = rules_file(tmp_path, text)
    message = refusal(db, "messages", env={"LIFECYCLE_RULES": str(rules)})
    assert message.startswith(f"{rules}: {said}")


def test_options_that_do_not_go_together(db: Path) -> None:
    assert refusal(db, "messages", "--encoding", "gbk") == "--encoding 只用于 --format csv（JSON 总是 UTF-8）"
    assert refusal(db, "messages", "--out", "x.csv") == "--out 只用于 --format csv 或 json"


# --------------------------------------------------------------------------- call scripts


def test_show_prints_the_scripts_of_the_open_calls(db: Path, files: Files) -> None:
    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男")], delivered="2025-09-29")
    run_ok(db, "due", env=env)  # the delivery calls are stored

    shown = run_ok(db, "show", "C1", env=env).stdout

    assert "待办电话任务的话术" in shown
    assert "交车24小时感谢回访" in shown
    assert "核实身份：您好，请问是张伟先生吗？我是广州天河店的回访专员" in shown
    assert "录音提示：为了保证服务质量，本次通话将会录音" in shown
    assert "询问新车上牌情况，是否需要协助" in shown  # the seeds' 24-hour call
    assert "客户：现在不方便 → 回答：" in shown


def test_the_xlsx_call_sheet_has_the_script_and_reads_back(db: Path, files: Files, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    env = store_of(db, files, "2025-09-30", [("C1", "张伟", "男")], delivered="2025-09-29")
    out = tmp_path / "sheet.xlsx"
    run_ok(db, "due", "--format", "xlsx", "--out", out, env=env)

    sheet = load_workbook(out).active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    script = sheet.cell(2, headers.index("话术") + 1).value
    assert sheet.cell(2, headers.index("话术") + 1).alignment.wrap_text  # its lines shown as lines
    assert script.splitlines()[0] == "核实身份：您好，请问是张伟先生吗？我是广州天河店的回访专员，耽误您两分钟可以吗？"
    assert "来电目的：感谢您选择广州天河店购买新车" in script
    # The desk fills 结果 and the sheet reads back with its 话术 column.
    sheet.cell(2, headers.index("结果") + 1).value = "接通"
    sheet.parent.save(out)
    assert "已记录 1 条" in run_ok(db, "done", "--from", out, env=env).stdout


def test_a_batch_of_several_days_prints_one_table_a_day(db: Path, files: Files) -> None:
    """`--days N` as a table: one table per sending day with its count, in day order (the JSON and CSV
    carry the day on every message)."""
    env = store_of(db, files, "2025-09-26", [("C1", "张伟", "男"), ("C2", "李娜", "女")])
    found = messages(db, "2025-09-26", env, "--days", "5")
    days = sorted({m["date"] for m in found})
    assert len(days) >= 2  # the pre-holiday checks of 09-26 and the greetings of 09-30
    table = run_ok(db, "messages", "--date", "2025-09-26", "--days", "5", env=env).stdout
    titles = [line for line in table.splitlines() if line.startswith("# 短信（")]
    assert titles == [f"# 短信（{day}：{sum(m['date'] == day for m in found)} 条）" for day in days]
