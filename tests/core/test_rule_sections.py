"""Rules are typed sections: every key of the rules file reaches a field of its section at load,
and the values come from the file (default_rules.toml merged with the override), not from code."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle_cli.core.rules import default_data, load_rules

DEFAULTS = load_rules()
# Tables whose keys are the section's fields one to one (the others are keyed by codes).
FIXED = ("stages", "projection", "warranty", "schedule", "insurance", "inspection", "kpi", "call_list", "events",
         "campaigns")


@pytest.mark.parametrize("table", FIXED)
def test_every_key_of_a_fixed_table_is_a_field_of_its_section(table: str) -> None:
    section = getattr(DEFAULTS, table)
    missing = [key for key in default_data()[table] if not hasattr(section, key)]
    assert missing == []


@pytest.mark.parametrize(("override", "read", "expected"), [
    ("[events]\nfollowup_within_days = 3\n", lambda r: r.events.followup_within_days, 3),
    ("[campaigns]\nvisit_months = 6\n", lambda r: r.campaigns.visit_months, 6),
    ('[campaigns]\nkinds = ["theme_campaign"]\n', lambda r: r.campaigns.kinds, ("theme_campaign",)),
    ("[events.kinds.rescue]\nafter_resolved_days = 2\n", lambda r: r.events.kinds["rescue"].after_resolved_days, 2),
    ('[events.kinds.recall]\nname = "召回"\nfollowup = "breakdown_followup"\n',
     lambda r: (r.events.kinds["recall"].name, r.events.kinds["recall"].aliases), ("召回", ())),
    ("[touchpoints.care_call]\noffset_days = 90\nwindow_days = 7\n",
     lambda r: (r.care.every_days, r.care.window_days), (90, 7)),
    ("[insurance]\nsteps_before_days = [15, 45]\n", lambda r: r.insurance.steps_before_days, (45, 15)),
    ('[call_list]\npriority = ["care_call"]\n', lambda r: (r.call_list.priority_of("care_call"),
                                                           r.call_list.priority_of("visit_45d")), (0, 1)),
], ids=["events-within", "campaigns-visit-months", "campaigns-kinds", "event-kind-key", "new-event-kind",
        "care-rhythm", "insurance-steps-largest-first", "priority"])
def test_an_override_reaches_its_section(tmp_path: Path, override: str, read: object, expected: object) -> None:
    path = tmp_path / "dealer.toml"
    path.write_text(override, encoding="utf-8")
    assert read(load_rules(path)) == expected  # type: ignore[operator]


def test_the_defaults_sections_hold_the_files_values() -> None:
    assert DEFAULTS.events.followup_within_days == 1
    assert DEFAULTS.campaigns.visit_months == 12
    assert (DEFAULTS.care.every_days, DEFAULTS.care.window_days) == (60, 14)
    assert DEFAULTS.events.kinds["complaint"].after_resolved_days == 1
    assert DEFAULTS.events.kinds["rescue"].after_resolved_days is None
    assert [b.code for b in DEFAULTS.campaigns.age_bands] == ["0-1", "1-3", "3-5", "5+"]
