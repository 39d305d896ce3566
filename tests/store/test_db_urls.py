"""store/db.py: what --db means (a path or a URL), and passwords never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle_cli.store.db import DatabaseUrlError, mask_url, resolve_url, sqlite_path


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://desk:TopSecret42@127.0.0.1:5432/lifecycle", "postgresql+psycopg://desk:***@127.0.0.1:5432/lifecycle"),
    ("postgresql://desk@host/db?password=TopSecret42&sslmode=require", "postgresql://desk@host/db?password=***&sslmode=require"),
    ("desk:TopSecret42@host/db", "desk:***@host/db"),  # a URL without its scheme
    ("postgresql://desk@host/db", "postgresql://desk@host/db"),  # nothing to hide
    ("/data/门店/lifecycle.db", "/data/门店/lifecycle.db"),
])
def test_a_password_never_shows(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(("given", "url"), [
    ("store.db", "sqlite:///store.db"),
    ("/data/门店/lifecycle.db", "sqlite:////data/门店/lifecycle.db"),
    ("postgresql+psycopg://desk@host/db", "postgresql+psycopg://desk@host/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_a_path_is_a_sqlite_file_and_a_url_stays_as_given(given: str, url: str) -> None:
    assert resolve_url(given) == url


@pytest.mark.parametrize("given", ["desk:secret@host/db", "postgresql:host/db"])
def test_a_url_missing_its_scheme_or_slashes_is_refused_not_taken_for_a_file(given: str) -> None:
    with pytest.raises(DatabaseUrlError, match="既不是文件路径也不是完整的 URL") as refused:
        resolve_url(given)
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:////data/x.db", Path("/data/x.db")),
    ("sqlite:///file:/data/x.db?mode=ro&uri=true", Path("/data/x.db")),
    ("sqlite:///:memory:", None),
    ("postgresql://desk@host/db", None),
])
def test_the_file_behind_a_sqlite_url(url: str, path: Path | None) -> None:
    assert sqlite_path(url) == path
