"""Typed rules of the method, loaded from TOML: the shipped defaults merged with an override file."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from lifecycle_cli.errors import RefusedInput


class RulesError(RefusedInput, ValueError):
    """A rules file that cannot be used; str(exc) says which file and which key, one line per problem
    (errors.RefusedInput: exit 2)."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else [message]


@dataclass(frozen=True)
class Touchpoint:
    """One key-moment touchpoint: how its task is named, owned, sent and kept on the list."""

    code: str
    name: str
    moment: str
    role: str
    channel: str
    hint: str
    offset_days: int = 0
    window_days: int = 0
    until_churn: bool = False


@dataclass(frozen=True)
class Festival:
    """A festival greeted the day before its statutory holiday: a lunar or a solar month/day."""

    name: str
    lunar: tuple[int, int] | None
    solar: tuple[int, int] | None


@dataclass(frozen=True)
class Rules:
    """Every number of the method, as typed fields."""

    timezone: str
    stage_names: tuple[str, ...]
    stage_age_months: tuple[int, ...]
    stage_mileage_km: tuple[int, ...]
    default_daily_km: int
    min_daily_km: int
    max_daily_km: int
    projection_window_days: int
    projection_min_span_days: int
    warranty_months: int
    warranty_km: int
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
    maintenance_kinds: frozenset[str]
    roles: dict[str, str]
    channels: dict[str, str]
    priority: tuple[str, ...]
    ahead_days: int
    touchpoints: dict[str, Touchpoint]
    festivals: tuple[Festival, ...]
    kpi_names: dict[str, str]
    kpi_targets: dict[str, float]
    kpi_lower_is_better: frozenset[str]
    invite_visit_within_days: int
    maintenance_visit_early_days: int
    loyal_months: int
    loyal_min_visits: int
    # 续保: reminder steps (days before the earlier insurance expiry, largest first), who owns them,
    # how far ahead an expiry is believable.
    insurance_steps_days: tuple[int, ...]
    insurance_specialist: bool
    insurance_max_years_ahead: int
    # 年审: reminder lead, label years and (from_years, every_months) periods of the computed schedule.
    inspection_before_days: int
    inspection_label_years: tuple[int, ...]
    inspection_periods: tuple[tuple[int, int], ...]
    raw: dict[str, Any]

    def role_label(self, role: str) -> str:
        """The Chinese name of a role code (the code itself when the rules do not name it)."""
        return self.roles.get(role, role)

    def priority_of(self, code: str) -> int:
        """Rank of a task code in the call list (lower comes first; unknown codes last)."""
        return self.priority_rank.get(code, len(self.priority))

    @cached_property
    def priority_rank(self) -> dict[str, int]:
        """code -> its place in `priority` (built once per Rules)."""
        return {code: i for i, code in enumerate(self.priority)}


def default_rules_text() -> str:
    """The shipped default rules file, as text."""
    return resources.files("lifecycle_cli").joinpath("default_rules.toml").read_text(encoding="utf-8")


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge an override mapping over a base mapping (tables merge, values replace)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


# A rules file is a few kilobytes; anything this large is not one.
MAX_RULES_BYTES = 1_000_000


def read_override(path: Path) -> dict[str, Any]:
    """Parse an override file; a file that is missing, unreadable, binary or not TOML is a RulesError."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_RULES_BYTES + 1)
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: 规则文件不存在") from exc
    except IsADirectoryError as exc:
        raise RulesError(f"{path}: 是文件夹，不是规则文件") from exc
    except OSError as exc:
        raise RulesError(f"{path}: 无法读取规则文件（{exc.strerror or type(exc).__name__}）") from exc
    if len(raw) > MAX_RULES_BYTES:
        raise RulesError(f"{path}: 不是有效的 TOML 文件：超过 {MAX_RULES_BYTES // 1_000_000} MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path}: 不是有效的 TOML 文件：不是 UTF-8 文本（第 {exc.start + 1} 个字节）") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: 不是有效的 TOML 文件：{_toml_position(str(exc))}语法错误") from exc


def _toml_position(message: str) -> str:
    """'第 L 行第 C 列' from tomllib's English message ('... (at line 3, column 7)'), else ''."""
    found = re.search(r"at line (\d+), column (\d+)", message)
    if found:
        return f"第 {found.group(1)} 行第 {found.group(2)} 列"
    return "文件末尾" if "end of document" in message else ""


@cache
def _default_data_text() -> str:
    return default_rules_text()


def default_data() -> dict[str, Any]:
    """The shipped defaults as a fresh mapping (the shape every override is checked against)."""
    return tomllib.loads(_default_data_text())


def load_rules(override_path: Path | None = None) -> Rules:
    """The effective rules: the defaults, with an override file merged over them and checked.

    A bad file raises RulesError with every problem, one line each: `FILE: key: reason`.
    """
    data = default_data()
    if override_path is None:
        return rules_from_dict(data)
    data = merge(data, read_override(override_path))
    try:
        return rules_from_dict(data)
    except RulesError as exc:
        errors = [f"{override_path}: {e}" for e in exc.errors]
        raise RulesError("\n".join(errors), errors) from exc


def check_file(path: Path) -> list[str]:
    """The problems of a rules file, as `FILE: key: reason` lines (empty: it can be used)."""
    try:
        load_rules(path)
    except RulesError as exc:
        return exc.errors
    return []


# Sections and keys the stored state and the scheduled tasks never read (labels, texts, report
# targets, the list's order, events and campaigns written when added): changing them needs no rebuild.
DISPLAY_ONLY_SECTIONS = ("roles", "channels", "events", "campaigns")
DISPLAY_ONLY_KPI = ("names", "targets", "lower_is_better")
DISPLAY_ONLY_TOUCHPOINT = ("name", "moment", "hint")


def state_digest(rules: Rules) -> str:
    """sha256 of the rules the stored state and scheduled tasks are computed with (canonical JSON)."""
    data = {k: v for k, v in rules.raw.items() if k not in DISPLAY_ONLY_SECTIONS}
    data["kpi"] = {k: v for k, v in data.get("kpi", {}).items() if k not in DISPLAY_ONLY_KPI}
    data["call_list"] = {k: v for k, v in data.get("call_list", {}).items() if k != "priority"}
    data["touchpoints"] = {code: {k: v for k, v in tp.items() if k not in DISPLAY_ONLY_TOUCHPOINT}
                           for code, tp in data.get("touchpoints", {}).items()}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pair(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    month, day = value
    return int(month), int(day)


def _insurance_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The [insurance] and [inspection] sections as Rules fields, checking their shapes."""
    ins, insp = data["insurance"], data["inspection"]
    steps = tuple(sorted((int(n) for n in ins["steps_before_days"]), reverse=True))
    periods = tuple((int(p["from_years"]), int(p["every_months"])) for p in insp["periods"])
    return {
        "insurance_steps_days": steps,
        "insurance_specialist": bool(ins["specialist"]),
        "insurance_max_years_ahead": int(ins["max_years_ahead"]),
        "inspection_before_days": int(insp["before_days"]),
        "inspection_label_years": tuple(sorted(int(y) for y in insp["label_years"])),
        "inspection_periods": periods,
    }


def rules_from_dict(data: dict[str, Any]) -> Rules:
    """Build typed Rules from a merged rules mapping, after checking it (RulesError: every problem)."""
    from lifecycle_cli.core.rules_check import check_rules

    errors = check_rules(default_data(), data)
    if errors:
        raise RulesError("\n".join(errors), errors)
    stages = data["stages"]
    names = tuple(str(n) for n in stages["names"])
    ages = tuple(int(n) for n in stages["age_months"])
    kms = tuple(int(n) for n in stages["mileage_km"])
    proj = data["projection"]
    sched = data["schedule"]
    touchpoints: dict[str, Touchpoint] = {}
    for code, tp in data["touchpoints"].items():
        window = tp.get("window")
        touchpoints[code] = Touchpoint(
            code=code,
            name=str(tp["name"]),
            moment=str(tp.get("moment", "")),
            role=str(tp["role"]),
            channel=str(tp["channel"]),
            hint=str(tp.get("hint", "")),
            offset_days=int(tp.get("offset_days", 0)),
            window_days=int(tp.get("window_days", 0)),
            until_churn=window == "until_churn",
        )
    festivals = tuple(
        Festival(name=str(f["name"]), lunar=_pair(f.get("lunar")), solar=_pair(f.get("solar")))
        for f in data.get("holidays", [])
    )
    kpi = data["kpi"]
    min_daily, max_daily = int(proj["min_daily_km"]), int(proj["max_daily_km"])
    return Rules(
        timezone=str(data["timezone"]),
        stage_names=names,
        stage_age_months=ages,
        stage_mileage_km=kms,
        default_daily_km=int(proj["default_daily_km"]),
        min_daily_km=min_daily,
        max_daily_km=max_daily,
        projection_window_days=int(proj["window_days"]),
        projection_min_span_days=int(proj["min_span_days"]),
        warranty_months=int(data["warranty"]["months"]),
        warranty_km=int(data["warranty"]["km"]),
        invite_lead_days=int(sched["invite_lead_days"]),
        first_service_months=int(sched["first_service_months"]),
        first_service_km=int(sched["first_service_km"]),
        service_interval_months=int(sched["service_interval_months"]),
        service_interval_km=int(sched["service_interval_km"]),
        churn_after_days=int(sched["churn_after_days"]),
        warranty_check_before_days=int(sched["warranty_check_before_days"]),
        upgrade_months=int(sched["upgrade_months"]),
        upgrade_km=int(sched["upgrade_km"]),
        max_attempts=int(sched["max_attempts"]),
        maintenance_kinds=frozenset(str(k) for k in sched["maintenance_kinds"]),
        roles={str(k): str(v) for k, v in data["roles"].items()},
        channels={str(k): str(v) for k, v in data["channels"].items()},
        priority=tuple(str(c) for c in data["call_list"]["priority"]),
        ahead_days=int(data["call_list"]["ahead_days"]),
        touchpoints=touchpoints,
        festivals=festivals,
        kpi_names={str(k): str(v) for k, v in kpi.get("names", {}).items()},
        kpi_targets={str(k): float(v) for k, v in kpi.get("targets", {}).items()},
        kpi_lower_is_better=frozenset(str(k) for k, v in kpi.get("lower_is_better", {}).items() if v),
        invite_visit_within_days=int(kpi["invite_visit_within_days"]),
        maintenance_visit_early_days=int(kpi["maintenance_visit_early_days"]),
        loyal_months=int(kpi["loyal_months"]),
        loyal_min_visits=int(kpi["loyal_min_visits"]),
        **_insurance_fields(data),
        raw=data,
    )
