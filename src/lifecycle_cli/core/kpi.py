"""KPI arithmetic and the date thresholds the set-based report queries need. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.stages import add_months

FOLLOW_UP_CODES = (
    "delivery_call_24h",
    "delivery_call_7d",
    "visit_45d",
    "post_service_followup",
    "care_call",
    "complaint_followup",
    "rescue_followup",
    "warranty_claim_followup",
    "breakdown_followup",
)
INVITATION_CODES = ("first_service_invite", "service_invite", "warranty_expiry_check", "churn_winback")
# 定保邀约成功率's invitations (care-desk §9 "KPI keys"): both steps of the maintenance invitations and
# the win-back; not warranty_expiry_check.
INVITE_SUCCESS_CODES = ("first_service_invite", "service_invite", "churn_winback")
# care-desk §9: 首保流失 the first service never came; 定保流失 a missed maintenance in warranty, still
# visiting for other work (a visit after the last maintenance); 保修期内流失 in warranty and no visit of any
# kind since the last maintenance; 出保修期流失 out of warranty; 流失返回 came back (a win, not churn).
CHURN_CATEGORIES = ("首保流失", "定保流失", "保修期内流失", "出保修期流失", "流失返回")
CHURN_CODES = {"首保流失": "first_service", "定保流失": "periodic_in_warranty",
               "保修期内流失": "in_warranty_no_visit", "出保修期流失": "out_of_warranty", "流失返回": "returned"}
# The categories that are churn (流失率's numerator): all but 流失返回.
CHURNED_CATEGORIES = CHURN_CATEGORIES[:-1]


@dataclass(frozen=True)
class Kpi:
    """A KPI with the figures a manager can check: value = numerator / denominator (None when 0)."""

    code: str
    name: str
    numerator: int
    denominator: int
    target: float | None
    lower_is_better: bool = False

    @property
    def value(self) -> float | None:
        """numerator / denominator as a fraction in [0, 1]; None when the denominator is 0."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def met(self) -> bool | None:
        """Whether the value meets the target (None without a value or a target)."""
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target


def make_kpi(code: str, numerator: int, denominator: int, rules: Rules) -> Kpi:
    """A KPI named and targeted by the rules file."""
    return Kpi(
        code=code,
        name=rules.kpi.names.get(code, code),
        numerator=numerator,
        denominator=denominator,
        target=rules.kpi.targets.get(code),
        lower_is_better=code in rules.kpi.lower_is_better,
    )


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' month; ValueError when it is not one."""
    year, mon = month.split("-")
    first = date(int(year), int(mon), 1)
    return first, add_months(first, 1) - timedelta(days=1)


def latest_delivery_reaching(months: int, on: date) -> date:
    """The latest delivery date whose age on `on` is at least `months` calendar months.

    add_months is monotone, so the cars that reached the age are exactly those delivered on
    or before this day (a 31st-of-month delivery reaches 3 months on the 30th, see stages).
    """
    day = add_months(on, -months)
    while add_months(day + timedelta(days=1), months) <= on:
        day += timedelta(days=1)
    while add_months(day, months) > on:
        day -= timedelta(days=1)
    return day


def age_thresholds(on: date, rules: Rules) -> list[date]:
    """For each stage after the first, the latest delivery date that puts a car in it by age on `on`."""
    return [latest_delivery_reaching(m, on) for m in rules.stages.age_months[1:]]


def invitation_succeeded(first_attempt: date, maintenance_dates: Iterable[date], within_days: int, on: date) -> bool:
    """定保邀约成功率's success: a maintenance visit 0–within_days days after the invitation's first
    attempt (and by the report date)."""
    last = min(first_attempt + timedelta(days=within_days), on)
    return any(first_attempt <= d <= last for d in maintenance_dates)
