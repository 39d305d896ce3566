"""Check a merged rules mapping against the shape of the shipped defaults, before anything uses it.

Every problem is one line `key: reason` (the key dotted, list entries counted from 1:
`holidays[2].lunar`), all of a file's problems at once. What is checked:

- keys: every key must exist in the defaults (a misspelt one is named with the nearest valid key),
  except in the tables keyed by a code, where new entries are allowed and each is checked against
  the keys its siblings may have: `[touchpoints.*]` (new task codes, e.g. a campaign kind),
  `[events.kinds.*]` (new event kinds), `[roles]` and `[channels]` (new labels), `[capacity]`
  (a role's daily lines). `[kpi.targets]`
  and `[kpi.lower_is_better]` are keyed by the KPIs of `[kpi.names]`;
- types: a value has the type of its default (integer, number, text, true/false, list, table;
  a TOML date where a number belongs is refused);
- ranges: every integer has a range, from an explicit table or its name (intervals, months and km
  > 0, attempts >= 1, days and windows >= 0, rates 0..1) with a sane upper bound, so a huge number
  is refused here instead of overflowing a date later;
- meaning: stage bounds, insurance steps, inspection periods, festivals' [month, day], task codes
  named by priority / campaigns / events, a touchpoint's role and channel, the time zone.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from difflib import get_close_matches
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lifecycle_cli.core.rule_texts import text_problems

# Tables keyed by a code: new entries are allowed; the value checks every entry against.
OPEN_TABLES = ("touchpoints", "events.kinds", "roles", "channels", "capacity", "churn_reasons", "stores",
               "messages.templates", "scripts.codes")
# What an entry of an open table looks like when the defaults have none ([stores."NAME"]).
ENTRY_TEMPLATES: dict[str, Any] = {"stores": {"phone": "", "signature": ""}}
# Tables keyed by the KPI codes of [kpi.names], with their value's type.
KPI_TABLES: dict[str, Any] = {"kpi.targets": 0.0, "kpi.lower_is_better": True}
# Keys a new entry of an open table must have.
REQUIRED = {"touchpoints": ("name", "role", "channel"), "events.kinds": ("name", "followup"),
            "holidays": ("name",), "campaigns.age_bands": ("code", "name"),
            "inspection.periods": ("from_years", "every_months"),
            "milestones.services": ("km", "name", "items")}

# Ranges that the key-name convention (see _convention) does not give.
RANGES: dict[str, tuple[int, int]] = {
    "stages.age_months[]": (0, 1200),
    "stages.mileage_km[]": (0, 1_000_000),
    "projection.window_days": (1, 3660),
    "schedule.churn_after_days": (1, 3660),
    "call_list.ahead_days": (1, 366),
    "capacity.*": (1, 10_000),  # lines a person can finish in a day, by role
    "touchpoints.care_call.offset_days": (1, 3660),  # the care-call rhythm: every N days
    "insurance.steps_before_days[]": (1, 3660),
    "campaigns.age_bands[].from_months": (0, 1200),
    "holidays[].lunar[]": (1, 31),
    "holidays[].solar[]": (1, 31),
    "holidays[].check_before_days": (1, 60),
    "events.resolve_days": (1, 366),
    "events.escalate_after_days[]": (0, 366),
    "survey.complaint_at": (0, 5),  # a satisfaction score 1-5; 0: a low score never opens a complaint
    "survey.high_from": (1, 5),
}
STAGE_COUNT = 5


def _convention(name: str) -> tuple[float, float]:
    """The range of a number by its key's name."""
    if name.endswith("daily_km"):
        return 1, 2000
    if name == "km" or name.endswith("_km"):
        return 1, 1_000_000
    if name == "months" or name.endswith("_months"):
        return 1, 1200
    if name == "days" or name.endswith("_days"):
        return 0, 3660
    if "years" in name:
        return 1, 100
    if name.endswith("attempts"):
        return 1, 100
    if name.endswith("visits"):
        return 1, 1000
    if name.endswith(("_rate", "_ratio")):
        return 0, 1
    return 0, 1000


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "整数"
    if isinstance(value, float):
        return "小数"
    if isinstance(value, str):
        return "文本"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "表"
    if isinstance(value, (date, datetime, time)):
        return "日期"
    return type(value).__name__


EXPECTED = {bool: "是/否（true 或 false）", int: "整数", float: "数", str: "文本（加引号）", list: "列表 [...]", dict: "表"}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return ""
    text = f'"{value}"' if isinstance(value, str) else str(value)
    return text if len(text) <= 24 else text[:24] + "…"


def _not(value: Any) -> str:
    if isinstance(value, bool):
        return f"不是 {_shown(value)}"
    shown = _shown(value)
    return f"不是{_kind(value)}" + (f" {shown}" if shown else "")


def _suggest(key: str, choices: list[str], prefix: str, *, listing: bool = True) -> str:
    near = get_close_matches(key, choices, n=1, cutoff=0.6)
    if near:
        return f"，是不是 {prefix}{near[0]}？"
    if not listing:
        return ""
    listed = "、".join(choices[:12]) + ("…" if len(choices) > 12 else "")
    return f"（可用的：{listed}）" if choices else ""


def _item_template(items: list[Any]) -> Any:
    """What every item of a default list looks like: the union of its tables, else its first item."""
    if not items:
        return None
    if all(isinstance(i, dict) for i in items):
        return _union(items)
    return items[0]


def _union(tables: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in tables:
        for key, value in table.items():
            out.setdefault(key, value)
    return out


class _Checker:
    def __init__(self, defaults: dict[str, Any], data: dict[str, Any]) -> None:
        self.defaults, self.data = defaults, data
        self.errors: list[str] = []

    def say(self, key: str, reason: str) -> None:
        self.errors.append(f"{key}: {reason}")

    # -- phase 1: keys, types, ranges -------------------------------------------------------------

    def walk(self, value: Any, template: Any, path: str, pattern: str) -> None:
        if template is None:
            return
        if isinstance(template, dict):
            self.table(value, template, path, pattern)
        elif isinstance(template, list):
            if not isinstance(value, list):
                self.say(path, f"应为{EXPECTED[list]}，{_not(value)}")
                return
            item = _item_template(template)
            for i, v in enumerate(value, 1):
                self.walk(v, item, f"{path}[{i}]", f"{pattern}[]")
        else:
            self.scalar(value, template, path, pattern)

    def table(self, value: Any, template: dict[str, Any], path: str, pattern: str) -> None:
        if not isinstance(value, dict):
            self.say(path or "(整个文件)", f"应为{EXPECTED[dict]}，{_not(value)}")
            return
        prefix = f"{path}." if path else ""
        if pattern in OPEN_TABLES:
            entries = list(template.values()) or [ENTRY_TEMPLATES[pattern]]
            entry = _union(entries) if all(isinstance(e, dict) for e in entries) else entries[0]
            for key, v in value.items():
                self.walk(v, entry, prefix + key, f"{pattern}.*")
                if isinstance(v, dict) and key not in template:
                    missing = [k for k in REQUIRED.get(pattern, ()) if k not in v]
                    if missing:
                        self.say(prefix + key, f"缺少 {'、'.join(missing)}（新增的条目必须写明 "
                                               f"{'、'.join(REQUIRED[pattern])}）"
                                 + _suggest(key, list(template), prefix, listing=False))
            return
        if pattern in KPI_TABLES:
            kpis = sorted(self.data.get("kpi", {}).get("names", {})) if isinstance(
                self.data.get("kpi", {}).get("names"), dict) else []
            for key, v in value.items():
                if key not in kpis:
                    self.say(prefix + key, "未知的 KPI" + _suggest(key, kpis, prefix))
                else:
                    self.walk(v, KPI_TABLES[pattern], prefix + key, f"{pattern}.{key}")
            return
        for key, v in value.items():
            if key not in template:
                self.say(prefix + key, "未知的键" + _suggest(key, list(template), prefix))
            else:
                self.walk(v, template[key], prefix + key, f"{pattern}.{key}" if pattern else key)

    def scalar(self, value: Any, template: Any, path: str, pattern: str) -> None:
        if isinstance(template, bool):
            if not isinstance(value, bool):
                self.say(path, f"应为{EXPECTED[bool]}，{_not(value)}")
            return
        if isinstance(template, str):
            if not isinstance(value, str):
                self.say(path, f"应为{EXPECTED[str]}，{_not(value)}")
            return
        if isinstance(template, int):
            if isinstance(value, bool) or not isinstance(value, int):
                self.say(path, f"应为{EXPECTED[int]}，{_not(value)}")
                return
        elif isinstance(template, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.say(path, f"应为{EXPECTED[float]}，{_not(value)}")
                return
            if isinstance(value, float) and not math.isfinite(value):
                self.say(path, f"应为有限的数，不是 {value}")
                return
        lo, hi = self.range_of(path, pattern)
        if value < lo:
            reason = "应大于 0" if lo == 1 and isinstance(value, int) else (
                "不能为负数" if lo == 0 else f"应不小于 {lo}")
            self.say(path, f"{reason}，不是 {_shown(value)}")
        elif value > hi:
            self.say(path, f"过大（最大 {hi}），不是 {_shown(value)}")

    @staticmethod
    def range_of(path: str, pattern: str) -> tuple[float, float]:
        if path in RANGES:
            return RANGES[path]
        if pattern in RANGES:
            return RANGES[pattern]
        return _convention(pattern.replace("[]", "").rsplit(".", 1)[-1])

    # -- phase 2: what the values mean together ---------------------------------------------------

    def meaning(self) -> None:
        d = self.data
        try:
            ZoneInfo(d["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            self.say("timezone", f"未知的时区 {_shown(d['timezone'])}（例如 \"Asia/Shanghai\"）")
        self.stages(d["stages"])
        proj = d["projection"]
        if proj["min_daily_km"] > proj["max_daily_km"]:
            self.say("projection.min_daily_km", f"应不大于 projection.max_daily_km（{proj['min_daily_km']} > "
                                                f"{proj['max_daily_km']}）")
        self.visit_kinds(d["visit_kinds"])
        self.milestones(d["milestones"]["services"])
        steps = d["insurance"]["steps_before_days"]
        if not steps:
            self.say("insurance.steps_before_days", "至少要有一个提醒天数")
        elif len(set(steps)) != len(steps):
            twice = sorted({s for s in steps if steps.count(s) > 1})
            self.say("insurance.steps_before_days", f"天数不能重复（{'、'.join(map(str, twice))}）")
        self.required_items("inspection.periods", d["inspection"]["periods"])
        starts = [p.get("from_years") for p in d["inspection"]["periods"]]
        if None not in starts and starts != sorted(set(starts)):
            self.say("inspection.periods", "from_years 应逐个增大")
        both = set(d["inspection"]["label_years"]) & set(d["inspection"]["onsite_years"])
        if both:
            self.say("inspection.onsite_years", f"与 label_years 重复（第 {'、'.join(map(str, sorted(both)))} 年）："
                                                "同一年不能既申领检验标志又上线检验")
        codes = d["touchpoints"]
        for code, tp in codes.items():
            where = f"touchpoints.{code}"
            for key, table in (("role", "roles"), ("channel", "channels")):
                if key in tp and tp[key] not in d[table]:
                    self.say(f"{where}.{key}", f"[{table}] 中没有 {_shown(tp[key])}"
                                               + _suggest(tp[key], list(d[table]), ""))
        self.known_codes("call_list.priority", d["call_list"]["priority"], codes)
        self.known_codes("campaigns.kinds", d["campaigns"]["kinds"], codes)
        for kind, spec in d["events"]["kinds"].items():
            if "followup" in spec and spec["followup"] not in codes:
                self.say(f"events.kinds.{kind}.followup", f"没有这个任务代码 {_shown(spec['followup'])}"
                                                          + _suggest(spec["followup"], list(codes), ""))
        self.complaint_clock(d["events"], d["roles"])
        self.survey(d["survey"])
        self.holidays(d["holidays"])
        for key, reason in text_problems(d):
            self.say(key, reason)
        self.required_items("campaigns.age_bands", d["campaigns"]["age_bands"])
        for i, band in enumerate(d["campaigns"]["age_bands"], 1):
            lo, hi = band.get("from_months", 0), band.get("to_months")
            if hi is not None and hi <= lo:
                self.say(f"campaigns.age_bands[{i}].to_months", f"应大于 from_months（{hi} ≤ {lo}）")

    def complaint_clock(self, events: dict[str, Any], roles: dict[str, Any]) -> None:
        days, who = events["escalate_after_days"], events["escalate_roles"]
        if len(days) != len(who):
            self.say("events.escalate_roles", f"应与 events.escalate_after_days 一一对应（{len(who)} 个岗位，"
                                              f"{len(days)} 个天数）")
        if days != sorted(set(days)):
            self.say("events.escalate_after_days", "天数应逐个增大")
        for i, role in enumerate(who, 1):
            if role not in roles:
                self.say(f"events.escalate_roles[{i}]", f"[roles] 中没有 {_shown(role)}" + _suggest(role, list(roles), ""))

    def survey(self, survey: dict[str, Any]) -> None:
        questions = [q.strip() for q in survey["questions"]]
        if "" in questions:
            self.say("survey.questions", "题目不能为空")
        twice = sorted({q for q in questions if questions.count(q) > 1})
        if twice:
            self.say("survey.questions", f"题目不能重复（{'、'.join(twice)}）")
        if survey["complaint_at"] >= survey["high_from"]:
            self.say("survey.complaint_at", f"应小于 survey.high_from（{survey['complaint_at']} ≥ {survey['high_from']}）")

    def milestones(self, services: list[dict[str, Any]]) -> None:
        self.required_items("milestones.services", services)
        kms = [m["km"] for m in services if "km" in m]
        twice = sorted({km for km in kms if kms.count(km) > 1})
        if twice:
            self.say("milestones.services", f"里程不能重复（{'、'.join(map(str, twice))}）")

    def visit_kinds(self, kinds: dict[str, Any]) -> None:
        listed = [k for k in kinds if k != "order"]
        order = kinds["order"]
        for i, kind in enumerate(order, 1):
            if kind not in listed:
                self.say(f"visit_kinds.order[{i}]", f"没有这个维修类型 {_shown(kind)}" + _suggest(kind, listed, ""))
        missing = [k for k in listed if k not in order]
        twice = sorted({k for k in order if order.count(k) > 1})
        if missing or twice:
            self.say("visit_kinds.order", "应把每个维修类型各列一次（"
                     + "；".join(([f"缺少 {'、'.join(missing)}"] if missing else [])
                                + ([f"重复 {'、'.join(twice)}"] if twice else [])) + "）")
        for kind in listed:
            if any(not str(word).strip() for word in kinds[kind]):
                self.say(f"visit_kinds.{kind}", "关键词不能为空")

    def stages(self, stages: dict[str, Any]) -> None:
        for key in ("names", "age_months", "mileage_km"):
            values = stages[key]
            if len(values) != STAGE_COUNT:
                self.say(f"stages.{key}", f"应有 {STAGE_COUNT} 个阶段，不是 {len(values)} 个")
            elif key != "names" and values[0] != 0:
                self.say(f"stages.{key}", f"第一个阶段应从 0 开始，不是 {values[0]}")
            elif key != "names" and values != sorted(values):
                self.say(f"stages.{key}", "各阶段的起点应逐个增大")

    def required_items(self, key: str, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items, 1):
            missing = [k for k in REQUIRED[key] if k not in item]
            if missing:
                self.say(f"{key}[{i}]", f"缺少 {'、'.join(missing)}")

    def known_codes(self, key: str, values: list[str], codes: dict[str, Any]) -> None:
        for i, code in enumerate(values, 1):
            if code not in codes:
                self.say(f"{key}[{i}]", f"没有这个任务代码 {_shown(code)}" + _suggest(code, list(codes), ""))

    def holidays(self, holidays: list[dict[str, Any]]) -> None:
        self.required_items("holidays", holidays)
        for i, festival in enumerate(holidays, 1):
            if "lunar" not in festival and "solar" not in festival:
                self.say(f"holidays[{i}]", "需要 lunar 或 solar = [月, 日]")
            for key, last_day in (("lunar", 30), ("solar", 31)):
                pair = festival.get(key)
                if pair is None:
                    continue
                if len(pair) != 2:
                    self.say(f"holidays[{i}].{key}", f"应为 [月, 日]，不是 {len(pair)} 个数")
                elif not 1 <= pair[0] <= 12:
                    self.say(f"holidays[{i}].{key}", f"月份应在 1 到 12 之间，不是 {pair[0]}")
                elif not 1 <= pair[1] <= last_day:
                    self.say(f"holidays[{i}].{key}", f"日应在 1 到 {last_day} 之间，不是 {pair[1]}")


def check_rules(defaults: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """Every problem of a merged rules mapping, as `key: reason` lines (empty: usable)."""
    checker = _Checker(defaults, data)
    checker.walk(data, defaults, "", "")
    if not checker.errors:
        checker.meaning()
    return checker.errors
