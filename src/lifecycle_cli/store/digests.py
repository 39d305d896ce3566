"""The rows that hold given line digests (ingest/digests.py): what a re-import asks, a chunk of a
file's lines at a time, before it parses them. One indexed lookup per chunk of digests; the rows
come back as their natural keys. The digest indexes are (line_digest, the natural key's column): a
lookup reads the index only (store/models.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from lifecycle_cli.store.bulk import DIGEST_COLUMN, chunks, in_keys
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES, VISITS

__all__ = ["customers_by_digest", "digest_index", "vehicles_by_digest", "visits_by_digest"]

# SQLite reads a chunk's digests from one JSON parameter: {digests} in these queries.
_IN_JSON = "IN (SELECT value FROM json_each(?))"


def digest_index(table: str) -> str:
    """The name of a table's index on its line digests."""
    return f"ix_{table}_{DIGEST_COLUMN}"


def _by_digest(conn: Connection, sqlite: str, query: Select[Any], column: Any, digests: Sequence[int],
               key: Callable[[tuple[Any, ...]], str] | None = None) -> dict[int, str]:
    """Digest -> natural key of the rows whose digest column is one of `digests`: on SQLite
    `sqlite` (one statement giving (digest, key), the DB-API cursor, no result processing), elsewhere
    the Core `query`, a chunk of digests at a time, each row's key made by `key` (default: its
    second column)."""
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            sqlite.format(digests=_IN_JSON), (json.dumps(digests),))
        return dict(cursor.fetchall())
    out: dict[int, str] = {}
    for part in chunks(sorted(set(digests))):
        for r in conn.execute(query.where(in_keys(conn, column, part))):
            out[r[0]] = r[1] if key is None else key(tuple(r))
    return out


def customers_by_digest(conn: Connection, digests: Sequence[int]) -> dict[int, str]:
    """Digest -> customer_id of the customers holding the digests (the index covers both)."""
    c = CUSTOMERS.c
    return _by_digest(conn, "SELECT line_digest, customer_id FROM customer WHERE line_digest {digests}",
                      select(c.line_digest, c.customer_id), c.line_digest, digests)


def vehicles_by_digest(conn: Connection, digests: Sequence[int]) -> dict[int, str]:
    """Digest -> VIN of the vehicles holding the digests (the index covers both)."""
    v = VEHICLES.c
    return _by_digest(conn, "SELECT line_digest, vin FROM vehicle WHERE line_digest {digests}",
                      select(v.line_digest, v.vin), v.line_digest, digests)


def visits_by_digest(conn: Connection, digests: Sequence[int], by_vin: bool) -> dict[int, str]:
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

    return _by_digest(conn, "SELECT line_digest, CASE WHEN ro_number IS NULL OR ro_number = '' THEN "
                            f"(SELECT {car} FROM vehicle WHERE id = vehicle_pk) || '|' || visit_date || '|' "
                            "|| mileage_km ELSE ro_number END FROM visit WHERE line_digest {digests}",
                      query, s.line_digest, digests, key)
