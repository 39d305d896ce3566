"""Words: text cells, yes / no, and a work order's kind of visit."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from lifecycle_cli.ingest.values.cells import BadValue, clean_str, display, is_blank, nfkc

__all__ = ["VISIT_KINDS", "parse_bool", "parse_text", "parse_visit_kind"]

_TRUE_WORDS = {"是", "y", "yes", "1", "1.0", "true", "t", "对", "√", "✓"}
_FALSE_WORDS = {"否", "n", "no", "0", "0.0", "false", "f", "错", "×", "✗"}
# The words as they are listed (clean, lower case, NFKC-stable): what the general path makes of them.
_WORDS = {**dict.fromkeys(_TRUE_WORDS, True), **dict.fromkeys(_FALSE_WORDS, False)}


def parse_bool(value: object) -> bool | None:
    """Parse 是/否, Y/N, yes/no, 1/0, true/false, 对/错; blank → None."""
    if type(value) is str:
        known = _WORDS.get(value)  # fast path: one of the words exactly as listed
        if known is not None:
            return known
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    shown = display(value)
    text = nfkc(shown).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise BadValue(f'无法识别的是/否值 "{shown}"')


# --------------------------------------------------------------------------- visit kind

VISIT_KINDS = ("maintenance", "repair", "warranty", "accident", "other")
# The rules' [visit_kinds] (core/rule_sections.py VisitKindsSection.order): (kind, words) in the order tried.
KindWords = Sequence[tuple[str, Sequence[str]]]


def parse_visit_kind(value: object, kind_words: KindWords, seen: dict[str, str] | None = None) -> str:
    """Map a Chinese or English service kind to one of VISIT_KINDS: the kind's code itself, else the
    first kind of `kind_words` with a word inside the text (首保索赔 is maintenance when maintenance
    comes before warranty); unknown or blank → 'other'. `seen` remembers the answer per text (a work-order
    file has a handful of distinct kinds in a million rows)."""
    if is_blank(value):
        return "other"
    text = nfkc(display(value)).strip().lower()
    if seen is not None and (known := seen.get(text)) is not None:
        return known
    kind = text if text in VISIT_KINDS else next(
        (kind for kind, words in kind_words if any(word in text for word in words)), "other")
    if seen is not None and len(seen) < 10_000:
        seen[text] = kind
    return kind


def parse_text(value: object) -> str | None:
    """Strip a text cell (also NBSP / full-width spaces); whole Excel floats lose '.0'; blank → None."""
    if type(value) is str:
        return clean_str(value) or None  # what the general path below gives for text
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = display(value)
    return text or None
