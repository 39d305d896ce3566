"""Fixtures of the end-to-end CLI tests (the helpers live in cli_helpers.py beside this file).

The project runs pytest with --import-mode=importlib, so test modules cannot import each other or
this conftest; this directory is put on sys.path so they can import cli_helpers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_helpers import ENV_KEYS, NOW, Files, import_world


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No database, rules file or clock from the developer's shell leaks into a test; the clock is NOW."""
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LIFECYCLE_NOW", NOW)


@pytest.fixture
def db(new_db: Callable[[str], Path]) -> Path:
    """A fresh database for one test: a SQLite file holding the empty migrated schema (no file at all
    when the test is marked fresh_file: the first command creates it), or on the [postgres] variant
    an empty PostgreSQL database's URL (see tests/conftest.py)."""
    return new_db("x.db")


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """A writer of canonical CSVs into tmp_path/data."""
    return Files(tmp_path / "data")


@pytest.fixture
def world(db: Path, files: Files) -> Path:
    """A database holding the call-list world; returns the database file."""
    import_world(db, files)
    return db


