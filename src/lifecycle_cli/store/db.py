"""The database: URL resolution, engine with SQLite pragmas, schema version check and migrations."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import create_engine, select

from lifecycle_cli.store import event_models  # noqa: F401  (registers the event and campaign tables)
from lifecycle_cli.store.migrations import revision_for, version_of
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
    """The URL with any password replaced by ***, for messages (user:PASSWORD@ and ?password=)."""
    masked = re.sub(r"(://[^:/@]*):[^/]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", masked, flags=re.IGNORECASE)


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


HEAD_REVISION = revision_for(SCHEMA_VERSION)
# pg_advisory_xact_lock key: one schema change at a time on a server (two desks opening a new database).
_PG_SCHEMA_LOCK = 0x11FEC7C1


@dataclass(frozen=True)
class SchemaState:
    """What a database says about its schema."""

    revision: str | None  # the Alembic revision (None: no alembic_version table)
    version: int | None  # the schema version (from the revision, else the pre-Alembic meta row)
    has_tables: bool  # False: a brand-new, empty database


def schema_state(conn: Connection) -> SchemaState:
    """The revision and version stored in a database (two small queries)."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision is not None:
            return SchemaState(str(revision), version_of(str(revision)), True)
    if "meta" in tables:  # made before migrations existed: create_all + meta.schema_version
        value = conn.execute(select(Meta.value).where(Meta.key == "schema_version")).scalar()
        return SchemaState(None, int(value) if value and value.isdigit() else None, True)
    return SchemaState(None, None, bool(tables))


def _check_not_newer(state: SchemaState) -> None:
    if state.revision is not None and state.version is None:
        raise SchemaError(f"数据库结构版本 {state.revision} 不是本程序所知的版本，请升级 lifecycle")
    if state.version is not None and state.version > SCHEMA_VERSION:
        raise SchemaError(f"数据库结构版本 {state.version} 比本程序 ({SCHEMA_VERSION}) 新，请升级 lifecycle")


# pg_advisory_xact_lock key of the writers that sync tasks (imports, due, report): one at a time.
_PG_WRITER_LOCK = 0x11FEC7C2


def serialize_writers(conn: Connection) -> None:
    """Make this transaction the only one syncing tasks / importing until it ends (PostgreSQL).

    An import and the task sync of `due` / `report` write the same task rows and the synced-days
    watermark; on PostgreSQL they take turns through a transaction-level advisory lock, so a desk's
    `due` during an import waits for it and then sees all of it (never half). SQLite has one writer
    at a time anyway (busy_timeout); nothing to do there.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_WRITER_LOCK})


def begin_now(conn: Connection, *, write: bool = False) -> None:
    """Open the driver's transaction now, so DDL that follows belongs to it; with write=True
    (an import) take SQLite's write lock at once, so nobody writes between its reads and writes.

    The sqlite3 driver only opens a transaction before INSERT / UPDATE / DELETE; a DROP INDEX
    issued first would run (and commit) on its own. PostgreSQL's driver opens one anyway.
    """
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def upgrade_schema(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Create or migrate the schema to SCHEMA_VERSION (Alembic, one transaction); (before, after).

    A database made before migrations (tables + `meta.schema_version` = 1, no alembic_version)
    runs the baseline, which only creates the tables it lacks, and is then at revision 0001.
    On PostgreSQL an advisory lock makes concurrent first uses wait for each other.
    """
    from alembic import command

    from lifecycle_cli.store.migrations import alembic_config

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        before = schema_state(conn)
        _check_not_newer(before)
        if before.revision != HEAD_REVISION:
            command.upgrade(alembic_config(conn), HEAD_REVISION)
        after = schema_state(conn)
    return before, after


def ensure_schema(engine: Engine) -> None:
    """Check the stored schema version; a new database (or one made before migrations at this
    version) gets its schema on first use. An older schema is refused: `lifecycle db upgrade`."""
    with engine.connect() as conn:
        state = schema_state(conn)
    if state.revision == HEAD_REVISION:
        return
    _check_not_newer(state)
    if state.revision is None and (not state.has_tables or state.version in (None, SCHEMA_VERSION)):
        upgrade_schema(engine)
        return
    shown = state.version if state.version is not None else state.revision
    raise SchemaError(f"数据库结构版本 {shown} 较旧（本程序为 {SCHEMA_VERSION}），请先运行 lifecycle db upgrade")


def open_database(db: str | None) -> tuple[str, Engine]:
    """Resolve the URL, make the engine and make sure the schema is there."""
    url = resolve_url(db)
    engine = make_engine(url)
    ensure_schema(engine)
    return url, engine
