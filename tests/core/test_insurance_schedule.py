"""Insurance renewal (续保) and annual inspection (年审) in the pure scheduler.

Renewal: one task per step (−60, −30, −7 days) of each expiry, event key 'EXPIRY:DAYS'; a step
stays on the list until the next one comes (closing as next_step), the last until the expiry
(closing as lapsed: 脱保 the day after); an expiry that moved closes its steps on the day it moved
(renewed when it moved later before it passed). Inspection: 30 days before the data's due date,
else before the computed schedule of a non-commercial small passenger car (label in years 6 and 8,
yearly from 10, every six months after 15). The dates used fall on no statutory holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from lifecycle_cli.core.insurance import (
    ExpiryChange,
    earlier_expiry,
    expiry_on,
    expiry_too_far,
    inspection_month_offsets,
    inspection_schedule,
    registration_mmdds,
    renewal_steps,
)
from lifecycle_cli.core.rules import load_rules, merge, rules_from_dict
from lifecycle_cli.core.schedule import CustomerFacts, ScheduledTask, Scheduler, VehicleFacts

RULES = load_rules()
RENEWAL = "insurance_renewal_invite"
INSPECTION = "inspection_reminder"
EXPIRY = date(2026, 9, 15)  # steps on 07-17 (Fri), 08-16 (Sun), 09-08 (Tue): no holiday shift
VIN = "LVIN0000000000001"


def car(*, commercial: date | None = EXPIRY, compulsory: date | None = EXPIRY, inspection: date | None = None,
        delivered: date = date(2024, 9, 1), changes: tuple[ExpiryChange, ...] = ()) -> VehicleFacts:
    return VehicleFacts(vin=VIN, delivery_date=delivered, service_advisor="王强",
                        commercial_insurance_expiry=commercial, compulsory_insurance_expiry=compulsory,
                        inspection_due=inspection, insurance_changes=changes)


def tasks(vehicle: VehicleFacts, today: date, start: date | None = None, end: date | None = None, *,
          code: str = RENEWAL, rules: Any = RULES, in_window: bool = True) -> list[ScheduledTask]:
    scheduler = Scheduler(rules=rules, today=today, start=start or today, end=end or today)
    found = scheduler.for_customer(CustomerFacts("C1", vehicles=(vehicle,)), in_window=in_window)
    return [t for t in found if t.code == code]


def by_key(found: list[ScheduledTask]) -> dict[str, ScheduledTask]:
    return {t.event_key: t for t in found}


# -- the three steps -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("today", "key", "rule_date", "window_end"),
    [
        pytest.param(date(2026, 7, 17), "2026-09-15:60", date(2026, 7, 17), date(2026, 8, 15), id="step-60"),
        pytest.param(date(2026, 8, 16), "2026-09-15:30", date(2026, 8, 16), date(2026, 9, 7), id="step-30"),
        pytest.param(date(2026, 9, 8), "2026-09-15:7", date(2026, 9, 8), date(2026, 9, 15), id="step-7"),
    ],
)
def test_each_step_is_listed_on_its_day_until_the_next_step(today: date, key: str, rule_date: date,
                                                            window_end: date) -> None:
    found = tasks(car(), today)
    assert [(t.event_key, t.rule_date, t.due_date, t.window_end) for t in found] == [
        (key, rule_date, rule_date, window_end)]
    task = found[0]
    assert (task.role, task.owner, task.channel, task.closed_by_visit) == (
        "insurance_specialist", "续保专员", "phone", None)


def test_no_renewal_task_the_day_before_the_first_step() -> None:
    assert tasks(car(), date(2026, 7, 16)) == []


def test_the_earlier_of_the_two_expiries_counts() -> None:
    vehicle = car(commercial=date(2026, 10, 1), compulsory=EXPIRY)
    assert vehicle.insurance_expiry == EXPIRY
    assert [t.event_key for t in tasks(vehicle, date(2026, 8, 16))] == ["2026-09-15:30"]
    assert earlier_expiry(None, date(2026, 1, 2)) == date(2026, 1, 2)
    assert earlier_expiry(None, None) is None


def test_no_insurance_date_no_renewal_task() -> None:
    assert tasks(car(commercial=None, compulsory=None), date(2026, 8, 16), end=date(2026, 9, 30)) == []


def test_a_step_closes_as_next_step_when_the_next_one_comes() -> None:
    found = by_key(tasks(car(), date(2026, 8, 16), in_window=False))
    assert (found["2026-09-15:60"].closed_by_visit, found["2026-09-15:60"].closed_reason) == (
        date(2026, 8, 16), "next_step")
    assert found["2026-09-15:30"].closed_by_visit is None


def test_the_last_step_closes_as_lapsed_the_day_after_the_expiry() -> None:
    on_expiry = by_key(tasks(car(), EXPIRY, in_window=False))
    assert on_expiry["2026-09-15:7"].closed_by_visit is None  # still the expiry day: still on the list
    after = by_key(tasks(car(), EXPIRY + timedelta(days=1), in_window=False))
    assert (after["2026-09-15:7"].closed_by_visit, after["2026-09-15:7"].closed_reason) == (
        date(2026, 9, 16), "lapsed")


def test_a_lapse_is_not_closed_ahead_of_the_real_today() -> None:
    # `due --date` a day after the expiry, looked at on 09-10: the lapse has not happened yet.
    scheduler = Scheduler(rules=RULES, today=date(2026, 9, 16), start=date(2026, 9, 16), end=date(2026, 9, 16),
                          now=date(2026, 9, 10))
    found = [t for t in scheduler.for_customer(CustomerFacts("C1", vehicles=(car(),)), in_window=False)
             if t.event_key == "2026-09-15:7"]
    assert found[0].closed_by_visit is None


# -- renewal ---------------------------------------------------------------------------------

NEXT = date(2027, 9, 15)
RENEWED = (ExpiryChange(EXPIRY, NEXT, date(2026, 8, 20)),)


def test_renewal_moving_the_expiry_closes_the_old_steps_and_starts_the_next_expiry() -> None:
    renewed = car(commercial=NEXT, compulsory=NEXT, changes=RENEWED)
    old = by_key(tasks(renewed, date(2026, 8, 20), in_window=False))
    # the open −30 step and the −7 step that never came close on the day of the renewal
    for key in ("2026-09-15:30", "2026-09-15:7"):
        assert (old[key].closed_by_visit, old[key].closed_reason) == (date(2026, 8, 20), "renewed")
    # the −60 step had already closed when the −30 step came
    assert old["2026-09-15:60"].closed_reason == "next_step"
    # no −7 call for the renewed expiry: the step is produced only as closed (so a stored one closes)
    assert [(t.event_key, t.closed_reason) for t in tasks(renewed, date(2026, 9, 8))] == [
        ("2026-09-15:7", "renewed")]
    nxt = tasks(renewed, date(2027, 7, 17))
    assert [(t.event_key, t.rule_date, t.closed_by_visit) for t in nxt] == [
        ("2027-09-15:60", date(2027, 7, 17), None)]


def test_a_change_after_today_is_not_seen_yet() -> None:
    renewed = car(commercial=NEXT, compulsory=NEXT, changes=RENEWED)
    assert expiry_on(NEXT, RENEWED, date(2026, 8, 19)) == EXPIRY
    assert [t.event_key for t in tasks(renewed, date(2026, 8, 19))] == ["2026-09-15:30"]
    assert tasks(renewed, date(2026, 8, 19))[0].closed_by_visit is None


def test_a_renewal_after_the_lapse_keeps_the_lapse() -> None:
    late = (ExpiryChange(EXPIRY, NEXT, date(2026, 9, 20)),)
    assert not late[0].renewed and RENEWED[0].renewed
    old = by_key(tasks(car(commercial=NEXT, compulsory=NEXT, changes=late), date(2026, 9, 20), in_window=False))
    assert (old["2026-09-15:7"].closed_by_visit, old["2026-09-15:7"].closed_reason) == (date(2026, 9, 16), "lapsed")


def test_an_expiry_moved_earlier_is_superseded_not_renewed() -> None:
    moved = (ExpiryChange(EXPIRY, date(2026, 9, 10), date(2026, 8, 20)),)
    old = by_key(tasks(car(commercial=date(2026, 9, 10), compulsory=date(2026, 9, 10), changes=moved),
                       date(2026, 8, 20), in_window=False))
    assert old["2026-09-15:30"].closed_reason == "superseded"
    assert "2026-09-10:30" in old


def test_without_a_specialist_the_service_advisor_owns_renewals() -> None:
    rules = rules_from_dict(merge(RULES.raw, {"insurance": {"specialist": False}}))
    found = tasks(car(), date(2026, 8, 16), rules=rules)
    assert [(t.role, t.owner) for t in found] == [("service_advisor", "王强")]


def test_steps_come_from_the_rules_file() -> None:
    rules = rules_from_dict(merge(RULES.raw, {"insurance": {"steps_before_days": [15, 45]}}))
    assert [(s.days_before, s.rule_date, s.last_day, s.final) for s in renewal_steps(EXPIRY, rules)] == [
        (45, date(2026, 8, 1), date(2026, 8, 30), False),
        (15, date(2026, 8, 31), EXPIRY, True),
    ]
    with pytest.raises(ValueError):
        rules_from_dict(merge(RULES.raw, {"insurance": {"steps_before_days": [30, 30]}}))


def test_an_expiry_more_than_two_years_ahead_is_suspicious() -> None:
    today = date(2026, 11, 23)
    assert not expiry_too_far(date(2028, 11, 23), today, RULES)
    assert expiry_too_far(date(2028, 11, 24), today, RULES)
    assert not expiry_too_far(None, today, RULES)


# -- inspection ------------------------------------------------------------------------------

REGISTERED = date(2015, 3, 10)


@pytest.mark.parametrize(
    ("age", "kind", "due"),
    [
        # care-desk §8 (the 2022-10-01 reform): label in years 2, 4, 8; on site in years 6 and 10
        pytest.param(2, "label", date(2017, 3, 10), id="year-2-label"),
        # (year 4's reminder, 2019-02-08, falls in 春节: moved; the twenty-year schedule below has it)
        pytest.param(6, "inspection", date(2021, 3, 10), id="year-6-on-site"),
        pytest.param(8, "label", date(2023, 3, 10), id="year-8-label"),
        pytest.param(10, "inspection", date(2025, 3, 10), id="year-10-on-site-then-yearly"),
        pytest.param(11, "inspection", date(2026, 3, 10), id="year-11-yearly"),
        pytest.param(16, "inspection", date(2031, 3, 10), id="year-16-twice-a-year"),
    ],
)
def test_inspection_reminder_30_days_before_the_computed_due_date(age: int, kind: str, due: date) -> None:
    vehicle = car(commercial=None, compulsory=None, delivered=REGISTERED)
    reminder = due - timedelta(days=30)
    found = tasks(vehicle, reminder, code=INSPECTION)
    assert [(t.event_key, t.rule_date, t.window_end, t.role, t.owner) for t in found] == [
        (f"{kind}:{due.isoformat()}", reminder, due, "service_advisor", "王强")]


def test_the_computed_schedule_over_twenty_years() -> None:
    dues = [(d.kind, d.due) for d in inspection_schedule(REGISTERED, RULES, date(2035, 12, 31))]
    yearly = [("inspection", date(y, 3, 10)) for y in range(2025, 2030)]
    half_yearly = [("inspection", date(2030 + i // 2, 3 if i % 2 == 0 else 9, 10)) for i in range(12)]
    assert dues == [("label", date(2017, 3, 10)), ("label", date(2019, 3, 10)), ("inspection", date(2021, 3, 10)),
                    ("label", date(2023, 3, 10)), *yearly, *half_yearly]


def test_no_inspection_reminder_in_years_without_one() -> None:
    vehicle = car(commercial=None, compulsory=None, delivered=REGISTERED)
    for year in (2016, 2018, 2020, 2022, 2024):  # years 1, 3, 5, 7, 9
        assert tasks(vehicle, date(year, 1, 1), end=date(year, 12, 31), code=INSPECTION) == []


def test_the_data_inspection_date_wins_over_the_schedule() -> None:
    vehicle = car(commercial=None, compulsory=None, delivered=REGISTERED, inspection=date(2026, 5, 20))
    found = tasks(vehicle, date(2026, 1, 1), end=date(2026, 12, 31), code=INSPECTION)
    assert [(t.event_key, t.rule_date, t.window_end) for t in found] == [
        ("due:2026-05-20", date(2026, 4, 20), date(2026, 5, 20))]


def test_month_end_registrations_are_found_by_the_indexed_search() -> None:
    residues, first_months = inspection_month_offsets(RULES)
    assert residues == frozenset({0, 6}) and first_months == 24  # the first due: the label of year 2
    # 2010-08-31 + 15.5 years = 2026-02-28: its registration day must be among the candidates.
    assert inspection_schedule(date(2010, 8, 31), RULES, date(2026, 2, 28))[-1].due == date(2026, 2, 28)
    assert "08-31" in registration_mmdds(date(2026, 2, 28), date(2026, 2, 28), residues)
    assert "02-29" in registration_mmdds(date(2027, 2, 28), date(2027, 2, 28), residues)
    whole_year = registration_mmdds(date(2026, 1, 1), date(2027, 3, 1), residues)
    every_day = {(date(2024, 1, 1) + timedelta(days=i)).strftime("%m-%d") for i in range(366)}
    assert every_day <= set(whole_year)  # a range of a year or more: every registration day


@pytest.mark.parametrize(
    ("event_key", "adds"),
    [
        pytest.param("label:2026-03-10", "本次为申领检验标志", id="label-year-an-errand"),
        pytest.param("inspection:2026-03-10", "本次需上线检验：可预约门店代办年审", id="on-site-year-a-visit"),
    ],
)
def test_a_computed_inspection_reminder_says_which_kind_and_the_normal_cycle_caveat(event_key: str, adds: str) -> None:
    from lifecycle_cli.core.insurance import inspection_note

    note = inspection_note(event_key, RULES)
    assert note.startswith(adds) and note.endswith("如车辆发生过致人伤亡事故或有非法改装，须按原规定上线检验。")


def test_a_due_date_from_the_data_adds_nothing_its_kind_is_unknown() -> None:
    from lifecycle_cli.core.insurance import inspection_note

    assert inspection_note("due:2026-05-20", RULES) == ""
