"""`lifecycle db upgrade` / `db status` and the schema check every command makes (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import DAY, Files, import_world, run, run_ok, sql_rows, task_id_of
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

DATA_TABLES = ("customer", "vehicle", "visit", "odometerreading", "task", "outcome", "insurancechange", "meta")


def engine_of(db: Path | str) -> Engine:
    return create_engine(f"sqlite:///{db}" if isinstance(db, Path) else str(db))


def counts(db: Path | str) -> dict[str, int]:
    return {t: int(sql_rows(db, f"select count(*) from {t}")[0][0]) for t in DATA_TABLES}


# What `db upgrade` says it reached: this program's schema (every older-version test upgrades to it).
CURRENT = "版本 7（revision 0007）"


def upgraded_from(world: Path, version: int, *undo: str) -> dict[str, int]:
    """Make `world` a version-`version` database (`undo`: the statements taking away what the later
    versions added), see a command refuse it and `db upgrade` bring it to CURRENT with every row kept
    and the schema this program declares. The row counts before the upgrade."""
    engine = engine_of(world)
    with engine.begin() as conn:
        for sql in undo:
            conn.execute(text(sql))
        conn.execute(text(f"UPDATE alembic_version SET version_num = '{version:04d}'"))
    engine.dispose()
    before = counts(world)
    refused = run(world, "due", "--date", DAY)
    assert refused.exit_code == 2 and "请先运行 lifecycle db upgrade" in refused.stderr
    assert f"版本 {version}（revision {version:04d}） → {CURRENT}" in run_ok(world, "db", "upgrade").stdout
    assert counts(world) == before
    assert schema_differences(world) == []
    return before


def schema_differences(db: Path | str) -> list[object]:
    """What Alembic's autogenerate would change to reach SQLModel.metadata (empty: the same schema)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import lifecycle_cli.store.db  # noqa: F401  (registers every table)

    engine = engine_of(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    return list(diff)


def status(db: Path | str) -> dict[str, object]:
    data: dict[str, object] = json.loads(run_ok(db, "db", "status", "--format", "json").stdout)
    return data


@pytest.mark.fresh_file("the first command makes the schema")
def test_the_first_command_creates_the_schema_at_the_current_revision(db: Path, files: Files) -> None:
    import_world(db, files)
    data = status(db)
    assert data["schema_version"] == 7 and data["alembic_revision"] == "0007" and data["up_to_date"] is True
    assert data["tables"]["customer"] == 6  # type: ignore[index]
    assert data["stores"] == [{"store": "广州天河店", "vehicles": 6, "last_delivery": "2026-11-22",
                               "last_visit": "2026-11-20"}]
    assert schema_differences(db) == []


def test_the_scripts_head_is_the_codes_schema_version() -> None:
    from lifecycle_cli.store.db import HEAD_REVISION
    from lifecycle_cli.store.migrations import head_revision

    assert head_revision() == HEAD_REVISION == "0007"


@pytest.mark.fresh_file("db upgrade makes the schema of a new database")
def test_upgrade_on_an_empty_database_then_again_is_a_no_op(db: Path) -> None:
    first = run_ok(db, "db", "upgrade").stdout
    assert f"空数据库 → {CURRENT}" in first
    assert "已是最新结构" in run_ok(db, "db", "upgrade").stdout
    assert schema_differences(db) == []


def test_a_database_made_before_migrations_is_upgraded_without_losing_rows(db: Path, files: Files) -> None:
    # The first schema version as an earlier release left it: create_all + meta.schema_version = 1,
    # no alembic_version, and (older still) no event / campaign tables; with a store's data in it.
    import_world(db, files)
    task = task_id_of(db, DAY, "C100", "delivery_call_24h")
    run_ok(db, "done", task, "--result", "no_answer", "--date", DAY)
    engine = engine_of(db)
    with engine.begin() as conn:
        for table in ("alembic_version", "campaign_target", "event", "campaign"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DROP INDEX ix_task_open_window"))  # came with version 2
    engine.dispose()
    before = counts(db)
    assert before["outcome"] == 1 and before["visit"] == 3
    assert status(db)["alembic_revision"] is None

    out = run_ok(db, "db", "upgrade").stdout
    assert f"版本 1（迁移之前创建，无 revision） → {CURRENT}" in out
    assert counts(db) == before
    assert schema_differences(db) == []
    assert status(db)["alembic_revision"] == "0007"
    # Every command works on it afterwards, the new tables included.
    assert task_id_of(db, "2026-11-24", "C100", "delivery_call_24h") == task  # no answer: back the next day
    run_ok(db, "event", "add", sql_rows(db, "select vin from vehicle order by id")[0][0], "complaint",
           "--date", DAY, "--note", "等待时间长")
    assert counts(db)["task"] == before["task"] + 3  # its follow-up and the complaint clock's two escalations


def test_a_newer_schema_is_refused_by_commands_and_by_upgrade(world: Path) -> None:
    engine = engine_of(world)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    engine.dispose()
    for args in (("due", "--date", DAY), ("db", "upgrade")):
        result = run(world, *args)
        assert result.exit_code == 2, result.stdout
        assert "比本程序 (7) 新，请升级 lifecycle" in result.stderr


def test_an_older_schema_is_refused_until_db_upgrade(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lifecycle_cli.store.db as store_db

    monkeypatch.setattr(store_db, "SCHEMA_VERSION", 8)
    monkeypatch.setattr(store_db, "HEAD_REVISION", "0008")
    result = run(world, "due", "--date", DAY)
    assert result.exit_code == 2
    assert "数据库结构版本 7 较旧（本程序为 8），请先运行 lifecycle db upgrade" in result.stderr


def test_passwords_never_appear_in_messages(tmp_path: Path) -> None:
    url = "postgresql+psycopg://desk:TopSecret42@127.0.0.1:1/lifecycle"
    for args in (("due", "--date", DAY), ("db", "status"), ("db", "upgrade")):
        result = run(url, *args)  # type: ignore[arg-type]
        assert result.exit_code == 2
        assert "TopSecret42" not in result.stdout + result.stderr
        assert "desk:***@127.0.0.1:1/lifecycle" in result.stderr


def test_a_version_2_database_gets_the_care_desk_tables_and_columns_from_db_upgrade(world: Path) -> None:
    """Version 3 adds staff, assignment and columns of task / outcome / customer, keeping every row."""
    dropped = (("task", "list_from"), ("task", "deferred_days"), ("outcome", "recorded_by"),
               ("outcome", "list_date"), ("outcome", "score"), ("outcome", "reason"), ("outcome", "withdrawn"),
               ("customer", "bad_phone"), ("vehicle", "status"), ("event", "level"), ("event", "handler"),
               ("event", "response_due"), ("event", "resolution_due"), ("event", "responded_on"),
               ("event", "outcome_id"))
    before = upgraded_from(world, 2, "DROP TABLE workload", "DROP TABLE answer", "DROP TABLE appointment",
                           "DROP INDEX ix_event_resolution_due", "DROP TABLE assignment", "DROP TABLE staff",
                           *(f"ALTER TABLE {table} DROP COLUMN {column}" for table, column in dropped))
    assert sql_rows(world, "select count(*) from task where deferred_days = 0 and list_from is null")[0][0] \
        == before["task"]


def test_a_version_5_database_loses_the_two_unread_vehicle_indexes(world: Path) -> None:
    """Version 6 drops ix_vehicle_prev_service_due and ix_vehicle_last_maintenance (no query reads them;
    every maintenance moved both entries); nothing else changes."""
    upgraded_from(world, 5, "CREATE INDEX ix_vehicle_prev_service_due ON vehicle (prev_service_due)",
                  "CREATE INDEX ix_vehicle_last_maintenance ON vehicle (last_maintenance_date)")
    engine = engine_of(world)
    names = {ix["name"] for ix in inspect(engine).get_indexes("vehicle")}
    engine.dispose()
    assert not names & {"ix_vehicle_prev_service_due", "ix_vehicle_last_maintenance"}
    assert {"ix_vehicle_service_due", "ix_vehicle_warranty_end"} <= names
    assert CURRENT in run_ok(world, "db", "status").stdout


def test_a_version_6_database_gains_the_kept_lines_table_empty(world: Path) -> None:
    """Version 7 adds kept_line (the lines whose rows kept a stored value), empty; nothing else changes."""
    upgraded_from(world, 6, "DROP TABLE kept_line")
    assert sql_rows(world, "select count(*) from kept_line") == [(0,)]


def test_a_version_4_database_gains_the_line_digests_and_its_next_import_reads_every_line(
        world: Path, files: Files) -> None:
    """Version 5 adds line_digest (and its index) to customer, vehicle and visit, empty: the first
    import afterwards reads every line as before and stores the digests."""
    tables = ("customer", "vehicle", "visit")
    upgraded_from(world, 4, *(f"DROP INDEX ix_{table}_line_digest" for table in tables),
                  *(f"ALTER TABLE {table} DROP COLUMN line_digest" for table in tables))
    assert sql_rows(world, "select count(*) from customer where line_digest is not null")[0][0] == 0
    import_world(world, files)
    assert sql_rows(world, "select count(*) from customer where line_digest is null")[0][0] == 0


def test_a_version_3_database_loses_its_id_numbers_and_gains_the_privacy_columns(world: Path) -> None:
    """Version 4 drops 身份证号 (never stored, 个人信息保护法) and adds the opt-out flags and export_log."""
    upgraded_from(world, 3, "DROP TABLE export_log", "DROP INDEX ix_task_store_open_window",
                  *(f"ALTER TABLE customer DROP COLUMN {column}"
                    for column in ("do_not_contact_imported", "sms_opt_out", "sms_opt_out_imported")),
                  "ALTER TABLE customer ADD COLUMN id_number VARCHAR",
                  "UPDATE customer SET id_number = '440106199001011234'")
    engine = engine_of(world)
    assert "id_number" not in {c["name"] for c in inspect(engine).get_columns("customer")}
    engine.dispose()
    assert sql_rows(world, "select count(*) from customer where sms_opt_out")[0][0] == 0


def test_a_version_1_database_gets_the_call_list_index_from_db_upgrade(world: Path) -> None:
    """Version 2 only adds ix_task_open_window: a version 1 database is that database without it."""
    upgraded_from(world, 1, "DROP INDEX ix_task_open_window")
    engine = engine_of(world)
    assert "ix_task_open_window" in {ix["name"] for ix in inspect(engine).get_indexes("task")}
    engine.dispose()
    assert run(world, "due", "--date", DAY).exit_code == 0


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN is SQLite's")
def test_the_call_list_reads_open_tasks_by_the_end_of_their_window(world: Path) -> None:
    """Lapsed open tasks pile up with every unworked day; the list's scan must start after them."""
    import sqlite3
    from datetime import date

    from sqlalchemy.dialects import sqlite

    from lifecycle_cli.store.tasklist import open_tasks_query

    day = date.fromisoformat(DAY)
    sql = str(open_tasks_query(day, day).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(world) as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_task_open_window (status=? AND window_end>?)" in plan, plan
