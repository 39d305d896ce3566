#!/usr/bin/env python3
"""Generate large, deterministic canonical CSVs (customers, vehicles, visits) for scale tests.

Usage::

    python benchmarks/generate.py N OUTDIR [--today 2026-11-23] [--seed 1123]

Writes OUTDIR/customers.csv, OUTDIR/vehicles.csv and OUTDIR/visits.csv for N vehicles,
about 0.85*N customers over 20 stores and about 1.5 visits per vehicle.  Rows are streamed
to disk in chunks, so memory stays flat; N = 1,000,000 takes well under a minute.

This module also holds the helpers shared with ``sample_data/generate.py`` (VIN check
digits, model table, name pools, mobile prefixes, store names), which loads it by path.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

DEFAULT_TODAY = dt.date(2026, 11, 23)
DEFAULT_SEED = 1123
CHUNK_ROWS = 20_000

# --------------------------------------------------------------------------- VINs (ISO 3779)
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # 33 characters: no I, O, Q
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_VALUES: dict[str, int] = {str(i): i for i in range(10)} | {
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}  # fmt: skip
MODEL_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY"  # 2010 .. 2030
CHECK_CHARS = "0123456789X"


def vin_check_digit(vin: str) -> str:
    """Return the ISO 3779 check character (position 9) for a 17-character VIN."""
    total = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def with_check_digit(vin: str) -> str:
    """Return ``vin`` with position 9 replaced by its correct check character."""
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def vin_is_valid(vin: str) -> bool:
    """Tell whether ``vin`` is 17 legal characters with a correct check digit."""
    return len(vin) == 17 and all(c in VIN_VALUES for c in vin) and vin[8] == vin_check_digit(vin)


def model_year_code(year: int) -> str:
    """Return the VIN position-10 model-year code for 2010-2030."""
    return MODEL_YEAR_CODES[year - 2010]


# --------------------------------------------------------------------------- models
# (name, WMI + first VDS chars (6), model code (VIN pos 7-8), first delivery, last delivery, weight)
MODELS: tuple[tuple[str, str, str, dt.date, dt.date, int], ...] = (
    ("CX-5", "LVRHDA", "3K", dt.date(2015, 1, 1), dt.date(2099, 12, 31), 30),
    ("Mazda3 昂克赛拉", "LVRHDA", "2B", dt.date(2015, 1, 1), dt.date(2099, 12, 31), 28),
    ("CX-30", "LVRHDA", "5D", dt.date(2020, 1, 1), dt.date(2099, 12, 31), 14),
    ("CX-4", "LFPWDD", "4A", dt.date(2016, 6, 1), dt.date(2023, 12, 31), 16),
    ("Mazda6 阿特兹", "LFPWDD", "6G", dt.date(2015, 1, 1), dt.date(2023, 12, 31), 12),
    ("EZ-6", "LVRHDA", "8E", dt.date(2024, 10, 1), dt.date(2099, 12, 31), 22),
)
NEV_MODELS = frozenset({"EZ-6"})


def models_available(day: dt.date) -> list[int]:
    """Return model indexes sold on ``day``, each repeated by its weight (a sampling pool)."""
    pool: list[int] = []
    for i, (_name, _wmi, _code, first, last, weight) in enumerate(MODELS):
        if first <= day <= last:
            pool.extend([i] * weight)
    return pool


# --------------------------------------------------------------------------- people
SURNAMES = (
    "王王王王李李李李张张张张刘刘刘陈陈陈杨杨黄黄赵赵吴周徐孙马朱胡郭何高林林罗郑梁梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
    "闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧麦冼区关植伍"
)
COMPOUND_SURNAMES = ("欧阳", "司徒", "上官", "诸葛")
MALE_GIVEN = "伟强磊军洋勇杰涛明超辉刚平鹏华飞鑫波斌宇浩凯健俊帆锋建国志坚文彬晨宏亮东海峰龙振家豪子轩然"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀玲燕婷雪慧莹琳颖倩晶洁欣怡佳蕾梅兰凤红月琴素云薇璐晓思雨诗涵梦瑶嘉"
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "193", "195", "196", "198", "199",
)  # fmt: skip


def make_name(rng: random.Random, male: bool) -> str:
    """Return a plausible Chinese full name (surname + one or two given characters)."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
    chars = MALE_GIVEN if male else FEMALE_GIVEN
    given = rng.choice(chars) if rng.random() < 0.35 else rng.choice(chars) + rng.choice(chars)
    return surname + given


# --------------------------------------------------------------------------- stores
# (store name, plate prefix, relative size)
STORES: tuple[tuple[str, str, int], ...] = (
    ("广州天河店", "粤A", 9), ("广州白云店", "粤A", 7), ("广州番禺店", "粤A", 6), ("深圳南山店", "粤B", 9),
    ("深圳福田店", "粤B", 7), ("深圳龙岗店", "粤B", 6), ("佛山禅城店", "粤E", 6), ("东莞南城店", "粤S", 6),
    ("珠海香洲店", "粤C", 4), ("中山石岐店", "粤T", 4), ("惠州惠城店", "粤L", 4), ("江门蓬江店", "粤J", 3),
    ("汕头龙湖店", "粤D", 3), ("湛江赤坎店", "粤G", 3), ("长沙岳麓店", "湘A", 5), ("武汉江汉店", "鄂A", 5),
    ("南宁青秀店", "桂A", 4), ("福州鼓楼店", "闽A", 4), ("厦门思明店", "闽D", 4), ("海口龙华店", "琼A", 3),
)  # fmt: skip
PHONE_MULT = 2_654_435_761  # coprime with 2, 5 and 7, so phone numbers derived from a counter are unique
PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 34: plates skip I and O


# --------------------------------------------------------------------------- dates
def replace_year(day: dt.date, year: int) -> dt.date:
    """Return ``day`` in ``year``; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def next_anniversary(start: dt.date, today: dt.date) -> dt.date:
    """Return the first anniversary of ``start`` (a year or more after it) on or after ``today``."""
    year = max(start.year + 1, today.year)
    ann = replace_year(start, year)
    if ann < today:
        ann = replace_year(start, year + 1)
    return ann


def last_anniversary(start: dt.date, today: dt.date) -> dt.date | None:
    """Return the latest anniversary of ``start`` strictly before ``today`` (None if none)."""
    ann = replace_year(start, today.year)
    if ann >= today:
        ann = replace_year(start, today.year - 1)
    return ann if ann.year > start.year else None


def inspection_due(delivery: dt.date, today: dt.date) -> dt.date:
    """Return the next 年审 due date: every 2 years up to 10 years of age, yearly after, at month end."""
    year = delivery.year + 2
    while True:
        ann = replace_year(delivery, year)
        due = (ann.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if due >= today:
            return due
        year += 2 if year - delivery.year < 10 else 1


def parse_date(text: str) -> dt.date:
    """Parse an ISO ``YYYY-MM-DD`` date for argparse."""
    return dt.date.fromisoformat(text)


# --------------------------------------------------------------------------- bulk generator
CUSTOMER_HEADER = (
    "customer_id", "name", "phone", "birthday", "do_not_contact",
    "id_number", "gender", "referred_by", "store",
)  # fmt: skip
VEHICLE_HEADER = (
    "vin", "customer_id", "plate", "model", "delivery_date", "mileage_km", "mileage_date",
    "sales_consultant", "service_advisor", "store",
    "commercial_insurance_expiry", "compulsory_insurance_expiry", "inspection_due",
)  # fmt: skip
VISIT_HEADER = ("ro_number", "vin", "visit_date", "mileage_km", "kind", "amount", "advisor")


def _amounts(rng: random.Random, low: int, high: int, count: int = 512) -> list[str]:
    """Return ``count`` pre-formatted yuan amounts between ``low`` and ``high``."""
    out = []
    for _ in range(count):
        cents = rng.randint(low * 100, high * 100)
        out.append(f"{cents // 100}.{cents % 100:02d}")
    return out


def _open_csv(path: Path) -> tuple[TextIO, Any]:
    """Open ``path`` for writing UTF-8 CSV (no BOM, LF line ends); return (file, csv writer)."""
    fh = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
    return fh, csv.writer(fh, lineterminator="\n")


def write_customers(
    path: Path, n_customers: int, cust_store: bytes, today: dt.date, rng: random.Random
) -> None:
    """Stream ``n_customers`` customer rows to ``path``."""
    width = max(6, len(str(n_customers)))
    id_fmt = f"C%0{width}d"
    name_rng = random.Random(rng.random())
    male_names = [make_name(name_rng, True) for _ in range(20_000)]
    female_names = [make_name(name_rng, False) for _ in range(20_000)]
    lo_birth = replace_year(today, today.year - 66) + dt.timedelta(days=1)
    hi_birth = replace_year(today, today.year - 22)
    birthdays = [(lo_birth + dt.timedelta(i)).isoformat() for i in range((hi_birth - lo_birth).days + 1)]
    store_names = [s[0] for s in STORES]
    prefixes = MOBILE_PREFIXES
    phone_space = len(prefixes) * 100_000_000  # i -> (i * PHONE_MULT + c) mod space is a bijection
    n_male, n_female, n_birth = len(male_names), len(female_names), len(birthdays)
    rnd = rng.random
    fh, writer = _open_csv(path)
    with fh:
        writer.writerow(CUSTOMER_HEADER)
        buf: list[tuple[str, ...]] = []
        for i in range(n_customers):
            p, q = divmod((i * PHONE_MULT + 12_345_679) % phone_space, 100_000_000)
            phone = "%s%08d" % (prefixes[p], q)  # noqa: UP031
            r = rnd()
            if r < 0.62:
                name, gender = male_names[int(r / 0.62 * n_male)], "男"
            else:
                name, gender = female_names[int((r - 0.62) / 0.38 * n_female)], "女"
            r = rnd()
            referred = id_fmt % (int(r / 0.05 * i) + 1) if r < 0.05 and i else ""
            buf.append(
                (
                    id_fmt % (i + 1),
                    name,
                    phone,
                    birthdays[int(rnd() * n_birth)],
                    "1" if rnd() < 0.02 else "0",
                    "",
                    gender,
                    referred,
                    store_names[cust_store[i]],
                )
            )
            if len(buf) >= CHUNK_ROWS:
                writer.writerows(buf)
                buf.clear()
        writer.writerows(buf)


def _staff(rng: random.Random) -> tuple[list[list[str]], list[list[str]]]:
    """Return per-store pools of named sales consultants and service advisors ('' = none, ~10%)."""
    sales: list[list[str]] = []
    advisors: list[list[str]] = []
    for _ in STORES:
        names: list[str] = []
        while len(names) < 9:
            name = make_name(rng, rng.random() < 0.5)
            if name not in names:
                names.append(name)
        sales.append(names[:5])
        advisors.append(names[5:] * 9 + [""] * 4)  # 4 of 40 -> 10% without an advisor
    return sales, advisors


def write_vehicles_and_visits(
    out: Path, n: int, n_customers: int, cust_store: bytes, today: dt.date, rng: random.Random
) -> tuple[int, int]:
    """Stream ``n`` vehicle rows and their visits; return (vehicles, visits) written."""
    if n > 33_000_000:
        raise ValueError("at most 33,000,000 vehicles (VIN serials are derived from a counter)")
    width = max(6, len(str(n_customers)))
    id_fmt = f"C%0{width}d"
    start = replace_year(today, today.year - 11)
    ndays = (today - start).days  # delivery/visit day indexes 0 .. ndays-1 (= today - 1)
    days = [start + dt.timedelta(i) for i in range(ndays)]
    iso = [d.isoformat() for d in days]
    compact = [d.strftime("%Y%m%d") for d in days]
    model_pool = [models_available(d) for d in days]
    year_chars = [model_year_code(min(d.year + (1 if d.month >= 11 else 0), 2030)) for d in days]
    year_sum = [VIN_VALUES[c] * 9 for c in year_chars]
    next_ann = [next_anniversary(d, today).isoformat() for d in days]
    lapsed = [(last_anniversary(d, today) or d).isoformat() for d in days]
    inspect = [inspection_due(d, today).isoformat() for d in days]
    model_names = [m[0] for m in MODELS]
    is_nev = [m[0] in NEV_MODELS for m in MODELS]
    heads = [m[1] + m[2] for m in MODELS]  # VIN positions 1-8
    head_sum = [sum(VIN_VALUES[c] * w for c, w in zip(h, VIN_WEIGHTS, strict=False)) for h in heads]
    plants = VIN_CHARS[::-1]  # position 11 = plant code; (counter // 1e6) picks it
    plant_sum = [VIN_VALUES[c] * 8 for c in plants]
    digits3 = [f"{i:03d}" for i in range(1000)]
    hi_sum = [int(s[0]) * 7 + int(s[1]) * 6 + int(s[2]) * 5 for s in digits3]
    lo_sum = [int(s[0]) * 4 + int(s[1]) * 3 + int(s[2]) * 2 for s in digits3]
    pc = PLATE_CHARS
    plate2 = [a + b for a in pc for b in pc]
    plate3 = [a + b for a in pc for b in plate2]
    nev2 = [a + b for a in "DF" for b in pc]  # new-energy: D/F + letter-or-digit + 4 digits
    digits4 = [f"{i:04d}" for i in range(10_000)]
    plate_mod = len(pc) ** 5
    nev_mod = len(nev2) * 10_000
    store_names = [s[0] for s in STORES]
    store_plate = [s[1] for s in STORES]
    staff_rng = random.Random(rng.random())
    sales_pool, advisor_pool = _staff(staff_rng)
    all_advisors = [[a for a in pool if a] for pool in advisor_pool]
    daily_pool = [15 + 105 * rng.betavariate(1.6, 3.5) for _ in range(960)]
    daily_pool += [rng.uniform(150, 250) for _ in range(40)]  # 4% heavy users
    n_daily = len(daily_pool)
    nvis_pool = [0] * 14 + [1] * 34 + [2] * 30 + [3] * 16 + [4] * 6
    n_nvis = len(nvis_pool)
    kinds = ["maintenance"] * 80 + ["repair"] * 10 + ["warranty"] * 5 + ["accident"] * 5
    n_kinds = len(kinds)
    amounts = {
        "maintenance": _amounts(rng, 280, 1600),
        "repair": _amounts(rng, 150, 6000),
        "warranty": ["0.00"],
        "accident": _amounts(rng, 800, 25_000),
    }
    day_seq = [1] * ndays
    rnd = rng.random
    n_visits = 0
    vfh, vwriter = _open_csv(out / "vehicles.csv")
    sfh, swriter = _open_csv(out / "visits.csv")
    with vfh, sfh:
        vwriter.writerow(VEHICLE_HEADER)
        swriter.writerow(VISIT_HEADER)
        vbuf: list[tuple[object, ...]] = []
        sbuf: list[tuple[object, ...]] = []
        nev_counter = 0
        for c in range(n):
            d = int(rnd() * ndays)
            pool = model_pool[d]
            m = pool[int(rnd() * len(pool))]
            high, serial = divmod(c, 1_000_000)
            hi, lo = divmod(serial, 1000)
            check = CHECK_CHARS[(head_sum[m] + year_sum[d] + plant_sum[high] + hi_sum[hi] + lo_sum[lo]) % 11]
            vin = heads[m] + check + year_chars[d] + plants[high] + digits3[hi] + digits3[lo]
            cust = c if c < n_customers else int(rnd() * n_customers)
            s = cust_store[cust]
            if is_nev[m]:
                x = (nev_counter * 7_919 + 4_321) % nev_mod
                nev_counter += 1
                plate = store_plate[s] + nev2[x // 10_000] + digits4[x % 10_000]
            else:
                x = (c * 7_777_777 + 123_457) % plate_mod
                plate = store_plate[s] + plate3[x // 1156] + plate2[x % 1156]
            daily = daily_pool[int(rnd() * n_daily)]
            r = rnd()
            if r < 0.3 and d < ndays - 1:
                md = d + 1 + int((ndays - 2 - d) * rnd())
                km: object = int(daily * (md - d))
                mdate = iso[md]
            else:
                km = mdate = ""
            advisor = advisor_pool[s][int(rnd() * 40)]
            r = rnd()
            if r < 0.65:
                commercial = compulsory = next_ann[d]
            elif r < 0.8:
                commercial = compulsory = lapsed[d]
            else:
                commercial = compulsory = ""
            vbuf.append(
                (
                    vin,
                    id_fmt % (cust + 1),
                    plate,
                    model_names[m],
                    iso[d],
                    km,
                    mdate,
                    sales_pool[s][int(rnd() * 5)],
                    advisor,
                    store_names[s],
                    commercial,
                    compulsory,
                    inspect[d] if rnd() < 0.5 else "",
                )
            )
            k = nvis_pool[int(rnd() * n_nvis)]
            if k:
                v = d + 80 + int(rnd() * 60)
                last = d
                odo = 0.0
                if not advisor:
                    pool_a = all_advisors[s]
                    advisor = pool_a[int(rnd() * len(pool_a))]
                while k and v < ndays:
                    odo += daily * (v - last) * (0.85 + 0.3 * rnd())
                    last = v
                    kind = kinds[int(rnd() * n_kinds)]
                    if kind == "warranty" and (v - d > 1095 or odo >= 60_000):
                        kind = "repair"
                    am = amounts[kind]
                    seq = day_seq[v]
                    day_seq[v] = seq + 1
                    sbuf.append(
                        (
                            "RO%s%05d" % (compact[v], seq),  # noqa: UP031
                            vin,
                            iso[v],
                            int(odo),
                            kind,
                            am[int(rnd() * len(am))],
                            advisor,
                        )
                    )
                    v += 150 + int(rnd() * 60)
                    k -= 1
            if len(vbuf) >= CHUNK_ROWS:
                vwriter.writerows(vbuf)
                vbuf.clear()
                n_visits += len(sbuf)
                swriter.writerows(sbuf)
                sbuf.clear()
        vwriter.writerows(vbuf)
        swriter.writerows(sbuf)
        n_visits += len(sbuf)
    return n, n_visits


def generate(n: int, out: Path, today: dt.date = DEFAULT_TODAY, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the three CSV files for ``n`` vehicles into ``out``; return row counts."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:{n}:{today.isoformat()}")
    n_customers = max(1, round(n * 0.85))
    store_weights = [s[2] for s in STORES]
    cust_store = bytes(rng.choices(range(len(STORES)), weights=store_weights, k=n_customers))
    write_customers(out / "customers.csv", n_customers, cust_store, today, random.Random(rng.random()))
    vehicles, visits = write_vehicles_and_visits(
        out, n, n_customers, cust_store, today, random.Random(rng.random())
    )
    return {"customers": n_customers, "vehicles": vehicles, "visits": visits}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Generate large canonical CSVs for scale tests.")
    parser.add_argument("n", type=int, help="number of vehicles")
    parser.add_argument("outdir", type=Path, help="output directory")
    parser.add_argument("--today", type=parse_date, default=DEFAULT_TODAY, help="fixed 'today' (YYYY-MM-DD)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    started = time.perf_counter()
    counts = generate(args.n, args.outdir, args.today, args.seed)
    elapsed = time.perf_counter() - started
    for name, count in counts.items():
        path = args.outdir / f"{name}.csv"
        print(f"{path}: {count:,} rows, {path.stat().st_size / 1e6:,.1f} MB")
    print(f"done in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
