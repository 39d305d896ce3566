"""`lifecycle import` can be trusted with what is already stored (issue 15).

An absent or empty value never overwrites a stored one; a work order's advisor becomes the car's
service advisor only when it has none; a combined sheet reports its owners; rejects files of
inputs with one name stay apart; warnings at scale are capped and listed in full in a file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    CUSTOMER_COLUMNS,
    VISIT_COLUMNS,
    Files,
    customer,
    due_tasks,
    make_vin,
    phone,
    run,
    run_ok,
    sql_rows,
    summary_rows,
    vehicle,
    visit,
    write_csv,
)

V1, V2 = make_vin(1), make_vin(2)
KEPT = "行保留了已有值（文件未提供）"


def kept_line(stdout: str, label: str) -> int:
    """The number of rows the summary says kept earlier values, for one file (0 without a line)."""
    for line in stdout.splitlines():
        if line.startswith(f"{label}：") and line.endswith(KEPT):
            return int(line.removeprefix(f"{label}：").removesuffix(KEPT).strip().replace(",", ""))
    return 0


def stored_kinds(db: Path) -> list[tuple[str | None, str]]:
    return sorted(sql_rows(db, "select ro_number, kind from visit"), key=lambda r: r[0] or "")


def base(db: Path, files: Files) -> None:
    """Two customers, two cars, three maintenance visits (one without a work-order number)."""
    run_ok(db, "import",
           files.customers([customer("C1", "张伟", 1, birthday="1985-03-12", dnc="是"), customer("C2", "李静", 2)]),
           files.vehicles([vehicle(V1, "C1", "2024-03-15", plate="粤A12345", km="12000", km_date="2025-03-01"),
                           vehicle(V2, "C2", "2025-06-01", plate="粤B23456")]),
           files.visits([visit("RO1", V1, "2024-06-20", 3800), visit("RO2", V1, "2025-01-05", 9100),
                         visit("", V2, "2025-09-01", 4200)]))


# --------------------------------------------------------------------------- 1. absent is not empty

NO_KIND = [c for c in VISIT_COLUMNS if c != "kind"]


@pytest.mark.parametrize("dry", [False, True], ids=["import", "dry-run"])
def test_a_work_order_file_without_a_kind_column_keeps_the_stored_kinds(db: Path, files: Files, dry: bool) -> None:
    base(db, files)
    rows = [visit("RO1", V1, "2024-06-20", 3800), visit("RO2", V1, "2025-01-05", 9100),
            visit("", V2, "2025-09-01", 4200), visit("RO3", V2, "2026-03-01", 9000)]  # RO3 is new
    no_kind = files.visits(({k: v for k, v in r.items() if k != "kind"} for r in rows), name="orders.csv",
                           columns=NO_KIND)

    result = run_ok(db, "import", *(["--dry-run"] if dry else []), no_kind)

    summary = summary_rows(result.stdout)["orders.csv"]
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (1, 0, 3)
    assert kept_line(result.stdout, "orders.csv") == 3  # with and without a work-order number
    expected = [(None, "maintenance"), ("RO1", "maintenance"), ("RO2", "maintenance")]
    assert stored_kinds(db) == (expected if dry else [*expected, ("RO3", "other")])  # the new one: other
    if not dry:
        again = run_ok(db, "import", no_kind)  # the same file again: nothing to do
        assert summary_rows(again.stdout)["orders.csv"]["unchanged"] == 4
        assert summary_rows(again.stdout)["orders.csv"]["updated"] == 0


def test_a_kind_the_file_holds_still_updates_and_an_empty_kind_cell_does_not(db: Path, files: Files) -> None:
    base(db, files)
    rows = [visit("RO1", V1, "2024-06-20", 3800, "repair"), visit("RO2", V1, "2025-01-05", 9100, "")]

    result = run_ok(db, "import", files.visits(rows))

    summary = summary_rows(result.stdout)["visits.csv"]
    assert (summary["updated"], summary["unchanged"]) == (1, 1)
    assert kept_line(result.stdout, "visits.csv") == 1
    assert stored_kinds(db) == [(None, "maintenance"), ("RO1", "repair"), ("RO2", "maintenance")]


CUSTOMER_CELLS = [
    pytest.param("phone", "select phone from customer where customer_id = 'C1'", "13812345601", id="phone"),
    pytest.param("name", "select name from customer where customer_id = 'C1'", "张伟", id="name"),
    pytest.param("birthday", "select birthday from customer where customer_id = 'C1'", "1985-03-12", id="birthday"),
    pytest.param("do_not_contact", "select do_not_contact from customer where customer_id = 'C1'", True,
                 id="do-not-contact"),
    pytest.param("store", "select store from customer where customer_id = 'C1'", "广州天河店", id="store"),
]


@pytest.mark.parametrize(("column", "query", "stored"), CUSTOMER_CELLS)
def test_an_empty_customer_cell_never_erases_what_is_stored(db: Path, files: Files, column: str, query: str,
                                                            stored: Any) -> None:
    base(db, files)
    row = {**customer("C1", "张伟", 1, birthday="1985-03-12", dnc="是"), column: ""}

    result = run_ok(db, "import", files.customers([row], name="again.csv"))

    summary = summary_rows(result.stdout)["again.csv"]
    assert (summary["updated"], summary["unchanged"]) == (0, 1)
    assert kept_line(result.stdout, "again.csv") == 1
    value = sql_rows(db, query)[0][0]
    assert (bool(value) if isinstance(stored, bool) else value) == stored


def test_an_empty_do_not_contact_cell_keeps_the_customer_off_the_call_list(db: Path, files: Files) -> None:
    run_ok(db, "import", files.customers([customer("C1", "张伟", 1, dnc="是")]),
           files.vehicles([vehicle(V1, "C1", "2026-11-22")]))
    run_ok(db, "import", files.customers([customer("C1", "张伟", 1, dnc="")], name="again.csv"))

    assert [t for t in due_tasks(db, "--date", "2026-11-23") if t["customer_id"] == "C1"] == []


VEHICLE_CELLS = [
    pytest.param("plate", "plate", "粤A12345", id="plate"),
    pytest.param("sales_consultant", "sales_consultant", "李娜", id="sales-consultant"),
    pytest.param("service_advisor", "service_advisor", "王强", id="service-advisor"),
    pytest.param("mileage_km", "mileage_km", 12000, id="mileage"),
]


@pytest.mark.parametrize(("column", "stored_column", "stored"), VEHICLE_CELLS)
def test_an_empty_vehicle_cell_never_erases_what_is_stored(db: Path, files: Files, column: str, stored_column: str,
                                                           stored: Any) -> None:
    base(db, files)
    row = {**vehicle(V1, "C1", "2024-03-15", plate="粤A12345", km="12000", km_date="2025-03-01"), column: ""}

    result = run_ok(db, "import", files.vehicles([row], name="again.csv"))

    assert summary_rows(result.stdout)["again.csv"]["unchanged"] == 1
    assert kept_line(result.stdout, "again.csv") == 1
    assert sql_rows(db, f"select {stored_column} from vehicle where vin = ?", [V1])[0][0] == stored


def test_a_new_row_with_empty_cells_still_stores_the_defaults(db: Path, files: Files) -> None:
    run_ok(db, "import", files.customers([{**customer("C9", "陈杰", 9), "phone": "", "do_not_contact": ""}]))

    assert sql_rows(db, "select phone, phone_valid, do_not_contact from customer") in ([(None, 1, 0)],
                                                                                         [(None, True, False)])


COMBINED = ("vin", "customer_id", "name", "phone", "delivery_date")


def test_a_combined_sheet_keeps_owner_values_it_leaves_empty_and_reports_its_owners(db: Path, files: Files) -> None:
    base(db, files)
    sheet = files.folder / "combined.csv"
    write_csv(sheet, COMBINED, [
        {"vin": V1, "customer_id": "C1", "name": "张伟", "phone": "", "delivery_date": "2024-03-15"},
        {"vin": V2, "customer_id": "C2", "name": "李静怡", "phone": "13812345602", "delivery_date": "2025-06-01"},
        {"vin": make_vin(3), "customer_id": "C3", "name": "王芳", "phone": "13812345603",
         "delivery_date": "2026-01-10"},
    ])

    result = run_ok(db, "import", sheet)

    summary = summary_rows(result.stdout)
    assert summary["combined.csv"]["inserted"] == 1
    owners = summary["combined.csv（车主）"]  # the owners: a line of their own
    assert (owners["read"], owners["inserted"], owners["updated"], owners["unchanged"]) == (3, 1, 1, 1)
    assert kept_line(result.stdout, "combined.csv（车主）") == 1
    assert sql_rows(db, "select phone from customer where customer_id = 'C1'") == [("13812345601",)]


# --------------------------------------------------------------------------- 3. work-order advisor

def test_a_work_orders_advisor_becomes_the_service_advisor_of_a_car_without_one(db: Path, files: Files) -> None:
    v3 = make_vin(3)
    run_ok(db, "import", files.customers([customer("C1", "张伟", 1), customer("C2", "李静", 2)]),
           files.vehicles([vehicle(V1, "C1", "2026-10-09", advisor=""),  # visit_45d due 2026-11-23
                           vehicle(v3, "C1", "2026-10-09", advisor=""),
                           vehicle(V2, "C2", "2026-10-09", advisor="王强")]))
    owners_before = {t["vin"]: t["owner"] for t in due_tasks(db, "--date", "2026-11-23")
                     if t["code"] == "visit_45d"}
    assert owners_before == {V1: "服务顾问", v3: "服务顾问", V2: "王强"}  # the role, without a person

    result = run_ok(db, "import", files.visits([
        visit("RO2", V1, "2026-10-25", 900, "repair", advisor="赵六"),  # the latest work order wins
        visit("RO1", V1, "2026-10-20", 600, "repair", advisor="孙七"),
        visit("RO3", V2, "2026-10-25", 900, "repair", advisor="赵六"),  # never over the car's own
        visit("RO4", v3, "2026-10-25", 900, "repair", advisor=""),
    ]))

    assert "visits.csv：1 辆车原来没有服务顾问，已取其最近一张工单的顾问" in result.stdout
    assert dict(sql_rows(db, "select vin, service_advisor from vehicle")) == {V1: "赵六", V2: "王强", v3: None}
    owners = {t["vin"]: t["owner"] for t in due_tasks(db, "--date", "2026-11-23") if t["code"] == "visit_45d"}
    assert owners == {V1: "赵六", v3: "服务顾问", V2: "王强"}


# --------------------------------------------------------------------------- 9, 10. rejects files

def test_two_inputs_of_one_name_get_their_own_rejects_files_and_are_named_as_given(db: Path, files: Files,
                                                                                 tmp_path: Path) -> None:
    first, second = Files(files.folder / "s07"), Files(files.folder / "s08")
    a = first.customers([customer("C1", "张伟", 1), customer("C2", "李静", 2, birthday="1990-02-30")])
    b = second.customers([customer("C3", "王芳", 3, birthday="1991-02-30"), customer("C4", "刘洋", 4)])
    out = tmp_path / "rejects"

    result = run(db, "import", "--rejects", out, a, b)

    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{a}:3: birthday: ") and errors[1].startswith(f"{b}:2: birthday: ")
    assert sorted(p.name for p in out.iterdir()) == ["customers-2.rejects.csv", "customers.rejects.csv"]
    with (out / "customers.rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [r[0] for r in csv.reader(fh)] == ["customer_id", "C2"]
    with (out / "customers-2.rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [r[0] for r in csv.reader(fh)] == ["customer_id", "C3"]
    assert f"{a} 被拒绝的行已写入 {out / 'customers.rejects.csv'}" in result.stdout
    assert f"{b} 被拒绝的行已写入 {out / 'customers-2.rejects.csv'}" in result.stdout
    summary = summary_rows(result.stdout)
    assert summary[str(a)]["inserted"] == summary[str(b)]["inserted"] == 1  # the table tells them apart too


def test_a_rejects_file_does_not_follow_a_planted_link(db: Path, files: Files, tmp_path: Path) -> None:
    out = tmp_path / "rejects"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / "customers.rejects.csv.tmp").symlink_to(victim)  # the old predictable temporary name

    result = run(db, "import", "--rejects", out, files.customers([customer("C2", "李静", 2, birthday="1990-02-30")]))

    assert result.exit_code == 1
    assert victim.read_text(encoding="utf-8") == "keep me"
    rejects = out / "customers.rejects.csv"
    assert not rejects.is_symlink() and "C2" in rejects.read_text(encoding="utf-8-sig")


def test_a_rejects_folder_that_is_a_file_is_refused_and_nothing_lands(db: Path, files: Files, tmp_path: Path) -> None:
    out = tmp_path / "rejects"
    out.write_text("", encoding="utf-8")

    result = run(db, "import", "--rejects", out, files.customers([customer("C1", "张伟", 1)]))

    assert result.exit_code == 2
    assert f"--rejects: {out} 是一个文件，不是文件夹" in result.stderr
    assert "Traceback" not in result.stderr
    assert sql_rows(db, "select count(*) from customer") == [(0,)]


# --------------------------------------------------------------------------- 18. warnings at scale

def bad_check_digit(vin: str) -> str:
    wrong = "X" if vin[8] != "X" else "0"
    return vin[:8] + wrong + vin[9:]


def test_a_bad_check_digit_is_warned_once_on_its_vehicle_row_not_on_every_work_order(db: Path,
                                                                                    files: Files) -> None:
    vin = bad_check_digit(make_vin(7))
    orders = [visit(f"RO{i:03d}", vin, f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", 1000 + i) for i in range(300)]

    result = run_ok(db, "import", files.customers([customer("C1", "张伟", 1)]),
                    files.vehicles([vehicle(vin, "C1", "2024-03-15")]), files.visits(orders))

    warnings = [line for line in result.stderr.splitlines() if "校验位" in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"警告 {files.folder / 'vehicles.csv'}:2: vin: ")
    assert summary_rows(result.stdout)["visits.csv"] == {"read": 300, "inserted": 300, "updated": 0, "unchanged": 0,
                                                         "rejected": 0, "warnings": 0, "status": "完成"}


@pytest.mark.parametrize("with_rejects", [True, False], ids=["rejects-dir", "no-rejects-dir"])
def test_past_100_warnings_of_a_kind_only_a_count_is_printed(db: Path, files: Files, tmp_path: Path,
                                                             with_rejects: bool) -> None:
    rows = [{**customer(f"C{i:03d}", "张伟", 1), "phone": f"12{i:03d}"} for i in range(150)]
    path = files.customers(rows)
    out = tmp_path / "rejects"

    result = run_ok(db, "import", *(["--rejects", out] if with_rejects else []), path)

    lines = result.stderr.splitlines()
    phone_lines = [line for line in lines if "号码无效" in line]
    assert len(phone_lines) == 100
    assert phone_lines[0] == f'警告 {path}:2: phone: 号码无效，已保留并标记 "12000"'
    where = f"完整清单见 {out / 'warnings.csv'}" if with_rejects else "用 --rejects 目录 可得到完整清单"
    assert lines[-1] == f"无效号码警告 共 150 条（仅显示前 100 条；{where}）"
    assert summary_rows(result.stdout)["customers.csv"]["warnings"] == 150
    if with_rejects:
        raw = (out / "warnings.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        listed = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        assert listed[0] == ["file", "line", "column", "reason"]
        assert len(listed) == 151
        assert listed[150] == [str(path), "151", "phone", '号码无效，已保留并标记 "12149"']
        assert f"全部警告已写入 {out / 'warnings.csv'}" in result.stdout
        assert sorted(p.name for p in out.iterdir()) == ["warnings.csv"]


def test_a_rejects_folder_without_warnings_gets_no_warnings_file(db: Path, files: Files, tmp_path: Path) -> None:
    out = tmp_path / "rejects"
    run_ok(db, "import", "--rejects", out, files.customers([customer("C1", "张伟", 1)]))
    assert list(out.iterdir()) == []


def test_a_file_that_breaks_after_its_first_rows_refuses_the_whole_import_and_changes_nothing(
        db: Path, tmp_path: Path) -> None:
    """A CSV whose unclosed quote swallows more than the field limit is found only while its rows
    land: the import stops with exit 2, names the file, and the other file's rows do not land."""
    customers = write_csv(tmp_path / "customers.csv", CUSTOMER_COLUMNS,
                          [customer(f"C{n}", f"客户{n}", n) for n in range(1, 4)])
    broken = tmp_path / "more_customers.csv"
    good_rows = "".join(f"D{n},客户{n},{phone(n % 100)}\n" for n in range(1, 3000))
    broken.write_text("customer_id,name,phone\n" + good_rows + 'D9999,"unclosed' + "x" * (17 * 1024 * 1024) + "\n",
                      encoding="utf-8")
    result = run(db, "import", customers, broken)
    assert result.exit_code == 2, result.output
    assert f"{broken}: 整个文件未导入，本次导入未做任何修改：第 3001 行：CSV 格式错误（有字段超过 16 MB" in result.stderr
    assert "Traceback" not in result.output
    assert sql_rows(db, "SELECT count(*) FROM customer") == [(0,)]
