"""Large imports: the secondary indexes of the tables being loaded are built once, at the end.

Inserting a million rows into a table that carries a dozen indexes updates every index at
random places, row by row; building an index afterwards is one sort. For an import that at
least doubles a table, its secondary indexes (the ones `due` and `report` read through, not
the ones the import itself looks rows up by) are dropped inside the import's transaction and
created again before it commits. SQLite and PostgreSQL both have transactional DDL, so an
import that fails or is interrupted leaves the indexes exactly as they were.

On PostgreSQL dropping an index locks the table against readers until the commit, so there
it is done only for an empty table (a first import), where no desk is reading yet; there the
foreign keys such a table holds are dropped too and added back at the end, checked at once
(`links_dropped`), as SQLite's first load checks them once (`first_load`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, suppress

from sqlalchemy import Index, Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from lifecycle_cli.steps import Steps, reported
from lifecycle_cli.store.db import begin_now
from lifecycle_cli.store.keyed import DROPPED_LOOKUPS, driver
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
# The helper threads an import's sorts may use (sorting_on_disk).
SORT_THREADS = 4


def deferrable(table: Table) -> list[Index]:
    """The table's secondary indexes the import does not read through (non-unique, not a lookup)."""
    return sorted((ix for ix in table.indexes if not ix.unique and ix.name not in IMPORT_LOOKUPS),
                  key=lambda ix: str(ix.name))


def drop_present(conn: Connection, table: Table, indexes: list[Index]) -> list[Index]:
    """Drop those of `indexes` the table has now, inside the import's transaction; returns them."""
    present = {ix["name"] for ix in inspect(conn).get_indexes(table.name)}
    dropped = [ix for ix in indexes if ix.name in present]
    if dropped:
        begin_now(conn)  # the DROPs must belong to the import's transaction
    for ix in dropped:
        ix.drop(conn)
    return dropped


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


def lookups_of(table: Table) -> list[Index]:
    """The table's indexes the import reads rows through (IMPORT_LOOKUPS)."""
    return sorted((ix for ix in table.indexes if ix.name in IMPORT_LOOKUPS), key=lambda ix: str(ix.name))


@contextmanager
def lookups_built_after(conn: Connection, table: Table) -> Iterator[None]:
    """While one file lands into `table`, empty at the import's start and written by no earlier file of it:
    the indexes the import reads through are dropped, and built from the rows when the file ends.

    Its rows whose key the file names for the first time are new without a look (store/bulk._upsert's
    `fresh`); a read through a dropped index (a repeated key, an owner, a plate) builds that index first
    (store/keyed.lookup_ready), so nothing is ever read by a scan. Row by row at a million cars the
    VIN, plate and owner indexes cost 6.6 s more than building them after; the visits' work-order
    number and car 7.9 s. On an exception nothing is built: the caller rolls back, which restores them.
    PostgreSQL's first load also writes its cars' state inside it (store/state.refresh_vehicles: each row's
    new version would enter every index)."""
    dropped = {(table.name, next(iter(ix.columns)).name): ix for ix in drop_present(conn, table, lookups_of(table))}
    if not dropped:
        yield
        return
    conn.info[DROPPED_LOOKUPS] = dropped
    try:
        yield
    finally:
        conn.info.pop(DROPPED_LOOKUPS, None)
    for ix in dropped.values():  # the ones no read needed while the file landed
        ix.create(conn)


class FirstLoad:
    """What `first_load` did to the connection: `check_links()` before the commit."""

    def __init__(self, sqlite: sqlite3.Connection | None) -> None:
        self._unchecked = sqlite  # the connection whose links went unchecked, if any

    def check_links(self) -> None:
        """Every row's links (foreign keys) hold, checked at once: a row naming a missing one raises
        LinksBroken (the import rolls back). Nothing to do when they were checked as the rows landed."""
        if self._unchecked is not None:
            broken = self._unchecked.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                table, rowid, parent, _ = broken[0]
                raise LinksBroken(f"{len(broken)} 行的关联不存在（首个：{table} 第 {rowid} 行指向的 {parent}）")


def links_dropped(conn: Connection, tables: list[Table]) -> list[tuple[str, str, str]]:
    """PostgreSQL: drop the foreign keys these (empty) tables hold, inside the import's transaction;
    returns (table, constraint, its definition) of each, for links_added.

    A foreign key is checked by a trigger for every row that lands, a lookup in the parent's primary key
    per row: at 1M the cars' owners cost 4.5 s that way (6.9 s against 2.3 s for the rows alone), and
    0.65 s checked at once when the constraint is added after (one join). Only for the tables whose
    read-side indexes are dropped, which on PostgreSQL means empty ones (no desk reads them yet; the
    ALTER TABLE locks them until the commit)."""
    links: list[tuple[str, str, str]] = []
    for table in tables:
        found = conn.execute(text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                  "WHERE contype = 'f' AND conrelid = to_regclass(:table) ORDER BY conname"),
                             {"table": table.name}).all()
        for name, definition in found:
            begin_now(conn)
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"')
            links.append((table.name, name, definition))
    return links


def links_added(conn: Connection, links: list[tuple[str, str, str]]) -> None:
    """PostgreSQL: add back the foreign keys links_dropped took, each checked over all its rows at once; a
    row whose link does not hold raises LinksBroken (the import rolls back)."""
    for table, name, definition in links:
        try:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        except IntegrityError as exc:
            raise LinksBroken(f"{table} 的关联不存在（{name}：{str(exc.orig).splitlines()[0]}）") from None


class LinksBroken(Exception):
    """Rows of a first load whose links do not hold (a fault of the import, never of the files)."""


@contextmanager
def first_load(conn: Connection) -> Iterator[FirstLoad]:
    """SQLite: an import into a database whose customer, vehicle and visit tables are empty writes its
    pages in place under a rollback journal instead of appending them to the WAL, and checks its rows'
    links once at the end instead of row by row; enter it before the transaction begins and call
    check_links() before the commit. The WAL and the row-by-row checks come back after.

    Through the WAL a first import of a million cars wrote every page twice (the log, then the commit's
    checkpoint copying ~1.1 GB into the file: 5.7 s) and read them back through the log's index; in place
    the commit takes 0.3 s (the import 149.6 -> 142.5 s, system time 14.1 -> 7.7 s). The rollback journal
    holds the few pages the empty database had, so an interrupted import still leaves it as it was (a
    killed one: the next connection rolls the journal back). While such an import writes, a reader of
    the empty database waits for it (busy_timeout) instead of seeing nothing: no desk reads yet.

    A row's link (a car's owner, a visit's car) was looked up in its parent table as it landed: a
    million cars naming 850,000 owners in no order cost 2.2 s more with SQLite checking each (measured
    alone); the import names parents it found or made in the same transaction, and PRAGMA
    foreign_key_check over the whole database at the end (0.75 s at 1M) holds it to that."""
    if conn.dialect.name != "sqlite":
        yield FirstLoad(None)
        return
    sqlite = driver(conn)
    if any(sqlite.execute(f'SELECT 1 FROM "{t.name}" LIMIT 1').fetchall() for t in BULK_TABLES):
        yield FirstLoad(None)
        return
    try:
        (mode,) = sqlite.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.OperationalError:  # another connection holds the database: through the WAL as always
        mode = "wal"
    (checked,) = sqlite.execute("PRAGMA foreign_keys").fetchone()
    sqlite.execute("PRAGMA foreign_keys=OFF")
    try:
        yield FirstLoad(sqlite if checked else None)
    finally:
        # A transaction left open by an exception refuses these, and a Ctrl-C inside a statement makes
        # SQLAlchemy close the connection (sqlite3.ProgrammingError): either way it is dropped, and the next
        # connection gets store/db.py's settings.
        with suppress(sqlite3.Error):
            sqlite.execute(f"PRAGMA foreign_keys={int(checked)}")
            if mode == "delete":
                sqlite.execute("PRAGMA journal_mode=WAL").fetchall()


@contextmanager
def sorting_on_disk(conn: Connection) -> Iterator[None]:
    """SQLite: an import's sorts (its CREATE INDEXes) spill to temporary files instead of memory while
    inside; enter it before the transaction begins.

    The connections keep temporary storage in memory (store/db.py), where SQLite's sorter reads its
    sorted runs back through an in-memory journal that seeks by walking its chunks: the 17 indexes of a
    1M first import took 18.1 s so, 8.9 s spilling to files (the OS caches them), and the runs did not
    count in the process's memory. SQLite refuses the change inside a transaction once the connection
    has opened its temporary database; then the sorts stay in memory (slower, same result).

    The sorter may also use SORT_THREADS helper threads (PRAGMA threads; SQLite's default is none): an
    index's rows spill in runs of about the page cache's size, sorted and merged by several threads at
    once. The 17 indexes of a 1M first import: 10.0 s with none, 8.9 s with 2, 7.0 s with 4, 8.9 s with
    8, on 2 cores. A SQLite built without worker threads keeps none (the same result)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    sqlite = driver(conn)
    (before,) = sqlite.execute("PRAGMA temp_store").fetchone()
    try:
        sqlite.execute("PRAGMA temp_store=FILE")
    except sqlite3.OperationalError:  # "temporary storage cannot be changed from within a transaction"
        yield
        return
    (threads,) = sqlite.execute("PRAGMA threads").fetchone()
    sqlite.execute(f"PRAGMA threads={SORT_THREADS}")
    try:
        yield
    finally:
        with suppress(sqlite3.Error):  # refused or closed after an exception: the connection is dropped (first_load)
            sqlite.execute(f"PRAGMA threads={int(threads)}")
            sqlite.execute(f"PRAGMA temp_store={int(before)}")


@contextmanager
def indexes_deferred(conn: Connection, incoming: Mapping[str, int],
                     steps: Steps | None = None) -> Iterator[list[str]]:
    """Drop the deferrable indexes of the tables this import at least doubles; rebuild them on success.

    `incoming` maps a table name to the estimated rows the import brings. Yields the names of
    the indexes that are deferred. On an exception the indexes are not rebuilt here: the
    caller rolls the transaction back, which restores them.
    """
    loaded = [t for t in BULK_TABLES if worth_deferring(conn, t, incoming.get(t.name, 0))]
    deferred = [ix for t in loaded for ix in drop_present(conn, t, deferrable(t))]
    links = links_dropped(conn, loaded) if conn.dialect.name == "postgresql" else []
    yield [str(ix.name) for ix in deferred]
    for (ix,) in reported(([ix] for ix in deferred), len(deferred), "建立索引（个）", steps):
        ix.create(conn)
    links_added(conn, links)
    if deferred and conn.dialect.name == "postgresql":
        # The planner has no statistics for the tables a first import filled until autovacuum's next
        # round (a minute or more): the first report after a 1M import ran 213 s against 10 s once they
        # were there. ANALYZE samples each table (~30,000 rows), inside this transaction.
        conn.exec_driver_sql(f"ANALYZE {', '.join(t.name for t in (*BULK_TABLES, READINGS))}")
