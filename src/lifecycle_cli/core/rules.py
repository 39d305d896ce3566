"""Typed rules of the method, loaded from TOML: the shipped defaults merged with an override file."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lifecycle_cli.core.rule_sections import (
    CallListSection,
    CampaignsSection,
    CareSection,
    EventsSection,
    Festival,
    GoLiveSection,
    InspectionSection,
    InsuranceSection,
    KpiSection,
    MilestonesSection,
    ProjectionSection,
    ScheduleSection,
    StagesSection,
    SurveySection,
    Touchpoint,
    VisitKindsSection,
    WarrantySection,
    sections,
)
from lifecycle_cli.core.rule_texts import MessagesSection, ScriptsSection, StoreSettings
from lifecycle_cli.errors import RefusedInput

__all__ = ["Festival", "Rules", "RulesError", "Touchpoint", "load_rules", "merge", "rules_from_dict", "state_digest"]


class RulesError(RefusedInput, ValueError):
    """A rules file that cannot be used; str(exc) says which file and which key, one line per problem
    (errors.RefusedInput: exit 2)."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else [message]


@dataclass(frozen=True)
class Rules:
    """Every number of the method, as one typed section per table of the rules file
    (core/rule_sections.py); `raw` is the merged mapping, kept only to print it and for the digest."""

    timezone: str
    stages: StagesSection
    projection: ProjectionSection
    warranty: WarrantySection
    schedule: ScheduleSection
    visit_kinds: VisitKindsSection
    milestones: MilestonesSection
    insurance: InsuranceSection
    inspection: InspectionSection
    kpi: KpiSection
    roles: Mapping[str, str]
    channels: Mapping[str, str]
    # [churn_reasons]: 流失原因 code -> Chinese name (care-desk §6).
    churn_reasons: Mapping[str, str]
    go_live: GoLiveSection
    call_list: CallListSection
    # [capacity]: a role's lines per person per day (care-desk §2), by role code.
    capacity: Mapping[str, int]
    touchpoints: Mapping[str, Touchpoint]
    care: CareSection
    holidays: tuple[Festival, ...]
    events: EventsSection
    campaigns: CampaignsSection
    survey: SurveySection
    # [messages], [stores."NAME"], [scripts] (core/rule_texts.py): the words sent and said.
    messages: MessagesSection
    stores: Mapping[str, StoreSettings]
    scripts: ScriptsSection
    raw: dict[str, Any]

    def store_settings(self, store: str | None) -> StoreSettings:
        """A store's [stores."NAME"] settings, each empty one taken from [messages]."""
        own = self.stores.get(store or "", StoreSettings())
        return StoreSettings(phone=own.phone or self.messages.store_phone,
                             signature=own.signature or self.messages.signature)

    def role_label(self, role: str) -> str:
        """The Chinese name of a role code (the code itself when the rules do not name it)."""
        return self.roles.get(role, role)


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
def _parsed_defaults() -> dict[str, Any]:
    """The shipped defaults, parsed once per process (~7 ms a parse). Shared: never mutate it;
    default_data() hands out copies, check_rules only reads it."""
    return tomllib.loads(default_rules_text())


def default_data() -> dict[str, Any]:
    """The shipped defaults as a fresh mapping (the shape every override is checked against)."""
    return copy.deepcopy(_parsed_defaults())


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
# targets, the list's order, events and campaigns written when added, capacity: a day is levelled
# when its list is first made): changing them needs no rebuild.
DISPLAY_ONLY_SECTIONS = ("roles", "channels", "events", "campaigns", "capacity", "survey", "churn_reasons",
                         "messages", "stores", "scripts", "milestones")
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


def rules_from_dict(data: dict[str, Any]) -> Rules:
    """Build typed Rules from a merged rules mapping, after checking it (RulesError: every problem)."""
    from lifecycle_cli.core.rules_check import check_rules

    errors = check_rules(_parsed_defaults(), data)  # read-only: no copy needed
    if errors:
        raise RulesError("\n".join(errors), errors)
    return Rules(**sections(data), raw=data)
