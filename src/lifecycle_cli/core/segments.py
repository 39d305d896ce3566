"""Campaign segments (活动客群): the filters a campaign targets, age bands, owners. Pure.

The campaign kinds, the age bands and the visit window live in the rules file (`[campaigns]`).
Age bands are half-open in calendar months since delivery: 1年内 = [0, 12), 1-3年 = [12, 36), ...
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from lifecycle_cli.core.kpi import CHURN_CATEGORIES, CHURN_CODES, latest_delivery_reaching
from lifecycle_cli.core.mileage import Projection, Reading
from lifecycle_cli.core.rule_sections import AgeBand
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.staffing import Staffing, named_person


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


def find_age_band(text: str, rules: Rules) -> AgeBand | None:
    """The age band a code ('3-5'), a name ('3-5年') or an alias names."""
    wanted = _norm(text)
    for band in rules.campaigns.age_bands:
        if wanted in {_norm(band.code), _norm(band.name), *(_norm(a) for a in band.aliases)}:
            return band
    return None


def age_band_bounds(band: AgeBand, on: date) -> tuple[date, date | None]:
    """Delivery dates in the band on `on`: (latest, earliest-exclusive) — delivered on or before the
    first, and after the second when the band has an upper bound."""
    latest = latest_delivery_reaching(band.from_months, on)
    if band.to_months is None:
        return latest, None
    return latest, latest_delivery_reaching(band.to_months, on)


def stage_index(name: str, rules: Rules) -> int | None:
    """The index of a stage name (None when it is not one of the five)."""
    try:
        return rules.stages.names.index(name.strip())
    except ValueError:
        return None


def churn_category(text: str) -> str | None:
    """A churn category by its Chinese name or its English code (first_service, ...)."""
    wanted = text.strip()
    if wanted in CHURN_CATEGORIES:
        return wanted
    for name, code in CHURN_CODES.items():
        if wanted.lower() == code:
            return name
    return None


def projected_km_from_state(last_date: date, last_km: int, daily_num: int, daily_den: int, on: date) -> Fraction:
    """The projected odometer on `on` from a vehicle's stored projection state (the core's formula)."""
    last = Reading(last_date, last_km)
    daily = Fraction(daily_num, daily_den)
    return Projection(kept=(last,), rollbacks=(), last=last, ref=last, daily_km=daily, measured=False).projected_km(on)


def km_in_range(km: Fraction | int, km_min: int | None, km_max: int | None) -> bool:
    """Half-open [km_min, km_max): a bound left out does not limit."""
    return (km_min is None or km >= km_min) and (km_max is None or km < km_max)


def owner_for(role: str, rules: Rules, *, sales_consultant: str | None, service_advisor: str | None,
              store: str | None = None, assigned: str | None = None, staffing: Staffing | None = None) -> str:
    """Who makes the call, as for the scheduler's tasks (core/staffing.py): the car's named person when
    active staff of the role, else the customer's assigned person, else the named person or the role's name."""
    named = named_person(role, sales_consultant, service_advisor)
    return (staffing or Staffing()).owner(role, store, named, assigned, rules.role_label(role))


@dataclass(frozen=True)
class Segment:
    """A campaign's target: every filter given must hold (within one filter, any value may)."""

    stages: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    km_min: int | None = None
    km_max: int | None = None
    visits_min: int | None = None
    visits_max: int | None = None
    churn_categories: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The filters that were given, for storing and showing."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v not in ((), None)}

    def describe(self, rules: Rules) -> str:
        """The filters in words, for people."""
        parts = []
        if self.stages:
            parts.append("阶段 " + "、".join(self.stages))
        if self.age_bands:
            names = {b.code: b.name for b in rules.campaigns.age_bands}
            parts.append("车龄 " + "、".join(names.get(b, b) for b in self.age_bands))
        if self.models:
            parts.append("车型 " + "、".join(self.models))
        if self.stores:
            parts.append("门店 " + "、".join(self.stores))
        if self.km_min is not None or self.km_max is not None:
            low = f"{self.km_min:,}" if self.km_min is not None else "0"
            high = f"{self.km_max:,}" if self.km_max is not None else "∞"
            parts.append(f"预计里程 [{low}, {high}) 公里")
        if self.visits_min is not None or self.visits_max is not None:
            low = str(self.visits_min) if self.visits_min is not None else "0"
            high = str(self.visits_max) if self.visits_max is not None else "∞"
            parts.append(f"近{rules.campaigns.visit_months}个月进厂 {low}–{high} 次")
        if self.churn_categories:
            parts.append("流失类型 " + "、".join(self.churn_categories))
        return "；".join(parts) or "全部车辆"


def segment_from_dict(data: dict[str, Any]) -> Segment:
    """A Segment back from its stored form."""
    fields: dict[str, Any] = {}
    for key, value in data.items():
        fields[key] = tuple(value) if isinstance(value, list) else value
    return Segment(**fields)
