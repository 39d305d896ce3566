"""The rows that hold given line digests (ingest/digests.py): what a re-import asks, a chunk of a
file's lines at a time, before it parses them. One indexed lookup per chunk of digests; the rows
come back with what their natural key is made of."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.engine import Connection

from lifecycle_cli.store.bulk import DIGEST_COLUMN, chunks, in_keys
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES, VISITS

__all__ = ["customers_by_digest", "digest_index", "has_digest_index", "vehicles_by_digest", "visits_by_digest"]

# SQLite reads a chunk's digests from one JSON parameter: {digests} in these queries.
_IN_JSON = "IN (SELECT value FROM json_each(?))"


def digest_index(table: str) -> str:
    """The name of a table's index on its line digests."""
    return f"ix_{table}_{DIGEST_COLUMN}"


def has_digest_index(conn: Connection, table: str) -> bool:
    """Whether the table's digest index is there (an import that defers its indexes has dropped it:
    looking digests up then would read the whole table per chunk)."""
    return digest_index(table) in {ix["name"] for ix in inspect(conn).get_indexes(table)}


def _by_digest(conn: Connection, sqlite: str, query: Select[Any], column: Any,
               digests: Sequence[int]) -> list[tuple[Any, ...]]:
    """The rows whose digest column is one of `digests`: on SQLite `sqlite` (one statement, the
    DB-API cursor, no result processing: a date comes back as its ISO text, which is what the
    callers make of it anyway), elsewhere the Core `query`, a chunk of digests at a time."""
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.driver_connection.execute(  # type: ignore[union-attr]
            sqlite.format(digests=_IN_JSON), (json.dumps(list(digests)),))
        return cursor.fetchall()
    out: list[tuple[Any, ...]] = []
    for part in chunks(sorted(set(digests))):
        out.extend(tuple(r) for r in conn.execute(query.where(in_keys(conn, column, part))))
    return out


def customers_by_digest(conn: Connection, digests: Sequence[int]) -> list[tuple[Any, ...]]:
    """(digest, customer_id) of the customers holding the digests."""
    c = CUSTOMERS.c
    return _by_digest(conn, "SELECT line_digest, customer_id FROM customer WHERE line_digest {digests}",
                      select(c.line_digest, c.customer_id), c.line_digest, digests)


def vehicles_by_digest(conn: Connection, digests: Sequence[int]) -> list[tuple[Any, ...]]:
    """(digest, vin) of the vehicles holding the digests."""
    v = VEHICLES.c
    return _by_digest(conn, "SELECT line_digest, vin FROM vehicle WHERE line_digest {digests}",
                      select(v.line_digest, v.vin), v.line_digest, digests)


def visits_by_digest(conn: Connection, digests: Sequence[int]) -> list[tuple[Any, ...]]:
    """(digest, ro_number, vin, plate, visit_date, mileage_km) of the visits holding the digests."""
    s, v = VISITS.c, VEHICLES.c
    query = select(s.line_digest, s.ro_number, v.vin, v.plate, s.visit_date, s.mileage_km).join_from(
        VISITS, VEHICLES, s.vehicle_pk == v.id)
    return _by_digest(conn, "SELECT s.line_digest, s.ro_number, v.vin, v.plate, s.visit_date, s.mileage_km "
                            "FROM visit s JOIN vehicle v ON v.id = s.vehicle_pk WHERE s.line_digest {digests}",
                      query, s.line_digest, digests)
