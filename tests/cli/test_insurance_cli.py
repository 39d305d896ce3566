"""Insurance renewal (续保) and annual inspection (年审) end to end: import, `due`, `done`,
`vehicle set`, the lapse (脱保) and the two KPIs in `report`.

The clock is 2026-11-23 (a Monday) unless a test moves LIFECYCLE_NOW; no date used falls on a
statutory holiday. Expiries are chosen so that one step of each car falls on the day looked at:
an expiry 60 / 30 / 7 days after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli_helpers import (
    DAY,
    VEHICLE_COLUMNS,
    Files,
    customer,
    due_tasks,
    live_since,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    vehicle,
)

RENEWAL = "insurance_renewal_invite"
INSPECTION = "inspection_reminder"
COLUMNS = (*VEHICLE_COLUMNS, "commercial_insurance_expiry", "compulsory_insurance_expiry", "inspection_due")
VINS = {cid: make_vin(500 + i) for i, cid in enumerate(
    ("C1", "C2", "C3", "C4", "C5", "C6", "K1", "K2", "K3", "K4"))}


def at(day: str) -> dict[str, str]:
    """The environment of a command run at 09:00 Shanghai time on `day`."""
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def insured(cid: str, expiry: str, *, compulsory: str | None = None, inspection: str = "",
            delivered: str = "2025-06-10", vin: str | None = None) -> dict[str, Any]:
    vin = vin or VINS[cid]
    row = vehicle(vin, cid, delivered, plate=f"粤B{vin[-5:]}")
    row.update(commercial_insurance_expiry=expiry, compulsory_insurance_expiry=compulsory or expiry,
               inspection_due=inspection)
    return row


def load(db: Path, files: Files, cars: list[dict[str, Any]], env: dict[str, str] | None = None) -> Any:
    """Import one customer per car (customer_id = the car's) and the cars, with the insurance columns."""
    people = [customer(c["customer_id"], f"客户{c['customer_id']}", i + 10) for i, c in enumerate(cars)]
    return run_ok(db, "import", files.customers(people), files.vehicles(cars, columns=COLUMNS), env=env)


def renewals(db: Path, day: str, env: dict[str, str] | None = None, *args: str) -> dict[str, dict[str, Any]]:
    """customer_id -> their renewal task on `day`'s list."""
    found = {t["customer_id"]: t for t in due_tasks(db, "--date", day, "--code", RENEWAL, *args, env=env)}
    return found


def closed(db: Path, task_id: int) -> tuple[Any, ...]:
    return sql_rows(db, "select status, closed_reason, closed_on from task where id = ?", (task_id,))[0]


STEPS = [insured("C1", "2027-01-22"), insured("C2", "2026-12-23"), insured("C3", "2026-11-30"),
         insured("C4", "2027-03-01")]


# -- the reminder steps ----------------------------------------------------------------------

def test_each_step_is_on_the_renewal_list(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    found = renewals(db, DAY)
    assert sorted(found) == ["C1", "C2", "C3"]  # 60, 30 and 7 days before; C4 expires in March
    for task in found.values():
        assert (task["due_date"], task["role"], task["owner"], task["channel"], task["name"]) == (
            DAY, "insurance_specialist", "续保专员", "phone", "续保邀约")
    by_role = {t["customer_id"] for t in due_tasks(db, "--date", DAY, "--role", "insurance_specialist")}
    assert by_role == {"C1", "C2", "C3"}


def test_the_table_shows_the_renewal_list(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    out = run_ok(db, "due", "--date", DAY, "--code", RENEWAL).stdout
    assert "续保邀约 #" in out and "续保专员" in out and "客户C2" in out


def test_a_step_falling_due_on_a_new_day_is_found_by_the_indexed_search(db: Path, files: Files) -> None:
    cars = [*STEPS, insured("C5", "2026-12-24"), insured("C6", "2027-01-23")]
    load(db, files, cars)
    live_since(db, "2026-10-25")  # the desk listed C5's −60 step (10-25) on its day (care-desk §4)
    today = renewals(db, DAY)  # the synced days now end on DAY
    assert sorted(today) == ["C1", "C2", "C3", "C5"]  # C5: the last day of its −60 step
    nxt = renewals(db, "2026-11-24")
    # C5's −30 step and C6's −60 step fall on 11-24: found by insurance_expiry's index
    assert {"C5", "C6"} <= set(nxt)
    assert nxt["C5"]["task_id"] != today["C5"]["task_id"]
    assert nxt["C1"]["overdue_days"] == 1  # a step stays until the next one comes


def test_booked_closes_the_step_and_the_next_step_still_comes(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    step = renewals(db, DAY)["C2"]["task_id"]
    assert "任务完成" in run_ok(db, "done", step, "--result", "booked", "--note", "已续保 人保").stdout
    assert "C2" not in renewals(db, DAY)
    nxt = renewals(db, "2026-12-16")["C2"]  # expiry 12-23 − 7
    assert nxt["task_id"] != step and nxt["due_date"] == "2026-12-16"


# -- renewal and lapse -----------------------------------------------------------------------

def test_renewal_by_import_closes_the_task_and_the_next_expiry_follows(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    step = renewals(db, DAY)["C2"]["task_id"]
    renewed = [insured("C2", "2027-12-23") if c["customer_id"] == "C2" else c for c in STEPS]
    later = at("2026-11-25")
    assert renewals(db, "2026-11-25", later)["C2"]["task_id"] == step  # still open, 2 days overdue
    result = load(db, files, renewed, env=later)
    assert "更新" in result.stdout
    assert closed(db, step) == ("closed", "renewed", "2026-11-25")  # the import brings the tasks in step
    refused = run(db, "done", step, "--result", "reached", env=later)
    assert refused.exit_code == 1 and "已续保" in refused.stderr
    assert "C2" not in renewals(db, "2026-11-25", later)
    assert "C2" not in renewals(db, "2026-12-16", later)  # no −7 call for the renewed expiry
    assert renewals(db, "2027-10-24", later)["C2"]["due_date"] == "2027-10-24"  # the new expiry − 60


def test_renewal_by_vehicle_set(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    step = renewals(db, DAY)["C2"]["task_id"]
    result = run_ok(db, "vehicle", "set", VINS["C2"].lower(), "--insurance-expiry", "2027-12-23")
    assert "商业险到期 2026-12-23 → 2027-12-23" in result.stdout
    assert "已续保：保险到期由 2026-12-23 延后到 2027-12-23，关闭 1 项未完成的续保邀约" in result.stdout
    assert closed(db, step) == ("closed", "renewed", DAY)
    assert "C2" not in renewals(db, DAY)
    assert renewals(db, "2027-10-24")["C2"]["due_date"] == "2027-10-24"


def test_a_renewal_after_the_synced_days_closes_the_task_on_the_next_list(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    step = renewals(db, DAY)["C1"]["task_id"]  # the synced days end on DAY + ahead_days - 1 (12-06)
    later = at("2026-12-08")  # still the 60-day step (the 30-day one starts 12-23)
    result = run_ok(db, "vehicle", "set", VINS["C1"], "--commercial-expiry", "2028-01-22", env=later)
    assert "保险到期" not in result.stdout.split("\n", 1)[1]  # 交强险 still expires 2027-01-22: no change
    result = run_ok(db, "vehicle", "set", VINS["C1"], "--compulsory-expiry", "2028-01-22", env=later)
    assert "已续保：保险到期由 2027-01-22 延后到 2028-01-22\n" in result.stdout
    assert closed(db, step)[0] == "open"  # nothing synced yet for 12-08
    assert "C1" not in renewals(db, "2026-12-08", later)  # found by the day the expiry moved
    assert closed(db, step) == ("closed", "renewed", "2026-12-08")


def test_the_expiry_passing_closes_the_task_as_lapsed(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    # Two weeks are synced ahead (as `report` does): the lapse day is not searched again later.
    run_ok(db, "due", "--date", DAY, "--days", "14")
    step = renewals(db, DAY)["C3"]["task_id"]  # expiry 2026-11-30
    assert renewals(db, "2026-11-30")["C3"]["task_id"] == step  # on the list through the expiry day
    assert closed(db, step)[0] == "open"  # looking ahead closes nothing
    after = at("2026-12-01")
    assert "C3" not in renewals(db, "2026-12-01", after)
    assert closed(db, step) == ("closed", "lapsed", "2026-12-01")
    refused = run(db, "done", step, "--result", "reached", env=after)
    assert refused.exit_code == 1 and "已过期" in refused.stderr


# -- bad input -------------------------------------------------------------------------------

def stored_dates(db: Path, vin: str) -> tuple[Any, ...]:
    return sql_rows(db, "select commercial_insurance_expiry, compulsory_insurance_expiry, insurance_expiry "
                        "from vehicle where vin = ?", (vin,))[0]


def test_an_expiry_more_than_two_years_ahead_is_kept_with_a_warning(db: Path, files: Files) -> None:
    result = load(db, files, [insured("C1", "2028-11-24", compulsory="2027-11-23"), insured("C2", "2028-11-23")])
    assert result.stderr.splitlines() == [
        f"警告 {files.folder / 'vehicles.csv'}:2: commercial_insurance_expiry: 到期日期 2028-11-24 在 2 年以后，"
        "可能录入有误（已保留）"]  # the file as given
    assert stored_dates(db, VINS["C1"]) == ("2028-11-24", "2027-11-23", "2027-11-23")
    set_far = run_ok(db, "vehicle", "set", VINS["C2"], "--commercial-expiry", "2030-01-01")
    assert "警告 商业险到期 2030-01-01 在 2 年以后，可能录入有误（已保留）" in set_far.stderr
    assert stored_dates(db, VINS["C2"]) == ("2030-01-01", "2028-11-23", "2028-11-23")


def test_an_expiry_that_is_not_a_date_loses_only_that_field(db: Path, files: Files) -> None:
    result = load(db, files, [insured("C1", "2026-13-45", compulsory="2027-01-22")])
    assert f'警告 {files.folder / "vehicles.csv"}:2: commercial_insurance_expiry: 无法识别的日期 "2026-13-45"' in result.stderr
    assert stored_dates(db, VINS["C1"]) == (None, "2027-01-22", "2027-01-22")
    assert "C1" in renewals(db, DAY)


def test_vehicle_set_usage_errors(db: Path, files: Files) -> None:
    load(db, files, STEPS)
    assert refusal(db, "vehicle", "set", VINS["C1"]) == (
        "请至少给出一个日期或状态：--insurance-expiry / --commercial-expiry / --compulsory-expiry / "
        "--inspection-due / --status")
    assert refusal(db, "vehicle", "set", VINS["C1"], "--insurance-expiry", "2027/01/01") == (
        '--insurance-expiry: 无法识别的日期 "2027/01/01"（格式：YYYY-MM-DD）')
    missing = run(db, "vehicle", "set", make_vin(999), "--insurance-expiry", "2027-12-01")
    assert missing.exit_code == 1 and "找不到车架号" in missing.stderr


# -- KPIs ------------------------------------------------------------------------------------

def kpis(db: Path, month: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    data = run_json(db, "report", "--date", "2026-12-31", "--month", month, env=env)
    return {code: data["kpis"][code] for code in ("insurance_renewal_rate", "insurance_invite_success_rate")}


def test_renewal_kpis_numerators_denominators_and_null(db: Path, files: Files) -> None:
    cars = [insured("K1", "2026-12-10"), insured("K2", "2026-12-20"), insured("K3", "2026-12-05"),
            insured("K4", "2027-01-15")]
    load(db, files, cars)
    # The desk has worked the list since November: K2's −30 step (11-20) and K4's −60 step (11-16) were
    # listed on their days and are still the open steps on 12-02 (care-desk §4).
    live_since(db, "2026-11-01")
    run_ok(db, "vehicle", "set", VINS["K1"], "--insurance-expiry", "2027-12-10")  # renewed in time (11-23)

    december = at("2026-12-02")
    listed = renewals(db, "2026-12-02", december)
    assert sorted(listed) == ["K2", "K3", "K4"]
    for cid, result in (("K2", "booked"), ("K3", "no_answer"), ("K4", "reached")):
        run_ok(db, "done", listed[cid]["task_id"], "--result", result, "--date", "2026-12-02", env=december)
    # K3's expiry (12-05) passes first: renewed on 12-08, it counts as lapsed, not renewed.
    run_ok(db, "vehicle", "set", VINS["K3"], "--insurance-expiry", "2027-12-05", env=at("2026-12-08"))

    found = kpis(db, "2026-12", at("2026-12-31"))
    rate, invite = found["insurance_renewal_rate"], found["insurance_invite_success_rate"]
    assert (rate["name"], rate["numerator"], rate["denominator"]) == ("续保率", 1, 3)  # K1 / K1 K2 K3
    assert abs(rate["value"] - 1 / 3) < 1e-9
    assert (invite["name"], invite["numerator"], invite["denominator"], invite["value"]) == (
        "续保邀约成功率", 1, 3, 1 / 3)  # booked K2 / K2 K3 K4

    empty = kpis(db, "2026-09", at("2026-12-31"))
    for kpi in empty.values():
        assert (kpi["numerator"], kpi["denominator"], kpi["value"], kpi["met"]) == (0, 0, None, None)


# -- inspection ------------------------------------------------------------------------------

def test_inspection_reminders_follow_the_schedule_or_the_data(db: Path, files: Files) -> None:
    # Every computed due date below is 2026-12-23 (reminder on DAY) or 2026-12-24 (the next day).
    # care-desk §8: label in years 2, 4, 8; on site in years 6 and 10, yearly after, twice a year after 15.
    ages = {"Y2": "2024-12-23", "Y4": "2022-12-23", "Y6": "2020-12-23", "Y8": "2018-12-23", "Y10": "2016-12-23",
            "Y11": "2015-12-23", "Y16": "2010-12-23", "Y15h": "2011-06-23", "Y3": "2023-12-23", "Y5": "2021-12-23",
            "Y7": "2019-12-23", "Y9": "2017-12-23", "N12": "2014-12-24"}
    cars = [insured(cid, "", delivered=day, vin=make_vin(600 + i)) for i, (cid, day) in enumerate(ages.items())]
    cars += [insured("GIVEN", "", inspection="2026-12-23", vin=make_vin(700)),
             insured("GIVEN2", "", inspection="2026-12-24", vin=make_vin(701)),
             insured("OVERRIDE", "", delivered="2020-12-23", inspection="2027-03-01", vin=make_vin(702))]
    load(db, files, cars)
    today = {t["customer_id"]: t for t in due_tasks(db, "--date", DAY, "--code", INSPECTION)}
    assert sorted(today) == sorted(["Y2", "Y4", "Y6", "Y8", "Y10", "Y11", "Y16", "Y15h", "GIVEN"])
    assert {(t["due_date"], t["role"], t["owner"], t["name"]) for t in today.values()} == {
        (DAY, "service_advisor", "王强", "年审提醒")}
    # The reminder says which kind it is: the label is the customer's errand, on site a visit (代办年审).
    kinds = {cid: ("label" if "申领检验标志：" in t["hint"] else "on site" if "本次需上线检验" in t["hint"] else "?")
             for cid, t in today.items()}
    assert kinds == {"Y2": "label", "Y4": "label", "Y8": "label", "Y6": "on site", "Y10": "on site",
                     "Y11": "on site", "Y16": "on site", "Y15h": "on site", "GIVEN": "?"}
    tomorrow = {t["customer_id"] for t in due_tasks(db, "--date", "2026-11-24", "--code", INSPECTION)}
    assert {"N12", "GIVEN2"} <= tomorrow  # found on the new day by delivery_mmdd / inspection_due
