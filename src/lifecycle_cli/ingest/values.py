"""Parsing of single cell values from customer / vehicle / visit exports.

Each ``parse_*`` function takes a raw cell (``str`` from a CSV, or the Python object
openpyxl gives for an xlsx cell) and returns a clean value, ``None`` for a blank cell,
or raises :class:`BadValue` whose text is the reason in Chinese.
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import phonenumbers

__all__ = [
    "VISIT_KINDS",
    "BadValue",
    "Phone",
    "Vin",
    "parse_amount",
    "parse_bool",
    "parse_date",
    "parse_km",
    "parse_phone",
    "parse_text",
    "parse_vin",
    "parse_visit_kind",
    "vin_check_digit",
]


class BadValue(Exception):
    """A cell that cannot be used; str(exc) is the Chinese reason, e.g. '无法识别的日期 "2024-13-45"'."""


# Characters that str.strip() does not treat as blank but that show up in exports.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def _clean_str(text: str) -> str:
    """Strip whitespace (incl. NBSP / full-width space) and zero-width characters."""
    return text.strip().strip(_INVISIBLE).strip()


def _nfkc(text: str) -> str:
    """Full-width → half-width (digits, letters, punctuation, spaces)."""
    return unicodedata.normalize("NFKC", text)


def _is_blank(value: object) -> bool:
    """True for None, '' and whitespace-only strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return _clean_str(value) == ""
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _display(value: object) -> str:
    """The cell as a person would see it, for error messages."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return _clean_str(value)
    return str(value)


def _brief(shown: str, limit: int = 40) -> str:
    """A cell shortened for a message (a 400-digit number is not worth printing in full)."""
    return shown if len(shown) <= limit else shown[:limit] + "…"


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
_MIN_YEAR = 1900
_MAX_YEAR = 2099

_TIME = r"(?:[ T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)?"
_DATE_SEP_RE = re.compile(r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME + r"$")
_DATE_CN_RE = re.compile(
    r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?" + _TIME + r"$"
)
_DATE_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})" + _TIME + r"$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")


def _ambiguous(text: str) -> BadValue:
    """The error for a date written in a form we refuse to guess."""
    return BadValue(
        f'无法识别的日期 "{_brief(text)}"（只接受年在前的日期，如 2024-03-05；其他格式请用 --date-format 指定）'
    )


def _impossible(text: str) -> BadValue:
    """The error for a year-first date that does not exist."""
    return BadValue(f'无法识别的日期 "{_brief(text)}"')


def _out_of_range(shown: str) -> BadValue:
    """The error for a date (or Excel serial number) outside the years the tool accepts."""
    return BadValue(f'日期超出范围（{_MIN_YEAR}–{_MAX_YEAR}）"{_brief(shown)}"')


def _in_range(day: datetime.date, shown: str) -> datetime.date:
    """The date itself when its year is within 1900–2099, else BadValue."""
    if not (_MIN_YEAR <= day.year <= _MAX_YEAR):
        raise _out_of_range(shown)
    return day


def _from_serial(serial: float, shown: str) -> datetime.date:
    """Excel 1900-system serial number → date (within 1900–2099)."""
    if not math.isfinite(serial):
        raise _impossible(shown)
    if not (1 <= serial <= _EXCEL_MAX_SERIAL):
        raise _out_of_range(shown)
    return _in_range(_EXCEL_EPOCH + datetime.timedelta(days=math.floor(serial)), shown)


def _ymd(y: str, m: str, d: str, h: str | None, mi: str | None, s: str | None, shown: str) -> datetime.date:
    """Build a date from matched parts, validating it (and the time if any)."""
    if not (_MIN_YEAR <= int(y) <= _MAX_YEAR):
        raise _out_of_range(shown)
    try:
        result = datetime.date(int(y), int(m), int(d))
    except ValueError:
        raise _impossible(shown) from None
    if h is not None and (int(h) > 23 or int(mi or 0) > 59 or int(s or 0) > 59):
        raise _impossible(shown)
    return result


def parse_date(value: object, date_format: str | None = None) -> datetime.date | None:
    """Parse a year-first date, an Excel date cell or an Excel serial number; blank → None."""
    # Fast path for the canonical form (YYYY-MM-DD): the same answer as the full parser below.
    if type(value) is str and date_format is None and len(value) == 10 and value[4] == "-" == value[7]:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if _MIN_YEAR <= day.year <= _MAX_YEAR:
                return day
    if _is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return _in_range(value.date(), _display(value.date()))
    if isinstance(value, datetime.date):
        return _in_range(value, _display(value))
    if isinstance(value, bool):
        raise _impossible(str(value))
    if isinstance(value, int | float):
        shown = _display(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise _impossible(shown)
        if not -1e9 < value < 1e9:  # a huge int would not even convert to float
            raise _out_of_range(shown)
        # A whole number that looks like YYYYMMDD typed into a numeric cell.
        if float(value).is_integer() and 19000101 <= value <= 20991231:
            digits = str(int(value))
            return _ymd(digits[:4], digits[4:6], digits[6:], None, None, None, shown)
        return _from_serial(float(value), shown)
    shown = _display(value)
    text = _nfkc(shown).strip()
    if date_format is not None:
        try:
            day = datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            raise BadValue(f'无法识别的日期 "{shown}"（应为 {date_format} 格式）') from None
        return _in_range(day, shown)
    if _SERIAL_RE.match(text):
        return _from_serial(float(text), shown)
    for pattern in (_DATE_SEP_RE, _DATE_CN_RE, _DATE_COMPACT_RE):
        match = pattern.match(text)
        if match:
            g = match.group
            return _ymd(g("y"), g("m"), g("d"), g("h"), g("mi"), g("s"), shown)
    if not re.search(r"\d", text):
        raise _impossible(shown)
    raise _ambiguous(shown)


# --------------------------------------------------------------------------- mileage

_MAX_KM = 2_000_000
_KM_RE = re.compile(r"^(?P<sign>[-+]?)(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<wan>万)?(?:公里|千米|kms?)?$")


def parse_km(value: object) -> int | None:
    """Parse an odometer reading in km ('12,345', '12345km', '1.2万公里', 12345.0); blank → None."""
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 7:
        km = int(value)  # fast path: plain digits
        if km <= _MAX_KM:
            return km
    if _is_blank(value):
        return None
    shown = _brief(_display(value))
    if isinstance(value, bool):
        raise BadValue(f'无法识别的里程 "{shown}"')
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(f'无法识别的里程 "{shown}"')
        number = Decimal(str(value))
    else:
        text = re.sub(r"[\s,]", "", _nfkc(str(value))).lower()
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


# --------------------------------------------------------------------------- phone


@dataclass(frozen=True)
class Phone:
    """A phone number: normalised when valid, else the raw text with valid=False."""

    value: str
    valid: bool
    is_mobile: bool


_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


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
    if _is_blank(value):
        return None
    raw = _display(value)
    text = _nfkc(raw).strip()
    invalid = Phone(value=raw, valid=False, is_mobile=False)
    # Only digits and the usual separators; anything else (two numbers, words) is not a phone.
    if not re.fullmatch(r"\+?[\d\s\-().]+", text):
        return invalid
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
    is_mobile = phonenumbers.number_type(number) in _MOBILE_TYPES
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


# --------------------------------------------------------------------------- VIN


@dataclass(frozen=True)
class Vin:
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
    total = sum(map(operator.mul, map(_VIN_TRANSLIT.__getitem__, vin.upper()), _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


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
    # Fast path: 17 clean characters, not all digits (the full checks below reach the same answer).
    if type(value) is str and _CLEAN_VIN_RE.fullmatch(value) and not value.isdigit() and len(set(value)) > 1:
        expected = vin_check_digit(value)
        return Vin(value=value, warning=None if value[8] == expected else f"车架号校验位不符（第9位应为 {expected}）")
    if _is_blank(value):
        return None
    shown = _display(value)
    if isinstance(value, datetime.date):
        raise BadValue(f'车架号看起来是一个日期 "{shown}"')
    text = _nfkc(shown).strip()
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
    expected = vin_check_digit(vin)
    warning = None if vin[8] == expected else f"车架号校验位不符（第9位应为 {expected}）"
    return Vin(value=vin, warning=warning)


# --------------------------------------------------------------------------- yes / no

_TRUE_WORDS = {"是", "y", "yes", "1", "1.0", "true", "t", "对", "√", "✓"}
_FALSE_WORDS = {"否", "n", "no", "0", "0.0", "false", "f", "错", "×", "✗"}


def parse_bool(value: object) -> bool | None:
    """Parse 是/否, Y/N, yes/no, 1/0, true/false, 对/错; blank → None."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    shown = _display(value)
    text = _nfkc(shown).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise BadValue(f'无法识别的是/否值 "{shown}"')


# --------------------------------------------------------------------------- visit kind

VISIT_KINDS = ("maintenance", "repair", "warranty", "accident", "other")

# Checked in this order, by substring: '事故维修' is an accident, '保修' is not maintenance.
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accident", ("事故", "钣喷", "钣金", "喷漆", "板喷", "板金")),
    ("warranty", ("保修", "索赔", "三包", "质保")),
    ("maintenance", ("保养", "定保", "首保")),
    ("repair", ("维修", "机修", "快修", "修理")),
)


def parse_visit_kind(value: object) -> str:
    """Map a Chinese or English service kind to one of VISIT_KINDS; unknown or blank → 'other'."""
    if _is_blank(value):
        return "other"
    text = _nfkc(_display(value)).strip().lower()
    if text in VISIT_KINDS:
        return text
    for kind, words in _KIND_WORDS:
        if any(word in text for word in words):
            return kind
    return "other"


# --------------------------------------------------------------------------- amount

_MAX_AMOUNT = 1e10  # 元; a work order's amount beyond this is a typo or garbage
_AMOUNT_RE = re.compile(r"^(?:¥|\$|rmb|cny|人民币)?(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+))(?:元|rmb|cny)?$")


def parse_amount(value: object) -> float | None:
    """Parse a money amount in 元 ('1,234.50', '￥1,234.50', '1234元'); blank → None."""
    if _is_blank(value):
        return None
    shown = _display(value)
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        raise BadValue(f'无法识别的金额 "{_brief(shown)}"')
    if isinstance(value, int | float):
        amount = float(value) if -_MAX_AMOUNT <= value <= _MAX_AMOUNT else math.inf
    else:
        text = re.sub(r"[\s,]", "", _nfkc(shown).lower())
        match = _AMOUNT_RE.match(text)
        if not match:
            raise BadValue(f'无法识别的金额 "{_brief(shown)}"')
        amount = float(match.group("num"))
    if not abs(amount) <= _MAX_AMOUNT:  # also false for inf (a 400-digit amount) and NaN
        raise BadValue(f'金额过大，不像真实金额 "{_brief(shown)}"')
    return amount


# --------------------------------------------------------------------------- text


def parse_text(value: object) -> str | None:
    """Strip a text cell (also NBSP / full-width spaces); whole Excel floats lose '.0'; blank → None."""
    if type(value) is str:
        return _clean_str(value) or None  # what the general path below gives for text
    if _is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = _display(value)
    return text or None
