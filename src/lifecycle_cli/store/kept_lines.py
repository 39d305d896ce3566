"""The file lines whose rows kept a stored value where the line had an empty cell (models.KeptLine).

Such a row keeps its line's digest like any other (ingest/digests.py), and the line is remembered
here by its table and digest: the next import skips the line while the row holds that digest and
counts it as kept without reading it. A line of the same digest that lands without keeping anything
(the stored value went since) is forgotten here in the same write.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from lifecycle_cli.store.keyed import chunks
from lifecycle_cli.store.tables import KEPT_LINES

__all__ = ["kept_digests", "remember_kept"]


def kept_digests(conn: Connection, table: str) -> set[int]:
    """The digests of a table's kept lines (a few per cent of a file's lines at most)."""
    k = KEPT_LINES.c
    return set(conn.execute(select(k.line_digest).where(k.tbl == table)).scalars())


def remember_kept(conn: Connection, table: str, kept: Collection[int], plain: Collection[int]) -> None:
    """After a batch landed: its `kept` lines remembered, its `plain` ones (landed keeping nothing)
    forgotten where they were remembered (looked up only when the table has kept lines at all)."""
    k = KEPT_LINES.c
    gone = [*kept, *plain]
    if gone and conn.execute(select(k.line_digest).where(k.tbl == table).limit(1)).first() is not None:
        forget = delete(KEPT_LINES).where(k.tbl == table, k.line_digest == bindparam("d"))
        for part in chunks([{"d": d} for d in gone]):
            conn.execute(forget, part)
    if kept:
        conn.execute(insert(KEPT_LINES), [{"tbl": table, "line_digest": d} for d in kept])
