"""Fixtures of the store layer's tests: a fresh database with the schema, on the module's backend
(a SQLite file; a throw-away PostgreSQL database on the [postgres] variants, see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from lifecycle_cli.store.db import open_database
from lifecycle_cli.store.stamps import stamped


@pytest.fixture
def engine(new_db: Callable[[str], Path | str]) -> Iterator[Engine]:
    _, made = open_database(str(new_db("store.db")), create=True)
    yield stamped(made, datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # the command's instant, as the CLI gives it
    made.dispose()
