"""The database: URL resolution, engine with SQLite pragmas, schema version check and migrations."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import create_engine, select

from lifecycle_cli.errors import DatabaseProblem
from lifecycle_cli.store import event_models  # noqa: F401  (registers the event and campaign tables)
from lifecycle_cli.store.migrations import revision_for, version_of
from lifecycle_cli.store.models import SCHEMA_VERSION, Meta

ENV_DB = "LIFECYCLE_DB"


class DatabaseError(DatabaseProblem):
    """A database problem the user can fix (a Chinese message; errors.DatabaseProblem)."""


class SchemaError(DatabaseError):
    """The database's schema is not the one this code expects."""


class DatabaseMissing(DatabaseError):
    """The database does not exist yet (or has no tables) and the command only uses an existing one."""

    def __init__(self, where: str) -> None:
        super().__init__(f"数据库不存在：{where}；首次使用请先 lifecycle import 或 lifecycle db upgrade")


class DatabaseUrlError(DatabaseError):
    """A --db / LIFECYCLE_DB value that is neither a file path nor a database URL."""


def default_db_path() -> Path:
    """The per-user data file used when neither --db nor LIFECYCLE_DB says where."""
    from platformdirs import user_data_path

    return user_data_path("lifecycle", appauthor=False) / "lifecycle.db"


# A database scheme written without "://" (postgresql:/host/db, sqlite:x.db, postgres+psycopg:...).
_SCHEME_WITHOUT_SLASHES = re.compile(r"^(sqlite|postgres(ql)?)(\+[a-z0-9_]+)?:(?!//)", re.IGNORECASE)


def resolve_url(db: str | None) -> str:
    """A database URL from --db / LIFECYCLE_DB: a URL as is, a plain path as sqlite:///PATH.

    A value that looks like a URL without its scheme (`user:pw@host/db`: an @ before the first /)
    or a scheme without `//` is refused rather than taken for a file name.
    """
    value = db or os.environ.get(ENV_DB) or str(default_db_path())
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
        return value
    if "@" in value.split("/", 1)[0] or _SCHEME_WITHOUT_SLASHES.match(value):
        raise DatabaseUrlError(
            f"数据库地址 {mask_url(value)} 既不是文件路径也不是完整的 URL；PostgreSQL 请写成 "
            "postgresql+psycopg://用户:密码@主机:端口/库名，SQLite 文件直接写路径")
    path = Path(value).expanduser()
    return f"sqlite:///{path}"


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages (user:PASSWORD@ and ?password=);
    also a URL written without its scheme (user:PASSWORD@host/db)."""
    masked = re.sub(r"(^|/)([^:/@]*):[^/]*@", r"\1\2:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", masked, flags=re.IGNORECASE)


def mask_text(text: str, url: str) -> str:
    """A driver's message with the URL's password (and any URL in it) masked."""
    match = re.search(r"(?:^|/)[^:/@]*:([^/]*)@", url) or re.search(r"[?&]password=([^&]*)", url, re.IGNORECASE)
    if match and match.group(1):
        text = text.replace(match.group(1), "***")
    return mask_url(text)


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL (None for other engines or in-memory databases); a URI
    filename (sqlite:///file:PATH?mode=ro&uri=true) gives PATH."""
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):]
    if "uri=true" in rest.lower() and rest.startswith("file:"):
        rest = rest[len("file:"):]
    rest = rest.split("?", 1)[0]
    return Path(rest) if rest and rest != ":memory:" else None


def location(url: str) -> str:
    """Where a database is, for messages: the SQLite file, else the URL with its password masked."""
    path = sqlite_path(url)
    return str(path) if path is not None else mask_url(url)


# SQLite reads a mapped database file as memory: a page costs no system call. The report's passes over
# every car and every open task (at 1M cars ~3 s of system time copying pages; mapped, ~0.8 s) read it
# so. SQLite clamps it to its build's limit (2 GB by default; the rest of a bigger file is read as before).
MMAP_BYTES = 1 << 40


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, mapped: bool = False) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    if mapped:
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _sqlite_mapped_pragmas(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record, mapped=True)


def make_engine(url: str, *, create: bool = False, mapped: bool = False) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    A SQLite file that does not exist is made (with its folders) only with create=True (import,
    demo, db upgrade); otherwise it is DatabaseMissing and nothing is created on disk.
    `mapped`: SQLite reads the file memory-mapped (MMAP_BYTES), for the commands that pass over whole
    tables (the report). A mapped page the process touched counts in its resident memory (the page
    cache's, shared, not its own): `due` mapped showed 630 MB resident for no time saved, and the
    import must stay within 500 MB, so the others read through SQLite's own page cache.
    """
    path = sqlite_path(url)
    if path is not None:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise DatabaseMissing(str(path))
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError) as exc:  # an unknown scheme or driver
        raise DatabaseUrlError(f"不支持的数据库地址：{mask_url(url)}（lifecycle 支持 SQLite 文件路径和 "
                               "postgresql+psycopg://用户:密码@主机:端口/库名）") from exc
    except (ArgumentError, ValueError) as exc:  # unparsable, a port that is not a number, ...
        raise DatabaseUrlError(f"数据库地址格式有误：{mask_url(url)}（PostgreSQL 请写成 "
                               "postgresql+psycopg://用户:密码@主机:端口/库名）") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_mapped_pragmas if mapped else _sqlite_pragmas)
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


def check_not_newer(state: SchemaState) -> None:
    """Refuse a schema newer than (or unknown to) this program: "upgrade lifecycle"."""
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
        check_not_newer(before)
        if before.revision != HEAD_REVISION:
            command.upgrade(alembic_config(conn), HEAD_REVISION)
        after = schema_state(conn)
    return before, after


def ensure_schema(engine: Engine, *, create: bool = False) -> None:
    """Check the stored schema version; a new database (or one made before migrations at this
    version) gets its schema on first use. An older schema is refused: `lifecycle db upgrade`.

    A database without tables is new: with create=False (every command but import, demo and
    db upgrade) it is DatabaseMissing, and no schema is created.
    """
    with engine.connect() as conn:
        state = schema_state(conn)
    if state.revision == HEAD_REVISION:
        return
    check_not_newer(state)
    if not state.has_tables and not create:
        raise DatabaseMissing(location(engine.url.render_as_string(hide_password=False)))
    if state.revision is None and (not state.has_tables or state.version in (None, SCHEMA_VERSION)):
        upgrade_schema(engine)
        return
    shown = state.version if state.version is not None else state.revision
    raise SchemaError(f"数据库结构版本 {shown} 较旧（本程序为 {SCHEMA_VERSION}），请先运行 lifecycle db upgrade")


def open_database(db: str | None, *, create: bool = False, mapped: bool = False) -> tuple[str, Engine]:
    """Resolve the URL, make the engine and make sure the schema is there (created only with
    create=True; otherwise a missing or empty database is DatabaseMissing). `mapped`: see make_engine."""
    url = resolve_url(db)
    engine = make_engine(url, create=create, mapped=mapped)
    try:
        ensure_schema(engine, create=create)
    except BaseException:
        engine.dispose()
        raise
    return url, engine


# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF) that are the user's to fix.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26
# PostgreSQL SQLSTATEs (psycopg's Error.sqlstate) that are the user's or the server's, not ours.
_PG_STATES = {
    "22003": "数字超出数据库能保存的范围（{where}），请检查输入的编号或数量",
    "25006": "数据库 {where} 只读（只读事务或只读副本）：lifecycle 需要可写的数据库",
    "42501": "数据库 {where} 权限不足：该用户无权读写 lifecycle 的表",
    "53100": "数据库服务器磁盘已满（{where}），未做任何修改",
    "53200": "数据库服务器内存不足（{where}），未做任何修改，请稍后再试",
    "53300": "数据库服务器连接数已满（{where}），请稍后再试",
    "55P03": "数据库 {where} 正被其他命令锁定，请稍后再试",
    "57014": "数据库操作被取消或超时（{where}），未做任何修改",
    "57P01": "数据库服务器正在关闭（{where}），未做任何修改，请稍后再试",
    "57P03": "数据库服务器正在启动或恢复（{where}），请稍后再试",
}


def explain_error(exc: BaseException, url: str | None) -> str | None:
    """A Chinese message for a database error that is the user's or the machine's (read-only file
    or folder, locked, disk full, no connection to the server...), or None for a program error.

    By the driver's error codes (SQLite result code, PostgreSQL SQLSTATE), never by its English text.
    """
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    where = location(url) if url else "（未知）"
    if isinstance(exc, DatabaseError):
        return str(exc)
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, OverflowError):  # the sqlite3 driver binding an int beyond 64 bits
        return f"数字超出数据库能保存的范围（{where}），请检查输入的编号或数量"
    if isinstance(orig, sqlite3.Error):
        code = (getattr(orig, "sqlite_errorcode", None) or 0) & 0xFF
        messages = {
            _SQLITE_READONLY: f"数据库文件只读：{where}（lifecycle 需要写入该文件及其所在文件夹，请检查权限），未做任何修改",
            _SQLITE_PERM: f"数据库文件只读：{where}（没有写入权限），未做任何修改",
            _SQLITE_CANTOPEN: f"无法打开数据库文件：{where}（检查路径是否为文件，以及该文件和所在文件夹是否可读写）",
            _SQLITE_BUSY: f"数据库正被另一个 lifecycle 命令写入（{where}），等待超时，未做任何修改，请稍后再试",
            _SQLITE_LOCKED: f"数据库正被另一个 lifecycle 命令写入（{where}），等待超时，未做任何修改，请稍后再试",
            _SQLITE_FULL: f"磁盘已满，无法写入数据库：{where}，未做任何修改",
            _SQLITE_IOERR: f"读写数据库文件出错：{where}（磁盘或文件系统问题），未做任何修改",
            _SQLITE_CORRUPT: f"数据库文件已损坏：{where}（请从备份恢复）",
            _SQLITE_NOTADB: f"不是 lifecycle 的数据库文件：{where}（文件不是 SQLite 数据库）",
        }
        return messages.get(code)
    state = getattr(orig, "sqlstate", None)
    if state in _PG_STATES:
        return _PG_STATES[state].format(where=where)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the driver ships with the project
        return None
    if isinstance(orig, psycopg.OperationalError) and state is None:  # no connection at all
        detail = mask_text(str(orig).strip().splitlines()[0] if str(orig).strip() else "", url or "")
        return (f"无法连接数据库 {where}（服务器未运行、地址或库名有误，或用户名密码不对）：{detail}")
    return None
