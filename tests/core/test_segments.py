"""The pure parts of campaigns (core/segments.py) and events (core/events.py)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.events import (
    event_task,
    find_event_kind,
    followed_up_in_time,
    followup_date,
    resolved_followup_date,
    timeliness_counts,
    warranty_ended,
)
from lifecycle_cli.core.mileage import Reading, project
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.schedule import CustomerFacts, VehicleFacts, vehicle_projection
from lifecycle_cli.core.segments import (
    Segment,
    age_band_bounds,
    churn_category,
    find_age_band,
    km_in_range,
    owner_for,
    projected_km_from_state,
    segment_from_dict,
    stage_index,
)
from lifecycle_cli.core.stages import months_between

RULES = load_rules()


# --------------------------------------------------------------------------- age bands


def test_default_age_bands_are_the_seeds_four() -> None:
    assert [(b.code, b.name, b.from_months, b.to_months) for b in RULES.campaigns.age_bands] == [
        ("0-1", "1年内", 0, 12), ("1-3", "1-3年", 12, 36), ("3-5", "3-5年", 36, 60), ("5+", "5年以上", 60, None)]


@pytest.mark.parametrize(("text", "code"), [
    ("3-5", "3-5"), ("3-5年", "3-5"), (" 1年内 ", "0-1"), ("0-1", "0-1"), ("5年以上", "5+"), ("5+", "5+"),
    ("2-4", None), ("", None),
])
def test_find_age_band(text: str, code: str | None) -> None:
    band = find_age_band(text, RULES)
    assert (band.code if band else None) == code


@pytest.mark.parametrize("on", [date(2026, 12, 5), date(2026, 2, 28), date(2028, 2, 29), date(2026, 8, 31)])
def test_age_band_bounds_are_half_open_calendar_months(on: date) -> None:
    """A delivery date is in a band exactly when its age in calendar months is in [from, to)."""
    for band in RULES.campaigns.age_bands:
        latest, earliest_excl = age_band_bounds(band, on)
        day = on - timedelta(days=7 * 366)
        while day <= on:
            months = months_between(day, on)
            inside = band.from_months <= months and (band.to_months is None or months < band.to_months)
            in_bounds = day <= latest and (earliest_excl is None or day > earliest_excl)
            assert inside == in_bounds, (band, day, on)
            day += timedelta(days=1)


def test_age_band_bounds_on_the_campaign_day() -> None:
    band = find_age_band("3-5", RULES)
    assert band is not None
    assert age_band_bounds(band, date(2026, 12, 5)) == (date(2023, 12, 5), date(2021, 12, 5))


# --------------------------------------------------------------------------- the other filters


def test_stage_names_and_churn_categories() -> None:
    assert [stage_index(n, RULES) for n in RULES.stages.names] == [0, 1, 2, 3, 4]
    assert stage_index("保内中期", RULES) is None
    assert churn_category("首保流失") == "首保流失"
    assert churn_category("out_of_warranty") == "出保修期流失"
    assert churn_category("流失") is None


def test_km_range_is_half_open() -> None:
    assert km_in_range(50000, 50000, 60000)
    assert not km_in_range(60000, 50000, 60000)
    assert km_in_range(Fraction(119999, 2), 50000, 60000)
    assert km_in_range(10**6, 60000, None) and km_in_range(0, None, 10)


def test_projected_km_from_state_is_the_core_projection() -> None:
    readings = [Reading(date(2025, 6, 1), 0, "delivery"), Reading(date(2026, 6, 1), 45000)]
    proj = project(readings, date(2026, 12, 5), RULES)
    for on in (date(2026, 6, 1), date(2026, 12, 5), date(2030, 1, 1)):
        km = projected_km_from_state(proj.last.date, proj.last.km, proj.daily_km.numerator,
                                     proj.daily_km.denominator, on)
        assert km == proj.projected_km(on)


def test_owner_is_the_named_person_for_personal_roles() -> None:
    assert owner_for("service_advisor", RULES, sales_consultant="李娜", service_advisor="王强") == "王强"
    assert owner_for("sales_consultant", RULES, sales_consultant="李娜", service_advisor="王强") == "李娜"
    assert owner_for("service_advisor", RULES, sales_consultant=None, service_advisor=None) == "服务顾问"
    assert owner_for("customer_care", RULES, sales_consultant="李娜", service_advisor="王强") == "客服专员"


def test_segment_round_trip_and_description() -> None:
    segment = Segment(stages=("保修外期", "保内后期"), age_bands=("3-5",), models=("CX-5",), km_min=50000,
                      visits_max=0, churn_categories=("首保流失",))
    stored = segment.as_dict()
    assert stored == {"stages": ["保修外期", "保内后期"], "age_bands": ["3-5"], "models": ["CX-5"],
                      "km_min": 50000, "visits_max": 0, "churn_categories": ["首保流失"]}
    assert segment_from_dict(stored) == segment
    text = segment.describe(RULES)
    assert "保修外期、保内后期" in text and "3-5年" in text and "50,000" in text and "0–0 次" in text
    assert Segment().describe(RULES) == "全部车辆"


def test_campaign_kinds_need_a_touchpoint() -> None:
    assert RULES.campaigns.kinds == ("seasonal_campaign", "theme_campaign", "care_salon")
    for kind in RULES.campaigns.kinds:
        tp = RULES.touchpoints[kind]
        assert tp.name and tp.hint and tp.role in RULES.roles and tp.channel in RULES.channels


# --------------------------------------------------------------------------- events


def test_event_kinds_and_their_follow_ups() -> None:
    kinds = RULES.events.kinds
    assert {k: v.followup for k, v in kinds.items()} == {
        "complaint": "complaint_followup", "rescue": "rescue_followup",
        "warranty_claim": "warranty_claim_followup", "breakdown": "breakdown_followup"}
    assert RULES.touchpoints["complaint_followup"].role == "service_manager"
    for code in ("rescue_followup", "warranty_claim_followup", "breakdown_followup"):
        assert RULES.touchpoints[code].role == "service_advisor"
    # Follow-ups are at the top of the call list.
    assert RULES.call_list.priority[:5] == ("complaint_escalation", "complaint_followup", "rescue_followup",
                                            "warranty_claim_followup", "breakdown_followup")


@pytest.mark.parametrize(("text", "code"), [
    ("complaint", "complaint"), ("客户抱怨", "complaint"), ("投诉", "complaint"), ("救援", "rescue"),
    ("保修索赔", "warranty_claim"), ("Breakdown", "breakdown"), ("车损", None),
])
def test_find_event_kind(text: str, code: str | None) -> None:
    kind = find_event_kind(text, RULES)
    assert (kind.code if kind else None) == code


def test_follow_up_dates() -> None:
    kinds = RULES.events.kinds
    assert followup_date(kinds["rescue"], RULES, date(2026, 11, 20)) == date(2026, 11, 21)
    assert resolved_followup_date(kinds["complaint"], date(2026, 11, 22)) == date(2026, 11, 23)
    assert resolved_followup_date(kinds["rescue"], date(2026, 11, 22)) is None


def test_event_task_is_built_like_a_scheduled_task() -> None:
    car = VehicleFacts(vin="V1", delivery_date=date(2024, 1, 10), service_advisor="王强", store="天河店")
    customer = CustomerFacts(customer_id="C1", vehicles=(car,))
    task = event_task(RULES, HolidayCalendar(), "rescue_followup", customer, car, "event:1", date(2026, 10, 1),
                      vehicle_projection(car, RULES, date(2026, 9, 30)))
    assert (task.code, task.owner, task.stage, task.store, task.event_key) == (
        "rescue_followup", "王强", "保内后期", "天河店", "event:1")
    assert task.rule_date == date(2026, 10, 1)
    assert task.due_date > task.rule_date  # 国庆节: a phone task moves to the next working day
    assert task.window_end == task.due_date + timedelta(days=7)  # no holiday inside 10-08..10-15


def test_warranty_ends_by_age_or_by_projected_km() -> None:
    old = VehicleFacts(vin="V1", delivery_date=date(2023, 1, 10))
    assert warranty_ended(old, RULES, date(2026, 1, 9)) is None
    assert warranty_ended(old, RULES, date(2026, 1, 10)) == date(2026, 1, 10)
    busy = VehicleFacts(vin="V2", delivery_date=date(2025, 6, 1), row_reading=(date(2026, 6, 1), 45000))
    ended = warranty_ended(busy, RULES, date(2026, 11, 20))
    assert ended is not None and date(2026, 6, 1) < ended < date(2026, 11, 20)


def test_followed_up_in_time() -> None:
    day = date(2026, 11, 20)
    assert followed_up_in_time(day, None, [(date(2026, 11, 21), "reached")], 1)
    assert followed_up_in_time(day, None, [(day, "declined")], 1)
    assert not followed_up_in_time(day, None, [(date(2026, 11, 21), "no_answer")], 1)
    assert not followed_up_in_time(day, None, [(date(2026, 11, 22), "reached")], 1)
    # A holiday moved the follow-up to the 23rd: a call that day is still in time.
    assert followed_up_in_time(day, date(2026, 11, 23), [(date(2026, 11, 23), "booked")], 1)


def test_timeliness_counts_leave_out_events_whose_deadline_is_ahead() -> None:
    events = [
        {"event_date": date(2026, 11, 10), "attempts": [(date(2026, 11, 11), "reached")]},
        {"event_date": date(2026, 11, 10), "attempts": [(date(2026, 11, 12), "reached")]},
        {"event_date": date(2026, 11, 22), "attempts": []},  # deadline 11-23: may still be called today
        {"event_date": date(2026, 11, 23), "attempts": [(date(2026, 11, 23), "reached")]},  # done early
    ]
    assert timeliness_counts(events, date(2026, 11, 23), 1) == (2, 3)
