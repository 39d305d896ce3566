"""Which kind of visit a work order's type names (issue 18): the keyword lists live in the rules'
[visit_kinds]; 首保索赔 / 保养索赔 / 免费首保 (a free first service billed to the maker) are maintenance,
so the car is not 首保流失. The clock is 2026-11-23; every car's next maintenance is long overdue."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Files, customer, make_vin, refusal, run_json, run_ok, sql_rows, vehicle, visit

VIN = make_vin(801)


def churn_of(db: Path, files: Files, ro_type: str, *rules: str) -> tuple[str, str]:
    """(stored kind of the one visit, the car's churn category) after importing a car delivered
    2025-01-01 whose one work order of 2025-03-20 (5,000 km) has this 维修类型."""
    run_ok(db, *rules, "import", files.customers([customer("C1", "张伟", 1)]),
           files.vehicles([vehicle(VIN, "C1", "2025-01-01")]),
           files.visits([visit("RO1", VIN, "2025-03-20", 5000, ro_type)]))
    [(kind,)] = sql_rows(db, "SELECT kind FROM visit")
    [row] = run_json(db, *rules, "churn")
    return kind, row["category"]


@pytest.mark.parametrize(("ro_type", "kind", "category"), [
    pytest.param("首保索赔", "maintenance", "保修期内流失", id="first-service-claim-is-maintenance"),
    pytest.param("保养索赔", "maintenance", "保修期内流失", id="maintenance-claim-is-maintenance"),
    pytest.param("免费首保", "maintenance", "保修期内流失", id="free-first-service-is-maintenance"),
    pytest.param("保修索赔", "warranty", "首保流失", id="a-warranty-claim-is-still-warranty"),
    pytest.param("索赔", "warranty", "首保流失", id="claim-alone-is-warranty"),
    pytest.param("事故维修", "accident", "首保流失", id="accident-repair-is-accident"),
])
def test_ro_types_of_a_free_first_service_are_maintenance(db: Path, files: Files, ro_type: str, kind: str,
                                                          category: str) -> None:
    assert churn_of(db, files, ro_type) == (kind, category)


def test_a_rules_file_extends_the_words(db: Path, files: Files, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[visit_kinds]\nmaintenance = ["保养", "定保", "首保", "走保"]\n', encoding="utf-8")
    assert churn_of(db, files, "走保", "--rules", str(rules)) == ("maintenance", "保修期内流失")


def test_without_the_word_the_visit_is_other(db: Path, files: Files) -> None:
    assert churn_of(db, files, "走保") == ("other", "首保流失")


@pytest.mark.parametrize(("text", "message"), [
    ('order = ["accident", "maintenance", "warranty"]', "visit_kinds.order: 应把每个维修类型各列一次（缺少 repair）"),
    ('order = ["accident", "maintenance", "warranty", "repair", "repair"]',
     "visit_kinds.order: 应把每个维修类型各列一次（重复 repair）"),
    ('order = ["accident", "maintenance", "warranty", "repairs"]',
     "visit_kinds.order[4]: 没有这个维修类型 \"repairs\"，是不是 repair？"),
    ('cleaning = ["洗车"]', "visit_kinds.cleaning: 未知的键"),
    ('repair = ["维修", " "]', "visit_kinds.repair: 关键词不能为空"),
])
def test_a_bad_visit_kinds_table_is_refused(db: Path, tmp_path: Path, text: str, message: str) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(f"[visit_kinds]\n{text}\n", encoding="utf-8")
    assert message in refusal(db, "--rules", str(rules), "rules")


def test_the_state_digest_covers_the_visit_kinds(tmp_path: Path) -> None:
    from lifecycle_cli.core.rules import load_rules, state_digest

    rules = tmp_path / "rules.toml"
    rules.write_text('[visit_kinds]\nmaintenance = ["保养", "定保", "首保", "走保"]\n', encoding="utf-8")
    assert state_digest(load_rules(rules)) != state_digest(load_rules())
