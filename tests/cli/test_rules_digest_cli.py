"""The stored state follows the rules in force (issue 15, item 6).

The projection state, the care-call phases and the scheduled tasks were computed with the rules
of the import: `due --rules changed.toml` kept the old rhythm (184 of 220 customers). Now `meta`
keeps the digest of the rules they were built with and a command run with other rules rebuilds
them first, so its list is the list of a fresh database built with those rules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import DAY, due_tasks, run, run_json, run_ok, sql_rows
from sqlalchemy import create_engine, text

from lifecycle_cli.core.rules import load_rules, state_digest

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_FILES = [SAMPLE / "customers.csv", SAMPLE / "vehicles.csv", SAMPLE / "visits.csv"]
REBUILT = "规则与上次计算状态时不同：已按当前规则重算"


def calls(db: Path, rules: Path | None = None, day: str = DAY) -> list[tuple[str, str, str, str, str, str]]:
    """The call list of a day as comparable rows (task ids differ between databases)."""
    env = {"LIFECYCLE_RULES": str(rules)} if rules else None
    return sorted((t["customer_id"], t["code"], t["vin"], t["due_date"], t["owner"], t["stage"])
                  for t in due_tasks(db, "--date", day, env=env))


def rules_file(tmp_path: Path, content: str, name: str = "changed.toml") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def execute(db: Path | str, sql: str) -> None:
    """One statement on the test database (SQLite file or PostgreSQL URL), committed."""
    engine = create_engine(f"sqlite:///{db}" if isinstance(db, Path) else db)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.mark.parametrize(
    ("content", "round_trip"),
    [
        pytest.param("[touchpoints.care_call]\noffset_days = 45\n", True, id="care-call-every-45-days"),
        pytest.param("[schedule]\nservice_interval_months = 4\n", False, id="service-every-4-months"),
    ],
)
def test_a_rules_change_lists_what_a_fresh_database_built_with_them_lists(
    new_db: Callable[[str], Path], tmp_path: Path, content: str, round_trip: bool
) -> None:
    changed = rules_file(tmp_path, content)
    db, fresh = new_db("a.db"), new_db("fresh.db")
    run_ok(db, "import", *SAMPLE_FILES)
    default_list = calls(db)
    run_ok(fresh, "--rules", changed, "import", *SAMPLE_FILES)
    fresh_list = calls(fresh, changed)
    assert fresh_list != default_list  # the change matters on this day

    result = run_ok(db, "--rules", changed, "due", "--date", DAY)
    assert result.stderr.startswith(f"{REBUILT} 242 辆车、220 位客户的状态并重新检索任务")
    assert calls(db, changed) == fresh_list
    if round_trip:
        tasks_after_change = sql_rows(db, "SELECT count(*) FROM task")
        assert calls(db) == default_list
        run_ok(db, "--rules", changed, "due", "--date", DAY)
        # Back and forth reopens the tasks each rule set made; none is stored twice.
        assert sql_rows(db, "SELECT count(*) FROM task") == tasks_after_change


def test_outcomes_are_kept_across_a_rules_change(world: Path, tmp_path: Path) -> None:
    changed = rules_file(tmp_path, "[touchpoints.delivery_call_7d]\noffset_days = 5\n")
    [done] = [t["task_id"] for t in due_tasks(world, "--date", DAY) if t["code"] == "delivery_call_24h"
              and t["customer_id"] == "C100"]
    run_ok(world, "done", done, "--result", "reached")
    before = sql_rows(world, "SELECT task_id, result FROM outcome")
    seven_days = [t for t in due_tasks(world, "--date", "2026-11-29") if t["code"] == "delivery_call_7d"]
    assert sorted((t["customer_id"], t["due_date"]) for t in seven_days) == [("C100", "2026-11-29"), ("C101", "2026-11-29")]

    moved = [t for t in due_tasks(world, "--date", "2026-11-27", env={"LIFECYCLE_RULES": str(changed)})
             if t["code"] == "delivery_call_7d"]
    assert sorted((t["customer_id"], t["due_date"]) for t in moved) == [("C100", "2026-11-27"), ("C101", "2026-11-27")]
    assert sql_rows(world, "SELECT task_id, result FROM outcome") == before
    assert sql_rows(world, "SELECT status, closed_reason FROM task WHERE id = ?", [done]) == [("closed", "reached")]


def test_a_database_without_a_digest_is_rebuilt_once(world: Path) -> None:
    # An older release kept no digest: its state was built with the defaults of its day.
    execute(world, "DELETE FROM meta WHERE key = 'rules_digest'")
    first = run_ok(world, "due", "--date", DAY)
    assert first.stderr.startswith(f"{REBUILT} 6 辆车、6 位客户的状态")
    assert run_ok(world, "due", "--date", DAY).stderr == ""
    assert sql_rows(world, "SELECT value FROM meta WHERE key = 'rules_digest'") == [(state_digest(load_rules()),)]


def test_an_empty_database_only_records_the_digest(db: Path) -> None:
    run_ok(db, "db", "upgrade")  # a new, empty database (only import, demo and db upgrade make one)
    assert run_ok(db, "due", "--date", DAY).stderr == ""
    assert sql_rows(db, "SELECT value FROM meta WHERE key = 'rules_digest'") == [(state_digest(load_rules()),)]


def test_a_change_of_labels_and_texts_needs_no_rebuild(world: Path, tmp_path: Path) -> None:
    labels = rules_file(tmp_path, '[touchpoints.care_call]\nhint = "问候"\n[roles]\ncustomer_care = "客服"\n'
                                  "[kpi.targets]\nchurn_rate = 0.2\n")
    before = calls(world)
    result = run_ok(world, "--rules", labels, "due", "--date", DAY)
    assert REBUILT not in result.stderr
    assert calls(world) == before


def test_db_status_shows_the_digest_of_the_state_rules(world: Path, tmp_path: Path) -> None:
    changed = rules_file(tmp_path, "[schedule]\nservice_interval_months = 4\n")
    current = state_digest(load_rules())
    other = state_digest(load_rules(changed))
    status = run_json(world, "db", "status")
    assert (status["rules_digest"], status["rules_digest_current"]) == (current, current)
    assert f"规则摘要：{current[:12]}（与当前规则一致）" in run_ok(world, "db", "status").stdout
    assert (f"规则摘要：{current[:12]}（当前规则为 {other[:12]}：下一个使用数据库的命令会先按当前规则重算状态与任务）"
            in run_ok(world, "--rules", changed, "db", "status").stdout)
    assert run(world, "--rules", changed, "due").exit_code == 0
    assert run_json(world, "db", "status")["rules_digest"] == other
