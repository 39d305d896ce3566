"""PostgreSQL's bulk paths under store/bulk.py: rows COPYed into a table, and updates by primary key
COPYed into a scratch table of the transaction and applied with one UPDATE ... FROM (psycopg's COPY,
on the SQLAlchemy connection's own DB-API connection, inside its transaction)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from lifecycle_cli.store.keyed import driver


def copy_update(conn: Connection, table: Table, fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: UPDATE the fields of rows given as (id, *values): COPYed into a scratch table of
    the transaction, then one `UPDATE ... FROM` joined on the primary key (an executemany sends one
    statement per row, several times slower than the server's bulk path). The ids are also given as
    an array, so the table is read through its primary key: with the scratch table's size unknown to
    the planner it would hash the whole table for each batch."""
    scratch = scratch_table(conn, table, ("id", *fields))
    copy_rows(conn, scratch, ("id", *fields), rows)
    sets = ", ".join(f'"{c}" = s."{c}"' for c in fields)
    with driver(conn).cursor() as cursor:
        cursor.execute(f'UPDATE "{table.name}" AS t SET {sets} FROM {scratch} AS s '
                       "WHERE t.id = s.id AND t.id = ANY(%s::bigint[])", ([row[0] for row in rows],))


def scratch_table(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    """PostgreSQL: the name of an empty temporary table with these columns of `table` (their types),
    created once per transaction (ON COMMIT DROP) and emptied on each later use."""
    name = "lc_scratch_" + hashlib.md5(f"{table.name}:{','.join(columns)}".encode()).hexdigest()[:12]
    made = conn.info.setdefault("lc_scratch", {})  # name -> the transaction that created it
    transaction = conn.get_transaction()
    if transaction is not None and made.get(name) is transaction:
        conn.exec_driver_sql(f"TRUNCATE {name}")
        return name
    names = ", ".join(f'"{c}"' for c in columns)
    conn.exec_driver_sql(f'CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT {names} FROM "{table.name}" '
                         "WITH NO DATA")
    made[name] = conn.get_transaction()
    return name


def copy_rows(conn: Connection, name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL: COPY rows into the table called `name`, inside the connection's transaction."""
    cursor = driver(conn).cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor, cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
