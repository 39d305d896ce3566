"""The churn categories of care-desk §9 in `churn`, `churn --category` and `report`: 首保流失 (first service
never came), 定保流失 (missed maintenance in warranty, still visiting for other work: a visit after the
last maintenance), 保修期内流失 (in warranty, no visit of any kind since), 出保修期流失 (out of warranty).
The clock is 2026-11-23; every car is lost (its maintenance due date more than 90 days ago).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Files, customer, make_vin, run_json, run_ok, vehicle, visit

CARS = {  # customer: (delivered, [(date, km, kind)], category)
    "F1": ("2025-01-01", [], "首保流失"),
    "P1": ("2024-01-01", [("2025-01-01", 10000, "maintenance"), ("2025-05-01", 13000, "repair")], "定保流失"),
    "P2": ("2024-01-01", [("2025-01-01", 10000, "maintenance"), ("2025-01-02", 10040, "repair")], "定保流失"),
    "W1": ("2024-01-01", [("2025-01-01", 10000, "maintenance")], "保修期内流失"),
    "W2": ("2024-01-01", [("2025-01-01", 10000, "maintenance"), ("2025-01-01", 10000, "repair")], "保修期内流失"),
    "O1": ("2021-01-01", [("2024-03-01", 30000, "maintenance"), ("2024-06-01", 33000, "repair")], "出保修期流失"),
}


@pytest.fixture
def churn_world(db: Path, files: Files) -> Path:
    vins = {cid: make_vin(700 + i) for i, cid in enumerate(CARS)}
    visits = [visit(f"RO-{cid}-{n}", vins[cid], day, km, kind)
              for cid, (_, history, _) in CARS.items() for n, (day, km, kind) in enumerate(history)]
    run_ok(db, "import", files.customers([customer(cid, f"客户{cid}", i) for i, cid in enumerate(CARS)]),
           files.vehicles([vehicle(vins[cid], cid, delivered) for cid, (delivered, _, _) in CARS.items()]),
           files.visits(visits))
    return db


def test_each_car_is_in_its_category(churn_world: Path) -> None:
    rows = run_json(churn_world, "churn")
    assert {r["customer_id"]: r["category"] for r in rows} == {cid: c for cid, (_, _, c) in CARS.items()}


@pytest.mark.parametrize(("category", "code", "customers"), [
    ("首保流失", "first_service", {"F1"}),
    ("定保流失", "periodic_in_warranty", {"P1", "P2"}),  # a repair the day after the maintenance: still visiting
    ("保修期内流失", "in_warranty_no_visit", {"W1", "W2"}),  # a repair on the maintenance's own day: no later visit
    ("出保修期流失", "out_of_warranty", {"O1"}),
])
def test_churn_category_filter_and_report_counts(churn_world: Path, category: str, code: str,
                                                 customers: set[str]) -> None:
    for word in (category, code):
        assert {r["customer_id"] for r in run_json(churn_world, "churn", "--category", word)} == customers
    report = run_json(churn_world, "report")
    assert report["churn"][category] == len(customers)
    assert list(report["churn"]) == ["首保流失", "定保流失", "保修期内流失", "出保修期流失", "流失返回"]
    rate = report["kpis"]["churn_rate"]
    assert (rate["numerator"], rate["denominator"]) == (6, 6)  # 保修期内流失 counts as churn
    assert f"{category}\t{len(customers)}" in run_ok(churn_world, "report").stdout
