#!/usr/bin/env python3
"""Generate the deterministic sample data set of one store (广州天河店) and its messy DMS export.

Usage::

    python sample_data/generate.py [--today 2026-11-23] [--out sample_data] [--seed 20261123]

Writes canonical UTF-8 CSVs ``customers.csv``, ``vehicles.csv`` and ``visits.csv`` to the
output folder, and the same records as a realistic, messy DMS export to
``<out>/dms_export/`` (GB18030 CSV with a title row, an ``.xlsx`` workbook, a UTF-8-with-BOM
CSV, Chinese headers and hand-written values) plus a few deliberately bad extra rows that
an importer must reject; ``dms_export/README.md`` lists them.  Nothing depends on the
clock: the same arguments always give byte-identical files.

Shared helpers (VIN check digits, model table, name pools) live in
``benchmarks/generate.py`` and are loaded from there by path.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import io
import random
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent


def _load_shared() -> ModuleType:
    """Load ``benchmarks/generate.py`` (the shared VIN / name / model helpers) by file path."""
    path = HERE.parent / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("lifecycle_benchmarks_generate", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


shared: Any = _load_shared()

DEFAULT_TODAY = dt.date(2026, 11, 23)
DEFAULT_SEED = 20261123
STORE = "广州天河店"
PLATE_PREFIX = "粤A"
SALES_CONSULTANTS = ("王强", "李娜", "张伟", "刘洋")
SERVICE_ADVISORS = ("陈静", "赵磊", "孙丽", "周杰")
FORMER_ADVISOR = "吴芳"  # left the store in 2019: appears on old work orders only
ID_REGIONS = (
    "440106", "440106", "440106", "440104", "440105", "440111", "440113", "440103",
    "441302", "440604", "445102", "430102", "450103", "360102", "420106", "510107",
)  # fmt: skip
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

CUSTOMER_HEADER = (*shared.CUSTOMER_HEADER, "sms_opt_out")
VEHICLE_HEADER = shared.VEHICLE_HEADER
VISIT_HEADER = shared.VISIT_HEADER


# --------------------------------------------------------------------------- records
@dataclass
class Customer:
    """A customer row (canonical columns)."""

    customer_id: str
    name: str
    phone: str
    birthday: dt.date | None
    do_not_contact: bool
    id_number: str
    gender: str
    referred_by: str = ""
    sms_opt_out: bool = False  # 短信退订


@dataclass
class Visit:
    """A service visit (work order)."""

    vin: str
    date: dt.date
    km: int
    kind: str
    amount: str = ""
    advisor: str = ""
    ro_number: str = ""
    first_service: bool = False
    note: str = ""


@dataclass
class Vehicle:
    """A vehicle row plus the hidden driving profile used to simulate its visits."""

    delivery: dt.date
    model: str
    daily_km: float
    vin: str = ""
    customer_id: str = ""
    plate: str = ""
    sales_consultant: str = ""
    service_advisor: str = ""
    commercial_expiry: dt.date | None = None
    compulsory_expiry: dt.date | None = None
    inspection_due: dt.date | None = None
    mileage_km: int | None = None
    mileage_date: dt.date | None = None
    visits: list[Visit] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)  # km/day per 30-day block since delivery


# --------------------------------------------------------------------------- date helpers
def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping the day to the month's end (like dateutil.relativedelta)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """Return a uniformly random date in [first, last]."""
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def yuan(rng: random.Random, low: float, high: float) -> str:
    """Return a random amount in yuan with two decimals (as text)."""
    cents = rng.randint(round(low * 100), round(high * 100))
    if rng.random() < 0.6:
        cents -= cents % 100  # most bills end in whole yuan
    return f"{cents // 100}.{cents % 100:02d}"


# --------------------------------------------------------------------------- deliveries
def plan_deliveries(rng: random.Random, today: dt.date) -> list[dt.date]:
    """Return delivery dates weighted so every lifecycle stage is well represented on ``today``."""
    yesterday = today - dt.timedelta(days=1)
    m3, y2, y3, y5 = (add_months(today, -n) for n in (3, 24, 36, 60))
    dates: list[dt.date] = []
    # last 7 days (delivery calls due): the first and last day of the week are pinned
    dates += [today - dt.timedelta(days=7), yesterday]
    dates += [random_day(rng, today - dt.timedelta(days=6), today - dt.timedelta(days=2)) for _ in range(3)]
    # rest of 新车体验期 (0-3 months), with one delivery on a 31st (3 months later is clamped)
    first, last = m3 + dt.timedelta(days=1), today - dt.timedelta(days=8)
    window = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    pinned = [d for d in window if d.day == 31][:1]
    dates += pinned + [rng.choice(window) for _ in range(14 - len(pinned))]
    # 保内初期 (3 months - 2 years): the exact 3-month boundary is pinned
    dates += [m3] + [random_day(rng, y2 + dt.timedelta(days=1), m3) for _ in range(59)]
    # 保内后期 (2-3 years): the exact 2-year boundary and a 29 February if there is one
    leap = [dt.date(y, 2, 29) for y in range(y3.year, y2.year + 1) if y % 4 == 0]
    pinned = [y2, *[d for d in leap if y3 < d < y2][:1]]
    dates += pinned + [random_day(rng, y3 + dt.timedelta(days=1), y2) for _ in range(35 - len(pinned))]
    # 保修外期 (3-5 years)
    dates += [random_day(rng, y5 + dt.timedelta(days=1), y3) for _ in range(45)]
    # 换车升级期 (5 years and more), from January 2015, with two 29 February deliveries
    oldest = dt.date(2015, 1, 1)
    pinned = [d for d in (dt.date(2016, 2, 29), dt.date(2020, 2, 29)) if d <= y5]
    dates += pinned + [random_day(rng, oldest, y5) for _ in range(83 - len(pinned))]
    return sorted(dates)


def pick_model(rng: random.Random, day: dt.date) -> str:
    """Return a model that was on sale on ``day`` (by the shared weighted model table)."""
    pool = shared.models_available(day)
    return str(shared.MODELS[rng.choice(pool)][0])


def daily_km(rng: random.Random) -> float:
    """Return a car's typical km per day (15-120, most around 35-55)."""
    return 15 + 105 * rng.betavariate(1.6, 3.5)


# --------------------------------------------------------------------------- people
def id_number(rng: random.Random, birthday: dt.date, male: bool) -> str:
    """Return an 18-character resident ID number with the right birthday, sex digit and check."""
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    body = f"{rng.choice(ID_REGIONS)}{birthday:%Y%m%d}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def make_customers(rng: random.Random, first_deliveries: list[dt.date], today: dt.date) -> list[Customer]:
    """Create one customer per first purchase (ids in order of first delivery)."""
    n = len(first_deliveries)
    oldest = shared.replace_year(today, today.year - 65) + dt.timedelta(days=1)
    youngest = shared.replace_year(today, today.year - 22)
    names: list[str] = []
    phones: list[str] = []
    customers: list[Customer] = []
    special = rng.sample(range(20, n), 8)  # 29 Feb, today, tomorrow, and 5 without a birthday
    for i, first in enumerate(first_deliveries):
        male = rng.random() < 0.64
        name = shared.make_name(rng, male)
        while name in names:
            name = shared.make_name(rng, male)
        names.append(name)
        phone = rng.choice(shared.MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        while phone in phones:
            phone = rng.choice(shared.MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        phones.append(phone)
        latest = min(youngest, shared.replace_year(first, first.year - 20))
        birthday: dt.date | None = random_day(rng, oldest, latest)
        if i == special[0]:
            birthday = dt.date(1988, 2, 29)
        elif i == special[1]:
            birthday = shared.replace_year(today, 1979)
        elif i == special[2]:
            birthday = shared.replace_year(today + dt.timedelta(days=1), 1992)
        elif i in special[3:]:
            birthday = None
        ident = id_number(rng, birthday, male) if birthday and rng.random() < 0.65 else ""
        customers.append(
            Customer(
                customer_id=f"C{101 + i:06d}",
                name=name,
                phone=phone,
                birthday=birthday,
                do_not_contact=False,
                id_number=ident,
                gender="男" if male else "女",
            )
        )
    for i in rng.sample(range(n), round(n * 0.03)):
        customers[i].do_not_contact = True
    for i in sorted(rng.sample(range(15, n), round(n * 0.06))):
        customers[i].referred_by = customers[rng.randrange(0, i)].customer_id
    # Some customers opted out of messages (回T退订); drawn apart so every other value stays as it was.
    for i in random.Random(f"{today}:sms_opt_out").sample(range(n), round(n * 0.04)):
        customers[i].sms_opt_out = not customers[i].do_not_contact
    return customers


def assign_owners(rng: random.Random, cars: list[Vehicle], n_second: int) -> list[list[int]]:
    """Group car indexes by owner: ``n_second`` owners buy a second car a year or more after the first."""
    n = len(cars)
    late = [i for i in range(n) if cars[i].delivery.year >= 2017]
    seconds = sorted(rng.sample(late, n_second))
    taken = set(seconds)
    owners: dict[int, list[int]] = {}
    for s in seconds:
        candidates = [
            i for i in range(n) if i not in taken and (cars[s].delivery - cars[i].delivery).days >= 365
        ]
        first = rng.choice(candidates)
        taken.add(first)
        owners[first] = [first, s]
    groups = [owners.get(i, [i]) for i in range(n) if i not in seconds]
    return sorted(groups, key=lambda g: (cars[g[0]].delivery, g[0]))


# --------------------------------------------------------------------------- vehicles
def make_vin(rng: random.Random, model: str, delivery: dt.date, used: set[str]) -> str:
    """Return a unique, valid VIN for ``model`` delivered on ``delivery``."""
    row = next(m for m in shared.MODELS if m[0] == model)
    year = delivery.year + (1 if delivery.month >= 11 and rng.random() < 0.5 else 0)
    plant = "N" if row[1] == "LVRHDA" else "C"
    while True:
        body = f"{row[1]}{row[2]}0{shared.model_year_code(year)}{plant}{rng.randint(100_000, 999_999)}"
        vin = str(shared.with_check_digit(body))
        if vin not in used:
            used.add(vin)
            return vin


def make_plate(rng: random.Random, model: str, used: set[str]) -> str:
    """Return a unique Guangzhou plate: 粤A + 5 characters, or 粤A + D/F + 5 digits for new energy."""
    while True:
        if model in shared.NEV_MODELS:
            tail = rng.choice("DF") + f"{rng.randint(0, 99_999):05d}"
        else:
            chars = [rng.choice(PLATE_LETTERS) if rng.random() < 0.6 else str(rng.randint(0, 9))]
            letters = 1 if chars[0].isalpha() else 0
            for _ in range(4):
                if letters < 2 and rng.random() < 0.25:
                    chars.append(rng.choice(PLATE_LETTERS))
                    letters += 1
                else:
                    chars.append(str(rng.randint(0, 9)))
            tail = "".join(chars)
        plate = PLATE_PREFIX + tail
        if plate not in used:
            used.add(plate)
            return plate


def insurance_dates(rng: random.Random, car: Vehicle, today: dt.date) -> None:
    """Fill commercial / compulsory insurance expiry (≈80%, a few lapsed) and inspection (≈50%)."""
    r = rng.random()
    offset = rng.choice((0, 0, 0, 0, 0, 1, 2, 3))
    start = car.delivery + dt.timedelta(days=offset)
    lapsed = shared.last_anniversary(start, today)
    if r < 0.12 and lapsed is not None:
        car.commercial_expiry = lapsed
    elif r < 0.8:
        car.commercial_expiry = shared.next_anniversary(start, today)
    if car.commercial_expiry is not None:
        shift = 0 if rng.random() < 0.8 else rng.choice((-3, -1, 1, 2, 5))
        car.compulsory_expiry = car.commercial_expiry + dt.timedelta(days=shift)
    if rng.random() < 0.5:
        car.inspection_due = shared.inspection_due(car.delivery, today)


# --------------------------------------------------------------------------- odometer + visits
def driving_profile(rng: random.Random, car: Vehicle, today: dt.date) -> None:
    """Give the car a km/day rate for every 30-day block from delivery to today (±25% around its mean)."""
    blocks = (today - car.delivery).days // 30 + 2
    car.rates = [car.daily_km * rng.uniform(0.75, 1.25) for _ in range(blocks)]


def odometer(car: Vehicle, day: dt.date) -> float:
    """Return the car's true odometer on ``day``."""
    days = (day - car.delivery).days
    full, rest = divmod(days, 30)
    return sum(car.rates[:full]) * 30 + car.rates[full] * rest


def date_at_km(car: Vehicle, km: float, limit: dt.date) -> dt.date:
    """Return the first day the odometer reaches ``km`` (or ``limit`` if it does not before then)."""
    total = 0.0
    for block, rate in enumerate(car.rates):
        if total + rate * 30 >= km:
            day = car.delivery + dt.timedelta(days=block * 30 + int((km - total) / rate) + 1)
            return min(day, limit)
        total += rate * 30
    return limit


def in_warranty(car: Vehicle, day: dt.date) -> bool:
    """Tell whether the car is still under the 36-month / 60,000 km warranty on ``day``."""
    return day < add_months(car.delivery, 36) and odometer(car, day) < 60_000


@dataclass
class Behaviour:
    """How a customer treats the store: when they stop coming and when (if ever) they come back."""

    churn: dt.date | None = None
    comeback: dt.date | None = None

    def away(self, day: dt.date) -> bool:
        """Tell whether the customer is not coming to the store on ``day``."""
        if self.churn is None or day < self.churn:
            return False
        return self.comeback is None or day < self.comeback


def simulate_visits(rng: random.Random, car: Vehicle, who: Behaviour, last_day: dt.date) -> list[Visit]:
    """Simulate maintenance (every 5,000 km / 6 months, with jitter and skips) and extra repairs."""
    visits: list[Visit] = []
    far = last_day + dt.timedelta(days=3650)
    maint_date, maint_km = car.delivery, 0.0
    first = True
    while True:
        due = min(add_months(maint_date, 3 if first else 6), date_at_km(car, maint_km + 5000, far))
        day = due + dt.timedelta(days=rng.randint(-10, 30))
        if visits and day <= visits[-1].date:
            day = visits[-1].date + dt.timedelta(days=20)
        if who.away(day) and who.comeback is not None and who.comeback <= last_day:
            day = who.comeback  # the churned customer returns
        if day > last_day or who.away(day):
            break
        age = (day - car.delivery).days / 365.25
        skip = 0.15 if in_warranty(car, day) else 0.5 if age < 5 else 0.6  # out of warranty: often elsewhere
        if not first and day != who.comeback and rng.random() < skip:
            maint_date, maint_km = due, odometer(car, due)  # skipped this one: next due is later
            continue
        km = odometer(car, day)
        visits.append(Visit(car.vin, day, round(km), "maintenance", first_service=first))
        maint_date, maint_km, first = day, km, False
    # extra visits: repairs (more as the car ages), accidents, warranty claims while in warranty
    day = car.delivery + dt.timedelta(days=rng.randint(5, 40))
    while day <= last_day:
        age = (day - car.delivery).days / 365.25
        r = rng.random()
        kind = ""
        if r < (0.10 + 0.04 * min(age, 8)) / 12:
            kind = "repair"
        elif r < (0.16 + 0.04 * min(age, 8)) / 12:
            kind = "accident"
        elif r < (0.16 + 0.04 * min(age, 8) + 0.25) / 12 and in_warranty(car, day):
            kind = "warranty"
        if kind and not who.away(day) and all(v.date != day for v in visits):
            visits.append(Visit(car.vin, day, round(odometer(car, day)), kind))
        day += dt.timedelta(days=30)
    visits.sort(key=lambda v: v.date)
    return visits


def price_visits(rng: random.Random, car: Vehicle) -> None:
    """Set amount and advisor on each of the car's visits."""
    for visit in car.visits:
        if visit.kind == "maintenance":
            if visit.first_service:
                visit.amount = "0.00" if rng.random() < 0.6 else yuan(rng, 180, 360)
            else:
                extra = 650 if visit.km % 20_000 > 17_000 or visit.km % 20_000 < 2_500 else 0
                visit.amount = yuan(rng, 380 + extra, 900 + extra)
        elif visit.kind == "repair":
            visit.amount = yuan(rng, 150, 6500)
        elif visit.kind == "accident":
            visit.amount = yuan(rng, 800, 22_000)
        else:
            visit.amount = "0.00"  # warranty: paid by the maker
        if visit.date.year < 2020 and rng.random() < 0.25:
            visit.advisor = FORMER_ADVISOR
        elif car.service_advisor and rng.random() < 0.85:
            visit.advisor = car.service_advisor
        else:
            visit.advisor = rng.choice(SERVICE_ADVISORS)


def add_typos_and_rounding(rng: random.Random, cars: list[Vehicle]) -> list[Visit]:
    """Put two odometer typos (rollbacks) in and round ~6% of readings to 1,000 km; return the typos."""
    typos: list[Visit] = []
    candidates = [c for c in cars if len(c.visits) >= 6]
    for car in rng.sample(candidates, len(candidates)):
        if len(typos) == 2:
            break
        middle = [i for i in range(2, len(car.visits) - 1) if car.visits[i].km >= 21_000]
        if not middle:
            continue
        i = rng.choice(middle)
        visit, text = car.visits[i], str(car.visits[i].km)
        if not typos:
            wrong, how = visit.km // 10, f"{visit.km} typed as {visit.km // 10} (last digit dropped)"
        elif text[0] > text[1] != "0":
            wrong = int(text[1] + text[0] + text[2:])
            how = f"{visit.km} typed as {wrong} (first two digits swapped)"
        else:
            continue
        if wrong >= car.visits[i - 1].km:
            continue
        visit.km, visit.note = wrong, how
        typos.append(visit)
    for car in cars:
        for i, visit in enumerate(car.visits):
            if visit.note or visit.km < 10_000 or rng.random() >= 0.06:
                continue
            rounded = round(visit.km, -3)
            before = car.visits[i - 1] if i else None
            after = car.visits[i + 1].km if i + 1 < len(car.visits) else 10**9
            if (before is None or (before.km < rounded and not before.note)) and rounded < after:
                visit.km = rounded
    return typos


def number_work_orders(rng: random.Random, visits: list[Visit]) -> None:
    """Give every visit a unique work-order number RO + YYYYMMDD + 5-digit daily sequence."""
    visits.sort(key=lambda v: (v.date, v.vin))
    day, seq = None, 0
    for visit in visits:
        if visit.date != day:
            day, seq = visit.date, rng.randint(1, 9)
        else:
            seq += rng.randint(1, 6)
        visit.ro_number = f"RO{visit.date:%Y%m%d}{seq:05d}"


# --------------------------------------------------------------------------- the data set
@dataclass
class DataSet:
    """Everything the sample generator produces."""

    today: dt.date
    customers: list[Customer]
    vehicles: list[Vehicle]
    visits: list[Visit]
    typos: list[Visit]
    churned: int
    never_first: int
    came_back: int


def build(today: dt.date, seed: int) -> DataSet:
    """Build the whole sample data set for ``today`` from ``seed``."""
    rng = random.Random(seed)
    last_day = today - dt.timedelta(days=1)
    cars = [Vehicle(d, pick_model(rng, d), daily_km(rng)) for d in plan_deliveries(rng, today)]
    # a few heavy users (150-250 km/day): their mileage, not their age, sets the stage
    recent = [i for i, c in enumerate(cars) if 120 < (today - c.delivery).days < 1500]
    for i in rng.sample(recent, 8):
        cars[i].daily_km = rng.uniform(150, 250)
    groups = assign_owners(rng, cars, n_second=22)
    customers = make_customers(rng, [cars[g[0]].delivery for g in groups], today)
    vins: set[str] = set()
    plates: set[str] = set()
    for customer, group in zip(customers, groups, strict=True):
        for i in group:
            cars[i].customer_id = customer.customer_id
    for car in cars:
        car.vin = make_vin(rng, car.model, car.delivery, vins)
        car.plate = make_plate(rng, car.model, plates)
        car.sales_consultant = rng.choices(SALES_CONSULTANTS, weights=(4, 3, 3, 2))[0]
        car.service_advisor = rng.choice(SERVICE_ADVISORS)
        insurance_dates(rng, car, today)
        driving_profile(rng, car, today)
    for i in rng.sample(range(len(cars)), round(len(cars) * 0.1)):
        cars[i].service_advisor = ""  # ~10% of cars have no service advisor on file
    # who stops coming: ~20% of cars; a quarter never came for the first service; a few come back
    old = [i for i, c in enumerate(cars) if (today - c.delivery).days > 420]
    churned = rng.sample(old, round(len(cars) * 0.2))
    never_first = churned[:12]
    came_back = churned[12:18]
    behaviour = [Behaviour() for _ in cars]
    for i in churned:
        car = cars[i]
        if i in never_first:
            behaviour[i].churn = car.delivery
            continue
        churn = random_day(rng, add_months(car.delivery, 7), add_months(today, -5))
        behaviour[i].churn = churn
        if i in came_back:
            back = churn + dt.timedelta(days=rng.randint(400, 800))
            behaviour[i].comeback = min(back, today - dt.timedelta(days=rng.randint(20, 60)))
    for car, who in zip(cars, behaviour, strict=True):
        car.visits = simulate_visits(rng, car, who, last_day)
        price_visits(rng, car)
    typos = add_typos_and_rounding(rng, cars)

    # an odometer reading on the vehicle row for ~30% of cars, after their last visit
    def last_seen(car: Vehicle) -> dt.date:
        """Return the date of the car's last visit, or its delivery date."""
        return car.visits[-1].date if car.visits else car.delivery

    readable = [c for c in cars if last_seen(c) < last_day - dt.timedelta(days=3)]
    for car in rng.sample(readable, round(len(cars) * 0.3)):
        since = last_seen(car)
        car.mileage_date = random_day(rng, since + dt.timedelta(days=1), last_day)
        car.mileage_km = round(odometer(car, car.mileage_date))
    visits = [v for c in cars for v in c.visits]
    number_work_orders(rng, visits)
    cars.sort(key=lambda c: (c.delivery, c.vin))
    return DataSet(today, customers, cars, visits, typos, len(churned), len(never_first), len(came_back))


# --------------------------------------------------------------------------- canonical files
def iso(day: dt.date | None) -> str:
    """Return ``day`` as YYYY-MM-DD, or '' for None."""
    return day.isoformat() if day else ""


def customer_row(c: Customer) -> list[str]:
    """Return the canonical CSV row of a customer."""
    flag = "1" if c.do_not_contact else "0"
    birthday = iso(c.birthday)
    opt_out = "1" if c.sms_opt_out else "0"
    return [c.customer_id, c.name, c.phone, birthday, flag, c.id_number, c.gender, c.referred_by, STORE, opt_out]


def vehicle_row(v: Vehicle) -> list[str]:
    """Return the canonical CSV row of a vehicle."""
    km = "" if v.mileage_km is None else str(v.mileage_km)
    return [
        v.vin, v.customer_id, v.plate, v.model, iso(v.delivery), km, iso(v.mileage_date),
        v.sales_consultant, v.service_advisor, STORE,
        iso(v.commercial_expiry), iso(v.compulsory_expiry), iso(v.inspection_due),
    ]  # fmt: skip


def visit_row(v: Visit) -> list[str]:
    """Return the canonical CSV row of a visit."""
    return [v.ro_number, v.vin, iso(v.date), str(v.km), v.kind, v.amount, v.advisor]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write a canonical CSV: UTF-8 without BOM, comma, LF line ends, header first."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_canonical(data: DataSet, out: Path) -> None:
    """Write customers.csv, vehicles.csv and visits.csv."""
    write_csv(out / "customers.csv", CUSTOMER_HEADER, [customer_row(c) for c in data.customers])
    write_csv(out / "vehicles.csv", VEHICLE_HEADER, [vehicle_row(v) for v in data.vehicles])
    write_csv(out / "visits.csv", VISIT_HEADER, [visit_row(v) for v in data.visits])


# --------------------------------------------------------------------------- messy DMS export
@dataclass
class BadRow:
    """A deliberately bad extra row in the messy export."""

    file: str
    line: int
    zh: str
    en: str


def messy_phone(rng: random.Random, phone: str) -> str:
    """Write a mobile number the way people type it."""
    r = rng.random()
    if r < 0.4:
        return phone
    if r < 0.6:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if r < 0.8:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return f"+86 {phone}"


def messy_birthday(rng: random.Random, day: dt.date | None) -> str:
    """Write a birthday as 1985/8/28, 1985年8月28日 or 1985-08-28."""
    if day is None:
        return ""
    r = rng.random()
    if r < 0.4:
        return f"{day.year}/{day.month}/{day.day}"
    if r < 0.7:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def messy_vin(rng: random.Random, vin: str) -> str:
    """Return the VIN, sometimes in lower case or with spaces typed into it (~10%)."""
    r = rng.random()
    if r < 0.05:
        return vin.lower()
    if r < 0.10:
        return f"{vin[:6]} {vin[6:11]} {vin[11:]}"
    return vin


def messy_km(rng: random.Random, km: int) -> str:
    """Write a visit mileage as 12345, 12,345km, or 1.2万 when it is a whole thousand."""
    if km >= 10_000 and km % 1000 == 0 and rng.random() < 0.8:
        wan = f"{km // 10_000}.{km % 10_000 // 1000}".removesuffix(".0")
        return f"{wan}万"
    if rng.random() < 0.3:
        return f"{km:,}km"
    return str(km)


def messy_visit_date(rng: random.Random, day: dt.date) -> str:
    """Write a visit date as 2024.03.05, 20240305 or 2024-03-05 14:30:00."""
    r = rng.random()
    if r < 0.35:
        return f"{day:%Y.%m.%d}"
    if r < 0.6:
        return f"{day:%Y%m%d}"
    minutes = rng.randint(8 * 60, 17 * 60 + 30)
    return f"{day.isoformat()} {minutes // 60:02d}:{minutes % 60:02d}:{rng.choice((0, 0, 12, 37, 45)):02d}"


def messy_kind(rng: random.Random, visit: Visit) -> str:
    """Write the visit kind in Chinese (首保 / 定保 / 保养 / 维修 / 索赔 / 钣喷)."""
    if visit.kind == "maintenance":
        return "首保" if visit.first_service else rng.choice(("定保", "保养"))
    return {"repair": "维修", "warranty": "索赔", "accident": "钣喷"}[visit.kind]


def write_messy_customers(rng: random.Random, data: DataSet, path: Path, bad: list[BadRow]) -> None:
    """Write 客户档案.csv: GB18030, CRLF, a title row, Chinese headers and hand-written values."""
    header = ["客户编号", "客户姓名", "手机号码", "身份证号", "生日", "性别", "免打扰", "推荐人", "门店", "短信退订"]
    rows: list[list[str]] = [[f"客户档案导出 {data.today.isoformat()}"], header]
    bad_at = len(data.customers) // 3
    for i, c in enumerate(data.customers):
        if i == bad_at:
            bad_phone = "139" + f"{rng.randint(0, 99_999_999):08d}"
            rows.append(["", "临时客户", bad_phone, "", "", "男", "否", "", STORE, "否"])
            bad.append(
                BadRow(
                    path.name, len(rows), "客户编号为空（文件有客户编号列）",
                    "empty customer number in a file that has the column (row must be rejected)",
                )
            )  # fmt: skip
        phone, birthday = messy_phone(rng, c.phone), messy_birthday(rng, c.birthday)
        flag = "是" if c.do_not_contact else "否"
        rows.append([c.customer_id, c.name, phone, c.id_number, birthday, c.gender, flag, c.referred_by])
        rows[-1] += [STORE, "是" if c.sms_opt_out else "否"]
    with path.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def deterministic_xlsx(workbook: openpyxl.Workbook, path: Path, when: dt.datetime) -> None:
    """Save ``workbook`` with fixed document timestamps and zip entry times, so the bytes are stable."""
    raw = io.BytesIO()
    workbook.save(raw)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{stamp}", text)
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    path.write_bytes(out.getvalue())


def xlsx_vehicle_cells(v: Vehicle) -> list[object]:
    """Return a vehicle's cells for 车辆信息.xlsx (dates as date cells, mileage as a float)."""
    km = None if v.mileage_km is None else float(v.mileage_km)
    return [
        v.vin, v.customer_id, v.plate, v.model, v.delivery, km, v.mileage_date,
        v.sales_consultant, v.service_advisor or None, STORE,
        v.commercial_expiry, v.compulsory_expiry, v.inspection_due,
    ]  # fmt: skip


def write_messy_vehicles(
    rng: random.Random, data: DataSet, path: Path, bad: list[BadRow], vins: set[str]
) -> None:
    """Write 车辆信息.xlsx: sheet 车辆信息, Excel date cells, float mileage cells, untidy VINs."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "车辆信息"
    header = [
        "车架号", "客户编号", "车牌号", "车型", "交车日期", "行驶里程", "里程日期", "销售顾问", "服务顾问",
        "门店", "商业险到期日期", "交强险到期日期", "年审到期日期",
    ]  # fmt: skip
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = len(data.vehicles)
    bad_at = {n // 3: "orphan", (2 * n) // 3: "letter_o"}
    plates = {v.plate for v in data.vehicles}
    # the letter-O row repeats a real car whose serial has a 0 in it, with that 0 typed as O
    twin = next(v for v in data.vehicles[n // 2 :] if "0" in v.vin[11:])
    for i, v in enumerate(data.vehicles):
        if i in bad_at:
            if bad_at[i] == "orphan":
                vin = twin.vin
                year = shared.model_year_code(data.today.year)
                while vin in vins:
                    vin = str(shared.with_check_digit(f"LVRHDA3K0{year}N{rng.randint(100_000, 999_999)}"))
                orphan_id = "C999999"
                plate, delivered = make_plate(rng, "CX-5", plates), data.today - dt.timedelta(days=158)
                ws.append([vin, orphan_id, plate, "CX-5", delivered, None, None, "王强", "陈静", STORE])
                zh = f"车辆的客户编号 {orphan_id} 在客户档案和数据库中都不存在"
                en = f"vehicle {vin} belongs to customer {orphan_id}, who exists nowhere"
            else:
                at = twin.vin.index("0", 11)
                vin = twin.vin[:at] + "O" + twin.vin[at + 1 :]
                ws.append([vin, *xlsx_vehicle_cells(twin)[1:]])
                zh = f"车架号 {vin} 含字母 O（VIN 不允许 I/O/Q）；是 {twin.vin} 的重复录入，0 被打成了 O"
                en = f"VIN {vin} contains the letter O (never allowed): {twin.vin} again, a 0 typed as O"
            bad.append(BadRow(f"{path.name} (工作表 车辆信息)", ws.max_row, zh, en))
        ws.append([messy_vin(rng, v.vin), *xlsx_vehicle_cells(v)[1:]])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy/m/d"
            elif isinstance(cell.value, float):
                cell.number_format = "0.0"
    for col, width in zip("ABCDEFGHIJKLM", (22, 10, 12, 16, 12, 10, 12, 9, 9, 11, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    deterministic_xlsx(wb, path, dt.datetime.combine(data.today, dt.time(7, 0)))


def write_messy_visits(rng: random.Random, data: DataSet, path: Path, bad: list[BadRow]) -> None:
    """Write 维修记录.csv: UTF-8 with BOM, CRLF, Chinese kinds, mixed date and mileage formats."""
    header = ["工单号", "车架号VIN", "进厂日期", "进厂里程", "维修类型", "金额", "服务顾问"]
    rows: list[list[str]] = [header]
    n = len(data.visits)
    bad_at = {n // 3: "date", (3 * n) // 4: "km"}
    for i, v in enumerate(data.visits):
        if i in bad_at:
            ref = data.visits[i - 1]
            if bad_at[i] == "date":
                ro = f"RO{ref.date:%Y%m%d}99901"
                rows.append([ro, ref.vin, "2024-13-45", str(ref.km + 1234), "维修", "560.00", ref.advisor])
                zh, en = "进厂日期 2024-13-45 不是有效日期（13月45日）", "visit date 2024-13-45 is not a date"
            else:
                ro = f"RO{ref.date:%Y%m%d}99902"
                rows.append([ro, ref.vin, f"{ref.date:%Y.%m.%d}", "abc", "保养", "480.00", ref.advisor])
                zh, en = "进厂里程为 abc，不是数字", "visit mileage 'abc' is not a number"
            bad.append(BadRow(path.name, len(rows), zh, en))
        vin = v.vin.lower() if rng.random() < 0.03 else v.vin
        rows.append(
            [v.ro_number, vin, messy_visit_date(rng, v.date), messy_km(rng, v.km), messy_kind(rng, v),
             v.amount, v.advisor]
        )  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def write_messy_readme(data: DataSet, path: Path, bad: list[BadRow]) -> None:
    """Write dms_export/README.md (Chinese + English) listing the deliberately bad rows."""
    lines = [
        "# 模拟 DMS 导出（杂乱格式） / Simulated messy DMS export",
        "",
        f"由 `sample_data/generate.py --today {data.today.isoformat()}` 生成，与 `sample_data/*.csv` 是"
        f"同一家门店（{STORE}）的同一批记录。",
        "Generated by `sample_data/generate.py`; the same store and the same records as the canonical",
        "`sample_data/customers.csv`, `vehicles.csv` and `visits.csv`, written the way a DMS exports them.",
        "",
        "| 文件 / file | 格式 / format |",
        "|---|---|",
        "| `客户档案.csv` | GB18030，CRLF，第 1 行是标题行 `客户档案导出 …`，第 2 行是表头；"
        "手机号写法不一（`138 1234 5678`、`138-1234-5678`、`+86 13812345678`），"
        "生日 `1985/8/28`、`1985年8月28日`，免打扰 是/否，短信退订 是/否 |",
        "| `车辆信息.xlsx` | 工作表 `车辆信息`；交车日期等是 Excel 日期单元格，行驶里程是数值（12345.0）；"
        "部分车架号小写或带空格 |",
        "| `维修记录.csv` | UTF-8 带 BOM，CRLF；维修类型 保养/首保/定保/维修/索赔/钣喷；日期 `2024.03.05`、"
        "`20240305`、`2024-03-05 14:30:00`；里程 `12345`、`12,345km`、`1.2万` |",
        "",
        "## 故意放入的错误行 / Deliberately bad rows",
        "",
        "这些行是**额外**加入的（没有替换任何正常记录）：导入时它们应被拒绝，"
        "其余行导入后应与规范 CSV 完全一致。",
        "These rows are EXTRA rows (no real record was replaced): an import must reject them, and the",
        "remaining rows must give exactly the same data as the canonical CSVs.",
        "Line numbers are physical lines of the file (CSV, counting the title and header lines) or the",
        "sheet row number (xlsx).",
        "",
        "| 文件 / file | 行 / line | 问题 | problem |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{b.file}` | {b.line} | {b.zh} | {b.en} |" for b in bad]
    lines += [
        "",
        "## 不是错误、但要注意的数据 / Not errors, but worth knowing",
        "",
        "- 里程回退（录入错误）：下列工单的进厂里程低于该车上一次进厂里程；应保留并标记，不用于里程推算。",
        "  Odometer rollbacks (typos): these visits have a lower mileage than the car's previous visit;",
        "  they are valid rows, to be kept and flagged, and left out of the mileage projection.",
        "",
    ]
    lines += [f"  - `{t.ro_number}` ({t.vin}, {t.date.isoformat()}): {t.note}" for t in data.typos]
    lines += [
        "- 约 10% 的车辆没有服务顾问；少数客户没有生日。 About 10% of vehicles have no service advisor;",
        "  a few customers have no birthday.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_messy(data: DataSet, out: Path, seed: int) -> list[BadRow]:
    """Write the messy DMS export to ``out`` and return the deliberately bad rows."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    bad: list[BadRow] = []
    vins = {v.vin for v in data.vehicles}
    write_messy_customers(rng, data, out / "客户档案.csv", bad)
    write_messy_vehicles(rng, data, out / "车辆信息.xlsx", bad, vins)
    write_messy_visits(rng, data, out / "维修记录.csv", bad)
    write_messy_readme(data, out / "README.md", bad)
    return bad


# --------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Generate the sample data of 广州天河店 and its DMS export.")
    parser.add_argument("--today", type=shared.parse_date, default=DEFAULT_TODAY, help="fixed 'today'")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: sample_data)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--messy", action="store_true", help="accepted; the export is always written")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    data = build(args.today, args.seed)
    write_canonical(data, args.out)
    bad = write_messy(data, args.out / "dms_export", args.seed)
    maint = sum(1 for v in data.vehicles if not any(x.kind == "maintenance" for x in v.visits))
    print(
        f"{len(data.customers)} customers, {len(data.vehicles)} vehicles, {len(data.visits)} visits "
        f"({maint} cars without a maintenance visit) -> {args.out}"
    )
    print(f"messy export with {len(bad)} deliberately bad rows -> {args.out / 'dms_export'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
