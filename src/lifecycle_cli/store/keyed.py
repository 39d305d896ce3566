"""Reading rows back by key, a chunk of keys at a time: the IN lists (an array on PostgreSQL), the
chunks they are cut in, and the raw DB-API path the import's batch reads take (store/bulk.py writes)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy import Boolean, Date, Select, Table, any_, bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

# SQLite allows 32766 bound variables per statement; stay well below for IN lists.
IN_CHUNK = 900


def in_keys(conn: Connection, column: ColumnElement[Any], keys: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (keys)`; on PostgreSQL `column = ANY(array)`, one parameter instead of hundreds
    (psycopg parses every statement's text, and a 900-placeholder IN list cost more than the query)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(keys), type_=ARRAY(column.type)))
    return column.in_(keys)


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Connection.info key: (table name, first column) -> the lookup index a first import dropped while one file
# lands (store/bulkload.lookups_built_after); a read by that column builds it first (`lookup_ready`).
DROPPED_LOOKUPS = "lifecycle_dropped_lookups"


def lookup_ready(conn: Connection, table: Table, column: str) -> None:
    """Before reading `table` by `column`: the index on it built now if the file landing dropped it
    (without it the read would scan the table)."""
    dropped = conn.info.get(DROPPED_LOOKUPS)
    if dropped:
        index = dropped.pop((table.name, column), None)
        if index is not None:
            index.create(conn)


def driver(conn: Connection) -> Any:
    """The DB-API connection under a SQLAlchemy connection (same connection, same transaction):
    the bulk paths hand it whole batches (SQLite executemany, PostgreSQL COPY) and read plain
    tuples back, skipping SQLAlchemy's per-call and per-row handling, a tenth of a 1M import."""
    return conn.connection.driver_connection


def sqlite_cursor(conn: Connection, query: Select[Any]) -> Any:
    """A Core query run on SQLite's DB-API cursor (rows as plain tuples, no per-row result processing;
    date parameters passed as the ISO text SQLAlchemy's Date stores). The caller converts what it reads."""
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    values = [v.isoformat() if isinstance(v, date) else v for v in (params[name] for name in compiled.positiontup or ())]
    return driver(conn).execute(str(compiled), values)


def _sqlite_date(value: Any) -> Any:
    """A stored SQLite date text back to a date (what SQLAlchemy's Date type returns)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _whole_range(keys: Sequence[Any]) -> bool:
    """Whether the keys are every integer from the first to the last, ascending: then `BETWEEN first AND
    last` finds the same rows as the IN list, by one range of its index instead of a seek per key."""
    first, last = keys[0], keys[-1]
    return (type(first) is int and type(last) is int and last - first + 1 == len(keys)
            and all(type(b) is int and a < b for a, b in pairwise(keys)))


def fetch_in(conn: Connection, table: Table, columns: Sequence[str], key_column: str,
             keys: Sequence[Any], *, as_stored: bool = False) -> list[tuple[Any, ...]]:
    """Rows (as tuples in `columns` order) whose key_column is in keys, for one chunk of keys.

    On SQLite and PostgreSQL the DB-API cursor is read directly (SQLite's dates converted as
    SQLAlchemy would, unless `as_stored`: then its dates stay ISO text and its booleans 0 / 1),
    several times faster than result processing for the batches the import reads; PostgreSQL takes
    the keys as one array parameter.
    """
    if not keys:
        return []
    lookup_ready(conn, table, key_column)
    if conn.dialect.name == "postgresql":  # psycopg returns dates and booleans as they are
        array = "bigint[]" if isinstance(keys[0], int) else "text[]"
        with driver(conn).cursor() as cursor:
            cursor.execute(f'SELECT {", ".join(columns)} FROM "{table.name}" WHERE {key_column} = ANY(%s::{array})',
                           (list(keys),))
            return list(cursor.fetchall())
    if conn.dialect.name != "sqlite":
        query = select(*[table.c[c] for c in columns]).where(in_keys(conn, table.c[key_column], keys))
        return [tuple(r) for r in conn.execute(query)]
    select_from = f'SELECT {", ".join(columns)} FROM "{table.name}" '
    if _whole_range(keys):  # a first import reads its cars back 2,000 consecutive ids at a time
        rows = driver(conn).execute(f"{select_from}WHERE {key_column} BETWEEN ? AND ?", (keys[0], keys[-1])).fetchall()
    else:
        rows = driver(conn).execute(f'{select_from}WHERE {key_column} IN ({", ".join("?" * len(keys))})',
                                     tuple(keys)).fetchall()
    if as_stored:
        return rows
    dates = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Date)]
    bools = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Boolean)]
    if not dates and not bools:
        return [tuple(r) for r in rows]
    out = []
    for r in rows:
        values = list(r)
        for i in dates:
            values[i] = _sqlite_date(values[i])
        for i in bools:
            values[i] = None if values[i] is None else bool(values[i])
        out.append(tuple(values))
    return out


def lookup_ids(conn: Connection, table: Table, key_column: str, keys: Iterable[str]) -> dict[str, int]:
    """Map natural keys to primary keys for the keys that exist."""
    found: dict[str, int] = {}
    for part in chunks(sorted(set(keys))):
        found.update(fetch_in(conn, table, (key_column, "id"), key_column, part))
    return found
