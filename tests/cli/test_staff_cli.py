"""The staff import kind (人员), assignment (专属) and people as owners (care-desk §1), end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    DAY,
    STORE,
    WORLD_VINS,
    Files,
    customer,
    due_lines,
    import_world,
    make_vin,
    run,
    run_ok,
    sql_rows,
    summary_rows,
    vehicle,
    write_csv,
)

CN = ("姓名", "岗位", "门店", "每日上限", "在职", "请假开始", "请假结束")
EN = ("name", "role", "store", "daily_capacity", "active", "away_from", "away_until")


def staff_file(files: Files, rows: list[tuple[Any, ...]], name: str = "staff.csv",
               header: tuple[str, ...] = CN) -> Path:
    """A staff file: rows are tuples in the header's order (shorter ones are padded)."""
    return write_csv(files.folder / name, header,
                     [dict(zip(header, (*row, *[""] * (len(header) - len(row))), strict=True)) for row in rows])


def people(db: Path) -> dict[str, tuple[Any, ...]]:
    """name -> (store, role, daily_capacity, active, away_from, away_until)."""
    rows = sql_rows(db, "SELECT name, store, role, daily_capacity, active, away_from, away_until FROM staff")
    return {r[0]: (r[1], r[2], r[3], bool(r[4]), r[5], r[6]) for r in rows}


def assigned(db: Path, role: str = "customer_care") -> dict[str, str]:
    """customer_id -> the name of their assigned person of `role`."""
    rows = sql_rows(db, "SELECT c.customer_id, s.name FROM assignment a JOIN customer c ON c.id = a.customer_pk "
                        "JOIN staff s ON s.id = a.staff_pk WHERE a.role = ?", (role,))
    return dict(rows)


def customers_file(files: Files, ids: range, name: str = "customers.csv") -> Path:
    return files.customers([customer(f"C{n:03d}", f"客户{n}", n % 100) for n in ids], name=name)


# --------------------------------------------------------------------------- the staff file


def test_a_staff_file_with_chinese_headers_is_detected_and_lands(db: Path, files: Files) -> None:
    path = staff_file(files, [("林晓燕", "客服专员", STORE, "60", "在职"),
                              ("何佳", "insurance_specialist", STORE, "", "是", "2026-12-01", "2026-12-03"),
                              ("马俊", "销售经理")])

    result = run_ok(db, "import", path)

    assert summary_rows(result.stdout)["staff.csv"] == {
        "read": 3, "inserted": 3, "updated": 0, "unchanged": 0, "rejected": 0, "warnings": 0, "status": "完成"}
    assert "人员" in result.stdout
    assert people(db) == {
        "林晓燕": (STORE, "customer_care", 60, True, None, None),
        "何佳": (STORE, "insurance_specialist", None, True, "2026-12-01", "2026-12-03"),
        "马俊": ("", "sales_manager", None, True, None, None),
    }


@pytest.mark.parametrize("kind_option", [(), ("--kind", "staff")])
def test_english_headers_work_detected_or_named(db: Path, files: Files, kind_option: tuple[str, ...]) -> None:
    path = staff_file(files, [("Wang Li", "service_advisor", STORE, "25", "no")], header=EN)

    run_ok(db, "import", *kind_option, path)

    assert people(db) == {"Wang Li": (STORE, "service_advisor", 25, False, None, None)}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("甲", "厨师"), 'staff.csv:2: 岗位: 不认识的岗位 "厨师"（可用：销售经理 sales_manager / 销售顾问 sales_consultant / '
                       "服务顾问 service_advisor / 客服专员 customer_care / 服务经理 service_manager / "
                       "续保专员 insurance_specialist / 售后经理 aftersales_manager / 总经理 general_manager）"),
        (("甲", "客服专员", STORE, "0"), 'staff.csv:2: 每日上限: 每日上限应为正整数 "0"'),
        (("甲", "客服专员", STORE, "-5"), 'staff.csv:2: 每日上限: 每日上限应为正整数 "-5"'),
        (("甲", "客服专员", STORE, "2.5"), 'staff.csv:2: 每日上限: 每日上限应为正整数 "2.5"'),
        (("甲", "客服专员", STORE, "很多"), 'staff.csv:2: 每日上限: 每日上限应为正整数 "很多"'),
        (("甲", "客服专员", STORE, "", "休假"),
         'staff.csv:2: 在职: 无法识别的在职状态 "休假"（可用：在职 / 离职 / 是 / 否 / yes / no）'),
        (("甲", "客服专员", STORE, "", "", "2026-12-05", "2026-12-01"),
         "staff.csv:2: 请假结束: 请假结束日期 2026-12-01 早于请假开始日期 2026-12-05"),
        (("", "客服专员"), "staff.csv:2: 姓名: 必填项为空"),
    ],
)
def test_a_bad_row_is_rejected_naming_line_and_column_and_good_rows_land(
        db: Path, files: Files, row: tuple[str, ...], message: str) -> None:
    path = staff_file(files, [row, ("乙", "客服专员", STORE, "80")])

    result = run(db, "import", path)

    assert result.exit_code == 1, result.stdout + result.stderr
    assert message in result.stdout + result.stderr
    assert set(people(db)) == {"乙"}


def test_reimport_updates_keeps_the_missing_and_never_clears_with_an_empty_cell(db: Path, files: Files) -> None:
    run_ok(db, "import", staff_file(files, [("甲", "客服专员", STORE, "50", "离职", "2026-12-01", "2026-12-02"),
                                            ("乙", "客服专员", STORE, "70", "在职")]))

    result = run_ok(db, "import", staff_file(files, [("甲", "服务经理", STORE, "", ""), ("丙", "续保专员", STORE)],
                                             name="staff2.csv"))

    counts = summary_rows(result.stdout)["staff2.csv"]
    assert (counts["inserted"], counts["updated"]) == (1, 1)
    assert people(db) == {
        "甲": (STORE, "service_manager", 50, False, "2026-12-01", "2026-12-02"),  # empty cells kept the values
        "乙": (STORE, "customer_care", 70, True, None, None),  # missing from the file: as it was
        "丙": (STORE, "insurance_specialist", None, True, None, None),  # new: active by default
    }


# --------------------------------------------------------------------------- assignment


def test_customers_are_balanced_in_customer_id_order_ties_by_name(db: Path, files: Files) -> None:
    run_ok(db, "import", customers_file(files, range(1, 6)),
           staff_file(files, [("客服B", "客服专员", STORE), ("客服A", "客服专员", STORE)]))

    assert assigned(db) == {"C001": "客服A", "C002": "客服B", "C003": "客服A", "C004": "客服B", "C005": "客服A"}
    # Every staffed role gets its assignment; a role without people gets none.
    assert assigned(db, "service_manager") == {}


def test_reimport_changes_no_assignment(db: Path, files: Files) -> None:
    staff = staff_file(files, [("客服A", "客服专员", STORE), ("客服B", "客服专员", STORE)])
    run_ok(db, "import", customers_file(files, range(1, 6)), staff)
    before = sql_rows(db, "SELECT customer_pk, role, staff_pk, assigned_on FROM assignment ORDER BY 1, 2")

    run_ok(db, "import", customers_file(files, range(1, 6)), staff, env={"LIFECYCLE_NOW": "2026-12-20T01:00:00Z"})

    assert sql_rows(db, "SELECT customer_pk, role, staff_pk, assigned_on FROM assignment ORDER BY 1, 2") == before


def test_a_person_leaving_spreads_their_customers_and_leaves_the_others(db: Path, files: Files) -> None:
    run_ok(db, "import", customers_file(files, range(1, 7)),
           staff_file(files, [("客服A", "客服专员", STORE), ("客服B", "客服专员", STORE), ("客服C", "客服专员", STORE)]))
    assert assigned(db) == {"C001": "客服A", "C002": "客服B", "C003": "客服C",
                            "C004": "客服A", "C005": "客服B", "C006": "客服C"}

    run_ok(db, "import", staff_file(files, [("客服C", "客服专员", STORE, "", "离职")], name="leaves.csv"))

    assert assigned(db) == {"C001": "客服A", "C002": "客服B", "C003": "客服A",
                            "C004": "客服A", "C005": "客服B", "C006": "客服B"}


def test_a_new_hire_gets_new_customers_only(db: Path, files: Files) -> None:
    run_ok(db, "import", customers_file(files, range(1, 5)),
           staff_file(files, [("客服A", "客服专员", STORE), ("客服B", "客服专员", STORE)]))
    before = assigned(db)

    run_ok(db, "import", staff_file(files, [("客服C", "客服专员", STORE)], name="hire.csv"))
    assert assigned(db) == before
    run_ok(db, "import", customers_file(files, range(5, 7), name="new.csv"))

    assert assigned(db) == {**before, "C005": "客服C", "C006": "客服C"}


def test_customers_of_a_store_go_to_that_stores_people(db: Path, files: Files) -> None:
    rows = [customer("C001", "客户1", 1), customer("C002", "客户2", 2, store="深圳福田店")]
    run_ok(db, "import", files.customers(rows),
           staff_file(files, [("客服A", "客服专员", STORE), ("客服S", "客服专员", "深圳福田店")]))

    assert assigned(db) == {"C001": "客服A", "C002": "客服S"}


# --------------------------------------------------------------------------- owners are people


def owners(db: Path, day: str = DAY) -> dict[tuple[str, str], str]:
    """(customer_id, code) -> the task's owner on `day`'s list."""
    return {(line["customer_id"], t["code"]): t["owner"] for line in due_lines(db, "--date", day)
            for t in line["tasks"]}


def test_owners_without_a_staff_file_are_as_before(world: Path) -> None:
    assert owners(world)[("C101", "post_service_followup")] == "客服专员"
    assert owners(world)[("C100", "delivery_call_24h")] == "销售经理"


def test_owners_are_the_named_active_person_else_the_assigned_one(db: Path, files: Files) -> None:
    import_world(db, files)
    due_lines(db, "--date", DAY)  # the first morning stores the tasks; the staff import must move them

    # 李娜 (C100's consultant) is staff; 陈晨 (C101's) is not, so C101's sales tasks go to the assigned 王五.
    run_ok(db, "import", staff_file(files, [("李娜", "销售顾问", STORE), ("王五", "销售顾问", STORE),
                                            ("林晓燕", "客服专员", STORE), ("马俊", "销售经理", STORE)]))

    found = owners(db)
    assert found[("C100", "delivery_call_24h")] == "马俊"
    assert found[("C101", "post_service_followup")] == "林晓燕"
    # C105's birthday greeting is an sms (not on the phone list): its stored owner moved too.
    assert sql_rows(db, "SELECT owner FROM task WHERE code = 'birthday_greeting' AND status = 'open'") == [("林晓燕",)]
    week = owners(db, "2026-11-29")
    assert week[("C100", "delivery_call_7d")] == "李娜"
    assert week[("C101", "delivery_call_7d")] == assigned(db, "sales_consultant")["C101"] == "王五"
    # No service advisor in the staff file: the car's named advisor, as before.
    assert sql_rows(db, "SELECT DISTINCT owner FROM task WHERE role = 'service_advisor'") in ([], [("王强",)])


def test_a_named_person_who_leaves_hands_their_lines_to_the_assigned_one(db: Path, files: Files) -> None:
    import_world(db, files)
    run_ok(db, "import", staff_file(files, [("李娜", "销售顾问", STORE), ("王五", "销售顾问", STORE)]))
    assert owners(db, "2026-11-29")[("C100", "delivery_call_7d")] == "李娜"

    run_ok(db, "import", staff_file(files, [("李娜", "销售顾问", STORE, "", "离职")], name="leaves.csv"))

    assert owners(db, "2026-11-29")[("C100", "delivery_call_7d")] == "王五"


def test_due_owner_filters_by_a_persons_name(db: Path, files: Files) -> None:
    import_world(db, files)
    run_ok(db, "import", staff_file(files, [("林晓燕", "客服专员", STORE)]))

    lines = due_lines(db, "--date", DAY, "--owner", "林晓燕")

    assert "C102" in {line["customer_id"] for line in lines}  # its post-service follow-up: 客服
    assert all(any(t["owner"] == "林晓燕" for t in line["tasks"]) for line in lines)
    table = run_ok(db, "due", "--date", DAY, "--owner", "林晓燕").stdout
    assert "林晓燕" in table


def test_a_complaint_follow_up_goes_to_the_stores_service_manager(db: Path, files: Files) -> None:
    import_world(db, files)
    run_ok(db, "import", staff_file(files, [("郑国强", "服务经理", STORE)]))

    run_ok(db, "event", "add", WORLD_VINS["C102"], "complaint", "--date", DAY)

    assert sql_rows(db, "SELECT owner FROM task WHERE code = 'complaint_followup'") == [("郑国强",)]


def test_an_event_imported_with_the_staff_file_gets_a_person(db: Path, files: Files) -> None:
    import_world(db, files)
    events = write_csv(files.folder / "events.csv", ("vin", "event_date", "kind"),
                       [{"vin": WORLD_VINS["C102"], "event_date": DAY, "kind": "complaint"}])

    run_ok(db, "import", events, staff_file(files, [("郑国强", "服务经理", STORE)]))

    assert sql_rows(db, "SELECT owner FROM task WHERE code = 'complaint_followup'") == [("郑国强",)]


def test_a_new_car_of_a_staffed_store_is_owned_by_people_from_its_first_morning(db: Path, files: Files) -> None:
    run_ok(db, "import", staff_file(files, [("马俊", "销售经理", STORE), ("王五", "销售顾问", STORE)]))
    vin = make_vin(900)
    run_ok(db, "import", files.customers([customer("C900", "新客户", 9)]),
           files.vehicles([vehicle(vin, "C900", "2026-11-22", sales="不在职的人")]))

    found = owners(db, "2026-11-29")
    assert found[("C900", "delivery_call_7d")] == "王五"
    assert owners(db)[("C900", "delivery_call_24h")] == "马俊"
