"""Fixtures of the store layer's tests: a fresh database with the schema, on the module's backend
(a SQLite file; a throw-away PostgreSQL database on the [postgres] variants, see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from lifecycle_cli.store.db import open_database


@pytest.fixture
def engine(new_db: Callable[[str], Path | str]) -> Iterator[Engine]:
    _, made = open_database(str(new_db("store.db")), create=True)
    yield made
    made.dispose()
