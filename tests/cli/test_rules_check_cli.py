"""`lifecycle rules --check FILE`, and a bad rules file stops every command before it touches the database.

Before, a misspelt key was ignored, `service_interval_months = 0` dropped every invitation (and the
stored state kept it after the file was fixed), a negative window crashed with "generator raised
StopIteration", a binary or huge-number file exited 70 (issue 15, items 7 and 15).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import DAY, refusal, run, run_ok, sql_rows

BAD = [
    pytest.param(b"[schedule]\nservice_interval_months = 0\n",
                 "schedule.service_interval_months: 应大于 0，不是 0", id="interval-zero"),
    pytest.param(b"[touchpoints.visit_45d]\nwindow_days = -1\n",
                 "touchpoints.visit_45d.window_days: 不能为负数，不是 -1", id="negative-window"),
    pytest.param(b"[touchpoints.care_call]\nofset_days = 45\n",
                 "touchpoints.care_call.ofset_days: 未知的键，是不是 touchpoints.care_call.offset_days？",
                 id="misspelt-key"),
    pytest.param(b"[projection]\nwindow_days = 100000000000000000000\n",
                 "projection.window_days: 过大（最大 3660），不是 100000000000000000000", id="huge-number"),
    pytest.param(b"\x00\x01\xfe\xff binary", "不是有效的 TOML 文件：不是 UTF-8 文本（第 3 个字节）", id="binary"),
]


def _state(db: Path) -> list[list[tuple[object, ...]]]:
    """Everything a command could change: tasks, outcomes, meta and the vehicles' stored state."""
    return [sql_rows(db, "SELECT * FROM task ORDER BY id"), sql_rows(db, "SELECT * FROM outcome ORDER BY id"),
            sql_rows(db, "SELECT key, value FROM meta ORDER BY key"), sql_rows(db, "SELECT * FROM vehicle ORDER BY id"),
            sql_rows(db, "SELECT * FROM customer ORDER BY id")]


@pytest.mark.parametrize(("content", "reason"), BAD)
def test_check_names_every_problem_and_opens_no_database(tmp_path: Path, content: bytes, reason: str) -> None:
    rules = tmp_path / "dealer.toml"
    rules.write_bytes(content)
    db = tmp_path / "never.db"
    result = run(db, "rules", "--check", rules)
    assert (result.exit_code, result.stderr, result.stdout) == (2, f"{rules}: {reason}\n", "")
    assert not db.exists()


def test_check_of_a_good_file_says_so_and_opens_no_database(tmp_path: Path) -> None:
    rules = tmp_path / "dealer.toml"
    rules.write_text("[touchpoints.care_call]\noffset_days = 45\n", encoding="utf-8")
    db = tmp_path / "never.db"
    result = run_ok(db, "--rules", tmp_path / "ignored_missing.toml", "rules", "--check", rules)
    assert result.stdout == f"规则文件有效：{rules}\n"
    assert not db.exists()


def test_rules_without_check_still_prints_the_effective_rules(tmp_path: Path) -> None:
    rules = tmp_path / "dealer.toml"
    rules.write_text("[touchpoints.care_call]\noffset_days = 45\n", encoding="utf-8")
    assert "offset_days = 45" in run_ok(tmp_path / "x.db", "--rules", rules, "rules").stdout


@pytest.mark.parametrize(("content", "reason"), BAD)
def test_due_with_a_bad_rules_file_exits_2_and_changes_nothing(world: Path, tmp_path: Path, content: bytes,
                                                               reason: str) -> None:
    run_ok(world, "due", "--date", DAY)
    before = _state(world)
    rules = tmp_path / "dealer.toml"
    rules.write_bytes(content)
    for args in (("--rules", rules, "due", "--date", DAY), ("due", "--date", DAY)):
        env = {"LIFECYCLE_RULES": str(rules)} if args[0] == "due" else None
        result = run(world, *args, env=env)
        assert (result.exit_code, result.stderr, result.stdout) == (2, f"{rules}: {reason}\n", "")
    assert _state(world) == before


@pytest.mark.sqlite_only("a refused command must not create the database file")
@pytest.mark.fresh_file("the file must not be there before the command")
def test_a_bad_rules_file_does_not_create_the_database(db: Path, tmp_path: Path) -> None:
    rules = tmp_path / "dealer.toml"
    rules.write_text("[schedule]\nservice_interval_months = 0\n", encoding="utf-8")
    assert refusal(db, "--rules", rules, "due") == f"{rules}: schedule.service_interval_months: 应大于 0，不是 0"
    assert not Path(db).exists()
