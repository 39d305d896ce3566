"""Message and script templates: their fields, filling them, how a customer is addressed, SMS parts. Pure.

A template is text with fields in braces: {称呼} {车牌} {车型} {门店} {顾问} {门店电话} {节日} {日期}.
`fields_of` finds them (an unknown one is the rules' error, core/rule_texts.py); `fill` puts the
values in, a missing value taking its fallback from the rules, so a customer never reads a blank.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date

# Every field a template may use (the value of each: core/messages.py field_values).
FIELDS = ("称呼", "车牌", "车型", "门店", "顾问", "门店电话", "节日", "日期")
STORE_PHONE = "门店电话"
_FIELD = re.compile(r"\{([^{}]*)\}")

# One SMS holds 70 characters; a longer one is sent in parts of 67 (the rest carries the joining header).
SINGLE_PART = 70
MULTI_PART = 67

_MALE = frozenset({"男", "男性", "男士", "先生", "m", "male"})
_FEMALE = frozenset({"女", "女性", "女士", "小姐", "f", "female"})


def fields_of(template: str) -> list[str]:
    """The fields a template uses, in order of first use (unknown names too: the caller says so)."""
    return list(dict.fromkeys(m.group(1).strip() for m in _FIELD.finditer(template)))


def fill(template: str, values: Mapping[str, str], fallbacks: Mapping[str, str]) -> str:
    """The template with each field replaced by its value, or its fallback when the value is empty."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return values.get(name) or fallbacks.get(name, "")
    return _FIELD.sub(value, template)


def salutation(name: str | None, gender: str | None) -> str:
    """{称呼}: the full name with 先生 / 女士 when the gender is known, else the full name ('' without a name)."""
    name = (name or "").strip()
    if not name:
        return ""
    kind = (gender or "").strip().lower()
    if kind in _MALE:
        return name + "先生"
    if kind in _FEMALE:
        return name + "女士"
    return name


def sms_parts(text: str) -> int:
    """The SMS parts a text costs: 1 up to 70 characters, else ceil(length / 67)."""
    length = len(text)
    return 1 if length <= SINGLE_PART else math.ceil(length / MULTI_PART)


def chinese_date(day: date) -> str:
    """{日期} as a customer reads it: 10月1日."""
    return f"{day.month}月{day.day}日"
