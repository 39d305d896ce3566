"""A newer export where a car was sold to another customer: the car moves, its history stays."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import Files, customer, due_tasks, make_vin, run_json, run_ok, vehicle, visit

DAY = "2026-11-23"


def test_a_car_sold_to_a_new_owner_moves_with_its_history_and_its_open_tasks(db: Path, files: Files) -> None:
    vin = make_vin(501)
    owners = [customer("C1", "张三", 1), customer("C2", "李四", 2)]
    visits = [visit("RO-501-1", vin, "2026-11-18", 12000, "repair")]  # follow-up due 11-21, open on 11-23
    run_ok(db, "import", files.customers(owners), files.vehicles([vehicle(vin, "C1", "2024-05-10")]),
           files.visits(visits))
    before = [(t["customer_id"], t["code"]) for t in due_tasks(db, "--date", DAY) if t["vin"] == vin]
    assert ("C1", "post_service_followup") in before

    # The next export says C2 owns the car now.
    run_ok(db, "import", files.vehicles([vehicle(vin, "C2", "2024-05-10")], name="vehicles_new.csv"))

    after = [(t["customer_id"], t["code"]) for t in due_tasks(db, "--date", DAY) if t["vin"] == vin]
    assert ("C2", "post_service_followup") in after
    assert all(owner == "C2" for owner, _ in after)
    shown = run_json(db, "show", vin, "--format", "json")
    assert shown["customer_id"] == "C2"
    assert [v["ro_number"] for v in shown["vehicles"][0]["visits"]] == ["RO-501-1"]
