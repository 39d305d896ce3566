"""The database backends the CLI suites run on: a SQLite file always, PostgreSQL when a server is given.

    LIFECYCLE_TEST_PG_URL=postgresql+psycopg://USER@127.0.0.1:5432/postgres pytest -m postgres tests/cli tests/report

(or `--pg-url URL`). USER must be allowed to CREATE DATABASE: every test (or module-scoped world)
gets a database of its own, named lifecycle_test_<random>, dropped when it is done. Without a
URL the `[postgres]` variants are skipped with this hint; `.ci/run` starts a throw-away server.
Tests that look at SQLite's own files are marked `sqlite_only("why")`.

A fresh database handed out by `new_db` / `module_db` (and so `db` in tests/cli) is a copy of one
empty database migrated once per session (per xdist worker) by the product's own upgrade_schema: a
copied SQLite file, a PostgreSQL `CREATE DATABASE ... TEMPLATE`. Alembic's five migrations cost ~90 ms
a SQLite file (~0.8 s a PostgreSQL database), hundreds of times. A test that needs the database absent
or really new (the first command creates the schema, `db upgrade` on a new database, an empty one
stays empty, a refused command creates no file) is marked `fresh_file("why")` and gets no SQLite file,
an empty PostgreSQL database.

CliRunner.invoke(app) builds the whole click command tree from the typer app on every call (typer's
get_command: every command's signature and type hints, ~25 ms); the session builds it once per app
(`_one_command_tree_per_app`), as the `lifecycle` process itself does once per run.

Tests marked `slow` (long loops that repeat what faster tests cover) run only with `--run-slow`;
`.ci/run` passes it. `pytest --run-slow -m slow` runs just them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "LIFECYCLE_TEST_PG_URL"
HOW_TO_RUN = (f"PostgreSQL variants need a server: set {PG_ENV}=postgresql+psycopg://USER@HOST:PORT/postgres "
              "(USER may CREATE DATABASE) or pass --pg-url, e.g. `bash .ci/run` starts one")

DbMaker = Callable[..., "Path | str"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--pg-url", default=os.environ.get(PG_ENV) or None,
                     help=f"PostgreSQL server for the [postgres] variants of the CLI tests (default ${PG_ENV})")
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (skipped by default)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: the variant of a CLI test that runs on PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only(reason): the test looks at SQLite itself; skipped on PostgreSQL")
    config.addinivalue_line("markers", "slow: a long test, run only with --run-slow")
    config.addinivalue_line("markers", "fresh_file(reason): new_db / module_db hand out no SQLite file and an empty "
                                       "PostgreSQL database, not a migrated copy (the product must make the schema)")


@pytest.fixture(scope="session", autouse=True)
def _one_command_tree_per_app() -> Iterator[None]:
    """typer.testing's CliRunner.invoke gets the app's click command once per app, not per call."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, tuple[object, Any]] = {}

    def get_command(app: Any) -> Any:
        if id(app) not in built:
            built[id(app)] = (app, build(app))  # the app is kept, so its id is not reused
        return built[id(app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", get_command)
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "postgres" in r.keywords]
    if skipped and not config.getoption("--pg-url"):
        terminalreporter.write_line(f"{len(skipped)} PostgreSQL variants skipped. {HOW_TO_RUN}")
    slow = [r for r in terminalreporter.stats.get("skipped", []) if "slow" in r.keywords]
    if slow and not config.getoption("--run-slow"):
        terminalreporter.write_line(f"{len(slow)} slow tests skipped: run them with --run-slow")


class PgServer:
    """Creates and drops throw-away databases on one server (psycopg, autocommit)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        self.admin = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.template: str | None = None  # a database upgrade_schema migrated, made on first use

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create(self, *, migrated: bool = False) -> str:
        """A new database: empty, or (migrated=True) a copy of one the product's upgrade_schema
        migrated once per session (CREATE DATABASE ... TEMPLATE: ~0.1 s, the migrations ~0.8 s)."""
        template = f' TEMPLATE "{self._migrated_template()}"' if migrated else ""
        name = f"lifecycle_test_{uuid.uuid4().hex[:16]}"
        self._execute(f'CREATE DATABASE "{name}"{template}')
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _migrated_template(self) -> str:
        if self.template is None:
            from lifecycle_cli.store.db import make_engine, upgrade_schema

            name = f"lifecycle_template_{uuid.uuid4().hex[:16]}"
            self._execute(f'CREATE DATABASE "{name}"')
            engine = make_engine(self.url.set(database=name).render_as_string(hide_password=False))
            try:
                upgrade_schema(engine)
            finally:
                engine.dispose()  # a template must have no connections
            self.template = name
        return self.template

    def close(self) -> None:
        if self.template is not None:
            self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self.template = None

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server(pytestconfig: pytest.Config) -> Iterator[PgServer | None]:
    url = pytestconfig.getoption("--pg-url")
    server = PgServer(url) if url else None
    yield server
    if server is not None:
        server.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, pg_server: PgServer | None) -> str:
    """The engine a CLI test runs on (module-scoped, so module-wide worlds follow it)."""
    if request.param == "postgres" and pg_server is None:
        pytest.skip(HOW_TO_RUN)
    return str(request.param)


class SqliteTemplate:
    """One empty SQLite database migrated by the product's own upgrade_schema, made on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path: Path | None = None

    def copy_to(self, path: Path) -> None:
        if self.path is None:
            from lifecycle_cli.store.db import make_engine, upgrade_schema

            made = self.folder / "migrated.db"
            engine = make_engine(f"sqlite:///{made}", create=True)
            try:
                upgrade_schema(engine)
            finally:
                engine.dispose()
            assert not made.with_name(made.name + "-wal").exists()  # checkpointed: the file is the database
            self.path = made
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


def _fresh_file(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("fresh_file") is not None


def _maker(backend: str, pg_server: PgServer | None, made: list[str], template: SqliteTemplate | None) -> DbMaker:
    """template None (fresh_file): no file / an empty PostgreSQL database; else a migrated copy."""
    def make(folder: Path, name: str = "x.db") -> Path | str:
        if backend == "sqlite":
            path = folder / name
            if template is not None and not path.exists():
                template.copy_to(path)
            return path
        assert pg_server is not None
        url = pg_server.create(migrated=template is not None)
        made.append(url)
        return url
    return make


@pytest.fixture(scope="module")
def module_db(backend: str, pg_server: PgServer | None, sqlite_template: SqliteTemplate,
              request: pytest.FixtureRequest) -> Iterator[DbMaker]:
    """make(folder, name): a fresh database for a module-wide world (a file in folder, or a PG database)."""
    made: list[str] = []
    yield _maker(backend, pg_server, made, None if _fresh_file(request) else sqlite_template)
    for url in made:
        assert pg_server is not None
        pg_server.drop(url)


@pytest.fixture
def new_db(backend: str, pg_server: PgServer | None, tmp_path: Path, sqlite_template: SqliteTemplate,
           request: pytest.FixtureRequest) -> Iterator[Callable[[str], Path | str]]:
    """new_db(name): a fresh database holding the empty schema for this test: tmp_path/name, or a
    PostgreSQL URL (copies of a migrated template; marked fresh_file: no file, an empty database)."""
    marker = request.node.get_closest_marker("sqlite_only")
    if backend == "postgres" and marker is not None:
        pytest.skip(f"SQLite only: {marker.args[0] if marker.args else ''}")
    made: list[str] = []
    make = _maker(backend, pg_server, made, None if _fresh_file(request) else sqlite_template)
    yield lambda name="x.db": make(tmp_path, name)
    for url in made:
        assert pg_server is not None
        pg_server.drop(url)
