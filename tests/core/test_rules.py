"""The rules file: shipped defaults, an override merged over them, bad overrides refused by name."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from lifecycle_cli.core.rules import Festival, RulesError, load_rules

DEFAULTS = load_rules()


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        pytest.param("timezone", "Asia/Shanghai", id="default-timezone"),
        pytest.param(
            "stages.names",
            ("新车体验期", "保内初期", "保内后期", "保修外期", "换车升级期"),
            id="default-stage_names",
        ),
        pytest.param("stages.age_months", (0, 3, 24, 36, 60), id="default-stage_age_months"),
        pytest.param("stages.mileage_km", (0, 5000, 40000, 60000, 100000), id="default-stage_mileage_km"),
        pytest.param("projection.default_daily_km", 40, id="default-default_daily_km"),
        pytest.param("projection.min_daily_km", 5, id="default-min_daily_km"),
        pytest.param("projection.max_daily_km", 300, id="default-max_daily_km"),
        pytest.param("projection.window_days", 730, id="default-projection_window_days"),
        pytest.param("projection.min_span_days", 30, id="default-projection_min_span_days"),
        pytest.param("warranty.months", 36, id="default-warranty_months"),
        pytest.param("warranty.km", 60000, id="default-warranty_km"),
        pytest.param("schedule.invite_lead_days", 7, id="default-invite_lead_days"),
        pytest.param("schedule.first_service_months", 3, id="default-first_service_months"),
        pytest.param("schedule.first_service_km", 5000, id="default-first_service_km"),
        pytest.param("schedule.service_interval_months", 6, id="default-service_interval_months"),
        pytest.param("schedule.service_interval_km", 5000, id="default-service_interval_km"),
        pytest.param("schedule.churn_after_days", 90, id="default-churn_after_days"),
        pytest.param("schedule.warranty_check_before_days", 30, id="default-warranty_check_before_days"),
        pytest.param("schedule.upgrade_months", 60, id="default-upgrade_months"),
        pytest.param("schedule.upgrade_km", 100000, id="default-upgrade_km"),
        pytest.param("schedule.max_attempts", 3, id="default-max_attempts"),
        pytest.param("schedule.maintenance_kinds", frozenset({"maintenance"}), id="default-maintenance_kinds"),
    ],
)
def test_defaults_load_the_pinned_numbers(field: str, expected: object) -> None:
    assert _get(DEFAULTS, field) == expected


@pytest.mark.parametrize(
    ("code", "role", "channel", "offset_days"),
    [
        pytest.param("delivery_call_24h", "sales_manager", "phone", 1, id="touchpoint-delivery_call_24h"),
        pytest.param("delivery_call_7d", "sales_consultant", "phone", 7, id="touchpoint-delivery_call_7d"),
        pytest.param("visit_45d", "service_advisor", "phone", 45, id="touchpoint-visit_45d"),
        pytest.param(
            "first_service_invite", "service_advisor", "phone", 0, id="touchpoint-first_service_invite"
        ),
        pytest.param("service_invite", "service_advisor", "phone", 0, id="touchpoint-service_invite"),
        pytest.param("churn_winback", "service_advisor", "phone", 0, id="touchpoint-churn_winback"),
        pytest.param(
            "warranty_expiry_check", "service_advisor", "phone", 0, id="touchpoint-warranty_expiry_check"
        ),
        pytest.param("trade_in_offer", "sales_consultant", "phone", 0, id="touchpoint-trade_in_offer"),
        pytest.param(
            "post_service_followup", "customer_care", "phone", 3, id="touchpoint-post_service_followup"
        ),
        pytest.param("purchase_anniversary", "customer_care", "sms", 0, id="touchpoint-purchase_anniversary"),
        pytest.param("birthday_greeting", "customer_care", "sms", 0, id="touchpoint-birthday_greeting"),
        pytest.param("care_call", "customer_care", "phone", 60, id="touchpoint-care_call"),
        pytest.param("holiday_greeting", "customer_care", "sms", 0, id="touchpoint-holiday_greeting"),
    ],
)
def test_default_touchpoints_match_the_spec_table(
    code: str, role: str, channel: str, offset_days: int
) -> None:
    tp = DEFAULTS.touchpoints[code]
    assert (tp.code, tp.role, tp.channel, tp.offset_days) == (code, role, channel, offset_days)
    assert tp.name and tp.hint


@pytest.mark.parametrize(
    ("code", "window_days"),
    [
        ("delivery_call_24h", 3), ("delivery_call_7d", 7), ("visit_45d", 14), ("post_service_followup", 7),
        ("first_service_invite", 14), ("service_invite", 14), ("churn_winback", 30), ("trade_in_offer", 30),
        ("care_call", 14), ("complaint_followup", 7), ("rescue_followup", 7), ("warranty_claim_followup", 7),
        ("breakdown_followup", 7), ("purchase_anniversary", 0), ("birthday_greeting", 0), ("holiday_greeting", 0),
    ],
)
def test_default_windows_are_the_care_desk_table(code: str, window_days: int) -> None:
    # care-desk §3: how long a task stays worth a call (it lapses the day after).
    assert DEFAULTS.touchpoints[code].window_days == window_days


def test_defaults_second_invitation_go_live_and_roles() -> None:
    assert (DEFAULTS.schedule.second_invite_after_days, DEFAULTS.schedule.care_active_months) == (30, 24)
    assert DEFAULTS.go_live.history_days == 7
    assert (DEFAULTS.roles["aftersales_manager"], DEFAULTS.roles["general_manager"]) == ("售后经理", "总经理")


def test_default_priority_is_the_pinned_order() -> None:
    # care-desk §9 "Priority".
    phone = [c for c in DEFAULTS.call_list.priority if DEFAULTS.touchpoints[c].channel == "phone"]
    assert phone == [
        "complaint_escalation", "complaint_followup", "rescue_followup", "warranty_claim_followup", "breakdown_followup",
        "delivery_call_24h", "delivery_call_7d", "visit_45d", "post_service_followup", "no_show_followup",
        "first_service_invite", "service_invite", "insurance_renewal_invite", "inspection_reminder", "warranty_expiry_check",
        "churn_winback", "trade_in_offer", "seasonal_campaign", "theme_campaign", "care_salon", "care_call"]


def test_defaults_festivals_are_spring_midautumn_national_day() -> None:
    assert DEFAULTS.holidays == (
        Festival("春节", (1, 1), None, check_before_days=5),
        Festival("中秋节", (8, 15), None),
        Festival("国庆节", None, (10, 1), check_before_days=5),
    )


def _get(rules: object, field: str) -> object:
    """A field of the rules by its dotted name ("warranty.km": the km of the [warranty] section)."""
    value = rules
    for name in field.split("."):
        value = getattr(value, name)
    return value


def _fields_except(rules: object, *skip: str) -> dict[str, object]:
    """Every field of the rules, a section's fields one by one ("warranty.km"), but `skip` and raw."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(rules):  # type: ignore[arg-type]
        value = getattr(rules, f.name)
        if dataclasses.is_dataclass(value):
            out.update({f"{f.name}.{g.name}": getattr(value, g.name) for g in dataclasses.fields(value)})
        else:
            out[f.name] = value
    return {name: value for name, value in out.items() if name not in (*skip, "raw")}


@pytest.mark.parametrize(
    ("override", "field", "value"),
    [
        ("[warranty]\nkm = 100000\n", "warranty.km", 100000),
        ("[warranty]\nmonths = 48\n", "warranty.months", 48),
        ("[projection]\ndefault_daily_km = 50\n", "projection.default_daily_km", 50),
        ("[schedule]\ninvite_lead_days = 10\n", "schedule.invite_lead_days", 10),
        ('timezone = "Asia/Urumqi"\n', "timezone", "Asia/Urumqi"),
    ],
    ids=[
        "override-warranty-km-100000-changes-only-that",
        "override-warranty-months-changes-only-that",
        "override-default-daily-km-changes-only-that",
        "override-invite-lead-changes-only-that",
        "override-top-level-timezone-changes-only-that",
    ],
)
def test_override_file_merges_over_defaults(tmp_path: Path, override: str, field: str, value: object) -> None:
    path = tmp_path / "dealer.toml"
    path.write_text(override, encoding="utf-8")
    rules = load_rules(path)
    assert _get(rules, field) == value
    assert _fields_except(rules, field) == _fields_except(DEFAULTS, field)


def test_override_of_one_touchpoint_key_keeps_its_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "dealer.toml"
    path.write_text('[touchpoints.visit_45d]\nchannel = "sms"\n', encoding="utf-8")
    rules = load_rules(path)
    tp, default = rules.touchpoints["visit_45d"], DEFAULTS.touchpoints["visit_45d"]
    assert tp.channel == "sms"
    assert dataclasses.replace(tp, channel="phone") == default
    assert _fields_except(rules, "touchpoints") == _fields_except(DEFAULTS, "touchpoints")


def test_override_array_replaces_the_default_array(tmp_path: Path) -> None:
    # Pinned: tables merge, arrays (such as [[holidays]]) replace the default whole.
    path = tmp_path / "dealer.toml"
    path.write_text('[[holidays]]\nname = "端午节"\nlunar = [5, 5]\n', encoding="utf-8")
    assert load_rules(path).holidays == (Festival("端午节", (5, 5), None),)


@pytest.mark.parametrize(
    "content",
    [
        "[warranty\nkm = 1\n",
        "[projection]\nmin_daily_km = 0\n",
        "[projection]\nmin_daily_km = 400\n",
        "[stages]\nage_months = [0, 24, 3, 36, 60]\n",
        "[stages]\nmileage_km = [0, 5000, 40000]\n",
        "[stages]\nage_months = [1, 3, 24, 36, 60]\n",
        '[schedule]\nmax_attempts = "three"\n',
        "[schedule]\nmax_attempts = [3]\n",
        '[touchpoints.care_call]\nwindow = "forever"\n',
        '[touchpoints.new_code]\nchannel = "sms"\n',
    ],
    ids=[
        "bad-toml-syntax",
        "min-daily-km-zero",
        "min-daily-km-above-max",
        "stage-age-bounds-not-increasing",
        "stage-mileage-bounds-wrong-length",
        "stage-age-bounds-not-starting-at-0",
        "number-not-a-number",
        "number-is-a-list",
        "unknown-window-kind",
        "touchpoint-missing-name-and-role",
    ],
)
def test_bad_override_raises_rules_error_naming_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad_rules_file.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=re.escape(str(path))):
        load_rules(path)


def test_missing_override_file_raises_rules_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=re.escape("no_such_rules.toml")):
        load_rules(tmp_path / "no_such_rules.toml")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            'roles = "x"\n',
            id="table-replaced-by-a-string-roles",
        ),
        pytest.param(
            "channels = 3\n",
            id="table-replaced-by-a-number-channels",
        ),
        pytest.param(
            '[touchpoints]\ncare_call = "x"\n',
            id="touchpoint-replaced-by-a-string",
        ),
        pytest.param(
            '[[holidays]]\nname = "端午节"\n',
            id="festival-without-lunar-or-solar-date",
        ),
        pytest.param(
            'timezone = "Mars/Olympus"\n',
            id="unknown-timezone",
        ),
    ],
)
def test_malformed_override_shapes_raise_rules_error_naming_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad_rules_file.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=re.escape(str(path))):
        load_rules(path)
