"""A shape's fixed defaults go into a SQLite INSERT as literals (store/bulk._sqlite_literal): each must store
exactly what binding the value stores — the same value and the same SQLite type."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import pytest

from lifecycle_cli.store.bulk import _sqlite_literal


@pytest.mark.parametrize(("value", "literal"), [
    (None, "NULL"),
    (False, "0"),
    (True, "1"),
    (0, "0"),
    (-42, "-42"),
    ("active", "'active'"),
    ("", "''"),
    ("O'Brien 的车", "'O''Brien 的车'"),
    (1.5, None),  # bound as usual
    (date(2026, 11, 23), None),
    (b"\x00", None),
])
def test_a_fixed_default_as_sql(value: Any, literal: str | None) -> None:
    assert _sqlite_literal(value) == literal


@pytest.mark.parametrize("value", [None, False, True, 7, "active", "", "a'b''c", "广州天河店"])
def test_a_literal_stores_what_binding_stores(value: Any) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v)")
    conn.execute("INSERT INTO t VALUES (?)", (value,))
    conn.execute(f"INSERT INTO t VALUES ({_sqlite_literal(value)})")
    bound, written = conn.execute("SELECT v, typeof(v) FROM t").fetchall()
    assert written == bound
