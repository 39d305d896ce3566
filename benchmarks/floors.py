"""Three reference floors for `lifecycle import`, measured on the same files as the benchmark.

The issue compares the import with the sqlite3 shell's `.import`, a C program. These floors
say how much of that gap any Python import has before it does any of the import's work, so
a missed ratio can be read (and a target set) against what the language allows:

    python benchmarks/floors.py load NEW.db customers.csv vehicles.csv visits.csv
        csv.reader -> sqlite3 executemany of the raw text, in one transaction, into tables
        made from the headers (what `.import` does, through the interpreter): the cheapest
        way Python can move those bytes into SQLite, with no parsing, checks or keys.

    python benchmarks/floors.py state vehicles.csv visits.csv
        the projection state of every vehicle (the function the import stores it with,
        `lifecycle_cli.store.vehicle_state.vehicle_state`, over the rules core) from facts already
        in memory: no database, no file parsing beyond building the facts. The issue requires
        the state to be computed at import time by the rules core, so this is a floor of
        every import that does so in Python.

    python benchmarks/floors.py checks customers.csv vehicles.csv visits.csv
        csv.reader and the least check of every cell any import must make (data-formats.md):
        dates by date.fromisoformat, numbers by int / Decimal, VINs and mobile numbers by one
        precompiled regular expression, the rest stripped; each row made a tuple of its values.
        No database, no messages, no keys: the cheapest reading of the values in Python.

Each prints one JSON line (rows, seconds of the measured part). `run.py` runs them as
steps of their own (fresh process, peak memory) next to the `.import` floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

BATCH = 10_000


def load(db: Path, files: Sequence[Path]) -> dict[str, object]:
    """Load each CSV as text into a table named after the file; return rows and seconds."""
    started = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    rows = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            columns = ", ".join(f'"{c}" TEXT' for c in header)
            conn.execute(f'CREATE TABLE "{path.stem}" ({columns})')
            sql = f'INSERT INTO "{path.stem}" VALUES ({", ".join("?" * len(header))})'
            batch: list[list[str]] = []
            for record in reader:
                batch.append(record)
                if len(batch) >= BATCH:
                    conn.executemany(sql, batch)
                    rows += len(batch)
                    batch = []
            conn.executemany(sql, batch)
            rows += len(batch)
    conn.execute("COMMIT")
    conn.close()
    return {"floor": "python_load", "rows": rows, "seconds": round(time.perf_counter() - started, 3)}


# The least check of a column by its header name (the canonical export's); a column not named here is text.
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _checked_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _checked_int(text: str) -> int | None:
    return int(text) if text else None


def _checked_amount(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _checked_vin(text: str) -> str:
    if _VIN.fullmatch(text) is None:
        raise ValueError(text)
    return text


def _checked_mobile(text: str) -> str | None:
    if text and _MOBILE.fullmatch(text) is None:
        raise ValueError(text)
    return text or None


def _checked_text(text: str) -> str | None:
    return text.strip() or None


CHECKS: dict[str, Callable[[str], object]] = {
    "birthday": _checked_date, "delivery_date": _checked_date, "mileage_date": _checked_date,
    "visit_date": _checked_date, "commercial_insurance_expiry": _checked_date,
    "compulsory_insurance_expiry": _checked_date, "inspection_due": _checked_date,
    "mileage_km": _checked_int, "do_not_contact": _checked_int, "amount": _checked_amount,
    "vin": _checked_vin, "phone": _checked_mobile,
}


def checks(files: Sequence[Path]) -> dict[str, object]:
    """Check every cell of each CSV by its column (CHECKS, else text); return rows and seconds."""
    started = time.perf_counter()
    rows = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            parsers = [CHECKS.get(name, _checked_text) for name in next(reader)]
            for record in reader:
                _ = tuple([parse(cell) for parse, cell in zip(parsers, record, strict=True)])
                rows += 1
    return {"floor": "value_checks", "rows": rows, "seconds": round(time.perf_counter() - started, 3)}


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def state(vehicles: Path, visits: Path) -> dict[str, object]:
    """Build the vehicles' facts from the canonical CSVs in batches; time only vehicle_state over them."""
    from lifecycle_cli.core.rules import load_rules
    from lifecycle_cli.core.schedule import VehicleFacts, VisitFact
    from lifecycle_cli.store.vehicle_state import vehicle_state

    rules = load_rules()
    history: dict[str, list[VisitFact]] = defaultdict(list)
    with visits.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day, km = date.fromisoformat(row["visit_date"]), int(row["mileage_km"])
            history[row["vin"]].append(VisitFact(row.get("ro_number") or f"{day}@{km}", day, km, row["kind"]))
    seconds = 0.0
    count = 0

    def run(batch: list[VehicleFacts]) -> float:
        started = time.perf_counter()
        for vehicle in batch:
            vehicle_state(vehicle, rules)
        return time.perf_counter() - started

    batch: list[VehicleFacts] = []
    with vehicles.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            odometer = row.get("mileage_km")
            batch.append(VehicleFacts(
                vin=row["vin"],
                delivery_date=date.fromisoformat(row["delivery_date"]),
                plate=row.get("plate") or None,
                row_reading=(_day(row.get("mileage_date", "")), int(odometer) if odometer else None),
                visits=tuple(sorted(history.pop(row["vin"], ()), key=lambda v: (v.date, v.km))),
                commercial_insurance_expiry=_day(row.get("commercial_insurance_expiry", "")),
                compulsory_insurance_expiry=_day(row.get("compulsory_insurance_expiry", "")),
                inspection_due=_day(row.get("inspection_due", "")),
            ))
            if len(batch) >= BATCH:
                seconds += run(batch)
                count += len(batch)
                batch = []
    seconds += run(batch)
    count += len(batch)
    return {"floor": "rules_state", "rows": count, "seconds": round(seconds, 3)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="floor", required=True)
    p_load = sub.add_parser("load", help="csv.reader -> executemany of the raw text into a new database")
    p_load.add_argument("db", type=Path)
    p_load.add_argument("files", type=Path, nargs="+")
    p_checks = sub.add_parser("checks", help="csv.reader and the least check of every cell, in memory")
    p_checks.add_argument("files", type=Path, nargs="+")
    p_state = sub.add_parser("state", help="the rules core's projection state of every vehicle, in memory")
    p_state.add_argument("vehicles", type=Path)
    p_state.add_argument("visits", type=Path)
    args = parser.parse_args(argv)
    if args.floor == "load":
        if args.db.exists():
            parser.error(f"{args.db} exists: the load floor needs a new database")
        result = load(args.db, args.files)
    elif args.floor == "checks":
        result = checks(args.files)
    else:
        result = state(args.vehicles, args.visits)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
