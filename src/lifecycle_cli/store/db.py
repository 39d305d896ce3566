"""The database: URL resolution, engine with SQLite pragmas, schema creation and version check."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from lifecycle_cli.store import event_models  # noqa: F401  (registers the event and campaign tables)
from lifecycle_cli.store.models import SCHEMA_VERSION, Meta

ENV_DB = "LIFECYCLE_DB"


class SchemaError(Exception):
    """The database's schema is not the one this code expects."""


def default_db_path() -> Path:
    """The per-user data file used when neither --db nor LIFECYCLE_DB says where."""
    from platformdirs import user_data_path

    return user_data_path("lifecycle", appauthor=False) / "lifecycle.db"


def resolve_url(db: str | None) -> str:
    """A database URL from --db / LIFECYCLE_DB: a URL as is, a plain path as sqlite:///PATH."""
    value = db or os.environ.get(ENV_DB) or str(default_db_path())
    if re.match(r"^[a-z][a-z0-9+.-]*://", value):
        return value
    path = Path(value).expanduser()
    return f"sqlite:///{path}"


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL (None for other engines or in-memory databases)."""
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):]
    return Path(rest) if rest and rest != ":memory:" else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def ensure_schema(engine: Engine) -> None:
    """Create missing tables on first use and check the stored schema version."""
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        meta = session.exec(select(Meta).where(Meta.key == "schema_version")).first()
        if meta is None:
            session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            session.commit()
        elif int(meta.value) > SCHEMA_VERSION:
            raise SchemaError(
                f"数据库结构版本 {meta.value} 比本程序 ({SCHEMA_VERSION}) 新，请升级 lifecycle"
            )
        elif int(meta.value) < SCHEMA_VERSION:
            raise SchemaError(f"数据库结构版本 {meta.value} 较旧，请先运行 lifecycle db upgrade")


def open_database(db: str | None) -> tuple[str, Engine]:
    """Resolve the URL, make the engine and make sure the schema is there."""
    url = resolve_url(db)
    engine = make_engine(url)
    ensure_schema(engine)
    return url, engine
