"""What every cell parser shares: `BadValue` (its text is the Chinese reason) and the tidying
of a raw cell (blank, shown as a person sees it, shortened for a message)."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["BadValue", "brief", "clean_str", "display", "is_blank", "nfkc"]


class BadValue(Exception):
    """A cell that cannot be used; str(exc) is the Chinese reason, e.g. '无法识别的日期 "2024-13-45"'."""


# Characters that str.strip() does not treat as blank but that show up in exports.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def clean_str(text: str) -> str:
    """Strip whitespace (incl. NBSP / full-width space) and zero-width characters."""
    text = text.strip()
    # The zero-width characters are not printable: a printable text has none, the rest changes nothing.
    if text.isprintable():
        return text
    return text.strip(_INVISIBLE).strip()


def nfkc(text: str) -> str:
    """Full-width → half-width (digits, letters, punctuation, spaces)."""
    return unicodedata.normalize("NFKC", text)


def is_blank(value: object) -> bool:
    """True for None, '' and whitespace-only strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return clean_str(value) == ""
    if isinstance(value, float):
        return math.isnan(value)
    return False


def display(value: object) -> str:
    """The cell as a person would see it, for error messages."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return clean_str(value)
    return str(value)


def brief(shown: str, limit: int = 40) -> str:
    """A cell shortened for a message (a 400-digit number is not worth printing in full)."""
    return shown if len(shown) <= limit else shown[:limit] + "…"
