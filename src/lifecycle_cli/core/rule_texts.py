"""The words of the rules: message templates ([messages]), per-store settings ([stores."NAME"]) and call
scripts ([scripts]), typed, and what they must mean when the rules load. Pure.

A template field that has no value source (an unknown name) is an error when the rules load, and so
is {门店电话} in a template when `[messages] store_phone` (the phone of stores without their own) is
not set: a customer never reads a blank or a brace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lifecycle_cli.core.templates import FIELDS, STORE_PHONE, fields_of


@dataclass(frozen=True)
class StoreSettings:
    """[stores."NAME"]: a store's phone and SMS signature ('' : the [messages] defaults)."""

    phone: str = ""
    signature: str = ""


@dataclass(frozen=True)
class MessagesSection:
    """[messages]: the opening, one template per sms code, the fallbacks of empty fields, the opt-out tail
    of marketing codes, the default signature and store phone."""

    opening: str
    templates: Mapping[str, str]
    fallbacks: Mapping[str, str]
    marketing: frozenset[str]
    opt_out_tail: str
    signature: str
    store_phone: str


@dataclass(frozen=True)
class Objection:
    """A common objection and its answer."""

    objection: str
    answer: str


@dataclass(frozen=True)
class Script:
    """[scripts.codes.CODE]: why we call, the key points, common objections with answers."""

    purpose: str
    points: tuple[str, ...] = ()
    objections: tuple[Objection, ...] = ()


@dataclass(frozen=True)
class ScriptsSection:
    """[scripts]: the identity check and recording notice said on every call, and each code's script."""

    identity_check: str
    recording_notice: str
    codes: Mapping[str, Script]


def text_sections(data: Mapping[str, Any]) -> dict[str, Any]:
    """The typed [messages], [stores] and [scripts] of a checked rules mapping."""
    m, s = data["messages"], data["scripts"]
    return {
        "messages": MessagesSection(
            opening=str(m["opening"]), templates={str(k): str(v) for k, v in m["templates"].items()},
            fallbacks={str(k): str(v) for k, v in m["fallbacks"].items()},
            marketing=frozenset(str(c) for c in m["marketing"]), opt_out_tail=str(m["opt_out_tail"]),
            signature=str(m["signature"]), store_phone=str(m["store_phone"])),
        "stores": {str(name): StoreSettings(phone=str(v.get("phone", "")), signature=str(v.get("signature", "")))
                   for name, v in data["stores"].items()},
        "scripts": ScriptsSection(
            identity_check=str(s["identity_check"]), recording_notice=str(s["recording_notice"]),
            codes={str(code): Script(purpose=str(v.get("purpose", "")), points=tuple(str(p) for p in v.get("points", ())),
                                     objections=tuple(Objection(str(o.get("objection", "")), str(o.get("answer", "")))
                                                      for o in v.get("objections", ())))
                   for code, v in s["codes"].items()}),
    }


def _texts(data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(key, text) of every template the rules hold."""
    m, s = data["messages"], data["scripts"]
    yield "messages.opening", m["opening"]
    for code, text in m["templates"].items():
        yield f"messages.templates.{code}", text
    yield "scripts.identity_check", s["identity_check"]
    yield "scripts.recording_notice", s["recording_notice"]
    for code, script in s["codes"].items():
        where = f"scripts.codes.{code}"
        yield f"{where}.purpose", script.get("purpose", "")
        for i, point in enumerate(script.get("points", ()), 1):
            yield f"{where}.points[{i}]", point
        for i, o in enumerate(script.get("objections", ()), 1):
            yield f"{where}.objections[{i}].objection", o.get("objection", "")
            yield f"{where}.objections[{i}].answer", o.get("answer", "")


def text_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, reason) of every problem of the rules' words: unknown fields, {门店电话} without a default
    store phone, templates and scripts of codes that do not exist."""
    out: list[tuple[str, str]] = []
    m, codes = data["messages"], data["touchpoints"]
    phone_default = str(m["store_phone"]).strip()
    for key, text in _texts(data):
        for name in fields_of(str(text)):
            if name not in FIELDS:
                out.append((key, f"未知的字段 {{{name}}}（可用的：{'、'.join('{' + f + '}' for f in FIELDS)}）"))
            elif name == STORE_PHONE and not phone_default:
                out.append((key, f"用了 {{{STORE_PHONE}}}，但 messages.store_phone 没有设置（没有在 "
                                 '[stores."门店"] 写 phone 的门店用它）'))
    for table, found in (("messages.templates", m["templates"]), ("scripts.codes", data["scripts"]["codes"])):
        for code in found:
            if code not in codes:
                out.append((f"{table}.{code}", "没有这个任务代码"))
    for i, code in enumerate(m["marketing"], 1):
        if code not in codes:
            out.append((f"messages.marketing[{i}]", f"没有这个任务代码 \"{code}\""))
    return out
