"""Dates: year-first text, Excel date cells and serial numbers, or an explicit --date-format."""

from __future__ import annotations

import datetime
import math
import re

from lifecycle_cli.ingest.values.cells import BadValue, brief, display, is_blank, nfkc

__all__ = ["known_date", "parse_date"]

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
# The canonical dates met so far ("2024-03-05" -> the date): a file's dates repeat a lot, and there
# are at most 73,049 of them (one per day of 1900–2099), so the cache needs no bound.
_ISO_DAYS: dict[str, datetime.date] = {}
# What parse_date gave for a canonical date text it met before, else None (the row readers ask it first).
known_date = _ISO_DAYS.get


def _ambiguous(text: str) -> BadValue:
    """The error for a date written in a form we refuse to guess."""
    return BadValue(
        f'无法识别的日期 "{brief(text)}"（只接受年在前的日期，如 2024-03-05；其他格式请用 --date-format 指定）'
    )


def _impossible(text: str) -> BadValue:
    """The error for a year-first date that does not exist."""
    return BadValue(f'无法识别的日期 "{brief(text)}"')


def _out_of_range(shown: str) -> BadValue:
    """The error for a date (or Excel serial number) outside the years the tool accepts."""
    return BadValue(f'日期超出范围（{_MIN_YEAR}–{_MAX_YEAR}）"{brief(shown)}"')


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
    if type(value) is str and date_format is None:
        known = _ISO_DAYS.get(value)
        if known is not None:
            return known
        if len(value) == 10 and value[4] == "-" == value[7]:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if _MIN_YEAR <= day.year <= _MAX_YEAR:
                    _ISO_DAYS[value] = day
                    return day
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return _in_range(value.date(), display(value.date()))
    if isinstance(value, datetime.date):
        return _in_range(value, display(value))
    if isinstance(value, bool):
        raise _impossible(str(value))
    if isinstance(value, int | float):
        shown = display(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise _impossible(shown)
        if not -1e9 < value < 1e9:  # a huge int would not even convert to float
            raise _out_of_range(shown)
        # A whole number that looks like YYYYMMDD typed into a numeric cell.
        if float(value).is_integer() and 19000101 <= value <= 20991231:
            digits = str(int(value))
            return _ymd(digits[:4], digits[4:6], digits[6:], None, None, None, shown)
        return _from_serial(float(value), shown)
    shown = display(value)
    text = nfkc(shown).strip()
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
