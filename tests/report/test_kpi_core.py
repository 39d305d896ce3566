"""The pure KPI core: Kpi value/met, month bounds and the age thresholds the report's SQL uses.

Every expected value is worked out by hand in the comments (or by brute force with
dateutil directly), never by asking the code under test.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from lifecycle_cli.core.kpi import Kpi, age_thresholds, latest_delivery_reaching, make_kpi, month_bounds
from lifecycle_cli.core.rules import load_rules

RULES = load_rules(None)


# --------------------------------------------------------------------------- Kpi.value / Kpi.met


def test_value_is_a_fraction_not_a_percentage() -> None:
    kpi = Kpi(code="x", name="x", numerator=3, denominator=5, target=None)
    assert kpi.value == pytest.approx(0.6)  # 3 / 5, not 60


def test_denominator_zero_gives_no_value_and_no_verdict() -> None:
    kpi = Kpi(code="x", name="x", numerator=0, denominator=0, target=1.0)
    assert kpi.value is None  # never 0% or 100%
    assert kpi.met is None
    # The same with lower_is_better: still no verdict without a value.
    assert Kpi(code="x", name="x", numerator=0, denominator=0, target=0.1, lower_is_better=True).met is None


def test_numerator_zero_with_a_denominator_is_zero_not_none() -> None:
    kpi = Kpi(code="x", name="x", numerator=0, denominator=4, target=0.5)
    assert kpi.value == 0.0
    assert kpi.met is False


def test_met_without_target_is_none() -> None:
    assert Kpi(code="x", name="x", numerator=1, denominator=2, target=None).met is None


@pytest.mark.parametrize(
    ("numerator", "denominator", "target", "met"),
    [
        (1, 1, 1.0, True),  # 100% meets 100%
        (99, 100, 1.0, False),  # 99% misses 100%
        (99, 100, 0.99, True),  # exactly on target meets it (>=)
        (98, 100, 0.99, False),
        (6, 100, 0.06, True),  # 6% referral target, exactly
        (1, 3, 0.06, True),
    ],
)
def test_met_higher_is_better(numerator: int, denominator: int, target: float, met: bool) -> None:
    assert Kpi(code="x", name="x", numerator=numerator, denominator=denominator, target=target).met is met


@pytest.mark.parametrize(
    ("numerator", "denominator", "target", "met"),
    [
        (1, 10, 0.1, True),  # exactly on a lower-is-better target meets it (<=)
        (2, 10, 0.1, False),  # 20% churn misses a 10% ceiling
        (0, 10, 0.1, True),
    ],
)
def test_met_lower_is_better(numerator: int, denominator: int, target: float, met: bool) -> None:
    kpi = Kpi(code="x", name="x", numerator=numerator, denominator=denominator, target=target,
              lower_is_better=True)
    assert kpi.met is met


def test_make_kpi_takes_name_target_and_direction_from_the_rules() -> None:
    follow = make_kpi("follow_up_success_rate", 1, 2, RULES)
    assert (follow.name, follow.target, follow.lower_is_better) == ("跟踪回访成功率", 1.0, False)
    assert follow.met is False  # 50% < 100%
    info = make_kpi("info_accuracy_rate", 99, 100, RULES)
    assert (info.name, info.target) == ("客户信息准确率", 0.99)
    assert info.met is True
    referral = make_kpi("referral_rate", 1, 20, RULES)
    assert (referral.name, referral.target) == ("客户转介率", 0.06)
    assert referral.met is False  # 5% < 6%
    churn = make_kpi("churn_rate", 1, 4, RULES)
    assert (churn.name, churn.target, churn.lower_is_better) == ("流失率", None, True)
    assert churn.met is None  # the default rules give churn no target
    for code, name in [("maintenance_visit_rate", "定保入库率"), ("first_service_rate", "首保入库率"),
                       ("loyal_customer_ratio", "忠诚客户比例"), ("invite_success_rate", "定保邀约成功率")]:
        assert make_kpi(code, 0, 0, RULES).name == name
    assert make_kpi("invite_success_rate", 1, 1, RULES).target == 1.0
    assert make_kpi("maintenance_visit_rate", 1, 1, RULES).target is None


def test_make_kpi_unknown_code_is_named_by_its_code() -> None:
    kpi = make_kpi("no_such_kpi", 1, 2, RULES)
    assert (kpi.name, kpi.target, kpi.lower_is_better) == ("no_such_kpi", None, False)


def test_make_kpi_follows_an_overridden_target() -> None:
    rules = dataclasses.replace(RULES, kpi=dataclasses.replace(RULES.kpi, targets={**RULES.kpi.targets, "churn_rate": 0.1}))
    assert make_kpi("churn_rate", 1, 10, rules).met is True  # 10% <= 10%
    assert make_kpi("churn_rate", 2, 10, rules).met is False  # 20% > 10%


# --------------------------------------------------------------------------- month_bounds


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),  # leap year: 29 days
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2100-02", date(2100, 2, 1), date(2100, 2, 28)),  # a century that is not a leap year
        ("2000-02", date(2000, 2, 1), date(2000, 2, 29)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),  # December does not roll into month 13
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ],
)
def test_month_bounds(month: str, first: date, last: date) -> None:
    assert month_bounds(month) == (first, last)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026", "2026-11-01", "abcd-ef", ""])
def test_month_bounds_rejects_non_months(bad: str) -> None:
    with pytest.raises(ValueError):
        month_bounds(bad)


# --------------------------------------------------------------------------- latest_delivery_reaching


def brute_latest(months: int, on: date) -> date:
    """Independent reference: the latest d with d + relativedelta(months) <= on, by walking days.

    Month-end clamping moves a date by at most 3 days (29/30/31 -> 28 February), so the answer is
    below on - months + 4 days; the walk starts there (and checks it really is above the answer).
    """
    day = on - relativedelta(months=months) + timedelta(days=4)
    assert day + relativedelta(months=months) > on
    while day + relativedelta(months=months) > on:
        day -= timedelta(days=1)
    return day


def test_31st_delivery_reaches_three_months_on_the_30th() -> None:
    # 2026-08-31 + 3 months = 2026-11-30 (clamped): reached on 2026-11-30.
    # 2026-09-01 + 3 months = 2026-12-01 > 2026-11-30: not reached. So the threshold is 08-31.
    assert latest_delivery_reaching(3, date(2026, 11, 30)) == date(2026, 8, 31)


def test_31st_delivery_has_not_reached_three_months_on_the_29th() -> None:
    # 2026-08-29 + 3 = 2026-11-29 <= 11-29; 2026-08-30 + 3 = 2026-11-30 > 11-29: threshold 08-29,
    # so a car delivered on 08-30 or 08-31 is still 新车体验期 by age on 11-29.
    threshold = latest_delivery_reaching(3, date(2026, 11, 29))
    assert threshold == date(2026, 8, 29)
    assert date(2026, 8, 31) > threshold


def test_end_of_february_threshold_takes_every_clamped_day() -> None:
    # 2026-11-28/29/30 + 3 months all clamp to 2027-02-28; 2026-12-01 + 3 = 2027-03-01.
    assert latest_delivery_reaching(3, date(2027, 2, 28)) == date(2026, 11, 30)
    # Leap year: 2027-11-29 + 3 = 2028-02-29; 2027-11-30 + 3 = 2028-02-29 (clamped); 12-01 -> 03-01.
    assert latest_delivery_reaching(3, date(2028, 2, 29)) == date(2027, 11, 30)
    # On 2028-02-28: 2027-11-28 + 3 = 2028-02-28; 2027-11-29 + 3 = 2028-02-29 > 02-28.
    assert latest_delivery_reaching(3, date(2028, 2, 28)) == date(2027, 11, 28)


def test_leap_day_delivery_reaches_five_years_on_28_february() -> None:
    # 2024-02-29 + 60 months = 2029-02-28; 2024-03-01 + 60 = 2029-03-01 > 2029-02-28.
    assert latest_delivery_reaching(60, date(2029, 2, 28)) == date(2024, 2, 29)
    # 12 months on 2028-02-29: 2027-02-28 + 12 = 2028-02-28 <= 02-29; 2027-03-01 + 12 = 2028-03-01.
    assert latest_delivery_reaching(12, date(2028, 2, 29)) == date(2027, 2, 28)


def test_zero_months_is_the_day_itself() -> None:
    assert latest_delivery_reaching(0, date(2026, 11, 30)) == date(2026, 11, 30)


@pytest.mark.parametrize("months", [1, 3, 24, 36, 60])
def test_latest_delivery_reaching_matches_brute_force_over_two_years(months: int) -> None:
    day = date(2027, 1, 1)
    while day < date(2029, 1, 1):
        assert latest_delivery_reaching(months, day) == brute_latest(months, day), (months, day)
        day += timedelta(days=1)


# --------------------------------------------------------------------------- age_thresholds


def test_age_thresholds_default_rules() -> None:
    # Stages by age: [0,3), [3,24), [24,36), [36,60), [60,...) months; one threshold per later stage.
    # On 2026-11-30: 3 months -> 2026-08-31 (see above), 24 -> 2024-11-30, 36 -> 2023-11-30, 60 -> 2021-11-30.
    assert age_thresholds(date(2026, 11, 30), RULES) == [
        date(2026, 8, 31), date(2024, 11, 30), date(2023, 11, 30), date(2021, 11, 30),
    ]
    # On 2026-11-29: 3 -> 2026-08-29, 24 -> 2024-11-29, 36 -> 2023-11-29, 60 -> 2021-11-29.
    assert age_thresholds(date(2026, 11, 29), RULES) == [
        date(2026, 8, 29), date(2024, 11, 29), date(2023, 11, 29), date(2021, 11, 29),
    ]


def test_age_thresholds_on_28_february_of_a_non_leap_year() -> None:
    # On 2027-02-28: 3 months -> 2026-11-30 (11-28..11-30 all clamp to 02-28);
    # 24 -> 2025-02-28; 36 -> 2024-02-29 (leap day + 36 months = 2027-02-28); 60 -> 2022-02-28.
    assert age_thresholds(date(2027, 2, 28), RULES) == [
        date(2026, 11, 30), date(2025, 2, 28), date(2024, 2, 29), date(2022, 2, 28),
    ]


def test_age_thresholds_follow_the_rules_file() -> None:
    rules = dataclasses.replace(RULES, stages=dataclasses.replace(RULES.stages, age_months=(0, 6, 12)))
    # 6 months: 2026-05-30 + 6 = 11-30 and 2026-05-31 + 6 = 11-30 (clamped), 06-01 + 6 = 12-01,
    # so the threshold is 2026-05-31; 12 months -> 2025-11-30.
    assert age_thresholds(date(2026, 11, 30), rules) == [date(2026, 5, 31), date(2025, 11, 30)]
