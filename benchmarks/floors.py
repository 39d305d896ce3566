"""Two reference floors for `lifecycle import`, measured on the same files as the benchmark.

The issue compares the import with the sqlite3 shell's `.import`, a C program. These floors
say how much of that gap any Python import has before it does any of the import's work, so
a missed ratio can be read (and a target set) against what the language allows:

    python benchmarks/floors.py load NEW.db customers.csv vehicles.csv visits.csv
        csv.reader -> sqlite3 executemany of the raw text, in one transaction, into tables
        made from the headers (what `.import` does, through the interpreter): the cheapest
        way Python can move those bytes into SQLite, with no parsing, checks or keys.

    python benchmarks/floors.py state vehicles.csv visits.csv
        the projection state of every vehicle (the function the import stores it with,
        `lifecycle_cli.store.state.vehicle_state`, over the rules core) from facts already
        in memory: no database, no file parsing beyond building the facts. The issue requires
        the state to be computed at import time by the rules core, so this is a floor of
        every import that does so in Python.

Each prints one JSON line (rows, seconds of the measured part). `run.py` runs them as
steps of their own (fresh process, peak memory) next to the `.import` floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
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


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def state(vehicles: Path, visits: Path) -> dict[str, object]:
    """Build the vehicles' facts from the canonical CSVs in batches; time only vehicle_state over them."""
    from lifecycle_cli.core.rules import load_rules
    from lifecycle_cli.core.schedule import VehicleFacts, VisitFact
    from lifecycle_cli.store.state import vehicle_state

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
    p_state = sub.add_parser("state", help="the rules core's projection state of every vehicle, in memory")
    p_state.add_argument("vehicles", type=Path)
    p_state.add_argument("visits", type=Path)
    args = parser.parse_args(argv)
    if args.floor == "load":
        if args.db.exists():
            parser.error(f"{args.db} exists: the load floor needs a new database")
        result = load(args.db, args.files)
    else:
        result = state(args.vehicles, args.visits)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
