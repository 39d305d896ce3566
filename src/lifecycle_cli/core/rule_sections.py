"""The typed sections of the rules, one per table of the rules file, built from a checked mapping.

`sections(data)` is called only after core/rules_check.py accepted the merged mapping, so every
key of a fixed table is there (the defaults filled what an override left out) with its type and
range checked. The values come from default_rules.toml and the override, never from here: the
only keys read with `.get` are the optional keys of an entry of an open table (a touchpoint, an
event kind, a festival, an age band), where leaving the key out means "none" (no offset, no
window, no text, no aliases, no upper bound), the meaning the rules file's comments give it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from lifecycle_cli.core.rule_texts import text_sections


@dataclass(frozen=True)
class StagesSection:
    """[stages]: the five stages' names and lower bounds (half-open intervals)."""

    names: tuple[str, ...]
    age_months: tuple[int, ...]
    mileage_km: tuple[int, ...]


@dataclass(frozen=True)
class ProjectionSection:
    """[projection]: daily km bounds and the readings' window for the mileage projection."""

    default_daily_km: int
    min_daily_km: int
    max_daily_km: int
    window_days: int
    min_span_days: int


@dataclass(frozen=True)
class WarrantySection:
    """[warranty]: months or km, whichever comes first."""

    months: int
    km: int


@dataclass(frozen=True)
class ScheduleSection:
    """[schedule]: maintenance rhythm, invitations, churn, warranty check, upgrade, attempts."""

    invite_lead_days: int
    first_service_months: int
    first_service_km: int
    service_interval_months: int
    service_interval_km: int
    churn_after_days: int
    warranty_check_before_days: int
    upgrade_months: int
    upgrade_km: int
    max_attempts: int
    second_invite_after_days: int
    repair_moves_invite_days: int
    care_active_months: int
    maintenance_kinds: frozenset[str]


@dataclass(frozen=True)
class VisitKindsSection:
    """[visit_kinds]: which kind of visit a work order's type names: (kind, words) in the order they are
    tried; the first kind with one of its words inside the text wins (none: other)."""

    order: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Milestone:
    """[[milestones.services]]: a key-moment maintenance (里程碑保养): its km, name and items."""

    km: int
    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class MilestonesSection:
    """[milestones]: the key-moment services by km (ascending) and how near a service km names one."""

    within_km: int
    services: tuple[Milestone, ...]


@dataclass(frozen=True)
class InsuranceSection:
    """[insurance] 续保: reminder steps (days before the earlier expiry, largest first), who owns
    them, how far ahead an expiry is believable."""

    steps_before_days: tuple[int, ...]
    specialist: bool
    max_years_ahead: int


@dataclass(frozen=True)
class InspectionSection:
    """[inspection] 年审: reminder lead, label years, on-site years, (from_years, every_months) periods,
    and what the reminder adds for a label year, an on-site year, and the normal-cycle caveat."""

    before_days: int
    label_years: tuple[int, ...]
    onsite_years: tuple[int, ...]
    periods: tuple[tuple[int, int], ...]
    label_note: str
    onsite_note: str
    normal_cycle_note: str


@dataclass(frozen=True)
class KpiSection:
    """[kpi]: the KPI names, targets and direction, and the windows of their arithmetic."""

    names: Mapping[str, str]
    targets: Mapping[str, float]
    lower_is_better: frozenset[str]
    invite_visit_within_days: int
    maintenance_visit_early_days: int
    loyal_months: int
    loyal_min_visits: int


@dataclass(frozen=True)
class GoLiveSection:
    """[go_live]: how much history the first morning carries (tasks listed up to this many days before)."""

    history_days: int


@dataclass(frozen=True)
class CallListSection:
    """[call_list]: the days every run materialises ahead, and the priority order of task codes."""

    ahead_days: int
    priority: tuple[str, ...]
    rank: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", {code: i for i, code in enumerate(self.priority)})

    def priority_of(self, code: str) -> int:
        """Rank of a task code in the call list (lower comes first; unknown codes last)."""
        return self.rank.get(code, len(self.priority))


@dataclass(frozen=True)
class Touchpoint:
    """[touchpoints.CODE]: one key-moment touchpoint: how its task is named, owned, sent and kept."""

    code: str
    name: str
    moment: str
    role: str
    channel: str
    hint: str
    offset_days: int = 0
    window_days: int = 0


@dataclass(frozen=True)
class CareSection:
    """The care-call rhythm ([touchpoints.care_call]): a call every `every_days` after the last
    contact, on the list for `window_days`. Read here only, by the scheduler and the store alike."""

    every_days: int
    window_days: int

    def phase(self, day: date) -> int:
        """The day's place in the rhythm: a call falls on days of its anchor's phase (day ordinal mod every)."""
        return day.toordinal() % self.every_days


@dataclass(frozen=True)
class Festival:
    """[[holidays]]: a festival greeted the day before its statutory holiday: lunar or solar month/day, and
    how many days before its holiday the pre-holiday travel check (节前出行检查) goes (None: none)."""

    name: str
    lunar: tuple[int, int] | None
    solar: tuple[int, int] | None
    check_before_days: int | None = None


@dataclass(frozen=True)
class EventKind:
    """[events.kinds.CODE]: its Chinese name, the words that name it in files, its follow-ups."""

    code: str
    name: str
    followup: str
    aliases: tuple[str, ...] = ()
    # Days after the resolution a second follow-up falls due (None: no second follow-up).
    after_resolved_days: int | None = None
    # A warranty claim is checked against the warranty at the event date.
    needs_warranty: bool = False


@dataclass(frozen=True)
class EventsSection:
    """[events]: the timeliness window (抱怨/救援处理及时率) and the event kinds, in file order."""

    followup_within_days: int
    kinds: Mapping[str, EventKind]
    # The complaint clock (care-desk §6): days to resolve (holidays not counted), and the escalation
    # steps: days after the resolution deadline, and the role told, pairwise.
    resolve_days: int
    escalate_after_days: tuple[int, ...]
    escalate_roles: tuple[str, ...]

    @property
    def escalations(self) -> tuple[tuple[int, str], ...]:
        """The escalation steps as (days after the resolution deadline, role), in order."""
        return tuple(zip(self.escalate_after_days, self.escalate_roles, strict=True))


@dataclass(frozen=True)
class SurveySection:
    """[survey]: the questionnaire asked with a satisfaction score, the score at or below which a
    complaint opens (0: never), and the score from which a customer counts as highly satisfied."""

    questions: tuple[str, ...]
    complaint_at: int
    high_from: int


@dataclass(frozen=True)
class AgeBand:
    """[[campaigns.age_bands]]: [from_months, to_months) since delivery; to_months None = no upper bound."""

    code: str
    name: str
    from_months: int
    to_months: int | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CampaignsSection:
    """[campaigns]: campaign kinds (task codes), the visit look-back, the age bands."""

    kinds: tuple[str, ...]
    visit_months: int
    age_bands: tuple[AgeBand, ...]


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _pair(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    month, day = value
    return int(month), int(day)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _section(cls: type[Any], table: Mapping[str, Any], **converted: Any) -> Any:
    """A section whose fields are the table's keys of the same names (`converted` overrides some)."""
    values = {f.name: table[f.name] for f in fields(cls) if f.init and f.name not in converted}
    return cls(**values, **converted)


def touchpoint(code: str, tp: Mapping[str, Any]) -> Touchpoint:
    """A [touchpoints.CODE] entry (moment, hint, offset, window may be left out: none)."""
    return Touchpoint(
        code=code,
        name=str(tp["name"]),
        moment=str(tp.get("moment", "")),
        role=str(tp["role"]),
        channel=str(tp["channel"]),
        hint=str(tp.get("hint", "")),
        offset_days=int(tp.get("offset_days", 0)),
        window_days=int(tp.get("window_days", 0)),
    )


def event_kind(code: str, spec: Mapping[str, Any]) -> EventKind:
    """An [events.kinds.CODE] entry (aliases, after_resolved_days, needs_warranty may be left out)."""
    after = spec.get("after_resolved_days")
    return EventKind(
        code=code,
        name=str(spec["name"]),
        followup=str(spec["followup"]),
        aliases=_texts(spec.get("aliases", ())),
        after_resolved_days=int(after) if after is not None else None,
        needs_warranty=bool(spec.get("needs_warranty", False)),
    )


def age_band(spec: Mapping[str, Any]) -> AgeBand:
    """A [[campaigns.age_bands]] entry (from_months left out: from delivery; to_months: no end)."""
    to = spec.get("to_months")
    return AgeBand(
        code=str(spec["code"]),
        name=str(spec["name"]),
        from_months=int(spec.get("from_months", 0)),
        to_months=int(to) if to is not None else None,
        aliases=_texts(spec.get("aliases", ())),
    )


def _kpi(kpi: Mapping[str, Any]) -> KpiSection:
    return _section(
        KpiSection, kpi,
        names={str(k): str(v) for k, v in kpi["names"].items()},
        targets={str(k): float(v) for k, v in kpi["targets"].items()},
        lower_is_better=frozenset(str(k) for k, v in kpi["lower_is_better"].items() if v),
    )


def sections(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every section of a checked, merged rules mapping, keyed by the Rules field that holds it."""
    touchpoints = {str(code): touchpoint(str(code), tp) for code, tp in data["touchpoints"].items()}
    insurance, inspection = data["insurance"], data["inspection"]
    events, campaigns = data["events"], data["campaigns"]
    return {
        "timezone": str(data["timezone"]),
        "stages": StagesSection(names=_texts(data["stages"]["names"]), age_months=_ints(data["stages"]["age_months"]),
                                mileage_km=_ints(data["stages"]["mileage_km"])),
        "projection": _section(ProjectionSection, data["projection"]),
        "warranty": _section(WarrantySection, data["warranty"]),
        "schedule": _section(ScheduleSection, data["schedule"],
                             maintenance_kinds=frozenset(_texts(data["schedule"]["maintenance_kinds"]))),
        "visit_kinds": VisitKindsSection(order=tuple((str(kind), _texts(data["visit_kinds"][kind]))
                                                     for kind in data["visit_kinds"]["order"])),
        "milestones": MilestonesSection(
            within_km=int(data["milestones"]["within_km"]),
            services=tuple(sorted((Milestone(km=int(m["km"]), name=str(m["name"]), items=_texts(m["items"]))
                                   for m in data["milestones"]["services"]), key=lambda m: m.km))),
        "insurance": _section(InsuranceSection, insurance,
                              steps_before_days=tuple(sorted(_ints(insurance["steps_before_days"]), reverse=True))),
        "inspection": _section(InspectionSection, inspection, label_years=tuple(sorted(_ints(inspection["label_years"]))),
                               onsite_years=tuple(sorted(_ints(inspection["onsite_years"]))),
                               periods=tuple((int(p["from_years"]), int(p["every_months"]))
                                             for p in inspection["periods"])),
        "kpi": _kpi(data["kpi"]),
        "roles": {str(k): str(v) for k, v in data["roles"].items()},
        "channels": {str(k): str(v) for k, v in data["channels"].items()},
        "churn_reasons": {str(k): str(v) for k, v in data["churn_reasons"].items()},
        "capacity": {str(k): int(v) for k, v in data["capacity"].items()},
        "go_live": _section(GoLiveSection, data["go_live"]),
        "call_list": CallListSection(ahead_days=int(data["call_list"]["ahead_days"]),
                                     priority=_texts(data["call_list"]["priority"])),
        "touchpoints": touchpoints,
        "care": CareSection(every_days=touchpoints["care_call"].offset_days,
                            window_days=touchpoints["care_call"].window_days),
        "holidays": tuple(Festival(name=str(f["name"]), lunar=_pair(f.get("lunar")), solar=_pair(f.get("solar")),
                                   check_before_days=_optional_int(f.get("check_before_days")))
                          for f in data["holidays"]),
        "events": EventsSection(followup_within_days=int(events["followup_within_days"]),
                                kinds={str(c): event_kind(str(c), s) for c, s in events["kinds"].items()},
                                resolve_days=int(events["resolve_days"]),
                                escalate_after_days=_ints(events["escalate_after_days"]),
                                escalate_roles=_texts(events["escalate_roles"])),
        "survey": SurveySection(questions=_texts(data["survey"]["questions"]),
                                complaint_at=int(data["survey"]["complaint_at"]),
                                high_from=int(data["survey"]["high_from"])),
        "campaigns": CampaignsSection(kinds=_texts(campaigns["kinds"]), visit_months=int(campaigns["visit_months"]),
                                      age_bands=tuple(age_band(b) for b in campaigns["age_bands"])),
        **text_sections(data),
    }
