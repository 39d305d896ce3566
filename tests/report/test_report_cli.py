"""`lifecycle report` and `lifecycle churn` end to end: real SQLite files, canonical CSVs, CliRunner.

Each world is a small history built the way a store builds it: `import` the three files,
materialise the call list with `due --date D --format json` day by day, and record the
outcomes with `done ID --result R --date D`. Every expected figure is worked out by hand in
the comments below (projections, due dates, counts), never by calling the code under test.

Default rules used in the arithmetic: stages by age [0,3), [3,24), [24,36), [36,60), [60,..)
months and by km [0,5000), [5000,40000), [40000,60000), [60000,100000), [100000,..), the later
wins; default 40 km/day; first service = min(D + 3 months, day at 5,000 km); periodic =
min(last maintenance + 6 months, day at last km + 5,000); warranty = min(D + 36 months, day at
60,000 km); churn = due more than 90 days before the report date; a maintenance visit counts for
定保入库率 from 30 days before its due date.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import lifecycle_cli.service.report as service_report
from lifecycle_cli.cli.app import app
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest.values import vin_check_digit

NEW, EARLY, LATE, OUT, UPGRADE = "新车体验期", "保内初期", "保内后期", "保修外期", "换车升级期"
STAGES = (NEW, EARLY, LATE, OUT, UPGRADE)
TIANHE, PANYU = "广州天河店", "广州番禺店"
CHURN_KEYS = ("首保流失", "定保流失", "保修期内流失", "出保修期流失", "流失返回")
KPI_CODES = ("follow_up_success_rate", "invite_success_rate", "appointment_show_rate", "info_accuracy_rate",
             "maintenance_visit_rate",
             "first_service_rate", "loyal_customer_ratio", "referral_rate", "churn_rate",
             "insurance_renewal_rate", "insurance_invite_success_rate",
             "campaigns_run", "complaint_timely_rate", "complaint_satisfaction_rate", "rescue_timely_rate",
             "phone_valid_rate", "high_satisfaction_ratio", "completion_rate")

CUSTOMER_COLUMNS = ("customer_id", "name", "phone", "birthday", "do_not_contact", "referred_by", "store")
VEHICLE_COLUMNS = ("vin", "customer_id", "plate", "model", "delivery_date", "mileage_km", "mileage_date",
                   "sales_consultant", "service_advisor", "store")
VISIT_COLUMNS = ("ro_number", "vin", "visit_date", "mileage_km", "kind", "amount", "advisor")

# No database, rules file or colour setting leaks in from the shell; the clock is pinned (every
# command below also passes --date explicitly).
ENV: dict[str, str | None] = {
    "LIFECYCLE_DB": None,
    "LIFECYCLE_RULES": None,
    "NO_COLOR": None,
    "LIFECYCLE_NOW": "2026-11-30T04:00:00Z",
}

# make(folder, name): a database for a module-wide world on this module's backend (tests/conftest.py).
DbMaker = Callable[[Path, str], Path]

REPORT_DAY = "2026-11-30"
MONTH = "2026-11"


# --------------------------------------------------------------------------- helpers


def make_vin(serial: int) -> str:
    """A 17-character VIN with a correct ISO 3779 check digit (position 9)."""
    draft = f"LFV2A21K0TR{serial:06d}"
    assert len(draft) == 17
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            assert not set(row) - set(columns), set(row) - set(columns)
            writer.writerow(["" if row.get(c) is None else str(row[c]) for c in columns])
    return path


def customer(cid: str, n: int, *, referred_by: str = "", store: str = TIANHE) -> dict[str, Any]:
    return {"customer_id": cid, "name": f"客户{cid}", "phone": f"139000000{n:02d}", "birthday": "",
            "do_not_contact": "0", "referred_by": referred_by, "store": store}


def vehicle(vin: str, cid: str, delivered: str, *, model: str = "CX-5", km: str = "", km_date: str = "",
            sales: str = "李娜", advisor: str = "王强", store: str = TIANHE) -> dict[str, Any]:
    return {"vin": vin, "customer_id": cid, "plate": "", "model": model, "delivery_date": delivered,
            "mileage_km": km, "mileage_date": km_date, "sales_consultant": sales, "service_advisor": advisor,
            "store": store}


def visit(vin: str, day: str, km: int, kind: str = "maintenance") -> dict[str, Any]:
    return {"ro_number": f"RO-{vin[-6:]}-{day}", "vin": vin, "visit_date": day, "mileage_km": km, "kind": kind,
            "amount": "300.00", "advisor": "王强"}


def run(db: Path, *args: Any, env: Mapping[str, str | None] | None = None) -> Result:
    """`lifecycle --db DB ARGS...`; a crash (not a clean exit) fails the test."""
    result = CliRunner().invoke(app, ["--db", str(db), *[str(a) for a in args]], env={**ENV, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"lifecycle {args} crashed: {result.exception!r}\n{result.stdout}\n{result.stderr}") \
            from result.exception
    return result


def run_ok(db: Path, *args: Any, env: Mapping[str, str | None] | None = None) -> Result:
    result = run(db, *args, env=env)
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def refusal(db: Path, *args: Any) -> str:
    """The message of a usage error (exit 2, nothing on stdout), without its final newline."""
    result = run(db, *args)
    assert (result.exit_code, result.stdout) == (2, ""), (result.exit_code, result.stdout, result.stderr)
    return result.stderr.removesuffix("\n")


def run_json(db: Path, *args: Any, env: Mapping[str, str | None] | None = None) -> Any:
    return json.loads(run_ok(db, *args, "--format", "json", env=env).stdout)


def morning(day: str) -> dict[str, str | None]:
    """The clock of the desk working `day`'s list on that day (a window closes as the clock passes it)."""
    return {"LIFECYCLE_NOW": f"{day}T04:00:00Z"}


def import_world(db: Path, folder: Path, customers: list[dict[str, Any]], vehicles: list[dict[str, Any]],
                 visits: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    run_ok(db, "import",
           write_csv(folder / "customers.csv", CUSTOMER_COLUMNS, customers),
           write_csv(folder / "vehicles.csv", VEHICLE_COLUMNS, vehicles),
           write_csv(folder / "visits.csv", VISIT_COLUMNS, visits))


def task_id(db: Path, day: str, customer_id: str, code: str) -> int:
    """The id of the one task with this code on this customer's line of `due --date day`, listed on that
    day (the first list a database prints is its go-live, care-desk §4)."""
    lines = run_json(db, "due", "--date", day, env=morning(day))
    found = [t["task_id"] for line in lines if line["customer_id"] == customer_id
             for t in line["tasks"] if t["code"] == code]
    assert len(found) == 1, f"expected one {code} for {customer_id} on {day}, got {found}"
    return int(found[0])


def done(db: Path, tid: int, result: str, day: str) -> None:
    """The outcome of a call made on `day`, recorded that day."""
    run_ok(db, "done", tid, "--result", result, "--date", day, env=morning(day))


def report(db: Path, *args: Any, day: str = REPORT_DAY, month: str = MONTH,
           env: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = run_json(db, "report", "--date", day, "--month", month, *args, env=env)
    return data


def figures(data: dict[str, Any], code: str) -> tuple[int, int]:
    kpi = data["kpis"][code]
    return kpi["numerator"], kpi["denominator"]


def stage_counts(table: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {name: table[name]["count"] for name in STAGES}


def counts_from_vehicles(records: list[dict[str, Any]], key: str | None = None) -> dict[str, dict[str, int]]:
    """Stage counts of `lifecycle vehicles` records, overall (key None) or grouped by a field."""
    out: dict[str, dict[str, int]] = {}
    for r in records:
        group = out.setdefault(r[key] if key else "", dict.fromkeys(STAGES, 0))
        group[r["stage"]] += 1
    return out


def read_bom_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(text[1:])))


@dataclass
class World:
    db: Path
    vins: dict[str, str]


# --------------------------------------------------------------------------- the stage world
#
# Report date 2026-11-30. No visits; cars without a mileage row drive the default 40 km/day.
#   S_A 2026-11-10 天河 CX-5   20 days, 800 km                        -> 新车体验期
#   S_B 2026-08-31 天河 CX-5   08-31 + 3 months = 11-30: 3 months;   91 d x 40 = 3,640 km -> 保内初期 (age)
#   S_C 2026-09-01 番禺 阿特兹 09-01 + 3 months = 12-01 > 11-30: 2 months; 3,600 km        -> 新车体验期
#   S_D 2026-05-30 番禺 CX-5   6 months (保内初期 by age); row reading 45,000 km on 2026-11-01:
#       daily = 45,000 / 155 d = 290.3 (under the 300 clamp); 11-30: 45,000 + 290.3 x 29 = 53,419 km
#       -> 保内后期 by km: mileage wins
#   S_E 2024-11-30 天河 阿特兹 exactly 24 months -> 保内后期 (age); 730 d x 40 = 29,200 km (保内初期)
#   S_F 2023-11-30 天河 CX-5   exactly 36 months -> 保修外期; 1,096 d x 40 = 43,840 km (保内后期)
#   S_G 2021-11-30 番禺 CX-5   exactly 60 months -> 换车升级期; 1,826 d x 40 = 73,040 km (保修外期)
#   S_H 2026-12-01 天河 CX-5   delivered after the report date: not counted
#   S_I 2025-11-30 天河 阿特兹 12 months (保内初期); row reading 100,500 km on 2026-11-20:
#       daily = 100,500 / 355 d = 283.1; -> 换车升级期 by km: mileage wins
#
# Overall: 新车 2 (A, C), 初期 1 (B), 后期 2 (D, E), 保修外 1 (F), 换车 2 (G, I); total 8.
# 天河: A 新, B 初, E 后, F 外, I 换 -> 1 each of 5.   番禺: C 新, D 后, G 换 -> 1, 0, 1, 0, 1 of 3.
# CX-5: A 新, B 初, D 后, F 外, G 换 -> 1 each of 5.   阿特兹: C 新, E 后, I 换 -> 1, 0, 1, 0, 1 of 3.

STAGE_CARS = {
    "S_A": ("2026-11-10", TIANHE, "CX-5", "", ""),
    "S_B": ("2026-08-31", TIANHE, "CX-5", "", ""),
    "S_C": ("2026-09-01", PANYU, "阿特兹", "", ""),
    "S_D": ("2026-05-30", PANYU, "CX-5", "45000", "2026-11-01"),
    "S_E": ("2024-11-30", TIANHE, "阿特兹", "", ""),
    "S_F": ("2023-11-30", TIANHE, "CX-5", "", ""),
    "S_G": ("2021-11-30", PANYU, "CX-5", "", ""),
    "S_H": ("2026-12-01", TIANHE, "CX-5", "", ""),
    "S_I": ("2025-11-30", TIANHE, "阿特兹", "100500", "2026-11-20"),
}


@pytest.fixture(scope="module")
def stage_world(tmp_path_factory: pytest.TempPathFactory, module_db: DbMaker) -> World:
    folder = tmp_path_factory.mktemp("stages")
    db = module_db(folder, "stages.db")
    vins = {key: make_vin(100 + i) for i, key in enumerate(STAGE_CARS)}
    customers = [customer(key, i, store=STAGE_CARS[key][1]) for i, key in enumerate(STAGE_CARS)]
    vehicles = [vehicle(vins[key], key, delivered, model=model, km=km, km_date=km_date, store=store)
                for key, (delivered, store, model, km, km_date) in STAGE_CARS.items()]
    import_world(db, folder / "data", customers, vehicles, [])
    return World(db, vins)


def test_report_json_shape(stage_world: World) -> None:
    data = report(stage_world.db)
    assert {"date", "month", "stages", "stages_by_store", "stages_by_model", "kpis", "churn",
            "workload"} <= set(data)
    assert data["date"] == REPORT_DAY
    assert data["month"] == MONTH
    assert list(data["stages"]) == list(STAGES)
    for table in [data["stages"], *data["stages_by_store"].values(), *data["stages_by_model"].values()]:
        total = sum(cell["count"] for cell in table.values())
        assert total > 0
        for cell in table.values():
            assert set(cell) == {"count", "share"}
            assert cell["share"] == pytest.approx(cell["count"] / total)
    assert set(data["kpis"]) == set(KPI_CODES)
    rules = load_rules()
    for code, kpi in data["kpis"].items():
        assert set(kpi) >= {"name", "value", "numerator", "denominator", "target", "met"}
        assert (kpi["name"], kpi["target"]) == (rules.kpi.names[code], rules.kpi.targets.get(code)), code
        value = kpi["numerator"] / kpi["denominator"] if kpi["denominator"] else None  # never 0% of nothing
        assert kpi["value"] == (None if value is None else pytest.approx(value)), code
    assert list(data["churn"]) == list(CHURN_KEYS)
    assert isinstance(data["workload"], list)


def test_stage_distribution_overall(stage_world: World) -> None:
    stages = report(stage_world.db)["stages"]
    # S_H (delivered 12-01) is not counted: 8 cars.
    assert stage_counts(stages) == {NEW: 2, EARLY: 1, LATE: 2, OUT: 1, UPGRADE: 2}
    assert [stages[s]["share"] for s in STAGES] == pytest.approx([2 / 8, 1 / 8, 2 / 8, 1 / 8, 2 / 8])


def test_stage_distribution_per_store_and_model(stage_world: World) -> None:
    data = report(stage_world.db)
    by_store, by_model = data["stages_by_store"], data["stages_by_model"]
    assert set(by_store) == {TIANHE, PANYU}
    assert stage_counts(by_store[TIANHE]) == {NEW: 1, EARLY: 1, LATE: 1, OUT: 1, UPGRADE: 1}
    assert [by_store[TIANHE][s]["share"] for s in STAGES] == pytest.approx([0.2] * 5)
    assert stage_counts(by_store[PANYU]) == {NEW: 1, EARLY: 0, LATE: 1, OUT: 0, UPGRADE: 1}
    assert [by_store[PANYU][s]["share"] for s in STAGES] == pytest.approx([1 / 3, 0, 1 / 3, 0, 1 / 3])
    assert set(by_model) == {"CX-5", "阿特兹"}
    assert stage_counts(by_model["CX-5"]) == {NEW: 1, EARLY: 1, LATE: 1, OUT: 1, UPGRADE: 1}
    assert stage_counts(by_model["阿特兹"]) == {NEW: 1, EARLY: 0, LATE: 1, OUT: 0, UPGRADE: 1}


def test_stage_boundary_a_day_earlier(stage_world: World) -> None:
    # On 2026-11-29 every "exactly N months" car is one day short:
    #   S_B 08-31: 2 months (08-31 + 3 = 11-30 > 11-29), 90 d x 40 = 3,600 km -> 新车体验期
    #   S_E 2024-11-30: 23 months -> 保内初期 (729 d x 40 = 29,160 km)
    #   S_F 2023-11-30: 35 months -> 保内后期 (1,095 d x 40 = 43,800 km: 保内后期 too)
    #   S_G 2021-11-30: 59 months -> 保修外期 (73,000 km: 保修外期)
    #   S_D: 45,000 + 290.3 x 28 = 53,129 -> 保内后期; S_I: 100,500 + 283.1 x 9 -> 换车升级期
    #   S_A 新车, S_C 新车 (2 months)
    stages = report(stage_world.db, day="2026-11-29")["stages"]
    assert stage_counts(stages) == {NEW: 3, EARLY: 1, LATE: 2, OUT: 1, UPGRADE: 1}


def test_store_filter_on_stages(stage_world: World) -> None:
    data = report(stage_world.db, "--store", PANYU)
    assert stage_counts(data["stages"]) == {NEW: 1, EARLY: 0, LATE: 1, OUT: 0, UPGRADE: 1}
    assert set(data["stages_by_store"]) == {PANYU}
    assert stage_counts(data["stages_by_model"]["CX-5"]) == {NEW: 0, EARLY: 0, LATE: 1, OUT: 0, UPGRADE: 1}
    assert stage_counts(data["stages_by_model"]["阿特兹"]) == {NEW: 1, EARLY: 0, LATE: 0, OUT: 0, UPGRADE: 0}


@pytest.mark.parametrize("day", ["2026-11-29", REPORT_DAY, "2027-02-28"])
def test_sql_stage_counts_agree_with_the_rules_core(stage_world: World, day: str) -> None:
    data = report(stage_world.db, day=day, month=day[:7])
    records = run_json(stage_world.db, "vehicles", "--date", day)
    assert stage_counts(data["stages"]) == counts_from_vehicles(records)[""]
    assert {k: stage_counts(v) for k, v in data["stages_by_store"].items()} == counts_from_vehicles(records, "store")
    assert {k: stage_counts(v) for k, v in data["stages_by_model"].items()} == counts_from_vehicles(records, "model")


# --------------------------------------------------------------------------- the KPI world
#
# Report date 2026-11-30, month 2026-11. Customer K.. owns car K.. (one each). The visits up to
# 10-21 are imported first; K11's and K35's November visits are imported on 11-15, after the calls
# that preceded them (as a store would: the state the call list indexes is computed from the facts).
#
# Follow-up tasks (delivery_call_24h is due D + 1; delivery_call_7d D + 7):
#   K01 delivered 10-31 (referred_by, but delivered in October): 24h due 11-01:
#       no_answer 11-01, reached 11-02                     -> attempted, success
#   K02 delivered 11-09 (referred_by): 24h due 11-10: no_answer 11-10 only -> attempted, not success
#   K03 delivered 10-20: 24h due 10-21: reached 10-21 (October)           -> not counted
#   K04 delivered 11-28: 24h due 11-29: reached 11-30 (last day of month) -> attempted, success
#   K05 delivered 11-05: 7d due 11-12: wrong_number 11-12                 -> attempted, not success
# Invitations (first_service_invite = first-service due - 7 days):
#   K11 delivered 08-10: first due min(08-10 + 3 months = 11-10, 08-10 + 125 d = 12-13) = 11-10,
#       invite 11-03: reached 11-03; maintenance visit 11-12 (3,800 km)  -> invited, success (9 days)
#   K12 delivered 08-12: due 11-12, invite 11-05: booked 11-05; no visit  -> invited, no success
#   K13 delivered 08-14: due 11-14, invite 11-07: no_answer 11-07        -> not an invitation made
# Periodic maintenance (delivered 2025-05-01, maintenance 2025-08-01 2,000 km and 2026-05-20 8,000 km):
#   daily = 8,000 / 384 d = 20.83 (ref = delivery), day at 13,000 km = 05-20 + 240 d = 2027-01-15,
#   so the next service is due min(2026-11-20, 2027-01-15) = 2026-11-20.
#   K21 then maintenance 2026-10-21 = due - 30 days exactly          -> due in Nov, came (window inclusive)
#   K22 then maintenance 2026-10-20 = due - 31 days                  -> due in Nov, did not come in window
#   K23 no further visit                                             -> due in Nov, did not come
# Churn (lost = due before 11-30 - 90 d = 09-01):
#   K31 番禺 delivered 2026-05-31, no visit: first due min(08-31, 10-03) = 08-31 -> 首保流失, 91 days
#   K32 delivered 2026-06-01, no visit: first due min(09-01, 10-04) = 09-01 = exactly 90 days -> not churn
#   K33 番禺 delivered 2024-01-10; maintenance 2024-04-10 3,600 km and 2025-11-30 15,000 km; repair
#       2026-03-10 17,000 km. ref = 2024-04-10 (within 730 d of 2026-03-10), daily = 13,400 / 699 = 19.17;
#       day at 20,000 km = 03-10 + ceil(3,000 / 19.17) = 157 d = 2026-08-14; due = min(2026-05-30, 08-14)
#       = 2026-05-30; warranty end = min(2027-01-10, far) -> in warranty -> 定保流失, 184 days
#   K34 delivered 2022-06-15; maintenance 2024-09-01 30,000 km and 2025-09-01 40,000 km.
#       ref = 2024-09-01, daily = 10,000 / 365 = 27.4; day at 45,000 = 09-01 + 183 d = 2026-03-03;
#       due = min(2026-03-01, 03-03) = 2026-03-01; warranty end = 2025-06-15 -> 出保修期流失, 274 days
#   K35 delivered 2025-01-20; maintenance 2025-04-20 3,600 km (daily 40): due min(2025-10-20,
#       04-20 + 125 d = 2025-08-23) = 2025-08-23; came back 2026-11-15 (> 08-23 + 90) -> 流失返回 (in Nov)
#   K36 the same, came back 2026-10-15                                -> returned in October: not counted

KPI_CARS: dict[str, tuple[str, str]] = {
    "K01": ("2026-10-31", TIANHE), "K02": ("2026-11-09", TIANHE), "K03": ("2026-10-20", TIANHE),
    "K04": ("2026-11-28", TIANHE), "K05": ("2026-11-05", TIANHE),
    "K11": ("2026-08-10", TIANHE), "K12": ("2026-08-12", TIANHE), "K13": ("2026-08-14", TIANHE),
    "K21": ("2025-05-01", TIANHE), "K22": ("2025-05-01", TIANHE), "K23": ("2025-05-01", TIANHE),
    "K31": ("2026-05-31", PANYU), "K32": ("2026-06-01", TIANHE), "K33": ("2024-01-10", PANYU),
    "K34": ("2022-06-15", TIANHE), "K35": ("2025-01-20", TIANHE), "K36": ("2025-01-20", TIANHE),
}
REFERRED = {"K01": "老客户A", "K02": "K01"}


def kpi_visits(v: dict[str, str]) -> list[dict[str, Any]]:
    """The visits known when the desk starts (up to 2026-10-21)."""
    rows = []
    for key in ("K21", "K22", "K23"):
        rows += [visit(v[key], "2025-08-01", 2000), visit(v[key], "2026-05-20", 8000)]
    rows += [visit(v["K21"], "2026-10-21", 11000), visit(v["K22"], "2026-10-20", 11000)]
    rows += [visit(v["K33"], "2024-04-10", 3600), visit(v["K33"], "2025-11-30", 15000),
             visit(v["K33"], "2026-03-10", 17000, "repair")]
    rows += [visit(v["K34"], "2024-09-01", 30000), visit(v["K34"], "2025-09-01", 40000)]
    for key in ("K35", "K36"):
        rows.append(visit(v[key], "2025-04-20", 3600))
    rows.append(visit(v["K36"], "2026-10-15", 19000))
    return rows


def kpi_later_visits(v: dict[str, str]) -> list[dict[str, Any]]:
    """The visits of mid-November, imported when they happened (after the invitations were made)."""
    return [visit(v["K11"], "2026-11-12", 3800), visit(v["K35"], "2026-11-15", 20000)]


@pytest.fixture(scope="module")
def kpi_world(tmp_path_factory: pytest.TempPathFactory, module_db: DbMaker) -> World:
    folder = tmp_path_factory.mktemp("kpi")
    db = module_db(folder, "kpi.db")
    vins = {key: make_vin(200 + i) for i, key in enumerate(KPI_CARS)}
    customers = [customer(key, i, referred_by=REFERRED.get(key, ""), store=store)
                 for i, (key, (_, store)) in enumerate(KPI_CARS.items())]
    vehicles = [vehicle(vins[key], key, delivered, store=store) for key, (delivered, store) in KPI_CARS.items()]
    import_world(db, folder / "data", customers, vehicles, kpi_visits(vins))

    # The desk works the list day by day (each `due` materialises that day's tasks).
    done(db, task_id(db, "2026-10-21", "K03", "delivery_call_24h"), "reached", "2026-10-21")
    k01 = task_id(db, "2026-11-01", "K01", "delivery_call_24h")
    done(db, k01, "no_answer", "2026-11-01")
    assert task_id(db, "2026-11-02", "K01", "delivery_call_24h") == k01  # back the next day
    done(db, k01, "reached", "2026-11-02")
    done(db, task_id(db, "2026-11-03", "K11", "first_service_invite"), "reached", "2026-11-03")
    k12 = task_id(db, "2026-11-05", "K12", "first_service_invite")
    run_ok(db, "done", k12, "--result", "booked", "--booked-for", "2026-11-12", "--date", "2026-11-05",
           env=morning("2026-11-05"))
    done(db, task_id(db, "2026-11-07", "K13", "first_service_invite"), "no_answer", "2026-11-07")
    done(db, task_id(db, "2026-11-10", "K02", "delivery_call_24h"), "no_answer", "2026-11-10")
    done(db, task_id(db, "2026-11-12", "K05", "delivery_call_7d"), "wrong_number", "2026-11-12")
    later = write_csv(folder / "data" / "visits-2026-11-15.csv", VISIT_COLUMNS, kpi_later_visits(vins))
    run_ok(db, "import", later, env={"LIFECYCLE_NOW": "2026-11-15T04:00:00Z"})
    k04 = task_id(db, "2026-11-29", "K04", "delivery_call_24h")
    done(db, k04, "reached", "2026-11-30")
    return World(db, vins)


def test_follow_up_success_rate(kpi_world: World) -> None:
    kpi = report(kpi_world.db)["kpis"]["follow_up_success_rate"]
    # Attempted in November: K01 (no_answer then reached), K02 (no_answer only), K04 (reached 11-30),
    # K05 (wrong_number) = 4; K03's October call is not counted. Successes: K01, K04 = 2.
    assert (kpi["numerator"], kpi["denominator"]) == (2, 4)
    assert kpi["value"] == pytest.approx(0.5)
    assert kpi["name"] == "跟踪回访成功率"
    assert kpi["target"] == 1.0
    assert kpi["met"] is False


def test_invite_success_rate(kpi_world: World) -> None:
    kpi = report(kpi_world.db)["kpis"]["invite_success_rate"]
    # Invitations made (any attempt) in November (care-desk §9 "KPI keys"): K11 (reached 11-03),
    # K12 (booked 11-05), K13 (no_answer 11-07) = 3. Maintenance visit within 30 days: K11 (11-12) = 1.
    assert (kpi["numerator"], kpi["denominator"]) == (1, 3)
    assert kpi["value"] == pytest.approx(1 / 3)
    assert kpi["met"] is False


def test_phone_valid_rate_counts_the_numbers_an_import_flagged_invalid(tmp_path: Path, new_db: Any) -> None:
    # Four customers with a phone in 天河 (one a 7-digit typo the import keeps and flags), one in 番禺
    # with an invalid number, and one without any phone (not counted).
    db = new_db("phones.db")
    rows = [customer("P1", 1), customer("P2", 2), customer("P3", 3), customer("P4", 4), customer("P5", 5, store=PANYU),
            customer("P6", 6)]
    rows[3]["phone"] = "1380013"
    rows[4]["phone"] = "12345"
    rows[5]["phone"] = ""
    cars = [vehicle(make_vin(900 + i), r["customer_id"], "2026-01-15", store=r["store"]) for i, r in enumerate(rows)]
    import_world(db, tmp_path / "data", rows, cars, [])

    kpi = report(db)["kpis"]["phone_valid_rate"]
    assert (kpi["name"], kpi["numerator"], kpi["denominator"], kpi["target"], kpi["met"]) == (
        "客户号码有效率", 3, 5, 0.99, False)
    assert figures(report(db, "--store", TIANHE), "phone_valid_rate") == (3, 4)
    assert figures(report(db, "--store", PANYU), "phone_valid_rate") == (0, 1)


def test_info_accuracy_rate(kpi_world: World) -> None:
    kpi = report(kpi_world.db)["kpis"]["info_accuracy_rate"]
    # Outcome records in November: K01 x2, K02, K04, K05 (wrong_number), K11, K12, K13 = 8;
    # not wrong_number: 7. (K03's 10-21 record is October.)
    assert (kpi["numerator"], kpi["denominator"]) == (7, 8)
    assert kpi["value"] == pytest.approx(0.875)
    assert kpi["target"] == 0.99
    assert kpi["met"] is False


def test_maintenance_visit_and_first_service_rates(kpi_world: World) -> None:
    data = report(kpi_world.db)
    # Due in November: K11 (11-10, first), K12 (11-12, first), K13 (11-14, first), K21, K22, K23 (11-20).
    # Came from 30 days before the due date up to 11-30: K11 (11-12), K21 (10-21 = due - 30). K22 came
    # 10-20 = due - 31: too early. K35 came in November but answered a 2025 due date: not in the month.
    assert figures(data, "maintenance_visit_rate") == (2, 6)
    assert data["kpis"]["maintenance_visit_rate"]["value"] == pytest.approx(2 / 6)
    assert data["kpis"]["maintenance_visit_rate"]["met"] is None  # no seed target
    # First services only: K11, K12, K13 due; K11 came.
    assert figures(data, "first_service_rate") == (1, 3)


def test_loyal_customer_ratio(kpi_world: World) -> None:
    kpi = report(kpi_world.db)["kpis"]["loyal_customer_ratio"]
    # Visits in the 12 months before 2026-11-30, i.e. dated 2025-12-01 .. 2026-11-30:
    #   K11: 11-12 (1)      K21: 05-20, 10-21 (2)   K22: 05-20, 10-20 (2)   K23: 05-20 (1)
    #   K33: 2026-03-10 (1; its 2025-11-30 visit is exactly 12 months back and falls outside)
    #   K35: 11-15 (1)      K36: 10-15 (1)          K34: none (last 2025-09-01)
    # Customers with >= 1: 7; with >= 2: K21, K22 = 2.
    assert (kpi["numerator"], kpi["denominator"]) == (2, 7)


def test_referral_rate(kpi_world: World) -> None:
    kpi = report(kpi_world.db)["kpis"]["referral_rate"]
    # Delivered in November: K02 (referred), K04, K05 = 3; K01 is referred but delivered 10-31.
    assert (kpi["numerator"], kpi["denominator"]) == (1, 3)
    assert kpi["target"] == 0.06
    assert kpi["met"] is True


def test_churn_rate(kpi_world: World) -> None:
    kpi = report(kpi_world.db)["kpis"]["churn_rate"]
    # Churned on 11-30: K31, K33, K34 = 3 (流失返回 is a win, not churn).
    # Had a maintenance due date by 11-30 (due <= 11-30 or a maintenance visit): K11, K12, K13, K21, K22,
    # K23, K31, K32, K33, K34, K35, K36 = 12. The K01..K05 cars' first services are due in 2027.
    assert (kpi["numerator"], kpi["denominator"]) == (3, 12)
    assert kpi["value"] == pytest.approx(0.25)
    assert kpi["met"] is None  # lower is better, but the default rules set no target


def test_churn_counts_by_category(kpi_world: World) -> None:
    churn = report(kpi_world.db)["churn"]
    # 首保流失 K31 (K32 is exactly 90 days: not yet); 定保流失 K33; 出保修期流失 K34; 流失返回 K35 (K36 in Oct).
    assert churn == {"首保流失": 1, "定保流失": 1, "保修期内流失": 0, "出保修期流失": 1, "流失返回": 1}


def test_exactly_90_days_becomes_churn_the_next_day(kpi_world: World) -> None:
    # On 2026-12-01 K32's first service (09-01) is 91 days past: now 首保流失 as well.
    churn = report(kpi_world.db, day="2026-12-01", month="2026-12")["churn"]
    assert churn["首保流失"] == 2
    rows = run_json(kpi_world.db, "churn", "--category", "首保流失", "--date", "2026-12-01")
    assert {r["customer_id"]: r["days_lost"] for r in rows} == {"K31": 92, "K32": 91}


def test_churn_list_json(kpi_world: World) -> None:
    rows = run_json(kpi_world.db, "churn", "--date", REPORT_DAY, "--unmask")  # full phones: --unmask
    v = kpi_world.vins
    got = {(r["category"], r["vin"], r["customer_id"], r["phone"], r["last_visit"], r["days_lost"]) for r in rows}
    # phone = 139000000 + the customer's index in KPI_CARS (K31 is 11th -> 11, K33 13, K34 14, K35 15).
    assert got == {
        ("首保流失", v["K31"], "K31", "13900000011", None, 91),  # 08-31 -> 11-30
        ("定保流失", v["K33"], "K33", "13900000013", "2026-03-10", 184),  # 05-30 -> 11-30; last visit the repair
        ("出保修期流失", v["K34"], "K34", "13900000014", "2025-09-01", 274),  # 03-01 -> 11-30
        ("流失返回", v["K35"], "K35", "13900000015", "2026-11-15", 0),
    }
    for r in rows:
        assert {"category", "vin", "customer_id", "phone", "last_visit", "days_lost"} <= set(r)


def test_churn_list_one_category_csv(kpi_world: World) -> None:
    result = run_ok(kpi_world.db, "churn", "--category", "首保流失", "--format", "csv", "--date", REPORT_DAY)
    rows = read_bom_csv(result.stdout)
    header = rows[0]
    assert header[:5] == ["流失类型", "客户编号", "客户姓名", "电话", "车架号"]
    assert "流失天数" in header and "最近进厂" in header
    assert len(rows) == 2  # the header and K31 only
    record = dict(zip(header, rows[1], strict=True))
    assert record["流失类型"] == "首保流失"
    assert record["客户编号"] == "K31"
    assert record["车架号"] == kpi_world.vins["K31"]
    assert record["电话"] == "139****0011"  # masked unless --unmask (个人信息保护法)
    assert record["流失天数"] == "91"
    assert record["最近进厂"] == ""


def test_churn_unknown_category_is_a_usage_error(kpi_world: World) -> None:
    assert refusal(kpi_world.db, "churn", "--category", "其他流失", "--date", REPORT_DAY) == (
        '--category: 不认识 "其他流失"，可用：首保流失 / 定保流失 / 保修期内流失 / 出保修期流失 / 流失返回')


def test_churn_store_filter(kpi_world: World) -> None:
    rows = run_json(kpi_world.db, "churn", "--store", PANYU, "--date", REPORT_DAY)
    assert {(r["category"], r["customer_id"]) for r in rows} == {("首保流失", "K31"), ("定保流失", "K33")}


def test_report_store_filter(kpi_world: World) -> None:
    data = report(kpi_world.db, "--store", PANYU)
    # 番禺 holds K31 and K33 only.
    assert data["churn"] == {"首保流失": 1, "定保流失": 1, "保修期内流失": 0, "出保修期流失": 0, "流失返回": 0}
    # K31: 5 months, 183 d x 40 = 7,320 km -> 保内初期. K33: 34 months -> 保内后期 (km ~22,000: 保内初期).
    assert stage_counts(data["stages"]) == {NEW: 0, EARLY: 1, LATE: 1, OUT: 0, UPGRADE: 0}
    assert set(data["stages_by_store"]) == {PANYU}
    # No tasks or outcomes there: the call KPIs have no denominator.
    for code in ("follow_up_success_rate", "invite_success_rate", "info_accuracy_rate"):
        assert data["kpis"][code]["value"] is None and data["kpis"][code]["met"] is None
    assert figures(data, "maintenance_visit_rate") == (0, 0)
    assert figures(data, "loyal_customer_ratio") == (0, 1)  # K33: one visit in the 12 months
    # The data has referrals (in 天河), but no deliveries in 番禺 this month.
    assert data["kpis"]["referral_rate"]["value"] is None
    assert figures(data, "churn_rate") == (2, 2)
    assert data["kpis"]["churn_rate"]["value"] == 1.0


def test_stage_counts_agree_with_the_rules_core_on_the_kpi_world(kpi_world: World) -> None:
    data = report(kpi_world.db)
    records = run_json(kpi_world.db, "vehicles", "--date", REPORT_DAY)
    assert len(records) == len(KPI_CARS)
    assert stage_counts(data["stages"]) == counts_from_vehicles(records)[""]
    assert {k: stage_counts(v) for k, v in data["stages_by_store"].items()} == counts_from_vehicles(records, "store")


def test_report_is_repeatable(kpi_world: World) -> None:
    # The report materialises the window's tasks and the day's first one stores today's levelled list (清单完成率
    # counts it from the next report on, as after a `due`); running it again after that changes nothing.
    report(kpi_world.db)
    first = report(kpi_world.db)
    assert report(kpi_world.db) == first


@pytest.mark.parametrize("args", [(), ("--store", TIANHE), ("--months", "2")])
def test_the_figures_of_a_big_database_in_a_process_of_their_own_are_the_same(
        kpi_world: World, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    # Below FIGURES_PROCESS_FROM cars the figures run in a thread beside the forecast, from it in a spawned
    # process (its own engine on the database's URL): the same report either way.
    report(kpi_world.db, *args)  # the day's first report stores today's levelling (清单完成率 reads it)
    in_thread = report(kpi_world.db, *args)
    started: list[int] = []

    class Counted(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *a: Any, **kw: Any) -> None:
            started.append(1)
            super().__init__(*a, **kw)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counted)
    assert report(kpi_world.db, *args) == in_thread and not started
    monkeypatch.setattr(service_report, "FIGURES_PROCESS_FROM", len(KPI_CARS))
    assert report(kpi_world.db, *args) == in_thread and started == [1]


def test_report_csv_is_the_kpi_table_with_bom(kpi_world: World) -> None:
    result = run_ok(kpi_world.db, "report", "--date", REPORT_DAY, "--month", MONTH, "--format", "csv")
    rows = read_bom_csv(result.stdout)
    assert rows[0] == ["code", "name", "value", "numerator", "denominator", "target", "met"]
    by_code = {r[0]: r for r in rows[1:]}
    assert list(by_code) == list(KPI_CODES)
    assert by_code["follow_up_success_rate"] == ["follow_up_success_rate", "跟踪回访成功率", "0.5", "2", "4", "1", "否"]
    assert by_code["referral_rate"][3:5] == ["1", "3"]
    assert by_code["referral_rate"][6] == "是"
    assert by_code["info_accuracy_rate"][2:6] == ["0.875", "7", "8", "0.99"]
    assert by_code["churn_rate"][5:] == ["", ""]  # no target, no verdict


def test_report_table_renders(kpi_world: World) -> None:
    result = run_ok(kpi_world.db, "report", "--date", REPORT_DAY, "--month", MONTH)
    out = result.stdout
    for label in ("生命周期阶段分布", "跟踪回访成功率", "50.0%", "87.5%", "首保流失"):
        assert label in out


def test_a_month_without_outcomes_has_null_call_kpis(kpi_world: World) -> None:
    # September 2026: no outcome was recorded, no car was delivered.
    data = report(kpi_world.db, month="2026-09")
    for code in ("follow_up_success_rate", "invite_success_rate", "info_accuracy_rate", "referral_rate"):
        kpi = data["kpis"][code]
        assert (kpi["value"], kpi["met"], kpi["numerator"], kpi["denominator"]) == (None, None, 0, 0), code


@pytest.mark.parametrize("bad", ["2026-13", "2026/11", "11-2026"])
def test_bad_month_is_a_usage_error(kpi_world: World, bad: str) -> None:
    assert refusal(kpi_world.db, "report", "--date", REPORT_DAY, "--month", bad, "--format", "json") == (
        f'--month: 无法识别的月份 "{bad}"（格式：YYYY-MM）')


def test_bad_date_and_format_are_usage_errors(kpi_world: World) -> None:
    assert refusal(kpi_world.db, "report", "--date", "2026-11-31") == (
        '--date: 无法识别的日期 "2026-11-31"（格式：YYYY-MM-DD）')
    assert refusal(kpi_world.db, "report", "--date", REPORT_DAY, "--format", "xml") == (
        '--format: 不认识 "xml"，可用：table / csv / json / html / xlsx')


def test_mid_month_report(kpi_world: World) -> None:
    # On 2026-11-15 the month's figures run from 11-01 to the report date:
    data = report(kpi_world.db, day="2026-11-15")
    # Follow-ups attempted by 11-15: K01 (success), K02, K05 = 3; K04's call (11-30) is later.
    assert figures(data, "follow_up_success_rate") == (1, 3)
    # Records by 11-15: K01 x2, K02, K05 (wrong_number), K11, K12, K13 = 7.
    assert figures(data, "info_accuracy_rate") == (6, 7)
    # K11 reached 11-03 and came 11-12 (by 11-15); K12 booked, no visit; K13 no_answer (made), no visit.
    assert figures(data, "invite_success_rate") == (1, 3)
    # Interpretation pinned: "due in the month" is the whole month, so K21/K22/K23 (due 11-20, still
    # ahead on 11-15) are in the denominator of a mid-month report; came: K11, K21.
    assert figures(data, "maintenance_visit_rate") == (2, 6)
    assert figures(data, "first_service_rate") == (1, 3)
    # Delivered 11-01 .. 11-15: K02 (referred), K05 = 2.
    assert figures(data, "referral_rate") == (1, 2)
    # Visits dated 2025-11-16 .. 2026-11-15: K33 now has two (2025-11-30, 2026-03-10) -> loyal too;
    # K35's comeback (11-15, the report date) counts. >= 2: K21, K22, K33; >= 1: + K11, K23, K35, K36 = 7.
    assert figures(data, "loyal_customer_ratio") == (3, 7)


@pytest.fixture
def late_facts_db(tmp_path: Path, new_db: Callable[[str], Path]) -> World:
    db = new_db("late.db")
    """Facts dated after a report date, as when last month's report is run after today's import.

    R1 delivered 2025-01-20, maintenance 2025-04-20 3,600 km (40 km/day): next due min(2025-10-20,
       04-20 + 125 d = 2025-08-23) = 2025-08-23; it came back 2026-11-15 (repair-free maintenance).
       On 2026-11-10 it was still lost: 保修期内流失 (warranty to 2028-01-20, no visit since).
    R2 delivered 2026-06-01, repair visit 2026-12-20 at 45,000 km. On 2026-11-30, with the facts of that
       day, it has the default 40 km/day: 182 d x 40 = 7,280 km, 5 months -> 保内初期.
    """
    vins = {"R1": make_vin(500), "R2": make_vin(501)}
    import_world(db, tmp_path / "data", [customer("R1", 1), customer("R2", 2)],
                 [vehicle(vins["R1"], "R1", "2025-01-20"), vehicle(vins["R2"], "R2", "2026-06-01")],
                 [visit(vins["R1"], "2025-04-20", 3600), visit(vins["R1"], "2026-11-15", 20000),
                  visit(vins["R2"], "2026-12-20", 45000, "repair")])
    return World(db, vins)


def test_churn_on_a_past_date_ignores_later_visits(late_facts_db: World) -> None:
    churn = report(late_facts_db.db, day="2026-11-10")["churn"]
    # R1: due 2025-08-23, no visit of any kind since its maintenance until it came back on 11-15 (after
    # the report date): 保修期内流失, not 定保流失 (care-desk §9).
    assert (churn["定保流失"], churn["保修期内流失"]) == (0, 1)


def test_stage_on_a_past_date_agrees_with_vehicles(late_facts_db: World) -> None:
    records = run_json(late_facts_db.db, "vehicles", "--date", REPORT_DAY)
    assert {r["customer_id"]: r["stage"] for r in records}["R2"] == EARLY  # the rules core: 7,280 km
    # The stored state projects 45,000 km / 202 d = 222.8 km/day: 40,000 km on 06-01 + 180 d = 11-28,
    # so the SQL puts R2 in 保内后期 on 11-30.
    assert stage_counts(report(late_facts_db.db)["stages"]) == counts_from_vehicles(records)[""]


def test_a_past_date_report_leaves_the_call_list_alone(tmp_path: Path, new_db: Callable[[str], Path]) -> None:
    db = new_db("past.db")
    vin = make_vin(600)
    import_world(db, tmp_path / "data", [customer("P1", 1)], [vehicle(vin, "P1", "2025-06-10")],
                 [visit(vin, "2026-11-15", 20000, "repair")])
    # The repair visit of 11-15 gives a post_service_followup due 11-18, listed until 11-25 (7 days).
    task = task_id(db, "2026-11-20", "P1", "post_service_followup")
    # Looking back at an earlier day (on the desk's 11-20) must not change the desk's list.
    report(db, day="2026-11-10", env=morning("2026-11-20"))
    assert task_id(db, "2026-11-21", "P1", "post_service_followup") == task


# --------------------------------------------------------------------------- month boundaries
#
# Report date 2026-12-05. The desk went live on 10-01 and works each day's list on that day. Each
# car's delivery_call_24h (due D + 1, listed until due + 3) gets outcomes on chosen days:
#   B1 delivered 10-29 (due 10-30): reached 10-31                 (October)
#   B2 delivered 10-30 (due 10-31): reached 11-01                 (first day of November)
#   B3 delivered 11-28 (due 11-29): reached 11-30                 (last day of November)
#   B4 delivered 11-29 (due 11-30): reached 12-01                 (first day of December)
#   B5 delivered 11-26 (due 11-27): wrong_number 11-30            (November; its window's last day)
#   B6 delivered 11-27 (due 11-28): no_answer 11-30, reached 12-01
# First services (no visits): X1 delivered 2026-08-31 -> due min(11-30, 08-31 + 125 d) = 11-30;
#                             X2 delivered 2026-09-01 -> due 12-01.
# Invitations reached on 10-31 (the visits are imported on 12-02, after the calls):
#   Y1 delivered 07-25: first due min(10-25, 07-25 + 125 d = 11-27) = 10-25, invite listed 10-18 .. 11-01
#      (due - 7 .. due + 7). Reached 10-31; maintenance visit 11-30 = 30 days later -> success.
#   Y2 delivered 07-26: due 10-26, invite 10-19 .. 11-02. Reached 10-31; maintenance visit 12-01 = 31 days -> no.

BOUNDARY_CARS = {"B1": "2026-10-29", "B2": "2026-10-30", "B3": "2026-11-28", "B4": "2026-11-29",
                 "B5": "2026-11-26", "B6": "2026-11-27", "X1": "2026-08-31", "X2": "2026-09-01",
                 "Y1": "2026-07-25", "Y2": "2026-07-26"}


@pytest.fixture(scope="module")
def boundary_world(tmp_path_factory: pytest.TempPathFactory, module_db: DbMaker) -> World:
    folder = tmp_path_factory.mktemp("boundary")
    db = module_db(folder, "boundary.db")
    vins = {key: make_vin(300 + i) for i, key in enumerate(BOUNDARY_CARS)}
    import_world(db, folder / "data", [customer(key, i) for i, key in enumerate(BOUNDARY_CARS)],
                 [vehicle(vins[key], key, day) for key, day in BOUNDARY_CARS.items()], [])
    run_ok(db, "due", "--date", "2026-10-01", env=morning("2026-10-01"))  # go-live: the first list printed
    code = "delivery_call_24h"
    b1, b2 = task_id(db, "2026-10-31", "B1", code), task_id(db, "2026-10-31", "B2", code)
    done(db, b1, "reached", "2026-10-31")
    done(db, b2, "reached", "2026-11-01")
    for key in ("Y1", "Y2"):
        done(db, task_id(db, "2026-10-31", key, "first_service_invite"), "reached", "2026-10-31")
    ids = {key: task_id(db, "2026-11-30", key, code) for key in ("B3", "B4", "B5", "B6")}
    done(db, ids["B3"], "reached", "2026-11-30")
    done(db, ids["B5"], "wrong_number", "2026-11-30")
    done(db, ids["B6"], "no_answer", "2026-11-30")
    done(db, ids["B4"], "reached", "2026-12-01")
    done(db, ids["B6"], "reached", "2026-12-01")
    later = write_csv(folder / "data" / "visits-2026-12-02.csv", VISIT_COLUMNS,
                      [visit(vins["Y1"], "2026-11-30", 4500), visit(vins["Y2"], "2026-12-01", 4500)])
    run_ok(db, "import", later, env={"LIFECYCLE_NOW": "2026-12-02T04:00:00Z"})
    return World(db, vins)


def test_november_counts_its_first_and_last_day_only(boundary_world: World) -> None:
    data = report(boundary_world.db, day="2026-12-05", month="2026-11")
    # Tasks with a November outcome: B2 (11-01 reached), B3 (11-30 reached), B5 (wrong_number), B6 (no_answer
    # on 11-30; its reach on 12-01 belongs to December) = 4; successes B2, B3 = 2.
    assert figures(data, "follow_up_success_rate") == (2, 4)
    # November records: B2, B3, B5, B6 = 4, one wrong_number.
    assert figures(data, "info_accuracy_rate") == (3, 4)
    # Due in November: X1 (11-30); X2 (12-01) is December's. Neither came. (Y1/Y2 were due in October.)
    assert figures(data, "maintenance_visit_rate") == (0, 1)
    assert figures(data, "first_service_rate") == (0, 1)
    # Deliveries in November: B3, B4, B5, B6 = 4, but nobody in the data was referred: null.
    assert data["kpis"]["referral_rate"]["value"] is None
    assert data["kpis"]["referral_rate"]["met"] is None


def test_december_counts_its_first_day(boundary_world: World) -> None:
    data = report(boundary_world.db, day="2026-12-05", month="2026-12")
    # December records: B4 reached, B6 reached (both 12-01): 2 tasks, 2 successes.
    assert figures(data, "follow_up_success_rate") == (2, 2)
    assert data["kpis"]["follow_up_success_rate"]["met"] is True
    assert figures(data, "info_accuracy_rate") == (2, 2)
    assert figures(data, "maintenance_visit_rate") == (0, 1)  # X2, due 12-01


def test_october_counts_its_last_day(boundary_world: World) -> None:
    data = report(boundary_world.db, day="2026-12-05", month="2026-10")
    assert figures(data, "follow_up_success_rate") == (1, 1)  # B1 reached 10-31
    # October records: B1, Y1, Y2 (all 10-31).
    assert figures(data, "info_accuracy_rate") == (3, 3)


def test_invitation_success_needs_a_visit_within_30_days(boundary_world: World) -> None:
    data = report(boundary_world.db, day="2026-12-05", month="2026-10")
    # Y1 reached 10-31, visit 11-30 (30 days: in); Y2 reached 10-31, visit 12-01 (31 days: out).
    assert figures(data, "invite_success_rate") == (1, 2)
    # Both were due in October (10-25, 10-26) and came after the month but by the report date (12-05):
    # 定保入库率 counts a visit from 30 days before the due date up to the report date.
    assert figures(data, "maintenance_visit_rate") == (2, 2)
    assert figures(data, "first_service_rate") == (2, 2)


def test_month_defaults_to_the_report_dates_month(boundary_world: World) -> None:
    data = run_json(boundary_world.db, "report", "--date", "2026-12-05")
    assert data["month"] == "2026-12"
    assert figures(data, "follow_up_success_rate") == (2, 2)


# --------------------------------------------------------------------------- workload
#
# Report date 2026-11-30: the window is 11-30 .. 12-13 (14 days). The report materialises the tasks
# (its sync is the store's go-live: 11-30).
#   WA delivered 11-29, sales 李娜: 24h due 11-30 (销售经理, the role: no named sales manager);
#      7d due 12-06 (李娜)
#   WB delivered 11-20, sales 陈晨: 24h due 11-21, listed until 11-24 (3 days): lapsed, not counted;
#      7d due 11-27, listed until 12-04 -> overdue (陈晨)
#   WC delivered 2025-06-10, repair visit 11-28: post_service_followup due 12-01 (客服专员)
#   WD delivered 11-28, sales 周婷: 24h due 11-29, listed until 12-02 -> overdue (销售经理); 7d due 12-05 (周婷)
#   WE delivered 10-29, advisor 孙丽: visit_45d due 12-13 (the 14th day: in)
#   WF delivered 10-30, advisor 孙丽: visit_45d due 12-14 (the 15th day: out)
#   (Their 24h/7d calls lapsed before 11-30; first-service invites are due in 2027.)

WORKLOAD_CARS = {
    "WA": ("2026-11-29", "李娜", "王强"),
    "WB": ("2026-11-20", "陈晨", "王强"),
    "WC": ("2025-06-10", "李娜", "赵磊"),
    "WD": ("2026-11-28", "周婷", "王强"),
    "WE": ("2026-10-29", "周婷", "孙丽"),
    "WF": ("2026-10-30", "周婷", "孙丽"),
}


@pytest.fixture(scope="module")
def workload_world(tmp_path_factory: pytest.TempPathFactory, module_db: DbMaker) -> World:
    folder = tmp_path_factory.mktemp("workload")
    db = module_db(folder, "workload.db")
    vins = {key: make_vin(400 + i) for i, key in enumerate(WORKLOAD_CARS)}
    import_world(db, folder / "data", [customer(key, i) for i, key in enumerate(WORKLOAD_CARS)],
                 [vehicle(vins[key], key, day, sales=sales, advisor=advisor)
                  for key, (day, sales, advisor) in WORKLOAD_CARS.items()],
                 [visit(vins["WC"], "2026-11-28", 20000, "repair")])
    return World(db, vins)


def test_workload_per_owner_per_day_and_overdue(workload_world: World) -> None:
    load = report(workload_world.db)["workload"]
    by_owner = {w["owner"]: w for w in load}
    assert set(by_owner) == {"销售经理", "李娜", "陈晨", "客服专员", "孙丽", "周婷"}
    assert by_owner["销售经理"] == {"owner": "销售经理", "overdue": 1, "total": 1, "by_day": {"2026-11-30": 1}}
    assert by_owner["李娜"] == {"owner": "李娜", "overdue": 0, "total": 1, "by_day": {"2026-12-06": 1}}
    assert by_owner["陈晨"] == {"owner": "陈晨", "overdue": 1, "total": 0, "by_day": {}}
    assert by_owner["客服专员"] == {"owner": "客服专员", "overdue": 0, "total": 1, "by_day": {"2026-12-01": 1}}
    assert by_owner["孙丽"] == {"owner": "孙丽", "overdue": 0, "total": 1, "by_day": {"2026-12-13": 1}}
    assert by_owner["周婷"] == {"owner": "周婷", "overdue": 0, "total": 1, "by_day": {"2026-12-05": 1}}
    # The busiest owner first (1 open + 1 overdue).
    assert load[0]["owner"] == "销售经理"


def test_a_month_with_no_outcomes_and_no_referrals_is_null(workload_world: World) -> None:
    data = report(workload_world.db)
    for code in ("follow_up_success_rate", "invite_success_rate", "info_accuracy_rate"):
        kpi = data["kpis"][code]
        assert (kpi["numerator"], kpi["denominator"], kpi["value"], kpi["met"]) == (0, 0, None, None), code
    # Three cars delivered in November (WA, WB, WD) but no customer has referred_by: null, not 0%.
    referral = data["kpis"]["referral_rate"]
    assert (referral["value"], referral["met"], referral["target"]) == (None, None, 0.06)
