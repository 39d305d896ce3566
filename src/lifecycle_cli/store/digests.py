"""The rows that hold given line digests (ingest/digests.py): what a re-import asks, a chunk of a
file's lines at a time, before it parses them; the rows come back as their natural keys. The digest
indexes are (line_digest, the natural key's column): a lookup reads the index only (store/models.py).

On SQLite a file exported in the order of its first import (the nightly full export) finds its rows
in order too: a `Nearby` per file remembers the id after the row of the previous chunk's last line,
the next chunk's rows are read from there by id (a table read in order, ~5x cheaper at a million
rows than an index seek per digest), and only the digests not found there are asked of the index.
The answer is the same either way: the rows holding the chunk's digests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from lifecycle_cli.store.bulk import DIGEST_COLUMN, chunks, in_keys
from lifecycle_cli.store.keyed import driver
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES, VISITS

__all__ = ["Nearby", "customers_by_digest", "digest_index", "vehicles_by_digest", "visits_by_digest"]

# SQLite reads a chunk's digests from one JSON parameter: {digests} in these queries.
_IN_JSON = "IN (SELECT value FROM json_each(?))"
_BY_ID = "id BETWEEN ? AND ?"


def digest_index(table: str) -> str:
    """The name of a table's index on its line digests."""
    return f"ix_{table}_{DIGEST_COLUMN}"


class Nearby:
    """Where a file's next rows probably are (SQLite): the id after the row of the last line found.
    A chunk whose id range held under a quarter of its rows (a file in another order) makes the
    next `PAUSE` chunks ask the index alone."""

    PAUSE = 8

    def __init__(self) -> None:
        self.start: int | None = None  # None: not known yet (the first chunk asks the index)
        self.paused = 0

    def span(self, digests: Sequence[int]) -> tuple[int, int] | None:
        """The ids to read for a chunk of digests (room for rows whose lines left the file), or None."""
        if self.start is None or self.paused:
            self.paused = max(self.paused - 1, 0)
            return None
        return self.start, self.start + len(digests) + len(digests) // 8 + 64

    def follow(self, digests: Sequence[int], found: dict[int, tuple[int, str]], from_range: int) -> None:
        """After a chunk: start after the row of its last line that has one; pause when the range
        read found little."""
        for digest in reversed(digests):
            hit = found.get(digest)
            if hit is not None:
                self.start = hit[0] + 1
                break
        if from_range * 4 < len(found):
            self.paused = self.PAUSE


def _by_digest(conn: Connection, sqlite: str, query: Select[Any], column: Any, digests: Sequence[int],
               key: Callable[[tuple[Any, ...]], str] | None = None, near: Nearby | None = None) -> dict[int, str]:
    """Digest -> natural key of the rows whose digest column is one of `digests`: on SQLite `sqlite`
    (a statement giving (id, digest, key) with {where} to fill: by id range, else by the digests),
    through the DB-API cursor, no result processing; elsewhere the Core `query`, a chunk of digests at
    a time, each row's key made by `key` (default: its second column)."""
    if conn.dialect.name == "sqlite":
        raw = driver(conn)
        found: dict[int, tuple[int, str]] = {}
        span = near.span(digests) if near is not None else None
        if span is not None:
            wanted = set(digests)
            for row_id, digest, natural in raw.execute(sqlite.format(where=_BY_ID), span):
                if digest in wanted:
                    found[digest] = (row_id, natural)
        from_range = len(found)
        rest = [d for d in digests if d not in found] if found else list(digests)
        if rest:
            where = f"line_digest {_IN_JSON}"
            for row_id, digest, natural in raw.execute(sqlite.format(where=where), (json.dumps(rest),)):
                found[digest] = (row_id, natural)
        if near is not None:
            near.follow(digests, found, from_range if span is not None else len(found))
        return {digest: natural for digest, (_, natural) in found.items()}
    out: dict[int, str] = {}
    for part in chunks(sorted(set(digests))):
        for r in conn.execute(query.where(in_keys(conn, column, part))):
            out[r[0]] = r[1] if key is None else key(tuple(r))
    return out


def customers_by_digest(conn: Connection, digests: Sequence[int], near: Nearby | None = None) -> dict[int, str]:
    """Digest -> customer_id of the customers holding the digests (the index covers both)."""
    c = CUSTOMERS.c
    return _by_digest(conn, "SELECT id, line_digest, customer_id FROM customer WHERE {where}",
                      select(c.line_digest, c.customer_id), c.line_digest, digests, near=near)


def vehicles_by_digest(conn: Connection, digests: Sequence[int], near: Nearby | None = None) -> dict[int, str]:
    """Digest -> VIN of the vehicles holding the digests (the index covers both)."""
    v = VEHICLES.c
    return _by_digest(conn, "SELECT id, line_digest, vin FROM vehicle WHERE {where}",
                      select(v.line_digest, v.vin), v.line_digest, digests, near=near)


def visits_by_digest(conn: Connection, digests: Sequence[int], by_vin: bool,
                     near: Nearby | None = None) -> dict[int, str]:
    """Digest -> natural key of the visits holding the digests: the work-order number, else the car
    (its VIN, or its plate when `by_vin` is false), the date and the km, as Visits.natural_key makes
    it ('None' for a car without a plate, as Python writes it). The index covers the digest and the
    work-order number: the car is read only for a visit without one."""
    s, v = VISITS.c, VEHICLES.c
    car = "vin" if by_vin else "coalesce(plate, 'None')"
    query = select(s.line_digest, s.ro_number, v.vin, v.plate, s.visit_date, s.mileage_km).join_from(
        VISITS, VEHICLES, s.vehicle_pk == v.id)

    def key(row: tuple[Any, ...]) -> str:
        _, ro, vin, plate, day, km = row
        return str(ro or f"{vin if by_vin else plate}|{day}|{km}")

    return _by_digest(conn, "SELECT id, line_digest, CASE WHEN ro_number IS NULL OR ro_number = '' THEN "
                            f"(SELECT {car} FROM vehicle WHERE vehicle.id = vehicle_pk) || '|' || visit_date "
                            "|| '|' || mileage_km ELSE ro_number END FROM visit WHERE {where}",
                      query, s.line_digest, digests, key, near)
