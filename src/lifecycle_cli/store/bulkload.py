"""Large imports: the secondary indexes of the tables being loaded are built once, at the end.

Inserting a million rows into a table that carries a dozen indexes updates every index at
random places, row by row; building an index afterwards is one sort. For an import that at
least doubles a table, its secondary indexes (the ones `due` and `report` read through, not
the ones the import itself looks rows up by) are dropped inside the import's transaction and
created again before it commits. SQLite and PostgreSQL both have transactional DDL, so an
import that fails or is interrupted leaves the indexes exactly as they were.

On PostgreSQL dropping an index locks the table against readers until the commit, so there
it is done only for an empty table (a first import), where no desk is reading yet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Index, Table, func, inspect, select
from sqlalchemy.engine import Connection

from lifecycle_cli.steps import Steps, reported
from lifecycle_cli.store.db import begin_now
from lifecycle_cli.store.tables import CUSTOMERS, READINGS, VEHICLES, VISITS

# The indexes the import queries by (natural keys, owners, plates, a vehicle's visits): always kept.
IMPORT_LOOKUPS = frozenset({
    "ix_customer_customer_id",
    "ix_vehicle_vin",
    "ix_vehicle_customer_pk",
    "ix_vehicle_plate",
    "ix_visit_ro_number",
    "ix_visit_natural",
})
# The tables an import loads in bulk.
BULK_TABLES: tuple[Table, ...] = (CUSTOMERS, VEHICLES, VISITS)
# A conservative bytes-per-row of the export files (real rows are 60-130 bytes): the estimate
# of incoming rows errs low, so an incremental re-import of a big store never rebuilds indexes.
BYTES_PER_ROW = 256


def deferrable(table: Table) -> list[Index]:
    """The table's secondary indexes the import does not read through (non-unique, not a lookup)."""
    return sorted((ix for ix in table.indexes if not ix.unique and ix.name not in IMPORT_LOOKUPS),
                  key=lambda ix: str(ix.name))


def tables_of(index_names: Collection[str]) -> set[str]:
    """The tables these (deferred) indexes belong to."""
    return {table.name for table in BULK_TABLES for ix in table.indexes if ix.name in index_names}


def worth_deferring(conn: Connection, table: Table, incoming_rows: int) -> bool:
    """Whether loading about `incoming_rows` rows at least doubles the table (PostgreSQL: only an empty one)."""
    if incoming_rows <= 0:
        return False
    stored = conn.execute(select(func.count()).select_from(select(table.c.id).limit(incoming_rows + 1)
                                                           .subquery())).scalar_one()
    if conn.dialect.name != "sqlite":
        return stored == 0
    return stored <= incoming_rows


@contextmanager
def indexes_deferred(conn: Connection, incoming: Mapping[str, int],
                     steps: Steps | None = None) -> Iterator[list[str]]:
    """Drop the deferrable indexes of the tables this import at least doubles; rebuild them on success.

    `incoming` maps a table name to the estimated rows the import brings. Yields the names of
    the indexes that are deferred. On an exception the indexes are not rebuilt here: the
    caller rolls the transaction back, which restores them.
    """
    tables = [t for t in BULK_TABLES if worth_deferring(conn, t, incoming.get(t.name, 0))]
    deferred: list[Index] = []
    if tables:
        begin_now(conn)  # the DROPs must belong to the import's transaction
    for table in tables:
        present = {ix["name"] for ix in inspect(conn).get_indexes(table.name)}
        deferred += [ix for ix in deferrable(table) if ix.name in present]
    for ix in deferred:
        ix.drop(conn)
    yield [str(ix.name) for ix in deferred]
    for (ix,) in reported(([ix] for ix in deferred), len(deferred), "建立索引（个）", steps):
        ix.create(conn)
    if deferred and conn.dialect.name == "postgresql":
        # The planner has no statistics for the tables a first import filled until autovacuum's next
        # round (a minute or more): the first report after a 1M import ran 213 s against 10 s once they
        # were there. ANALYZE samples each table (~30,000 rows), inside this transaction.
        conn.exec_driver_sql(f"ANALYZE {', '.join(t.name for t in (*BULK_TABLES, READINGS))}")
