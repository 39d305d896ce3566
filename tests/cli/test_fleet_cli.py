"""`lifecycle vehicles`, `lifecycle show` and `lifecycle rules` end to end."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from cli_helpers import (
    EARLY,
    LATE,
    NEW,
    OUT,
    STAGES,
    UPGRADE,
    Files,
    customer,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    vehicle,
    visit,
)

ON = "2026-11-23"
# One car per stage on 2026-11-23, each designed by hand (default 40 km/day without readings):
CARS = {
    # delivered yesterday: 0 months, 40 km
    "new": (make_vin(1), "C001", NEW, NEW, NEW),
    # 17 months, 540 days * 40 = 21,600 km
    "early": (make_vin(2), "C002", EARLY, EARLY, EARLY),
    # 30 months (保内后期 by age), 936 days * 40 = 37,440 km (保内初期 by km): age wins
    "late": (make_vin(3), "C003", LATE, LATE, EARLY),
    # 53 months; the vehicle row's reading 20,000 km on 2025-06-01 is the last; delivery is more
    # than 730 days before it, so no measured rate: 20,000 + 540 days * 40 = 41,600 km (保内后期)
    "out": (make_vin(4), "C004", OUT, OUT, LATE),
    # 82 months
    "upgrade": (make_vin(5), "C005", UPGRADE, UPGRADE, UPGRADE),
    # 12 months old but 70,000 km at a visit on 2026-11-01 (~191.8 km/day): mileage wins
    "by_km": (make_vin(6), "C006", OUT, EARLY, OUT),
}
JSON_KEYS = {"vin", "customer_id", "plate", "model", "delivery_date", "stage", "stage_by_age",
             "stage_by_mileage", "projected_km", "daily_km", "last_reading_date", "last_reading_km"}


@pytest.fixture
def fleet(db: Path, files: Files) -> Path:
    """A database with one car designed into each stage."""
    v = {k: c[0] for k, c in CARS.items()}
    customers = [customer(f"C00{i}", name, i) for i, name in
                 enumerate(("张伟", "李静", "王芳", "刘洋", "陈杰", "赵敏"), start=1)]
    vehicles = [
        vehicle(v["new"], "C001", "2026-11-22", plate="粤A10001", model="CX-30"),
        vehicle(v["early"], "C002", "2025-06-01", plate="粤A10002", model="Mazda3 昂克赛拉"),
        vehicle(v["late"], "C003", "2024-05-01", plate="粤A10003"),
        vehicle(v["out"], "C004", "2022-06-01", plate="粤A10004", km="20000", km_date="2025-06-01"),
        vehicle(v["upgrade"], "C005", "2020-01-01", plate="粤A10005"),
        vehicle(v["by_km"], "C006", "2025-11-01", plate="粤A10006", model="EZ-6"),
    ]
    visits = [visit("RO6001", v["by_km"], "2026-11-01", 70000)]
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles), files.visits(visits))
    return db


def by_vin(records: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {r["vin"]: r for r in records}


# --------------------------------------------------------------------------- vehicles


def test_vehicles_json_has_the_contract_keys_and_each_designed_stage(fleet: Path) -> None:
    records = run_json(fleet, "vehicles", "--date", ON)

    assert isinstance(records, list) and len(records) == len(CARS)
    for record in records:
        assert set(record) >= JSON_KEYS, JSON_KEYS - set(record)
    found = by_vin(records)
    for name, (vin, cid, stage, by_age, by_km) in CARS.items():
        record = found[vin]
        assert record["customer_id"] == cid, name
        assert (record["stage"], record["stage_by_age"], record["stage_by_mileage"]) == (stage, by_age, by_km), name
    assert {r["stage"] for r in records} == set(STAGES)


def test_vehicles_json_projection_numbers(fleet: Path) -> None:
    found = by_vin(run_json(fleet, "vehicles", "--date", ON))

    new = found[CARS["new"][0]]
    assert new["delivery_date"] == "2026-11-22"
    assert (new["projected_km"], new["daily_km"]) == (40, 40)
    assert (new["last_reading_date"], new["last_reading_km"]) == ("2026-11-22", 0)
    assert (new["plate"], new["model"]) == ("粤A10001", "CX-30")
    early = found[CARS["early"][0]]
    assert (early["projected_km"], early["daily_km"]) == (21600, 40)
    # 70,000 km in 365 days, projected 22 days on: 70,000 + 22 * 70,000 / 365 = 74,219.2
    by_km = found[CARS["by_km"][0]]
    assert (by_km["last_reading_date"], by_km["last_reading_km"]) == ("2026-11-01", 70000)
    assert by_km["projected_km"] == 74219
    assert by_km["daily_km"] == pytest.approx(191.8, abs=0.05)
    # The vehicle row's own reading counts; the delivery is outside the 730-day window before it.
    out = found[CARS["out"][0]]
    assert (out["last_reading_date"], out["last_reading_km"]) == ("2025-06-01", 20000)
    assert (out["projected_km"], out["daily_km"]) == (20000 + 540 * 40, 40)


def test_vehicles_on_an_earlier_date_leave_out_cars_not_yet_delivered(fleet: Path) -> None:
    vins = set(by_vin(run_json(fleet, "vehicles", "--date", "2026-11-21")))
    assert CARS["new"][0] not in vins
    assert CARS["early"][0] in vins


def test_vehicles_default_date_is_today_in_the_store_time_zone(fleet: Path) -> None:
    # 16:30 UTC on 11-21 is already 00:30 on 11-22 in Shanghai: the car delivered on 11-22 is there.
    env = {"LIFECYCLE_NOW": "2026-11-21T16:30:00Z"}
    assert CARS["new"][0] in by_vin(run_json(fleet, "vehicles", env=env))
    env = {"LIFECYCLE_NOW": "2026-11-21T15:59:00Z"}
    assert CARS["new"][0] not in by_vin(run_json(fleet, "vehicles", env=env))


def test_vehicles_stage_filter_as_csv_for_excel(fleet: Path) -> None:
    result = run_ok(fleet, "vehicles", "--date", ON, "--stage", LATE, "--format", "csv")

    assert result.stdout.startswith("\ufeff")
    rows = list(csv.reader(result.stdout[1:].splitlines()))
    header, body = rows[0], rows[1:]
    assert "车架号" in header and "生命周期阶段" in header
    assert [r[header.index("车架号")] for r in body] == [CARS["late"][0]]
    assert all(r[header.index("生命周期阶段")] == LATE for r in body)


def test_vehicles_stage_filter_json(fleet: Path) -> None:
    records = run_json(fleet, "vehicles", "--date", ON, "--stage", OUT)
    assert sorted(r["vin"] for r in records) == sorted([CARS["out"][0], CARS["by_km"][0]])


def test_vehicles_model_filter(fleet: Path) -> None:
    records = run_json(fleet, "vehicles", "--date", ON, "--model", "EZ-6")
    assert [r["vin"] for r in records] == [CARS["by_km"][0]]


def test_vehicles_table_has_chinese_headers_and_no_box_art_when_piped(fleet: Path) -> None:
    result = run_ok(fleet, "vehicles", "--date", ON)
    assert "生命周期阶段" in result.stdout and "车架号" in result.stdout
    assert not set("┏┃━│─╇\x1b") & set(result.stdout)
    assert all(vin in result.stdout for vin, *_ in CARS.values())


@pytest.mark.parametrize(("args", "message"), [
    (("--stage", "保内中期"), '--stage: 不认识 "保内中期"，可用：新车体验期 / 保内初期 / 保内后期 / 保修外期 / 换车升级期'),
    (("--format", "xml"), '--format: 不认识 "xml"，可用：table / csv / json'),
    (("--date", "2026-02-30"), '--date: 无法识别的日期 "2026-02-30"（格式：YYYY-MM-DD）'),
])
def test_vehicles_bad_options_are_usage_errors(fleet: Path, args: tuple[str, str], message: str) -> None:
    assert refusal(fleet, "vehicles", *args) == message


def test_unknown_stage_message_names_the_five_stages(fleet: Path) -> None:
    result = run(fleet, "vehicles", "--stage", "保内中期")
    assert all(stage in result.stderr for stage in STAGES)


# --------------------------------------------------------------------------- show

VIN6 = CARS["by_km"][0]


@pytest.mark.parametrize(
    "key",
    [VIN6, VIN6.lower(), "粤A10006", "13812345606", "138 1234 5606", "138-1234-5606", "+86 138-1234-5606",
     "C006"],
    ids=["vin", "vin-lower-case", "plate", "phone", "phone-spaced", "phone-dashed", "phone-plus86", "customer-id"],
)
def test_show_finds_the_customer_by_any_key(fleet: Path, key: str) -> None:
    result = run_ok(fleet, "show", key, "--date", ON)

    assert VIN6 in result.stdout
    assert "C006" in result.stdout and "赵敏" in result.stdout
    assert "2026-11-01" in result.stdout  # the visit timeline
    assert CARS["new"][0] not in result.stdout  # nobody else's car


def test_show_explains_both_partial_stages(fleet: Path) -> None:
    result = run_ok(fleet, "show", "C006", "--date", ON)
    stage_line = next(line for line in result.stdout.splitlines() if "阶段" in line and "按车龄" in line)
    assert OUT in stage_line and EARLY in stage_line and "74,219" in stage_line

    detail = run_json(fleet, "show", "C006", "--date", ON)
    car = detail["vehicles"][0]
    assert (car["stage"], car["stage_by_age"], car["stage_by_mileage"]) == (OUT, EARLY, OUT)
    assert [(r["date"], r["km"], r["rollback"]) for r in car["readings"]] == [
        ("2025-11-01", 0, False), ("2026-11-01", 70000, False)]


def test_show_marks_a_rollback_reading(db: Path, files: Files) -> None:
    vin = make_vin(7)
    run_ok(db, "import", files.customers([customer("C007", "孙丽", 7)]),
           files.vehicles([vehicle(vin, "C007", "2024-01-01")]),
           files.visits([visit("R1", vin, "2025-01-01", 15000), visit("R2", vin, "2025-06-01", 1500, "repair")]))

    car = run_json(db, "show", vin, "--date", ON)["vehicles"][0]
    assert [(r["km"], r["rollback"]) for r in car["readings"]] == [(0, False), (15000, False), (1500, True)]
    assert car["last_reading_km"] == 15000
    table = run_ok(db, "show", vin, "--date", ON).stdout
    assert "回退" in next(line for line in table.splitlines() if "1500" in line and "2025-06-01" in line)


def test_show_unknown_key_exits_1_with_a_message(fleet: Path) -> None:
    result = run(fleet, "show", "LVRHDA3K0TN999999")
    assert (result.exit_code, result.stderr, result.stdout) == (
        1, '找不到 "LVRHDA3K0TN999999"：没有匹配的车架号、车牌号、手机号或客户编号\n', "")
    assert result.stdout == ""


# --------------------------------------------------------------------------- rules


def test_rules_prints_the_effective_rules_as_toml(db: Path) -> None:
    result = run_ok(db, "rules")

    assert 'timezone = "Asia/Shanghai"' in result.stdout
    rules = tomllib.loads(result.stdout)
    assert rules["timezone"] == "Asia/Shanghai"
    assert rules["stages"]["names"] == list(STAGES)
    assert rules["stages"]["mileage_km"] == [0, 5000, 40000, 60000, 100000]


def write_override(tmp_path: Path) -> Path:
    """A partial rules file: 保内后期 from 12 months (not 24), 保修外期 from 50,000 km (not 60,000)."""
    path = tmp_path / "override.toml"
    path.write_text("[stages]\nage_months = [0, 3, 12, 36, 60]\nmileage_km = [0, 5000, 40000, 50000, 100000]\n",
                    encoding="utf-8")
    return path


def test_rules_override_file_changes_the_stages(fleet: Path, tmp_path: Path) -> None:
    override = write_override(tmp_path)
    default = by_vin(run_json(fleet, "vehicles", "--date", ON))

    changed = by_vin(run_json(fleet, "--rules", override, "vehicles", "--date", ON))

    early_vin = CARS["early"][0]  # 17 months: now 保内后期 by age
    assert default[early_vin]["stage"] == EARLY
    assert (changed[early_vin]["stage"], changed[early_vin]["stage_by_age"]) == (LATE, LATE)
    # The rules printed are the merged ones, and untouched keys keep their defaults.
    rules = tomllib.loads(run_ok(fleet, "--rules", override, "rules").stdout)
    assert rules["stages"]["age_months"] == [0, 3, 12, 36, 60]
    assert rules["timezone"] == "Asia/Shanghai"
    assert rules["warranty"]["km"] == 60000


def test_rules_from_the_environment(fleet: Path, tmp_path: Path) -> None:
    override = write_override(tmp_path)
    records = by_vin(run_json(fleet, "vehicles", "--date", ON, env={"LIFECYCLE_RULES": str(override)}))
    assert records[CARS["early"][0]]["stage"] == LATE


def test_rules_file_that_does_not_exist_is_a_usage_error(fleet: Path, tmp_path: Path) -> None:
    result = run(fleet, "--rules", tmp_path / "missing.toml", "vehicles", "--date", ON)
    assert result.exit_code == 2
    assert "missing.toml" in result.stderr
