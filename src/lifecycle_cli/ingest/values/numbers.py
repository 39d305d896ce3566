"""Numbers: odometer readings in km and money amounts in 元."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lifecycle_cli.ingest.values.cells import BadValue, brief, display, is_blank, nfkc

__all__ = ["parse_amount", "parse_km"]

_MAX_KM = 2_000_000
_KM_RE = re.compile(r"^(?P<sign>[-+]?)(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<wan>万)?(?:公里|千米|kms?)?$")


def parse_km(value: object) -> int | None:
    """Parse an odometer reading in km ('12,345', '12345km', '1.2万公里', 12345.0); blank → None."""
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 7:
        km = int(value)  # fast path: plain digits
        if km <= _MAX_KM:
            return km
    if is_blank(value):
        return None
    shown = brief(display(value))
    if isinstance(value, bool):
        raise BadValue(f'无法识别的里程 "{shown}"')
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(f'无法识别的里程 "{shown}"')
        number = Decimal(str(value))
    else:
        text = re.sub(r"[\s,]", "", nfkc(str(value))).lower()
        match = _KM_RE.match(text)
        if not match:
            raise BadValue(f'无法识别的里程 "{shown}"')
        try:
            number = Decimal(match.group("num"))
        except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
            raise BadValue(f'无法识别的里程 "{shown}"') from None
        if match.group("wan"):
            number *= 10000
        if match.group("sign") == "-":
            number = -number
    if number < 0:
        raise BadValue(f'里程不能为负数 "{shown}"')
    if number > _MAX_KM:  # before rounding: quantize() fails on numbers beyond Decimal's precision
        raise BadValue(f'里程过大，不像真实里程 "{shown}"')
    km = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if km > _MAX_KM:
        raise BadValue(f'里程过大，不像真实里程 "{shown}"')
    return km


_MAX_AMOUNT = 1e10  # 元; a work order's amount beyond this is a typo or garbage
# Up to 10 ASCII digits and a decimal part: always below _MAX_AMOUNT, float() reads it as the general path does.
_PLAIN_AMOUNT_RE = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,20})?")
_AMOUNT_RE = re.compile(r"^(?:¥|\$|rmb|cny|人民币)?(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+))(?:元|rmb|cny)?$")


def parse_amount(value: object) -> float | None:
    """Parse a money amount in 元 ('1,234.50', '￥1,234.50', '1234元'); blank → None."""
    if type(value) is str and _PLAIN_AMOUNT_RE.fullmatch(value):
        return float(value)  # fast path: plain ASCII digits, under the limit (what the general path gives)
    if is_blank(value):
        return None
    shown = display(value)
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        raise BadValue(f'无法识别的金额 "{brief(shown)}"')
    if isinstance(value, int | float):
        amount = float(value) if -_MAX_AMOUNT <= value <= _MAX_AMOUNT else math.inf
    else:
        text = re.sub(r"[\s,]", "", nfkc(shown).lower())
        match = _AMOUNT_RE.match(text)
        if not match:
            raise BadValue(f'无法识别的金额 "{brief(shown)}"')
        amount = float(match.group("num"))
    if not abs(amount) <= _MAX_AMOUNT:  # also false for inf (a 400-digit amount) and NaN
        raise BadValue(f'金额过大，不像真实金额 "{brief(shown)}"')
    return amount
