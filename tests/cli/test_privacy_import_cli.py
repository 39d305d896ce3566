"""个人信息保护法 and the customer's contact flags (care-desk §7, §9, issue 19): 身份证号 only fills an
empty birthday or gender and is never stored or shown; do-not-contact and sms opt-out follow the rule
"an import changes a flag a person set only when the file's value differs from the last imported";
`customer set`; do-not-contact customers appear in no list meant for calling."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    DAY,
    STORE,
    WORLD_VINS,
    Files,
    due_lines,
    phone,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
)

ID_COLUMNS = ("customer_id", "name", "phone", "birthday", "gender", "身份证号", "store")
ID_OK = "44011119670430615X"  # born 1967-04-30, digit 17 odd: 男 (check character X)
ID_BAD_CHECK = "440111196704306150"
ID_OLD = "440111800101122"  # the 15-digit form: born 1980-01-01, digit 15 even: 女


def id_row(cid: str, n: int, id_number: str, *, birthday: str = "", gender: str = "") -> dict[str, Any]:
    return {"customer_id": cid, "name": f"客户{n}", "phone": phone(n), "birthday": birthday, "gender": gender,
            "身份证号": id_number, "store": STORE}


def test_an_id_number_fills_only_an_empty_birthday_or_gender(db: Path, files: Files) -> None:
    # A stored birthday is not overwritten: I4 has one from an earlier file without the ID column.
    run_ok(db, "import", files.customers([{"customer_id": "I4", "name": "客户4", "phone": phone(4),
                                           "birthday": "1970-02-02", "store": STORE}], name="first.csv",
                                         columns=("customer_id", "name", "phone", "birthday", "store")))
    rows = [
        id_row("I1", 1, ID_OK),  # both empty: both filled
        id_row("I2", 2, ID_OK, birthday="1990-05-05", gender="女"),  # the file's own values win
        id_row("I3", 3, ID_OLD),
        id_row("I4", 4, ID_OK),  # stored birthday kept, empty gender filled
        id_row("I5", 5, ID_BAD_CHECK),  # a warning, the row lands, nothing filled
        id_row("I6", 6, "12345"),
    ]
    result = run(db, "import", files.customers(rows, columns=ID_COLUMNS))
    assert result.exit_code == 0, result.stderr
    assert "customers.csv:6: 身份证号: 身份证号校验位不符，未用于补填生日和性别（此行照常导入）" in result.stderr
    assert "customers.csv:7: 身份证号: 身份证号不是 18 位（或 15 位），未用于补填生日和性别（此行照常导入）" in result.stderr
    assert sql_rows(db, "select customer_id, birthday, gender from customer order by customer_id") == [
        ("I1", "1967-04-30", "男"), ("I2", "1990-05-05", "女"), ("I3", "1980-01-01", "女"),
        ("I4", "1970-02-02", "男"), ("I5", None, None), ("I6", None, None)]


def test_an_id_number_is_never_stored_nor_shown(db: Path, files: Files, tmp_path: Path) -> None:
    rows = [id_row("I1", 1, ID_OK), id_row("I2", 2, ID_BAD_CHECK), id_row("I3", 3, "bad" + ID_OK),
            {**id_row("I4", 4, ID_OK), "customer_id": ""}]  # rejected: no customer number
    rejects = tmp_path / "rejects"
    result = run(db, "import", files.customers(rows, columns=ID_COLUMNS), "--rejects", rejects)
    assert result.exit_code == 1
    rejected = (rejects / "customers.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejected[0] == ",".join(ID_COLUMNS) + ",错误原因"
    assert rejected[1].startswith(f",客户4,{phone(4)},,,,广州天河店,")  # the row as read, but for its 身份证号
    shown = result.stdout + result.stderr + "\n".join(rejected)
    shown += run_ok(db, "show", "I1", "--format", "json", "--unmask").stdout + run_ok(db, "show", "I2").stdout
    shown += (rejects / "warnings.csv").read_text(encoding="utf-8-sig")
    for number in (ID_OK, ID_BAD_CHECK, "6704306"):
        assert number not in shown
    if isinstance(db, Path):  # every value of every table of the SQLite file
        with sqlite3.connect(db) as conn:
            dump = "\n".join(conn.iterdump())
        assert dump.count("19670430615") == 0 and dump.count("196704306150") == 0
    columns = {r[0] for r in sql_rows(db, "select name from pragma_table_info('customer')")} \
        if isinstance(db, Path) else set()
    assert "id_number" not in columns


FLAG_COLUMNS = {"do_not_contact": "免打扰", "sms_opt_out": "短信退订"}
# (steps, the flag after each step): ("file", cell) imports a customers file whose flag cell is `cell`,
# ("set", yes|no) is `customer set`.
SEQUENCES = [
    ([("file", "否"), ("set", "yes"), ("file", "否")], [False, True, True]),
    ([("file", "否"), ("set", "yes"), ("file", "否"), ("file", "是"), ("file", "否")], [False, True, True, True, False]),
    ([("file", "是"), ("set", "no"), ("file", "是"), ("file", "")], [True, False, False, False]),
    ([("file", ""), ("file", "yes"), ("file", "")], [False, True, True]),
    ([("set", "yes"), ("file", "否"), ("file", "是")], [True, True, True]),  # no file spoke yet: no clears nothing
    ([("file", "1"), ("file", "0"), ("set", "yes"), ("set", "no"), ("file", "0")], [True, False, True, False, False]),
]


@pytest.mark.parametrize("flag", sorted(FLAG_COLUMNS))
@pytest.mark.parametrize(("steps", "expected"), SEQUENCES, ids=[str(i) for i in range(len(SEQUENCES))])
def test_a_flag_changes_on_import_only_when_the_file_says_something_new(
        db: Path, files: Files, flag: str, steps: list[tuple[str, str]], expected: list[bool]) -> None:
    columns = ("customer_id", "name", "phone", "store", FLAG_COLUMNS[flag])
    if steps[0][0] == "set":  # a customer no file has given the flag yet
        run_ok(db, "import", files.customers([{"customer_id": "F1", "name": "甲", "phone": phone(1),
                                               "store": STORE}], name="base.csv", columns=columns[:4]))
    got = []
    for number, (step, value) in enumerate(steps):
        if step == "file":
            path = files.customers([{"customer_id": "F1", "name": "甲", "phone": phone(1), "store": STORE,
                                     FLAG_COLUMNS[flag]: value}], name=f"c{number}.csv", columns=columns)
            run_ok(db, "import", path)
        else:
            run_ok(db, "customer", "set", "F1", f"--{flag.replace('_', '-')}", value)
        got.append(bool(sql_rows(db, f"select {flag} from customer where customer_id = 'F1'")[0][0]))
    assert got == expected


def test_the_sms_opt_out_column_has_its_aliases(db: Path, files: Files) -> None:
    for number, header in enumerate(("短信退订", "拒收短信", "sms_opt_out")):
        path = files.customers([{"customer_id": f"S{number}", "name": "乙", "phone": phone(number), header: "是"}],
                               name=f"s{number}.csv", columns=("customer_id", "name", "phone", header))
        run_ok(db, "import", path)
    assert sql_rows(db, "select count(*) from customer where sms_opt_out and sms_opt_out_imported")[0][0] == 3
    assert json.loads(run_ok(db, "show", "S1", "--format", "json").stdout)["sms_opt_out"] is True
    assert "短信退订" in run_ok(db, "show", "S1").stdout


def test_customer_set_says_what_changed_and_takes_the_customer_off_the_lists(world: Path) -> None:
    assert "C100" in {line["customer_id"] for line in due_lines(world, "--date", DAY)}
    out = run_ok(world, "customer", "set", "C100", "--do-not-contact", "是").stdout
    assert out == "已更新客户 C100（张伟）：免打扰 否 → 是，关闭 2 项待办任务\n"  # the 24 h and 7 d calls
    assert "C100" not in {line["customer_id"] for line in due_lines(world, "--date", DAY)}
    out = run_ok(world, "customer", "set", "C100", "--do-not-contact", "no", "--sms-opt-out", "yes").stdout
    assert out == "已更新客户 C100（张伟）：免打扰 是 → 否，短信退订 否 → 是，恢复 2 项任务\n"
    assert "C100" in {line["customer_id"] for line in due_lines(world, "--date", DAY)}
    assert run_ok(world, "customer", "set", "C100", "--sms-opt-out", "是").stdout == \
        "已更新客户 C100（张伟）：短信退订 是 → 是\n"


@pytest.mark.parametrize(("args", "message"), [
    (("C100", "--do-not-contact", "maybe"), '--do-not-contact: 不认识 "maybe"，可用：yes 是 / no 否'),
    (("C100", "--sms-opt-out", "1"), '--sms-opt-out: 不认识 "1"，可用：yes 是 / no 否'),
    (("C100",), "请至少给出一项：--do-not-contact yes|no / --sms-opt-out yes|no"),
])
def test_customer_set_refuses_bad_values(world: Path, args: tuple[str, ...], message: str) -> None:
    assert refusal(world, "customer", "set", *args) == message
    assert sql_rows(world, "select count(*) from customer where do_not_contact or sms_opt_out")[0][0] == 1  # C104


def test_customer_set_of_an_unknown_customer_is_not_done(world: Path) -> None:
    result = run(world, "customer", "set", "C999", "--do-not-contact", "yes")
    assert (result.exit_code, result.stderr) == (1, '找不到客户编号 "C999"\n')


def test_do_not_contact_customers_are_in_no_list_for_calling(world: Path) -> None:
    """`due` never lists them; `churn` leaves them out and says how many; a campaign does not target them."""
    assert {r["customer_id"] for r in run_json(world, "churn")} == {"C101", "C102", "C103"}
    run_ok(world, "customer", "set", "C102", "--do-not-contact", "yes")
    run_ok(world, "customer", "set", "C103", "--do-not-contact", "yes")
    for fmt in ("json", "csv", "table"):
        result = run_ok(world, "churn", "--format", fmt)
        assert "C102" not in result.stdout and "C103" not in result.stdout and "C101" in result.stdout
        assert result.stderr == "免打扰客户 2 位未列出\n"
    assert not {"C102", "C103", "C104"} & {line["customer_id"] for line in due_lines(world, "--date", DAY)}
    run_ok(world, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--date", "2026-12-01",
           "--stage", "保内后期", "--stage", "新车体验期", "--yes")
    shown = run_json(world, "campaign", "show", "1")
    assert {t["customer_id"] for t in shown["targets"]} == {"C100", "C101"}
    assert WORLD_VINS["C104"] not in {t["vin"] for t in shown["targets"]}
