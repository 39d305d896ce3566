"""The canonical-form fast paths of the value parsers (issue 21) give exactly what the general parsers
give: each table holds values the fast path takes and values just outside it (which the general
parser answers, with its message), and a value the fast path takes gives the same answer with a
space around it (a space always sends a cell down the general path, which strips it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.values.cells import clean_str


def _answer(parse: Callable[[object], Any], value: object) -> object:
    """What a parser gives: its value, or ('BadValue', reason)."""
    try:
        return parse(value)
    except V.BadValue as exc:
        return ("BadValue", str(exc))


DATES: list[tuple[str, object]] = [
    ("2026-02-03", dt.date(2026, 2, 3)),  # canonical
    ("1900-01-01", dt.date(1900, 1, 1)),
    ("2099-12-31", dt.date(2099, 12, 31)),
    ("2026-2-3", dt.date(2026, 2, 3)),  # not zero-padded: general
    ("2026-02-30", ("BadValue", '无法识别的日期 "2026-02-30"')),
    ("2026-13-01", ("BadValue", '无法识别的日期 "2026-13-01"')),
    ("1899-12-31", ("BadValue", '日期超出范围（1900–2099）"1899-12-31"')),
    ("2100-01-01", ("BadValue", '日期超出范围（1900–2099）"2100-01-01"')),
    ("0000-00-00", ("BadValue", '日期超出范围（1900–2099）"0000-00-00"')),
    ("abcd-ef-gh", ("BadValue", '无法识别的日期 "abcd-ef-gh"')),
    ("2026/02/03", dt.date(2026, 2, 3)),
    ("20260203", dt.date(2026, 2, 3)),
    ("２０２６-02-03", dt.date(2026, 2, 3)),
    ("2026-02-03T10:00", dt.date(2026, 2, 3)),
    ("", None),
]


@pytest.mark.parametrize(("value", "expected"), DATES)
def test_parse_date_fast_path_and_its_boundaries(value: str, expected: object) -> None:
    assert _answer(V.parse_date, value) == expected
    assert _answer(V.parse_date, value) == expected  # a second time: from the cache of canonical dates
    assert _answer(V.parse_date, f" {value} ") == _answer(V.parse_date, value) or expected is None


def test_parse_date_cache_is_not_used_with_a_date_format() -> None:
    assert V.parse_date("2026-02-03") == dt.date(2026, 2, 3)  # now cached
    with pytest.raises(V.BadValue, match="应为 %m/%d/%Y 格式"):
        V.parse_date("2026-02-03", date_format="%m/%d/%Y")


AMOUNTS: list[tuple[str, object]] = [
    ("554.64", 554.64),  # canonical
    ("0", 0.0),
    ("0.5", 0.5),
    ("9999999999", 9999999999.0),  # 10 digits: the most the fast path takes
    ("9999999999.99", 9999999999.99),
    ("10000000000", 10000000000.0),  # 11 digits: general, still within the limit
    ("10000000001", ("BadValue", '金额过大，不像真实金额 "10000000001"')),
    ("1,234.50", 1234.5),
    ("12.", 12.0),
    (".5", 0.5),
    ("-3", -3.0),
    ("+3", 3.0),
    ("１２.５", 12.5),
    ("12.5元", 12.5),
    ("¥12", 12.0),
    ("1e3", ("BadValue", '无法识别的金额 "1e3"')),
    ("0x10", ("BadValue", '无法识别的金额 "0x10"')),
    ("12.5.1", ("BadValue", '无法识别的金额 "12.5.1"')),
    ("٣", 3.0),  # another script's digit: the general path (regex \d, float) reads it
    ("", None),
]


@pytest.mark.parametrize(("value", "expected"), AMOUNTS)
def test_parse_amount_fast_path_and_its_boundaries(value: str, expected: object) -> None:
    assert _answer(V.parse_amount, value) == expected
    if expected is not None and not isinstance(expected, tuple):
        assert _answer(V.parse_amount, f" {value} ") == expected


BOOLS: list[tuple[str, object]] = [
    ("0", False), ("1", True), ("是", True), ("否", False), ("y", True), ("n", False), ("true", True),
    ("false", False), ("√", True), ("×", False), ("0.0", False), ("1.0", True),
    ("Y", True),  # upper case: general (lower-cased)
    ("TRUE", True),
    ("０", False),  # full-width: general (NFKC)
    ("maybe", ("BadValue", '无法识别的是/否值 "maybe"')),
    ("2", ("BadValue", '无法识别的是/否值 "2"')),
    ("", None),
]


@pytest.mark.parametrize(("value", "expected"), BOOLS)
def test_parse_bool_fast_path_and_its_boundaries(value: str, expected: object) -> None:
    assert _answer(V.parse_bool, value) == expected
    if expected is not None and not isinstance(expected, tuple):
        assert _answer(V.parse_bool, f" {value} ") == expected


TEXTS: list[tuple[str, str | None]] = [
    ("王振", "王振"),
    (" 王振 ", "王振"),
    ("\u200b王振", "王振"),  # zero-width characters at the ends go
    ("王振\ufeff", "王振"),
    (" \u2060王振\u200c ", "王振"),
    ("王\u200b振", "王\u200b振"),  # inside: kept
    ("\u3000王振", "王振"),  # full-width space
    ("\xa0x\xa0", "x"),  # NBSP
    ("a\tb", "a\tb"),
    ("", None),
    ("  ", None),
    ("\ufeff", None),
]


@pytest.mark.parametrize(("value", "expected"), TEXTS)
def test_parse_text_and_clean_str(value: str, expected: str | None) -> None:
    assert V.parse_text(value) == expected
    assert clean_str(value) == (expected or "")


def _vin(value: str, warning: str | None = None) -> V.Vin:
    return V.Vin(value=value, warning=warning)


VINS: list[tuple[str, object]] = [
    ("LVRHDA3K9MZ000000", _vin("LVRHDA3K9MZ000000")),  # canonical
    ("1M8GDM9AXKP042788", _vin("1M8GDM9AXKP042788")),  # check digit X
    ("LVRHDA3K1MZ000000", _vin("LVRHDA3K1MZ000000", "车架号校验位不符（第9位应为 9）")),
    ("lvrhda3k9mz000000", _vin("LVRHDA3K9MZ000000")),  # lower case: general
    ("LVRHDA3K9MZ00000O", ("BadValue", '车架号不能含字母 I、O、Q（O 可能是数字 0 的误输入）"LVRHDA3K9MZ00000O"')),
    ("LVRHDA3K9MZ00000I", ("BadValue", '车架号不能含字母 I、O、Q（O 可能是数字 0 的误输入）"LVRHDA3K9MZ00000I"')),
    ("LVRHDA3K9MZ00000Q", ("BadValue", '车架号不能含字母 I、O、Q（O 可能是数字 0 的误输入）"LVRHDA3K9MZ00000Q"')),
    ("LVRHDA3K9MZ00000", ("BadValue", '车架号应为17位，实为16位 "LVRHDA3K9MZ00000"')),
    ("LVRHDA3K9MZ0000000", ("BadValue", '车架号应为17位，实为18位 "LVRHDA3K9MZ0000000"')),
    ("12345678901234567", ("BadValue", '车架号是占位符，不是真实车架号 "12345678901234567"')),
    ("AAAAAAAAAAAAAAAAA", ("BadValue", '车架号是占位符，不是真实车架号 "AAAAAAAAAAAAAAAAA"')),
    ("LVRHDA3K9 MZ000000", _vin("LVRHDA3K9MZ000000")),
    ("LVRHDA3K9MZ00000-", ("BadValue", '车架号含有非法字符（-），只能是字母和数字 "LVRHDA3K9MZ00000-"')),
    ("ＬVRHDA3K9MZ000000", _vin("LVRHDA3K9MZ000000")),  # full-width letter: general (NFKC)
    ("2024-03-05", ("BadValue", '车架号看起来是一个日期 "2024-03-05"')),
    ("", None),
]


@pytest.mark.parametrize(("value", "expected"), VINS)
def test_parse_vin_fast_path_and_its_boundaries(value: str, expected: object) -> None:
    assert _answer(V.parse_vin, value) == expected
    if expected is not None:
        assert _answer(V.parse_vin, f" {value} ") == expected


@pytest.mark.parametrize(("value", "expected"), VINS)
def test_tidy_vin_is_parse_vin_without_the_check_digit(value: str, expected: object) -> None:
    tidy = _answer(V.tidy_vin, value)
    assert tidy == (expected.value if isinstance(expected, V.Vin) else expected)


def test_vin_check_digit_of_every_character_at_every_position() -> None:
    for position in range(17):
        for char in "0123456789ABCDEFGHJKLMNPRSTUVWXYZ":
            vin = "1M8GDM9AXKP042788"
            vin = vin[:position] + char + vin[position + 1 :]
            values = [V.vin_check_digit(vin), V.vin_check_digit(vin.lower())]
            expected = _independent_check_digit(vin)
            assert values == [expected, expected], vin
    with pytest.raises(KeyError):
        V.vin_check_digit("1M8GDM9AXKP04278O")


def _independent_check_digit(vin: str) -> str:
    values = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
              **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
              **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    rem = sum(values[c] * w for c, w in zip(vin, weights, strict=True)) % 11
    return "X" if rem == 10 else str(rem)


PHONES: list[tuple[str, V.Phone]] = [
    ("13800138000", V.Phone("13800138000", True, True)),  # canonical
    (" 13800138000", V.Phone("13800138000", True, True)),
    ("+8613800138000", V.Phone("13800138000", True, True)),
    ("138 0013 8000", V.Phone("13800138000", True, True)),
    ("１3800138000", V.Phone("13800138000", True, True)),
    ("1380013800", V.Phone("1380013800", False, False)),
    ("138001380001", V.Phone("138001380001", False, False)),
    ("12345678901", V.Phone("12345678901", False, False)),
    ("020-12345678", V.Phone("020-12345678", True, False)),
]


@pytest.mark.parametrize(("value", "expected"), PHONES)
def test_parse_phone_fast_path_and_its_boundaries(value: str, expected: V.Phone) -> None:
    assert V.parse_phone(value) == expected
    assert V.parse_phone(f" {value} ") == expected
