"""ingest/context.TouchedIds: the rows an import touched are the older ones it names one by one and
every row it inserted (numbered after the table's largest id when it began), without a set of those."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert

from lifecycle_cli.ingest.context import TouchedIds
from lifecycle_cli.store.db import open_database
from lifecycle_cli.store.tables import CUSTOMERS


def test_touched_ids_are_the_older_ones_named_and_every_one_inserted(new_db: Callable[[str], Path | str]) -> None:
    _, engine = open_database(str(new_db("touched.db")), create=True)
    with engine.begin() as conn:
        conn.execute(insert(CUSTOMERS), [{"customer_id": f"OLD{n}"} for n in range(1, 6)])  # ids 1..5
        touched = TouchedIds()
        touched.begin(conn, CUSTOMERS)
        assert touched.since == 6
        conn.execute(insert(CUSTOMERS), [{"customer_id": f"NEW{n}"} for n in range(3)])  # ids 6..8
        touched.update([2, 4, 6, 7, 2])  # two older rows, two of the new ones (implied anyway)
        assert touched.others == {2, 4}  # no new id is held one by one
        assert touched.take(conn, CUSTOMERS) == {2, 4, 6, 7, 8}
        assert touched.take(conn, CUSTOMERS) == {6, 7, 8}  # taken: only the inserted rows are implied still
    engine.dispose()


def test_before_it_begins_every_id_is_held() -> None:
    touched = TouchedIds()
    touched.update([3, 1, 3])
    assert touched.others == {1, 3}


def test_an_empty_table_begins_at_one(new_db: Callable[[str], Path | str]) -> None:
    _, engine = open_database(str(new_db("empty.db")), create=True)
    with engine.begin() as conn:
        touched = TouchedIds()
        touched.begin(conn, CUSTOMERS)
        assert touched.since == 1
        assert touched.take(conn, CUSTOMERS) == set()
    engine.dispose()
