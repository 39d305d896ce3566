"""The stored projection state agrees with the rules core on random stores (issue 7).

`due` and `report` read the state an import stores beside each vehicle and customer (last
reading, daily km, next due dates, stage-by-km dates, care anchor) through indexes, instead of
running the rules core over the fleet. Here a seeded random store (29 February deliveries and
birthdays, exact 3-month / 2-year / 5-year ages, readings before delivery, odometer rollbacks,
visits without work-order numbers, several cars per customer, do-not-contact) is imported in two
steps, as a store does, and then:

- every vehicle's stored state equals `vehicle_state` over facts built from the generated rows
  (not read back from the database), and every customer's care anchor, phase and birthday key
  equal what the method says;
- the report's stage counts (set-based SQL over the stored state) equal `stage_on` of the
  rules core for every car, today, ahead, and on 29 February;
- each morning's call lists for the days it stores (candidates found through the stored state)
  hold exactly the tasks the pure scheduler gives for every customer.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    CUSTOMER_COLUMNS,
    STAGES,
    VEHICLE_COLUMNS,
    VISIT_COLUMNS,
    make_vin,
    phone,
    run_json,
    run_ok,
    sql_rows,
    write_csv,
)

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.golive import created_at_go_live
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.schedule import CustomerFacts, Scheduler, VehicleFacts, VisitFact, vehicle_projection
from lifecycle_cli.core.stages import stage_on
from lifecycle_cli.store.fact_rows import visit_key
from lifecycle_cli.store.vehicle_state import mmdd, vehicle_state, vehicle_state_columns

TODAY = date(2026, 11, 23)  # NOW of the CLI tests: 09:00 on this day in Asia/Shanghai
KINDS = ("maintenance", "maintenance", "maintenance", "repair", "warranty", "accident", "other")
# Deliveries the boundaries live on: 29 February, month ends, exactly 3 months / 2 / 3 / 5 years
# before today, delivered today; and warranty checks (36 months - 30 days) due on 2026-12-10 and
# 2027-01-15, among the new days of the mornings below.
SPECIAL_DELIVERIES = (date(2024, 2, 29), date(2020, 2, 29), date(2026, 8, 31), date(2026, 8, 23),
                      date(2024, 11, 23), date(2023, 11, 23), date(2021, 11, 23), TODAY, date(2025, 12, 31),
                      date(2024, 1, 9), date(2024, 2, 14))


@dataclass
class Car:
    vin: str
    customer_id: str
    delivered: date
    reading: tuple[date, int] | None = None  # the vehicle row's odometer reading (first import)
    later_reading: tuple[date, int] | None = None  # a newer one in the second import's vehicle file
    visits: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Store:
    customers: list[dict[str, Any]]
    cars: list[Car]
    reached: dict[str, date] = field(default_factory=dict)  # customer_id -> last successful call

    def vehicle_row(self, car: Car, reading: tuple[date, int] | None) -> dict[str, Any]:
        return {"vin": car.vin, "customer_id": car.customer_id, "plate": "", "model": "CX-5",
                "delivery_date": car.delivered.isoformat(),
                "mileage_km": reading[1] if reading else "", "mileage_date": reading[0].isoformat() if reading else "",
                "sales_consultant": "李娜", "service_advisor": "王强", "store": "广州天河店"}


def random_store(seed: int, customers: int = 150) -> Store:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    cars: list[Car] = []
    for n in range(customers):
        cid = f"R{seed}-{n:03d}"
        birthday = rng.choice(["", "", "1988-02-29", f"19{rng.randint(60, 99)}-{rng.randint(1, 12):02d}-"
                                                    f"{rng.randint(1, 28):02d}"])
        rows.append({"customer_id": cid, "name": f"客户{n}", "phone": phone(n % 100), "birthday": birthday,
                     "do_not_contact": "1" if rng.random() < 0.06 else "0", "store": "广州天河店"})
        for _ in range(rng.choices((1, 2, 3), weights=(80, 15, 5))[0]):
            if rng.random() < 0.2:
                delivered = rng.choice(SPECIAL_DELIVERIES)
            else:
                delivered = TODAY - timedelta(days=rng.randint(0, 9 * 365))
            car = Car(vin=make_vin(seed % 900 * 1000 + len(cars)), customer_id=cid, delivered=delivered)
            daily = rng.randint(5, 160)
            age = (TODAY - delivered).days
            if rng.random() < 0.6:
                on = delivered + timedelta(days=rng.randint(0, age))
                if rng.random() < 0.05:
                    on = delivered - timedelta(days=rng.randint(1, 30))  # a reading before the delivery
                car.reading = (on, max(0, (on - delivered).days * daily + rng.randint(-500, 500)))
            km = 0
            day = delivered
            for v in range(rng.choices((0, 1, 2, 3, 5), weights=(15, 25, 25, 20, 15))[0]):
                day = min(TODAY, day + timedelta(days=rng.randint(0, 400)))
                if rng.random() < 0.1:
                    km = max(0, km - rng.randint(100, 3000))  # an odometer rollback
                else:
                    km = max(km, (day - delivered).days * daily + rng.randint(-300, 300))
                ro = f"RO{seed}{len(cars):04d}{v}" if rng.random() < 0.9 else ""
                car.visits.append({"ro_number": ro, "vin": car.vin, "visit_date": day.isoformat(), "mileage_km": km,
                                   "kind": rng.choice(KINDS), "amount": "300.00", "advisor": "王强"})
            if rng.random() < 0.2:
                on = TODAY - timedelta(days=rng.randint(0, 60))
                if on >= delivered:
                    car.later_reading = (on, km + rng.randint(0, 4000))
            cars.append(car)
    return Store(rows, cars)


def import_in_two_steps(db: Path, folder: Path, store: Store) -> None:
    """First the customers, cars and older visits; later the newer visits and some new readings."""
    folder.mkdir(parents=True, exist_ok=True)
    split = (TODAY - timedelta(days=200)).isoformat()
    visits = [v for car in store.cars for v in car.visits]
    run_ok(db, "import",
           write_csv(folder / "customers.csv", CUSTOMER_COLUMNS, store.customers),
           write_csv(folder / "vehicles.csv", VEHICLE_COLUMNS, [store.vehicle_row(c, c.reading) for c in store.cars]),
           write_csv(folder / "visits.csv", VISIT_COLUMNS, [v for v in visits if v["visit_date"] < split]))
    later = [store.vehicle_row(c, c.later_reading) for c in store.cars if c.later_reading]
    run_ok(db, "import",
           write_csv(folder / "vehicles2.csv", VEHICLE_COLUMNS, later),
           write_csv(folder / "visits2.csv", VISIT_COLUMNS, [v for v in visits if v["visit_date"] >= split]))


def facts_of(car: Car) -> VehicleFacts:
    """The rules core's facts of a car, from the generated rows."""
    row = car.later_reading or car.reading
    extra = tuple(r for r in (car.reading, car.later_reading) if r is not None)
    visits = [VisitFact(visit_key(v["ro_number"] or None, date.fromisoformat(v["visit_date"]), v["mileage_km"]),
                        date.fromisoformat(v["visit_date"]), v["mileage_km"], v["kind"]) for v in car.visits]
    # Two visits of a car on one day at one km without work orders are one visit (their natural key).
    unique = {v.key if v.key.startswith("RO") else (v.date, v.km): v for v in visits}
    return VehicleFacts(
        vin=car.vin, delivery_date=car.delivered, plate=None,
        row_reading=row if row else (None, None), extra_readings=extra,
        visits=tuple(sorted(unique.values(), key=lambda v: (v.date, v.km))),
        sales_consultant="李娜", service_advisor="王强", store="广州天河店",
    )


def plain(value: Any) -> Any:
    """A stored or computed value in one form: ISO dates, 0/1 booleans."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


# The same scenarios over a second random store are slow (--run-slow): the default run checks each once.
SEEDS = (7, pytest.param(2026, marks=pytest.mark.slow))


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def imported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             module_db: Any) -> tuple[Path, Store]:
    store = random_store(request.param)
    folder = tmp_path_factory.mktemp(f"random{request.param}")
    db = module_db(folder, "random.db")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("LIFECYCLE_NOW", "2026-11-23T01:00:00Z")
    try:
        import_in_two_steps(db, folder / "data", store)
    finally:
        monkeypatch.undo()
    return db, store


def test_every_vehicles_stored_state_is_the_rules_core_over_its_facts(imported: tuple[Path, Store]) -> None:
    db, store = imported
    rules = load_rules()
    columns = vehicle_state_columns()
    stored = {row[0]: dict(zip(columns, map(plain, row[1:]), strict=True))
              for row in sql_rows(db, f"SELECT vin, {', '.join(columns)} FROM vehicle")}
    assert set(stored) == {car.vin for car in store.cars}
    for car in store.cars:
        expected = {k: plain(v) for k, v in vehicle_state(facts_of(car), rules).items()}
        assert stored[car.vin] == expected, car


def test_every_customers_care_anchor_and_birthday_key_are_the_methods(imported: tuple[Path, Store]) -> None:
    db, store = imported
    every = load_rules().touchpoints["care_call"].offset_days
    stored = {cid: (anchor, phase, key) for cid, anchor, phase, key in sql_rows(
        db, "SELECT customer_id, care_anchor, care_phase, birthday_mmdd FROM customer")}
    for row in store.customers:
        cars = [c for c in store.cars if c.customer_id == row["customer_id"]]
        # No call has been made: the care call counts from the latest delivery or visit.
        anchor = max([c.delivered for c in cars] + [date.fromisoformat(v["visit_date"]) for c in cars for v in c.visits])
        birthday = date.fromisoformat(row["birthday"]) if row["birthday"] else None
        assert stored[row["customer_id"]] == (anchor.isoformat(), anchor.toordinal() % every, mmdd(birthday))


@pytest.mark.parametrize("day", [TODAY, TODAY + timedelta(days=100), date(2028, 2, 29), date(2031, 11, 23)],
                         ids=str)
def test_report_stage_counts_are_the_rules_core_stage_of_every_car(imported: tuple[Path, Store], day: date) -> None:
    db, store = imported
    rules = load_rules()
    expected = dict.fromkeys(STAGES, 0)
    for car in store.cars:
        if car.delivered > day:
            continue
        facts = facts_of(car)
        projection = vehicle_projection(facts, rules, day)
        expected[stage_on(car.delivered, day, projection.projected_km(day), rules).stage] += 1
    data = run_json(db, "report", "--date", day.isoformat(), "--month", day.isoformat()[:7])
    assert {name: data["stages"][name]["count"] for name in STAGES} == expected


def pure_call_list(store: Store, day: date, days: int, channel: str = "phone") -> Counter[tuple[str, str, str, str]]:
    """(customer, vin, code, due date) of every task of a channel the rules core puts on the lists (phone: `due`;
    sms: `messages`) of `days` days from `day`, for a store that went live on the first morning
    (core/golive.py: history before it is not created)."""
    end = day + timedelta(days=days - 1)
    rules = load_rules()
    scheduler = Scheduler(rules=rules, today=day, start=day, end=end, calendar=HolidayCalendar())
    out: Counter[tuple[str, str, str, str]] = Counter()
    for row in store.customers:
        customer = CustomerFacts(
            customer_id=row["customer_id"],
            birthday=date.fromisoformat(row["birthday"]) if row["birthday"] else None,
            do_not_contact=row["do_not_contact"] == "1",
            last_contact=store.reached.get(row["customer_id"]),
            vehicles=tuple(sorted((facts_of(c) for c in store.cars if c.customer_id == row["customer_id"]),
                                  key=lambda v: v.vin)),
            store="广州天河店",
        )
        # Every task the rules produce, then the window's (the scheduler's own pruning is not trusted here).
        for task in scheduler.for_customer(customer, in_window=False):
            if (task.channel == channel and task.due_date <= end and task.window_end >= day and task.closed_by_visit is None
                    and created_at_go_live(task.code, task.due_date, task.window_end, MORNINGS[0], rules)):
                out[(customer.customer_id, task.vin, task.code, task.due_date.isoformat())] += 1
    return out


# The first morning syncs today and the days ahead from scratch; each later one (run in this order,
# nobody calling anyone) searches only its new days, for candidates found through the stored state.
# Mornings whose new days hold no festival greeting (which lists everyone) test that search alone:
# 12-15 (new days 12-08..12-28) and 2027-01-20 (01-06..02-02).
MORNINGS = (TODAY, TODAY + timedelta(days=1), date(2026, 12, 15), date(2026, 12, 23), date(2027, 1, 20),
            date(2027, 2, 10), date(2028, 2, 29))


def assert_mornings_match(db: Path, store: Store, mornings: tuple[date, ...]) -> None:
    days = load_rules().call_list.ahead_days  # the days each morning stores: every one of them is checked
    for day in mornings:
        lines = run_json(db, "due", "--date", day.isoformat(), "--days", days,
                         env={"LIFECYCLE_NOW": f"{day}T01:00:00Z"})
        listed = Counter((line["customer_id"], t["vin"], t["code"], t["due_date"])
                         for line in lines for t in line["tasks"])
        expected = pure_call_list(store, day, days)
        assert expected, f"the random store should put someone on the lists from {day}"
        assert listed == expected, (day, listed - expected, expected - listed)
        sent = run_json(db, "messages", "--date", day.isoformat(), "--days", days,
                        env={"LIFECYCLE_NOW": f"{day}T01:00:00Z"})
        assert sum(len(m["task_ids"]) for m in sent) == sum(pure_call_list(store, day, days, "sms").values()), day


@pytest.mark.parametrize("seed", SEEDS)
def test_each_mornings_call_list_holds_exactly_the_pure_schedulers_tasks(db: Path, tmp_path: Path, seed: int) -> None:
    # A database of its own: a report on another day also stores that day's tasks, which would
    # leave these mornings nothing new to search.
    store = random_store(seed)
    import_in_two_steps(db, tmp_path / "data", store)
    assert_mornings_match(db, store, MORNINGS)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_look_ahead_between_mornings_loses_no_later_task(db: Path, tmp_path: Path, seed: int) -> None:
    # A manager's report on a date months ahead, and a desk's preview of a later list, store those
    # days' tasks; the days in between must still be searched when their mornings come.
    store = random_store(seed)
    import_in_two_steps(db, tmp_path / "data", store)
    assert_mornings_match(db, store, MORNINGS[:1])
    run_json(db, "report", "--date", "2027-03-03", "--month", "2027-03")
    run_json(db, "due", "--date", "2027-01-10")
    assert_mornings_match(db, store, MORNINGS[1:])


@pytest.mark.parametrize("seed", SEEDS)
def test_mornings_with_new_visits_and_cars_imported_in_between_match_the_pure_scheduler(db: Path, tmp_path: Path,
                                                                              seed: int) -> None:
    # As a store runs: each morning's import brings yesterday's work orders (they close invitations
    # and move the next service, the care rhythm and follow-ups) and deliveries, then the list is made.
    store = random_store(seed)
    import_in_two_steps(db, tmp_path / "data", store)
    rng = random.Random(seed + 1)
    mornings = MORNINGS[:5]
    assert_mornings_match(db, store, mornings[:1])
    for n, day in enumerate(mornings[1:], start=1):
        yesterday = day - timedelta(days=1)
        came = rng.sample([c for c in store.cars if c.delivered < yesterday], 12)
        rows = []
        for k, car in enumerate(came):
            km = max([v["mileage_km"] for v in car.visits], default=0) + rng.randint(500, 6000)
            row = {"ro_number": f"NEW{seed}-{n}-{k}", "vin": car.vin, "visit_date": yesterday.isoformat(),
                   "mileage_km": km, "kind": rng.choice(KINDS), "amount": "300.00", "advisor": "王强"}
            car.visits.append(row)
            rows.append(row)
        # ... and yesterday's deliveries: a second car for two customers (delivery calls, care rhythm).
        bought = [Car(vin=make_vin(seed % 900 * 1000 + 800 + n * 10 + k), customer_id=row["customer_id"],
                      delivered=yesterday) for k, row in enumerate(rng.sample(store.customers, 2))]
        store.cars.extend(bought)
        run_ok(db, "import", write_csv(tmp_path / f"visits-{day}.csv", VISIT_COLUMNS, rows),
               write_csv(tmp_path / f"vehicles-{day}.csv", VEHICLE_COLUMNS, [store.vehicle_row(c, None) for c in bought]),
               env={"LIFECYCLE_NOW": f"{day}T01:00:00Z"})
        assert_mornings_match(db, store, (day,))


@pytest.mark.parametrize("seed", SEEDS)
def test_mornings_after_care_calls_reached_match_the_pure_scheduler(db: Path, tmp_path: Path, seed: int) -> None:
    # The desk reaches some customers on their care call each morning: the care rhythm restarts from
    # that call (the customer's last successful contact), for the stored tasks as for the rules.
    store = random_store(seed)
    import_in_two_steps(db, tmp_path / "data", store)
    reached = 0
    for day in MORNINGS[:5]:
        assert_mornings_match(db, store, (day,))
        env = {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}
        lines = run_json(db, "due", "--date", day.isoformat(), env=env)
        care = [(line["customer_id"], t["task_id"]) for line in lines for t in line["tasks"] if t["code"] == "care_call"]
        for customer_id, task_id in care[:5]:
            run_ok(db, "done", task_id, "--result", "reached", "--date", day.isoformat(), env=env)
            store.reached[customer_id] = day
            reached += 1
    # Care calls start at go-live (the first of these mornings), each on its own rhythm: a morning may
    # have none, the five together have some.
    assert reached >= 5


def test_db_resync_repairs_a_watermark_moved_past_unsearched_days(db: Path, tmp_path: Path) -> None:
    # What a look ahead did before it was fixed: the watermark jumped to the end of a window three
    # months on, and the days before it were never searched. `db resync` searches everything again.
    from sqlalchemy import update

    from lifecycle_cli.store.db import make_engine, resolve_url
    from lifecycle_cli.store.tables import META

    store = random_store(7)
    import_in_two_steps(db, tmp_path / "data", store)
    assert_mornings_match(db, store, MORNINGS[:1])
    engine = make_engine(resolve_url(str(db)))
    with engine.begin() as conn:
        conn.execute(update(META).where(META.c.key == "tasks_synced_through").values(value="2027-03-16"))
    engine.dispose()
    later = MORNINGS[2]
    env = {"LIFECYCLE_NOW": f"{later}T01:00:00Z"}
    broken = run_json(db, "due", "--date", later.isoformat(), "--days", load_rules().call_list.ahead_days, env=env)
    assert sum(len(line["tasks"]) for line in broken) < sum(pure_call_list(store, later, load_rules().call_list.ahead_days).values())

    result = run_ok(db, "db", "resync", env=env)

    assert "已重新检索全部客户的任务" in result.stdout
    assert_mornings_match(db, store, MORNINGS[2:5])


@pytest.mark.slow  # 62 mornings, one `due` each
def test_a_care_call_reached_late_restarts_the_rhythm_found_by_the_daily_search(db: Path, tmp_path: Path) -> None:
    # Care calls reached 11 or more days after they fell due move the customer's care day by as
    # much. Daily mornings search one new day each (with a 10-day slack), so only the stored care
    # phase of the new rhythm finds the customer again 60 days on. (From 2027-03-10: no festival
    # greeting, which searches everyone, comes near those days.)
    store = random_store(7)
    import_in_two_steps(db, tmp_path / "data", store)
    first = date(2027, 3, 10)
    # The store went live 16 days before (care calls start at go-live), so some are 11+ days overdue.
    went_live = first - timedelta(days=16)
    run_json(db, "due", "--date", went_live.isoformat(), env={"LIFECYCLE_NOW": f"{went_live}T01:00:00Z"})
    env = {"LIFECYCLE_NOW": f"{first}T01:00:00Z"}
    lines = run_json(db, "due", "--date", first.isoformat(), env=env)
    late = [(line["customer_id"], t["task_id"]) for line in lines for t in line["tasks"]
            if t["code"] == "care_call" and t["overdue_days"] >= 11]
    assert len(late) >= 3
    for customer_id, task_id in late[:5]:
        run_ok(db, "done", task_id, "--result", "reached", "--date", first.isoformat(), env=env)
        store.reached[customer_id] = first
    for n in range(1, 63):
        day = first + timedelta(days=n)
        run_ok(db, "due", "--date", day.isoformat(), "--format", "json", env={"LIFECYCLE_NOW": f"{day}T01:00:00Z"})
    assert_mornings_match(db, store, (first + timedelta(days=63),))
