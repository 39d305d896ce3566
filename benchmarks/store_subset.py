"""One store's rows of a generated group: the database "that holds only a store of that size".

Issue 17 compares `due --store S` on the group's database with `due` on a database holding only
store S (the same customers, vehicles and visits). The subset is cut from the group's own CSVs, so
both databases hold exactly the same rows of S.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path


def largest_store(customers_csv: Path) -> str:
    """The store with the most customers."""
    with customers_csv.open(encoding="utf-8-sig", newline="") as f:
        counts = Counter(row["store"] for row in csv.DictReader(f))
    return counts.most_common(1)[0][0]


def write_store_subset(src: Path, out: Path, store: str) -> dict[str, int]:
    """Write customers / vehicles / visits of `store`'s customers from `src` into `out`; row counts."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    customers: set[str] = set()
    vins: set[str] = set()

    def copy(name: str, keep: Callable[[dict[str, str]], bool]) -> None:
        with (src / f"{name}.csv").open(encoding="utf-8-sig", newline="") as f, \
                (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as g:
            reader = csv.DictReader(f)
            writer = csv.DictWriter(g, fieldnames=reader.fieldnames or [])
            writer.writeheader()
            n = 0
            for row in reader:
                if keep(row):
                    writer.writerow(row)
                    n += 1
            counts[name] = n

    def keep_customer(row: dict[str, str]) -> bool:
        if row["store"] == store:
            customers.add(row["customer_id"])
            return True
        return False

    def keep_vehicle(row: dict[str, str]) -> bool:
        if row["customer_id"] in customers:
            vins.add(row["vin"])
            return True
        return False

    copy("customers", keep_customer)
    copy("vehicles", keep_vehicle)
    copy("visits", lambda row: row["vin"] in vins)
    return counts
