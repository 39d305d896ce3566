"""Bulk upserts of imported rows, a batch at a time, with Core statements (no ORM object per row)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.store.copying import copy_rows, copy_update
from lifecycle_cli.store.kept_lines import remember_kept
from lifecycle_cli.store.keyed import IN_CHUNK as IN_CHUNK
from lifecycle_cli.store.keyed import chunks as chunks
from lifecycle_cli.store.keyed import driver, lookup_ready
from lifecycle_cli.store.keyed import fetch_in as fetch_in
from lifecycle_cli.store.keyed import in_keys as in_keys
from lifecycle_cli.store.keyed import lookup_ids as lookup_ids
from lifecycle_cli.store.stamps import connection_stamp, stamp
from lifecycle_cli.store.tables import CUSTOMERS, READINGS, VEHICLES, VISITS

# A row's values for the columns its file has but it leaves empty (or that the importer made up,
# like a visit's kind "other"): written only when the row is inserted, never over a stored value.
INSERT_ONLY = "_defaults"
# A row's values for columns that are stored only where nothing is stored yet (NULL), and on insert:
# what the import works out rather than reads (a birthday or gender from a 身份证号).
FILL_EMPTY = "_fill"
# The customer's flags a person may change by command, each with the value the last import carried
# (care-desk §9): the import sets a flag only when the file's value differs from that one.
FOLLOWED_FLAGS = (("do_not_contact", "do_not_contact_imported"), ("sms_opt_out", "sms_opt_out_imported"))
# A row's digest of the file line it comes from (ingest/digests.py; None: a line that must be read
# again next time): stored in DIGEST_COLUMN with the row, never compared as one of its values, so
# a row whose values are unchanged is still counted unchanged when only its digest is new.
DIGEST = "_digest"
DIGEST_COLUMN = "line_digest"


@dataclass
class UpsertCounts:
    """How many rows of a batch were new, changed or already there as they are."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # Existing rows that kept a stored value where the row only had an insert-only default.
    kept: int = 0
    # The natural keys that were inserted or updated (what later steps must recompute).
    changed: set[Any] = field(default_factory=set)
    # For updated keys, the stored values before the update (of the columns the file carries).
    before: dict[Any, dict[str, Any]] = field(default_factory=dict)
    # Unchanged rows whose line digest is new: key -> {DIGEST_COLUMN, "_pk"} (no other value moves).
    digests: dict[Any, dict[str, Any]] = field(default_factory=dict)
    # The line digests the batch stored: of the lines that kept a stored value, and of the others.
    kept_digests: set[int] = field(default_factory=set)
    plain_digests: list[int] = field(default_factory=list)

    def add(self, other: UpsertCounts) -> None:
        """Add another batch's counts to these."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.kept += other.kept
        self.changed |= other.changed


# The raw SQLite path hands date objects to the driver, which stores them as SQLAlchemy's Date
# does: ISO text (booleans are ints to the driver already). One C call per value, no Python loop.
sqlite3.register_adapter(date, date.isoformat)


def _fixed_defaults(conn: Connection, table: Table, shape: Sequence[str]) -> dict[str, Any] | None:
    """The values the columns a row shape lacks default to, as the driver takes them; None when one is
    computed per row (use Core then). The stamp (store/stamps.py) is the same for every row."""
    out: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if default is None or column.primary_key or column.name in shape:
            continue
        if getattr(default, "is_scalar", False):
            out[column.name] = default.arg  # type: ignore[attr-defined]
        elif getattr(default, "arg", None) is stamp:
            value = connection_stamp(conn)
            process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)  # SQLite: its text
            out[column.name] = process(value) if process is not None else value
        else:
            return None
    return out


def insert_by_shape(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows with executemany, one statement per set of columns (rows may omit fields).

    On SQLite the DB-API executemany is used directly (the same stored values, without
    SQLAlchemy's per-row parameter processing); on PostgreSQL the rows are COPYed in (the
    server's bulk-load path, with psycopg adapting the values); other engines go through Core.
    """
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    shape_of: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # a row's keys in its order -> its shape's rows
    for row in rows:
        order = tuple(row)  # the rows of a batch come in a few key orders: each sorted once, not every row
        same = shape_of.get(order)
        if same is None:
            same = shape_of[order] = by_shape.setdefault(tuple(sorted(order)), [])
        same.append(row)
    dialect = conn.dialect.name
    for shape, batch in by_shape.items():
        extra = _fixed_defaults(conn, table, shape) if dialect in ("sqlite", "postgresql") else None
        if extra is None:
            conn.execute(insert(table), batch)
            continue
        if dialect == "postgresql":
            fixed = tuple(extra.values())
            copy_rows(conn, f'"{table.name}"', [*shape, *extra], ((*(r[f] for f in shape), *fixed) for r in batch))
            continue
        literal = {c: text for c, v in extra.items() if (text := _sqlite_literal(v)) is not None}
        bound = [c for c in extra if c not in literal]
        values = ["?"] * len(shape) + ["?" if c in bound else literal[c] for c in extra]
        sql = (f'INSERT INTO "{table.name}" ({", ".join([*shape, *extra])}) '
               f'VALUES ({", ".join(values)})')
        rows_of = _sqlite_rows(shape, batch)
        fill = tuple(extra[c] for c in bound)
        driver(conn).executemany(sql, [(*row, *fill) for row in rows_of] if fill else rows_of)


def _sqlite_literal(value: Any) -> str | None:
    """A fixed default as SQL text SQLite stores exactly as it stores the bound value (a bool as 0 / 1,
    text quoted): written once in the statement, not bound and copied into every row's tuple (a car's
    row carries six: ~1 us of its 10 at 1M). None: bound as usual."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None


def _sqlite_rows(fields: Sequence[str], rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples of the fields' values, in order (the driver adapts dates)."""
    if len(fields) == 1:
        return [(r[fields[0]],) for r in rows]
    return list(map(itemgetter(*fields), rows))


def update_by_pk(conn: Connection, table: Table, fields: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """UPDATE the named fields of rows keyed by '_pk', with one executemany."""
    update_tuples(conn, table, fields, _sqlite_rows(["_pk", *fields], rows) if fields else [])


def update_tuples(conn: Connection, table: Table, fields: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """UPDATE the named fields of rows given as (id, *values in `fields` order): one executemany on SQLite
    (numbered parameters, so the tuples go as they are), a COPY and one UPDATE on PostgreSQL."""
    if not rows or not fields:
        return
    if conn.dialect.name == "sqlite":
        sets = ", ".join(f"{c} = ?{i}" for i, c in enumerate(fields, start=2))
        driver(conn).executemany(f'UPDATE "{table.name}" SET {sets} WHERE id = ?1', rows)
        return
    if conn.dialect.name == "postgresql":
        # one row per id, the last (as an executemany leaves it)
        copy_update(conn, table, fields, list({r[0]: r for r in rows}.values()))
        return
    stmt = update(table).where(table.c.id == bindparam("_pk")).values({c: bindparam(c) for c in fields})
    conn.execute(stmt, [{"_pk": r[0], **dict(zip(fields, r[1:], strict=True))} for r in rows])


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """The columns some row of a batch carries or has an insert-only default for."""
    columns: set[str] = set()
    for row in rows:
        columns.update(row)
        for extra in (row.get(INSERT_ONLY), row.get(FILL_EMPTY)):
            if extra:
                columns.update(extra)
    columns.discard(INSERT_ONLY)
    columns.discard(FILL_EMPTY)
    if DIGEST in columns:
        columns.discard(DIGEST)
        columns.add(DIGEST_COLUMN)
    return sorted(columns)


_NO_DIGEST = object()  # a row that says nothing about its digest (one no line of a file landed)


def merge_rows(rows: list[dict[str, Any]], key_of: Any, existing: dict[Any, dict[str, Any]],
           counts: UpsertCounts) -> tuple[dict[Any, dict[str, Any]], dict[Any, dict[str, Any]]]:
    """Sort a batch into new rows (with their insert-only defaults) and changes of stored ones.

    A row writes only the values it carries; its insert-only defaults fill a new row and are
    never compared with a stored one, except to count the rows that kept a stored value (`kept`).
    Returns (key -> new row, key -> changed values with "_pk"); `existing` is updated in place.
    """
    pending: dict[Any, dict[str, Any]] = {}
    updates: dict[Any, dict[str, Any]] = {}
    for row in rows:
        insert_only = row.pop(INSERT_ONLY, None)
        fill = row.pop(FILL_EMPTY, None)
        if fill:
            insert_only = {**(insert_only or {}), **fill}
        digest = row.pop(DIGEST, _NO_DIGEST)
        key = key_of(row)
        if key in pending:
            pending[key].update(row)
            counts.updated += 1
            if digest is not _NO_DIGEST:
                pending[key][DIGEST_COLUMN] = digest
                _plain(counts, digest)
            continue
        old = existing.get(key)
        if old is None:
            pending[key] = {**insert_only, **row} if insert_only else dict(row)
            counts.inserted += 1
            if digest is not _NO_DIGEST:
                pending[key][DIGEST_COLUMN] = digest
                _plain(counts, digest)
            continue
        if fill:
            row = {**{c: v for c, v in fill.items() if old[c] is None}, **row}
        if insert_only and any(old[c] is not None and old[c] != v for c, v in insert_only.items()):
            counts.kept += 1
            if digest is not _NO_DIGEST and digest is not None:
                counts.kept_digests.add(digest)  # skipped next time, and counted as kept again (kept_lines)
        elif digest is not _NO_DIGEST:
            _plain(counts, digest)
        if any(old[c] != v for c, v in row.items()):
            counts.before.setdefault(key, dict(old))
            updates[key] = {**updates.get(key, {}), **row, "_pk": old["id"]}
            old.update(row)
            counts.updated += 1
        else:
            counts.unchanged += 1
        if digest is not _NO_DIGEST and (key in updates or old[DIGEST_COLUMN] != digest):
            (updates if key in updates else counts.digests).setdefault(key, {"_pk": old["id"]})[DIGEST_COLUMN] = digest
            old[DIGEST_COLUMN] = digest
    return pending, updates


def _plain(counts: UpsertCounts, digest: int | None) -> None:
    """A line that landed keeping no stored value (None: one that gets no digest)."""
    if digest is not None:
        counts.plain_digests.append(digest)


def update_rows(conn: Connection, table: Table, updates: Iterable[dict[str, Any]]) -> None:
    """UPDATE changed rows keyed by "_pk", one executemany per set of columns."""
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in updates:
        by_shape.setdefault(tuple(sorted(values)), []).append(values)
    for shape, batch in by_shape.items():
        update_by_pk(conn, table, [c for c in shape if c != "_pk"], batch)


def _upsert(conn: Connection, table: Table, key_column: str, rows: list[dict[str, Any]],
            flags: Sequence[tuple[str, str]] = (), fresh: Collection[Any] = ()) -> tuple[UpsertCounts, dict[str, int]]:
    """Insert new rows and update changed fields of existing ones, matched on one unique column;
    `flags` are (flag, imported) column pairs a row sets through `follow_imported_flags`; `fresh` are
    keys no stored row can hold (store/bulkload.lookups_built_after), not looked up."""
    counts = UpsertCounts()
    keys = [row[key_column] for row in rows]
    columns = _columns(rows)
    flags = [(flag, imported) for flag, imported in flags if imported in columns]
    existing: dict[str, dict[str, Any]] = {}
    names = ("id", *columns, *[flag for flag, _ in flags if flag not in columns])
    for part in chunks(sorted(set(keys).difference(fresh))):
        for record in fetch_in(conn, table, names, key_column, part):
            found = dict(zip(names, record, strict=True))
            existing[found[key_column]] = found
    if flags:
        follow_imported_flags(rows, key_column, existing, flags)
    pending, updates = merge_rows(rows, itemgetter(key_column), existing, counts)
    counts.changed = set(pending) | set(updates)
    new_ids = _assign_ids(conn, table, pending)
    insert_by_shape(conn, table, pending.values())
    update_rows(conn, table, updates.values())
    update_rows(conn, table, counts.digests.values())
    remember_kept(conn, table.name, counts.kept_digests, counts.plain_digests)
    ids = {k: v["id"] for k, v in existing.items()}
    ids.update(new_ids)
    missing = [k for k in keys if k not in ids]
    if missing:
        ids.update(lookup_ids(conn, table, key_column, missing))
    return counts, ids


def _assign_ids(conn: Connection, table: Table, pending: dict[Any, dict[str, Any]]) -> dict[Any, int]:
    """Number the new rows before they are inserted, so their ids need no lookup afterwards.
    SQLite: after the table's largest id (an import holds the write lock from its first statement);
    PostgreSQL: from the table's own sequence, all the batch's numbers in one query (in the order a
    COPY without ids would have drawn them); other engines keep their sequences (the ids are looked up)."""
    if not pending or conn.dialect.name not in ("sqlite", "postgresql"):
        return {}
    if conn.dialect.name == "postgresql":
        numbers: Iterable[int] = sorted(conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('\"{table.name}\"', 'id')) FROM generate_series(1, {len(pending)})"
        ).scalars())
    else:
        first = (conn.exec_driver_sql(f'SELECT max(id) FROM "{table.name}"').scalar() or 0) + 1
        numbers = range(first, first + len(pending))
    out: dict[Any, int] = {}
    for number, (key, row) in zip(numbers, pending.items(), strict=True):
        row["id"] = out[key] = number
    return out


def follow_imported_flags(rows: list[dict[str, Any]], key_column: str, existing: dict[Any, dict[str, Any]],
                          flags: Sequence[tuple[str, str]]) -> None:
    """Care-desk §9: a row carrying a flag's imported value (`imported`) always records it, and sets
    the flag only when the value differs from the one the last import carried — so a flag a person
    changed by command (`customer set`, `done --result do_not_contact`) stays until a file says
    something new. A new customer takes the file's value; a stored one no file has spoken for yet
    counts as having imported the default (no): a file's yes sets the flag, its no clears nothing.
    In memory over the rows `existing` already holds: no query per row."""
    last: dict[tuple[Any, str], Any] = {}
    for row in rows:
        key = row[key_column]
        old = existing.get(key)
        for flag, imported in flags:
            if imported not in row:
                continue
            value = row[imported]
            before = last.get((key, imported), None if old is None else bool(old[imported]))
            if value != before:
                row[flag] = value
            last[key, imported] = value


def upsert_customers(conn: Connection, rows: list[dict[str, Any]],
                     fresh: Collection[str] = ()) -> tuple[UpsertCounts, dict[str, int]]:
    """Upsert customers on customer_id (`fresh`: ids no stored row holds); returns the counts and
    customer_id -> primary key."""
    return _upsert(conn, CUSTOMERS, "customer_id", rows, FOLLOWED_FLAGS, fresh)


def upsert_vehicles(conn: Connection, rows: list[dict[str, Any]],
                    fresh: Collection[str] = ()) -> tuple[UpsertCounts, dict[str, int]]:
    """Upsert vehicles on vin (`fresh`: VINs no stored row holds); returns the counts and vin -> primary key."""
    return _upsert(conn, VEHICLES, "vin", rows, fresh=fresh)


def plate_ids(conn: Connection, plates: Iterable[str]) -> dict[str, list[int]]:
    """plate -> the vehicle pks carrying it (a plate names a car only when the list has one)."""
    found: dict[str, list[int]] = {}
    for part in chunks(sorted(set(plates))):
        for plate, pk in fetch_in(conn, VEHICLES, ("plate", "id"), "plate", part):
            found.setdefault(plate, []).append(pk)
    return found


def add_readings(conn: Connection, readings: Iterable[tuple[int, date, int]]) -> set[int]:
    """Store odometer readings from vehicle files that are not stored yet; returns the vehicles given new ones."""
    wanted = sorted(set(readings))
    if not wanted:
        return set()
    have: set[tuple[int, date, int]] = set()
    for part in chunks(sorted({pk for pk, _, _ in wanted})):
        have.update(fetch_in(conn, READINGS, ("vehicle_pk", "reading_date", "km"), "vehicle_pk", part))
    new = [(pk, d, km) for pk, d, km in wanted if (pk, d, km) not in have]
    insert_by_shape(conn, READINGS, ({"vehicle_pk": pk, "reading_date": d, "km": km, "source": "vehicle"}
                                     for pk, d, km in new))
    return {pk for pk, _, _ in new}


def upsert_visits(conn: Connection, rows: list[dict[str, Any]], fresh: Collection[str] = ()) -> UpsertCounts:
    """Upsert visits on ro_number when present (`fresh`: numbers no stored visit holds), else on
    (vehicle, visit_date, mileage_km).

    The counts' `changed` holds the vehicle pks whose visits were inserted or updated.
    """
    counts = UpsertCounts()
    with_ro = [r for r in rows if r.get("ro_number")]
    without_ro = [r for r in rows if not r.get("ro_number")]
    if with_ro:
        c, _ = _upsert(conn, VISITS, "ro_number", with_ro, fresh=fresh)
        c.changed = {r["vehicle_pk"] for r in with_ro if r["ro_number"] in c.changed}
        c.changed |= {old["vehicle_pk"] for old in c.before.values()}  # a work order moved off a car
        counts.add(c)
    if without_ro:
        columns = _columns(without_ro)
        existing: dict[tuple[int, date, int], dict[str, Any]] = {}
        lookup_ready(conn, VISITS, "vehicle_pk")
        for part in chunks(sorted({r["vehicle_pk"] for r in without_ro})):
            query = select(VISITS.c.id, *[VISITS.c[c] for c in columns]).where(
                in_keys(conn, VISITS.c.vehicle_pk, part), VISITS.c.ro_number.is_(None)
            )
            for record in conn.execute(query):
                m = dict(record._mapping)
                existing[(m["vehicle_pk"], m["visit_date"], m["mileage_km"])] = m
        c = UpsertCounts()
        pending, updates = merge_rows(without_ro, itemgetter("vehicle_pk", "visit_date", "mileage_km"), existing, c)
        c.changed = {pk for pk, _, _ in pending} | {pk for pk, _, _ in updates}
        c.before = {}
        counts.add(c)
        insert_by_shape(conn, VISITS, pending.values())
        update_rows(conn, VISITS, updates.values())
        update_rows(conn, VISITS, c.digests.values())
    return counts


def fill_service_advisors(conn: Connection, latest: dict[int, tuple[date, str]], filled: dict[int, date]) -> list[int]:
    """Give a car without a service advisor the advisor of its latest work order (`latest`: car ->
    (visit date, advisor) of this batch). A car's own advisor is never replaced; `filled` (car ->
    the visit date whose advisor it got) remembers the cars this import gave one, so a later work
    order in a later batch still wins. Returns the cars whose advisor was set.

    The car keeps its line's digest: read again, that line would land unchanged — keeping the work
    order's advisor when it has an empty advisor cell (the digest's low bit says the vehicles file has
    the column: Vehicles.digest_low_bit), so the line is remembered as kept (store/kept_lines.py)."""
    if not latest:
        return []
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    for part in chunks(sorted(latest)):
        for pk, stored, digest in fetch_in(conn, VEHICLES, ("id", "service_advisor", DIGEST_COLUMN), "id", part):
            day, advisor = latest[pk]
            given = filled.get(pk)
            if stored and (given is None or day < given):
                continue  # the car's own advisor, or one from a later work order
            filled[pk] = day
            if stored != advisor:
                rows.append({"_pk": pk, "service_advisor": advisor})
                if digest is not None and digest & 1:  # its line has the column, empty: it keeps this one
                    kept.append(digest)
    update_by_pk(conn, VEHICLES, ("service_advisor",), rows)
    remember_kept(conn, VEHICLES.name, set(kept), ())
    return [row["_pk"] for row in rows]

