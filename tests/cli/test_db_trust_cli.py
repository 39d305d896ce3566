"""Trusting the database a command is given: a missing one is not silently created, a read-only one
or an odd --db value is said in Chinese (exit 2, never a password), option dates and task ids are
checked before they reach SQL, and `db status` refuses a newer schema like every command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import DAY, NOW, Files, import_world, run, run_ok, sql_rows, task_id_of
from typer.testing import CliRunner

from lifecycle_cli.cli.app import app

MISSING = "数据库不存在：{}；首次使用请先 lifecycle import 或 lifecycle db upgrade\n"
VIN = "LVRHDA3K00TN00100"

# Every verb that needs an existing database: the readers and the writers of existing data.
NEEDS_A_DATABASE = [
    ("due",),
    ("due", "--date", DAY, "--format", "json"),
    ("vehicles",),
    ("show", "C100"),
    ("report",),
    ("churn",),
    ("done", "1", "--result", "reached"),
    ("db", "status"),
    ("db", "status", "--format", "json"),
    ("db", "resync"),
    ("event", "add", VIN, "complaint"),
    ("event", "resolve", "1", "--satisfied"),
    ("event", "list"),
    ("campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign"),
    ("campaign", "list"),
    ("campaign", "show", "1"),
    ("vehicle", "set", VIN, "--insurance-expiry", "2027-01-01"),
]


@pytest.mark.parametrize("args", NEEDS_A_DATABASE, ids=" ".join)
def test_a_command_on_a_database_that_does_not_exist_creates_nothing(
        tmp_path: Path, args: tuple[str, ...]) -> None:
    db = tmp_path / "nonexistent" / "dir" / "x.db"
    result = run(db, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", MISSING.format(db))
    assert list(tmp_path.iterdir()) == []  # not even the parent folder


@pytest.mark.parametrize("args", NEEDS_A_DATABASE, ids=" ".join)
@pytest.mark.fresh_file("an empty file, not one with a schema")
def test_a_database_without_tables_is_new_and_stays_so(new_db: Callable[[str], Path | str],
                                                       args: tuple[str, ...]) -> None:
    """An existing, empty SQLite file or PostgreSQL database: not initialised, no schema made."""
    db = new_db("x.db")
    if isinstance(db, Path):
        db.touch()
    result = run(db, *args)  # type: ignore[arg-type]
    assert (result.exit_code, result.stderr) == (2, MISSING.format(db))
    assert sql_rows(db, "select count(*) from " + (
        "sqlite_master" if isinstance(db, Path) else "information_schema.tables where table_schema = 'public'")) == [(0,)]


def test_the_default_database_is_not_created_by_a_reader(tmp_path: Path) -> None:
    data_home = tmp_path / "xdg"
    result = CliRunner().invoke(app, ["due"], env={"XDG_DATA_HOME": str(data_home), "LIFECYCLE_NOW": NOW})
    assert result.exit_code == 2
    assert result.stderr == MISSING.format(data_home / "lifecycle" / "lifecycle.db")
    assert not data_home.exists()


@pytest.mark.parametrize("creator", [("db", "upgrade"), ("import",)], ids=" ".join)
def test_import_and_db_upgrade_create_the_database_and_its_folders(tmp_path: Path, files: Files,
                                                                   creator: tuple[str, ...]) -> None:
    db = tmp_path / "new" / "dir" / "x.db"
    extra = [str(files.customers([]))] if creator == ("import",) else []
    run_ok(db, *creator, *extra)
    assert db.is_file()
    assert json.loads(run_ok(db, "db", "status", "--format", "json").stdout)["up_to_date"] is True


@pytest.mark.parametrize(("value", "shown"), [
    ("user:secret@host/db", "user:***@host/db"),
    ("desk:secret@10.0.0.5:5432/lifecycle", "desk:***@10.0.0.5:5432/lifecycle"),
    ("postgresql:/u:secret@h/db", "postgresql:/u:***@h/db"),
    ("postgresql://u:secret@host:abc/db", "postgresql://u:***@host:abc/db"),
    ("mysql://u:secret@h/db", "mysql://u:***@h/db"),
    ("postgresql+nodriver://u:secret@h/db", "postgresql+nodriver://u:***@h/db"),
    ("postgresql://u:secret@127.0.0.1:1/db", "postgresql://u:***@127.0.0.1:1/db"),
])
@pytest.mark.parametrize("args", [("due",), ("db", "status"), ("db", "upgrade"), ("import", "x.csv")], ids=" ".join)
def test_a_db_value_that_is_no_usable_url_is_an_error_without_the_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, shown: str, args: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(value, *args)  # type: ignore[arg-type]
    assert result.exit_code == 2, result.stderr
    assert "secret" not in result.stdout + result.stderr
    assert shown in result.stderr
    assert list(tmp_path.iterdir()) == []  # never taken for a file name


# --------------------------------------------------------------------------- db status, newer schema


def test_db_status_on_a_newer_schema_says_upgrade_lifecycle(db: Path, files: Files) -> None:
    run_ok(db, "db", "upgrade")
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{db}" if isinstance(db, Path) else str(db))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    for fmt in ("table", "json"):
        result = run(db, "db", "status", "--format", fmt)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == "数据库结构版本 99 比本程序 (7) 新，请升级 lifecycle\n"


# --------------------------------------------------------------------------- a world to work on


@pytest.fixture(scope="module")
def world(module_db: Callable[..., Path | str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trust")
    db = module_db(folder)
    import_world(db, Files(folder / "data"))  # type: ignore[arg-type]
    return db  # type: ignore[return-value]


def outcome_count(db: Path) -> int:
    return int(sql_rows(db, "select count(*) from outcome")[0][0])


@pytest.mark.parametrize("task_id", ["99999999999999999999", str(2**63), str(2**31), "0", "-1", "999999"])
def test_a_task_id_that_does_not_exist_is_said_plainly(world: Path, task_id: str) -> None:
    result = run(world, "done", "--result", "reached", "--", task_id)
    assert (result.exit_code, result.stderr) == (2, f"任务号 {task_id} 不存在\n")


@pytest.mark.parametrize("args", [("event", "resolve", "99999999999999999999", "--satisfied"),
                                  ("campaign", "show", "99999999999999999999")], ids=" ".join)
def test_a_number_too_big_for_the_database_is_a_usage_error(world: Path, args: tuple[str, ...]) -> None:
    result = run(world, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("数字超出数据库能保存的范围（") and "请检查输入的编号或数量" in result.stderr


def _day(offset: int) -> str:
    return (date.fromisoformat(DAY) + timedelta(days=offset)).isoformat()


@pytest.mark.parametrize(("args", "message"), [
    (("due", "--date", "1899-12-31"), "--date: 日期 1899-12-31 超出范围（1900-01-01 至 2099-12-31）"),
    (("due", "--date", "2100-01-01"), "--date: 日期 2100-01-01 超出范围（1900-01-01 至 2099-12-31）"),
    (("vehicles", "--date", "9999-12-31"), "--date: 日期 9999-12-31 超出范围（1900-01-01 至 2099-12-31）"),
    (("report", "--date", "0001-01-01"), "--date: 日期 0001-01-01 超出范围（1900-01-01 至 2099-12-31）"),
    (("report", "--month", "1899-12"), "--month: 月份 1899-12 超出范围（1900-01 至 2099-12）"),
    (("report", "--month", "2100-01"), "--month: 月份 2100-01 超出范围（1900-01 至 2099-12）"),
    (("report", "--month", "9999-12"), "--month: 月份 9999-12 超出范围（1900-01 至 2099-12）"),
    (("report", "--month", "2026-13"), "--month: 无法识别的月份 \"2026-13\"（格式：YYYY-MM）"),
    (("event", "list", "--since", "3000-01-01"), "--since: 日期 3000-01-01 超出范围（1900-01-01 至 2099-12-31）"),
    (("done", "1", "--result", "reached", "--date", "2100-01-01"),
     "--date: 日期 2100-01-01 超出范围（1900-01-01 至 2099-12-31）"),
    (("done", "1", "--result", "no_answer", "--date", _day(367)),
     f"--date: 日期 {_day(367)} 比今天（{DAY}）晚一年以上，请检查年份"),
    (("done", "1", "--result", "booked", "--date", DAY, "--booked-for", _day(-1)),
     f"--booked-for: 日期 {_day(-1)} 早于尝试日期（{DAY}）"),
    (("done", "1", "--result", "booked", "--booked-for", _day(367)),
     f"--booked-for: 日期 {_day(367)} 比今天（{DAY}）晚一年以上，请检查年份"),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_option_dates_outside_a_sane_range_are_usage_errors(world: Path, args: tuple[str, ...], message: str) -> None:
    before = outcome_count(world)
    result = run(world, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert outcome_count(world) == before


@pytest.mark.parametrize("day", ["1900-01-01", "2099-12-31"])
def test_the_first_and_last_day_of_the_range_are_accepted(world: Path, day: str) -> None:
    run_ok(world, "vehicles", "--date", day)


def test_an_attempt_at_the_edges_of_its_range(db: Path, files: Files) -> None:
    """--date up to a year ahead and not before the task existed; --booked-for from the attempt's day."""
    import_world(db, files)
    task = task_id_of(db, DAY, "C100", "delivery_call_24h")  # the car was delivered the day before DAY
    result = run(db, "done", task, "--result", "no_answer", "--date", "2020-01-01")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"--date: 尝试日期 2020-01-01 早于任务 {task} 出现的日期（")
    assert outcome_count(db) == 0
    run_ok(db, "done", task, "--result", "no_answer", "--date", _day(366))
    other = task_id_of(db, DAY, "C101", "post_service_followup")
    run_ok(db, "done", other, "--result", "booked", "--date", DAY, "--booked-for", DAY)
    assert outcome_count(db) == 2


def test_a_call_made_today_on_a_task_stored_ahead_is_recorded_in_a_replay(db: Path, files: Files) -> None:
    """A replay's clock (LIFECYCLE_NOW, the tests' 2026-11-23) runs behind the real one that stamps
    created_at: a task stored ahead (due in the next 14 days) called early today still counts."""
    import_world(db, files)
    run_ok(db, "due", "--today")
    ahead = sql_rows(db, "SELECT id FROM task WHERE status = 'open' AND due_date > ? ORDER BY id", [DAY])
    assert ahead, "the world has tasks stored ahead of today"
    run_ok(db, "done", str(ahead[0][0]), "--result", "no_answer")
    assert outcome_count(db) == 1


# --------------------------------------------------------------------------- read-only databases


def test_a_read_only_database_file_is_named_and_nothing_changes(world: Path, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's own files")
    task = task_id_of(world, DAY, "C100", "delivery_call_24h")
    read_only = f"sqlite:///file:{world}?mode=ro&uri=true"
    result = run(read_only, "done", task, "--result", "no_answer")  # type: ignore[arg-type]
    assert result.exit_code == 2
    assert result.stderr == (f"数据库文件只读：{world}（lifecycle 需要写入该文件及其所在文件夹，请检查权限），"
                             "未做任何修改\n")
    assert outcome_count(world) == 0


def _as_this_user() -> list[str]:
    """The command prefix that runs the child without root's right to write read-only files."""
    if os.geteuid() != 0:
        return []
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("as root this needs setpriv (util-linux) to run the command as nobody")
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import lifecycle_cli"], capture_output=True,
                           timeout=60, cwd="/")
    if probe.returncode != 0:  # a private venv folder (mktemp -d is 0700): nobody cannot load the program
        pytest.skip("nobody cannot load lifecycle from this interpreter's environment (make its folder readable)")
    return prefix


@pytest.mark.parametrize(("locked", "message"), [
    ("file", "数据库文件只读：{}（lifecycle 需要写入该文件及其所在文件夹，请检查权限），未做任何修改\n"),
    ("folder", "数据库文件只读：{}（lifecycle 需要写入该文件及其所在文件夹，请检查权限），未做任何修改\n"),
], ids=["file", "folder"])
def test_a_database_the_user_cannot_write_is_said_in_chinese(files: Files, locked: str, message: str) -> None:
    """A real process without write permission on the file (SQLITE_READONLY), or on its folder,
    which WAL needs for its -wal / -shm files. (Made outside pytest's private tmp folder, so that
    the other user a root run switches to can reach it.)"""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lifecycle-ro-") as scratch:
        folder = Path(scratch) / "db"
        db = folder / "x.db"
        import_world(db, files)
        task = task_id_of(db, DAY, "C100", "delivery_call_24h")
        Path(scratch).chmod(0o755)
        folder.chmod(0o777 if locked == "file" else 0o555)
        db.chmod(0o444 if locked == "file" else 0o666)
        env = {**os.environ, "LIFECYCLE_NOW": NOW}
        env.pop("LIFECYCLE_DB", None)
        try:
            proc = subprocess.run(
                [*_as_this_user(), sys.executable, "-c", "from lifecycle_cli.cli.app import main; main()", "--db", str(db),
                 "done", str(task), "--result", "no_answer"],
                env=env, capture_output=True, text=True, timeout=60, cwd="/")
        finally:
            folder.chmod(0o755)
            db.chmod(0o644)
        assert (proc.returncode, proc.stderr) == (2, message.format(db))
        assert outcome_count(db) == 0


# --------------------------------------------------------------------------- the last resort


def test_an_unexpected_error_exits_70_with_the_debug_hint_and_not_its_text(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import lifecycle_cli.cli.app as app_module

    def broken() -> None:
        raise ValueError("internal detail postgresql://u:secret@h/db")

    monkeypatch.setattr(app_module, "app", broken)
    with pytest.raises(SystemExit) as exited:
        app_module.main()
    assert exited.value.code == 70
    err = capsys.readouterr().err
    assert err == ("lifecycle 内部错误（ValueError），请把命令和 LIFECYCLE_DEBUG=1 时的输出报告给维护者\n"
                   "（设置 LIFECYCLE_DEBUG=1 可查看详细信息）\n")


def test_stored_stamps_are_the_commands_clock_not_the_machines(db: Path, files: Files) -> None:
    """created_at / recorded_at come from the CLI's clock (LIFECYCLE_NOW in a replay)."""
    import_world(db, files)
    run_ok(db, "due", "--today")
    task = sql_rows(db, "SELECT id FROM task WHERE status = 'open' ORDER BY id")[0][0]
    run_ok(db, "done", str(task), "--result", "no_answer")
    def instant(value: object) -> datetime:
        stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)  # SQLite keeps UTC, naive

    stamps = {instant(v) for (v,) in sql_rows(db, "SELECT created_at FROM task")}
    stamps |= {instant(v) for (v,) in sql_rows(db, "SELECT recorded_at FROM outcome")}
    assert stamps == {datetime.fromisoformat(NOW.replace("Z", "+00:00"))}
