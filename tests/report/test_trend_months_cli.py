"""`report --months N`: each month of the trend is that month's report seen on its last day, on random
stores with what moves the figures between month ends — visits, readings and new cars after a month,
expiries changed on several days, cars sold, two stores — through the CLI on real databases.

The months that are over are counted together (store/month_ends.py, store/trend_pass.py); `report --date D
--month M` counts one month by itself (store/report.vehicles_as_of, store/car_pass.py). They must agree
key for key, with and without --store, and where some months of the trend are not over by the date."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from page_helpers import run

from lifecycle_cli.ingest.values import vin_check_digit

STORES = ("广州天河店", "佛山南海店")
KINDS = ("maintenance", "maintenance", "maintenance", "first_service", "repair", "warranty", "accident", "other")
VEHICLE_COLUMNS = ("vin", "customer_id", "model", "delivery_date", "mileage_km", "mileage_date", "store",
                   "commercial_insurance_expiry", "compulsory_insurance_expiry")
# Three imports: the history, a spring update, the morning of 2026-11-23 (each with its own clock, so the
# expiry changes they record fall on three days).
STEPS = (date(2025, 10, 20), date(2026, 3, 10), date(2026, 11, 23))

DbMaker = Any


def vin(serial: int) -> str:
    draft = f"LVRHDA3K0TN{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    lines = [",".join(columns)] + [",".join("" if r.get(c) is None else str(r[c]) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def random_history(seed: int, cars: int = 160) -> list[dict[str, Any]]:
    """Cars with their visits, readings and expiries, dated from 2019 to the morning."""
    rng = random.Random(seed)
    out = []
    for n in range(cars):
        delivered = STEPS[-1] - timedelta(days=rng.choice((rng.randint(0, 420), rng.randint(0, 7 * 365))))
        daily = rng.randint(10, 150)
        visits, day, km = [], delivered, 0
        for i in range(rng.choice((0, 1, 2, 3, 4, 6))):
            day = day + timedelta(days=rng.randint(20, 260))
            if day > STEPS[-1]:
                break
            km = max(km + 1, (day - delivered).days * daily + rng.randint(-400, 400))
            visits.append({"ro_number": f"RO{seed}{n:04d}{i}", "vin": vin(n), "visit_date": day.isoformat(),
                           "mileage_km": km, "kind": rng.choice(KINDS), "amount": "300.00", "advisor": "王强"})
        expiry = STEPS[-1] + timedelta(days=rng.randint(-400, 300))
        out.append({"n": n, "vin": vin(n), "customer_id": f"C{seed}-{n // 2:03d}", "delivered": delivered,
                    "daily": daily, "visits": visits, "store": STORES[n % 3 == 0],
                    "expiries": [expiry + timedelta(days=rng.choice((0, 0, 365, -30, 60))) for _ in STEPS],
                    # an odometer reading in the files of each step, or none (readings move the due dates by km)
                    "readings": [rng.choice((None, on - timedelta(days=rng.randint(0, 120)))) for on in STEPS],
                    "sold": rng.random() < 0.08})
    return out


def import_step(db: Path | str, folder: Path, cars: list[dict[str, Any]], step: int) -> None:
    """The files as the DMS exported them on STEPS[step]: the cars delivered and the visits made by then."""
    on = STEPS[step]
    env = {"LIFECYCLE_NOW": f"{on.isoformat()}T01:00:00Z"}
    known = [c for c in cars if c["delivered"] <= on]
    customers = [{"customer_id": cid, "name": f"客户{cid}", "phone": f"138{abs(hash(cid)) % 10**8:08d}",
                  "store": store} for cid, store in sorted({(c["customer_id"], c["store"]) for c in known})]
    vehicles = []
    for c in known:
        reading = c["readings"][step] if c["readings"][step] and c["readings"][step] >= c["delivered"] else None
        vehicles.append({"vin": c["vin"], "customer_id": c["customer_id"], "model": "CX-5",
                         "delivery_date": c["delivered"].isoformat(),
                         "mileage_km": (reading - c["delivered"]).days * c["daily"] if reading else None,
                         "mileage_date": reading.isoformat() if reading else None, "store": c["store"],
                         "commercial_insurance_expiry": c["expiries"][step].isoformat(),
                         "compulsory_insurance_expiry": (c["expiries"][step] + timedelta(days=30)).isoformat()})
    visits = [v for c in known for v in c["visits"] if v["visit_date"] <= on.isoformat()]
    (folder / "customers.csv").write_text(csv_text(("customer_id", "name", "phone", "store"), customers), "utf-8")
    (folder / "vehicles.csv").write_text(csv_text(VEHICLE_COLUMNS, vehicles), "utf-8")
    columns = ("ro_number", "vin", "visit_date", "mileage_km", "kind", "amount", "advisor")
    (folder / "visits.csv").write_text(csv_text(columns, visits), "utf-8")
    result = run(db, "import", folder / "customers.csv", folder / "vehicles.csv", folder / "visits.csv", env=env)
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.fixture(scope="module", params=(11, pytest.param(29, marks=pytest.mark.slow)), ids=lambda s: f"seed{s}")
def history_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               module_db: DbMaker) -> Path | str:
    folder = tmp_path_factory.mktemp(f"trend{request.param}")
    db = module_db(folder, "trend.db")
    cars = random_history(request.param)
    for step in range(len(STEPS)):
        import_step(db, folder, cars, step)
    for c in cars:
        if c["sold"] and c["delivered"] <= STEPS[-1]:
            assert run(db, "vehicle", "set", c["vin"], "--status", "sold").exit_code == 0
    return db


def report(db: Path | str, *args: str, env: dict[str, str | None] | None = None) -> dict[str, Any]:
    result = run(db, "report", "--format", "json", *args, env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("store", [None, STORES[1]], ids=["group", "one-store"])
def test_each_month_of_the_trend_is_that_months_report_on_its_last_day(history_db: Path | str,
                                                                       store: str | None) -> None:
    where = ["--store", store] if store else []
    trend = report(history_db, "--date", "2026-11-23", "--months", "12", *where)["trend"]
    assert [t["month"] for t in trend][:2] == ["2025-12", "2026-01"] and len(trend) == 12
    moved = set()
    for month in trend[:-1] if store is None else trend[:-1:3]:  # one store: the filter, on four months
        alone = report(history_db, "--date", month["date"], "--month", month["month"], *where)
        assert month["kpis"] == alone["kpis"], month["month"]
        moved |= {(code, k["denominator"]) for code, k in month["kpis"].items()}
    # the store's history moves the figures the month ends read: the cars' counts differ from month to month
    for code in ("maintenance_visit_rate", "churn_rate", "loyal_customer_ratio", "insurance_renewal_rate"):
        assert len({d for c, d in moved if c == code}) > 1, code


def test_months_not_over_by_the_date_are_seen_on_the_date(history_db: Path | str) -> None:
    data = report(history_db, "--date", "2026-09-15", "--month", "2026-11", "--months", "5")
    assert [(t["month"], t["date"]) for t in data["trend"]] == [
        ("2026-07", "2026-07-31"), ("2026-08", "2026-08-31"), ("2026-09", "2026-09-15"), ("2026-10", "2026-09-15"),
        ("2026-11", "2026-09-15")]
    for month in data["trend"][:-1]:
        alone = report(history_db, "--date", month["date"], "--month", month["month"])
        assert month["kpis"] == alone["kpis"], month["month"]


def test_the_month_ends_computed_in_worker_processes_are_the_same(history_db: Path | str) -> None:
    """A big store computes the cars' past states in worker processes (the sync's setting forces them here)."""
    here = report(history_db, "--months", "6", env={"LIFECYCLE_SYNC_WORKERS": "0"})
    workers = report(history_db, "--months", "6", env={"LIFECYCLE_SYNC_WORKERS": "2"})
    # the months over (the KPI month's own figures may differ: the first report of a morning stores its levelling)
    assert workers["trend"][:-1] == here["trend"][:-1]
    assert [m["kpis"]["churn_rate"]["denominator"] for m in here["trend"][:-1]] != [0] * 5


def test_three_years_of_trend_hold_the_last_year(history_db: Path | str) -> None:
    """36 months (the most): the packed keys of the pass stay within 64 bits; the last year is the same."""
    year = report(history_db, "--months", "12")["trend"]
    three = report(history_db, "--months", "36")["trend"]
    assert len(three) == 36 and three[0]["month"] == "2023-12"
    assert three[-12:-1] == year[:-1]
