"""Identifiers: phone numbers (libphonenumber, CN by default) and VINs (check digit, garbage refused)."""

from __future__ import annotations

import datetime
import functools
import operator
import re
from typing import NamedTuple

from lifecycle_cli.ingest.values.cells import BadValue, display, is_blank, nfkc

__all__ = ["Phone", "Vin", "parse_phone", "parse_vin", "tidy_vin", "vin_check_digit"]


class Phone(NamedTuple):
    """A phone number: normalised when valid, else the raw text with valid=False. (A named tuple: one per
    customer row, made at a third of a frozen dataclass's cost.)"""

    value: str
    valid: bool
    is_mobile: bool


@functools.lru_cache(maxsize=16384)
def _mobile_block(prefix: str) -> tuple[bool, bool] | None:
    """(valid, is_mobile) shared by the 11-digit numbers starting with a 5-digit 号段 prefix.

    libphonenumber decides CN mobile validity by the leading digits and the length; None when
    the lowest and highest numbers of the block disagree (then each number is parsed in full).
    """
    low, high = _parse_phone(prefix + "000000"), _parse_phone(prefix + "999999")
    assert low is not None and high is not None
    if (low.valid, low.is_mobile) != (high.valid, high.is_mobile):
        return None
    return low.valid, low.is_mobile


def parse_phone(value: object) -> Phone | None:
    """Normalise a Chinese mobile or landline number; invalid numbers come back with valid=False."""
    if type(value) is str and len(value) == 11 and value[0] == "1" and value.isascii() and value.isdigit():
        block = _mobile_block(value[:5])  # fast path for a bare 11-digit mobile
        if block is not None:
            return Phone(value=value, valid=block[0], is_mobile=block[1])
    return _parse_phone(value)


def _parse_phone(value: object) -> Phone | None:
    if is_blank(value):
        return None
    raw = display(value)
    text = nfkc(raw).strip()
    invalid = Phone(value=raw, valid=False, is_mobile=False)
    # Only digits and the usual separators; anything else (two numbers, words) is not a phone.
    if not re.fullmatch(r"\+?[\d\s\-().]+", text):
        return invalid
    import phonenumbers  # here: a work-order file has no phone column (the import costs ~20 ms)

    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("+"):
        candidate = digits
    elif digits.startswith("0086"):
        candidate = "+" + digits[2:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        candidate = "+" + digits
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, "CN")
    except phonenumbers.NumberParseException:
        return invalid
    if not phonenumbers.is_valid_number(number):
        return invalid
    is_mobile = phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                     phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if number.country_code != 86:
        return Phone(
            value=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            valid=True,
            is_mobile=is_mobile,
        )
    national = phonenumbers.national_significant_number(number)
    if is_mobile:
        return Phone(value=national, valid=True, is_mobile=True)
    area_len = phonenumbers.length_of_geographical_area_code(number)
    if area_len:
        return Phone(value=f"0{national[:area_len]}-{national[area_len:]}", valid=True, is_mobile=False)
    return Phone(value=national, valid=True, is_mobile=False)


class Vin(NamedTuple):
    """A tidied 17-character VIN, with a Chinese warning when its check digit does not match."""

    value: str
    warning: str | None


_VIN_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Per position: character -> its value times the position's weight (one lookup per character).
_VIN_WEIGHED = tuple({char: value * weight for char, value in _VIN_TRANSLIT.items()} for weight in _VIN_WEIGHTS)
_CHECK_CHARS = "0123456789X"  # the check digit of each remainder mod 11
_VIN_PLACEHOLDER_WORDS = {
    "无",
    "暂无",
    "未知",
    "空",
    "NULL",
    "NONE",
    "N/A",
    "NA",
    "-",
    "--",
    "/",
    "待定",
    "待补",
}
_VIN_DATE_RE = re.compile(
    r"^(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[ T]?\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 / North American check digit ('0'-'9' or 'X') of a 17-character VIN."""
    if len(vin) != 17:
        raise ValueError(f"a VIN has 17 characters, not {len(vin)}")
    return _CHECK_CHARS[sum(map(operator.getitem, _VIN_WEIGHED, vin.upper())) % 11]


def _looks_like_date(text: str) -> bool:
    """True when a VIN cell holds a date instead (typed or an 8-digit YYYYMMDD)."""
    if _VIN_DATE_RE.match(text):
        return True
    if re.fullmatch(r"\d{8}", text):
        try:
            datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return False
        return 1900 <= int(text[:4]) <= 2100
    return False


_CLEAN_VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


def parse_vin(value: object) -> Vin | None:
    """Tidy and validate a VIN; refuse obvious garbage, warn on a bad check digit; blank → None."""
    vin = tidy_vin(value)
    if vin is None:
        return None
    expected = vin_check_digit(vin)
    return Vin(value=vin, warning=None if vin[8] == expected else f"车架号校验位不符（第9位应为 {expected}）")


def tidy_vin(value: object) -> str | None:
    """The tidied VIN of parse_vin without its check digit (for a file that only names a car: a work
    order says nothing about the VIN's check digit); the same BadValue for garbage; blank → None."""
    # Fast path: 17 clean characters (upper case, no I/O/Q), not all digits and not one character
    # repeated; the full checks below reach the same answer for them.
    if type(value) is str and _CLEAN_VIN_RE.fullmatch(value) and not value.isdigit() \
            and value.count(value[0]) != 17:
        return value
    if is_blank(value):
        return None
    shown = display(value)
    if isinstance(value, datetime.date):
        raise BadValue(f'车架号看起来是一个日期 "{shown}"')
    text = nfkc(shown).strip()
    if _looks_like_date(re.sub(r"\s+", " ", text)):
        raise BadValue(f'车架号看起来是一个日期 "{shown}"')
    vin = re.sub(r"\s+", "", text).upper()
    if vin in _VIN_PLACEHOLDER_WORDS:
        raise BadValue(f'车架号是占位符，不是真实车架号 "{shown}"')
    bad_chars = sorted(set(re.sub(r"[A-Z0-9]", "", vin)))
    if bad_chars:
        listed = "".join(bad_chars)
        raise BadValue(f'车架号含有非法字符（{listed}），只能是字母和数字 "{shown}"')
    if vin.isdigit() or len(set(vin)) == 1:
        raise BadValue(f'车架号是占位符，不是真实车架号 "{shown}"')
    if len(vin) != 17:
        raise BadValue(f'车架号应为17位，实为{len(vin)}位 "{shown}"')
    if set(vin) & set("IOQ"):
        raise BadValue(f'车架号不能含字母 I、O、Q（O 可能是数字 0 的误输入）"{shown}"')
    return vin
