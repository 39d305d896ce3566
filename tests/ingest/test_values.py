"""Table-driven tests for lifecycle_cli.ingest.values."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest.values import (
    VISIT_KINDS,
    BadValue,
    Phone,
    parse_amount,
    parse_bool,
    parse_date,
    parse_km,
    parse_phone,
    parse_text,
    parse_vin,
    parse_visit_kind,
    vin_check_digit,
)

DEFAULT_KIND_WORDS = load_rules().visit_kinds.order

# --------------------------------------------------------------------------- helpers

_TRANSLIT = dict(zip("0123456789", range(10), strict=True))
_TRANSLIT.update(dict(zip("ABCDEFGH", range(1, 9), strict=True)))
_TRANSLIT.update(dict(zip("JKLMN", range(1, 6), strict=True)))
_TRANSLIT.update({"P": 7, "R": 9})
_TRANSLIT.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """Independent ISO 3779 check digit, so the tests do not trust the code under test."""
    rem = sum(_TRANSLIT[c] * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if rem == 10 else str(rem)


def make_vin(body: str) -> str:
    """A valid VIN from 17 characters whose 9th is a placeholder."""
    assert len(body) == 17
    return body[:8] + check_digit(body) + body[9:]


def wrong_check(vin: str) -> str:
    """The same VIN with a check digit that does not match."""
    bad = "1" if vin[8] != "1" else "2"
    return vin[:8] + bad + vin[9:]


GOOD_VIN = make_vin("LFPWDD3G0BN000002")
GOOD_VIN_2 = make_vin("LSVAM4187C2000001")
GOOD_VIN_US = "1M8GDM9AXKP042788"  # the textbook example: check digit X


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\u3000", None),
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024/3/5", dt.date(2024, 3, 5)),
        ("2024.03.05", dt.date(2024, 3, 5)),
        ("20240305", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        ("2024年3月5号", dt.date(2024, 3, 5)),
        ("2024-03-05 14:30:00", dt.date(2024, 3, 5)),
        ("2024/3/5 14:30", dt.date(2024, 3, 5)),
        ("2024-03-05T14:30:00", dt.date(2024, 3, 5)),
        ("２０２４－０３－０５", dt.date(2024, 3, 5)),  # full-width
        (" 2024-03-05 ", dt.date(2024, 3, 5)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        (dt.datetime(2024, 3, 5, 14, 30), dt.date(2024, 3, 5)),
        (dt.date(2024, 3, 5), dt.date(2024, 3, 5)),
        (41943.43, dt.date(2014, 10, 31)),  # Excel serial from a numeric cell
        (41943, dt.date(2014, 10, 31)),
        ("41943", dt.date(2014, 10, 31)),
        ("41943.43", dt.date(2014, 10, 31)),
        (20240305, dt.date(2024, 3, 5)),  # YYYYMMDD typed into a numeric cell
    ],
)
def test_parse_date_ok(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("05/03/2024", "只接受年在前的日期"),  # day-first or month-first: never guessed
        ("3/5/24", "只接受年在前的日期"),  # 2-digit year
        ("05.03.2024", "只接受年在前的日期"),
        ("24-03-05", "只接受年在前的日期"),
        ("2024-13-45", '无法识别的日期 "2024-13-45"'),
        ("2023-02-29", '无法识别的日期 "2023-02-29"'),
        ("20241345", '无法识别的日期 "20241345"'),
        ("2024-03-05 25:00", '无法识别的日期 "2024-03-05 25:00"'),
        ("abc", '无法识别的日期 "abc"'),
        (0, '日期超出范围（1900–2099）"0"'),  # serial out of range
        (3_000_000, '日期超出范围（1900–2099）"3000000"'),
        (-5.0, '日期超出范围（1900–2099）"-5"'),
        (2958465, '日期超出范围（1900–2099）"2958465"'),  # 9999-12-31 as a serial
        ("99999", '日期超出范围（1900–2099）"99999"'),  # a serial in a text cell: 2173
        (1e10, '日期超出范围（1900–2099）"10000000000"'),
        (10**400, '日期超出范围（1900–2099）"1000000000000000000000000000000000000000…"'),
        (float("inf"), '无法识别的日期 "inf"'),
        ("9999-12-31", '日期超出范围（1900–2099）"9999-12-31"'),
        ("0001-01-01", '日期超出范围（1900–2099）"0001-01-01"'),
        ("0000-01-01", '日期超出范围（1900–2099）"0000-01-01"'),
        ("1899-12-31", '日期超出范围（1900–2099）"1899-12-31"'),
        ("2100-01-01", '日期超出范围（1900–2099）"2100-01-01"'),
        ("9999年1月1日", '日期超出范围（1900–2099）"9999年1月1日"'),
        ("99991231", '日期超出范围（1900–2099）"99991231"'),
        (21000101, '日期超出范围（1900–2099）"21000101"'),
        (dt.datetime(9999, 12, 31), '日期超出范围（1900–2099）"9999-12-31"'),  # an Excel date cell
        (dt.date(1, 1, 1), '日期超出范围（1900–2099）"0001-01-01"'),
        ("2024-3/5", "只接受年在前的日期"),  # mixed separators
    ],
)
def test_parse_date_bad(value: object, reason: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_date(value)
    assert reason in str(err.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1900-01-01", dt.date(1900, 1, 1)), ("2099-12-31", dt.date(2099, 12, 31)), (2, dt.date(1900, 1, 1)),
     (20991231, dt.date(2099, 12, 31)), (19000101, dt.date(1900, 1, 1))],
)
def test_parse_date_range_bounds_are_inside(value: object, expected: dt.date) -> None:
    assert parse_date(value) == expected


def test_parse_date_with_format_checks_the_range() -> None:
    with pytest.raises(BadValue) as err:
        parse_date("12/31/9999", "%m/%d/%Y")
    assert str(err.value) == '日期超出范围（1900–2099）"12/31/9999"'


def test_parse_date_ambiguous_message_is_complete() -> None:
    with pytest.raises(BadValue) as err:
        parse_date("05/03/2024")
    assert str(err.value) == (
        '无法识别的日期 "05/03/2024"（只接受年在前的日期，如 2024-03-05；其他格式请用 --date-format 指定）'
    )


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("03/05/2024", "%m/%d/%Y", dt.date(2024, 3, 5)),
        ("05/03/2024", "%d/%m/%Y", dt.date(2024, 3, 5)),
        ("03/05/2024 10:00", "%m/%d/%Y %H:%M", dt.date(2024, 3, 5)),
        (dt.datetime(2024, 3, 5), "%m/%d/%Y", dt.date(2024, 3, 5)),  # real date cells still work
        (41943.43, "%m/%d/%Y", dt.date(2014, 10, 31)),
        ("", "%m/%d/%Y", None),
    ],
)
def test_parse_date_with_format(value: object, fmt: str, expected: dt.date | None) -> None:
    assert parse_date(value, fmt) == expected


def test_parse_date_with_format_uses_only_that_format() -> None:
    with pytest.raises(BadValue) as err:
        parse_date("2024-03-05", "%m/%d/%Y")
    assert "%m/%d/%Y" in str(err.value)


# --------------------------------------------------------------------------- km


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("12345", 12345),
        ("12,345", 12345),
        ("12，345", 12345),
        ("12345km", 12345),
        ("12345 KM", 12345),
        ("12345公里", 12345),
        ("1.2万", 12000),
        ("1.2万公里", 12000),
        ("12345.0", 12345),
        ("12345.5", 12346),  # half up
        ("12344.4", 12344),
        (12345.0, 12345),
        (12345, 12345),
        (0.5, 1),
        ("０", 0),
        ("１２３４５", 12345),
        ("2000000", 2_000_000),
    ],
)
def test_parse_km_ok(value: object, expected: int | None) -> None:
    assert parse_km(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-5", '里程不能为负数 "-5"'),
        (-5, '里程不能为负数 "-5"'),
        ("abc", '无法识别的里程 "abc"'),
        ("12345miles", '无法识别的里程 "12345miles"'),
        ("1.2.3", "无法识别的里程"),
        ("2000001", "里程过大"),
        ("300万", "里程过大"),
        (True, "无法识别的里程"),
        # hostile numbers: always a Chinese reason, never a decimal/overflow error
        (1e300, '里程过大，不像真实里程 "1000000000000000052504760255204420248704…"'),
        ("9" * 40, '里程过大，不像真实里程 "9999999999999999999999999999999999999999"'),
        ("99999999999999999999", '里程过大，不像真实里程 "99999999999999999999"'),
        (10**40, "里程过大"),
        ("1" * 40 + "万", "里程过大"),
        (float("inf"), '无法识别的里程 "inf"'),
        ("1e400", '无法识别的里程 "1e400"'),
        ("inf", '无法识别的里程 "inf"'),
        ("NaN", '无法识别的里程 "NaN"'),
    ],
)
def test_parse_km_bad(value: object, reason: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_km(value)
    assert reason in str(err.value)


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", Phone("13812345678", True, True)),
        ("138 1234 5678", Phone("13812345678", True, True)),
        ("138-1234-5678", Phone("13812345678", True, True)),
        ("+86 13812345678", Phone("13812345678", True, True)),
        ("+86-138-1234-5678", Phone("13812345678", True, True)),
        ("8613812345678", Phone("13812345678", True, True)),
        ("008613812345678", Phone("13812345678", True, True)),
        ("１３８１２３４５６７８", Phone("13812345678", True, True)),
        (13812345678.0, Phone("13812345678", True, True)),
        (13812345678, Phone("13812345678", True, True)),
        ("(020)12345678", Phone("020-12345678", True, False)),
        ("（020）12345678", Phone("020-12345678", True, False)),
        ("020-12345678", Phone("020-12345678", True, False)),
        ("0755 1234 5678", Phone("0755-12345678", True, False)),
        ("12345678901", Phone("12345678901", False, False)),  # invalid: kept, flagged
        ("1381234567", Phone("1381234567", False, False)),
        ("无", Phone("无", False, False)),
        ("13812345678/13912345678", Phone("13812345678/13912345678", False, False)),
        (None, None),
        ("", None),
        (" \u00a0", None),
    ],
)
def test_parse_phone(value: object, expected: Phone | None) -> None:
    assert parse_phone(value) == expected


# --------------------------------------------------------------------------- VIN


def test_test_helper_matches_known_vin() -> None:
    assert check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit(GOOD_VIN) == GOOD_VIN[8]


@pytest.mark.parametrize(
    ("value", "expected_value"),
    [
        (GOOD_VIN, GOOD_VIN),
        (GOOD_VIN_2, GOOD_VIN_2),
        (GOOD_VIN_US, GOOD_VIN_US),
        (GOOD_VIN.lower(), GOOD_VIN),
        (f"  {GOOD_VIN[:8]} {GOOD_VIN[8:]}\u00a0", GOOD_VIN),
        ("".join(chr(ord(c) + 0xFEE0) for c in GOOD_VIN), GOOD_VIN),  # full-width
    ],
)
def test_parse_vin_ok(value: str, expected_value: str) -> None:
    vin = parse_vin(value)
    assert vin is not None
    assert vin.value == expected_value
    assert vin.warning is None


def test_parse_vin_bad_check_digit_is_a_warning() -> None:
    bad = wrong_check(GOOD_VIN)
    vin = parse_vin(bad)
    assert vin is not None
    assert vin.value == bad
    assert vin.warning == f"车架号校验位不符（第9位应为 {GOOD_VIN[8]}）"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (GOOD_VIN[:15], "车架号应为17位，实为15位"),
        (GOOD_VIN + "AB", "车架号应为17位，实为19位"),
        (GOOD_VIN[:3] + "O" + GOOD_VIN[4:], "车架号不能含字母 I、O、Q（O 可能是数字 0 的误输入）"),
        (GOOD_VIN[:3] + "I" + GOOD_VIN[4:], "车架号不能含字母 I、O、Q"),
        ("2024-03-05", "车架号看起来是一个日期"),
        ("2024/3/5", "车架号看起来是一个日期"),
        ("20240305", "车架号看起来是一个日期"),
        (dt.datetime(2024, 3, 5), "车架号看起来是一个日期"),
        ("12345678901234567", "车架号是占位符，不是真实车架号"),
        ("00000000000000000", "车架号是占位符，不是真实车架号"),
        ("AAAAAAAAAAAAAAAAA", "车架号是占位符，不是真实车架号"),
        ("无", "车架号是占位符，不是真实车架号"),
        (GOOD_VIN[:8] + "-" + GOOD_VIN[9:], "车架号含有非法字符（-）"),
        (GOOD_VIN[:16] + "号", "车架号含有非法字符（号）"),
    ],
)
def test_parse_vin_rejects(value: object, reason: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_vin(value)
    assert reason in str(err.value)


def test_parse_vin_reason_quotes_the_value() -> None:
    with pytest.raises(BadValue) as err:
        parse_vin(GOOD_VIN[:15])
    assert str(err.value) == f'车架号应为17位，实为15位 "{GOOD_VIN[:15]}"'


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_vin_blank(value: object) -> None:
    assert parse_vin(value) is None


# --------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("N", False),
        ("y", True),
        ("n", False),
        ("yes", True),
        ("No", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        ("TRUE", True),
        ("false", False),
        ("对", True),
        ("错", False),
        (True, True),
        ("", None),
        (None, None),
    ],
)
def test_parse_bool(value: object, expected: bool | None) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", 2, "是的吧"])
def test_parse_bool_bad(value: object) -> None:
    with pytest.raises(BadValue) as err:
        parse_bool(value)
    assert str(err.value).startswith("无法识别的是/否值")


# --------------------------------------------------------------------------- visit kind


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *((k, k) for k in VISIT_KINDS),
        ("Maintenance", "maintenance"),
        ("REPAIR", "repair"),
        ("保养", "maintenance"),
        ("定保", "maintenance"),
        ("首保", "maintenance"),
        ("定期保养", "maintenance"),
        ("常规保养", "maintenance"),
        ("首保(免费)", "maintenance"),
        ("维修", "repair"),
        ("一般维修", "repair"),
        ("机修", "repair"),
        ("普通维修", "repair"),
        ("保修", "warranty"),
        ("索赔", "warranty"),
        ("三包", "warranty"),
        ("事故", "accident"),
        ("钣喷", "accident"),
        ("事故车", "accident"),
        ("钣金", "accident"),
        ("喷漆", "accident"),
        ("事故维修", "accident"),
        # A free first service billed to the maker is maintenance, not warranty (issue 18).
        ("首保索赔", "maintenance"),
        ("保养索赔", "maintenance"),
        ("免费首保", "maintenance"),
        ("索赔保养", "maintenance"),
        ("保修索赔", "warranty"),
        ("洗车", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_parse_visit_kind(value: object, expected: str) -> None:
    seen: dict[str, str] = {}
    assert parse_visit_kind(value, DEFAULT_KIND_WORDS) == expected
    assert parse_visit_kind(value, DEFAULT_KIND_WORDS, seen) == parse_visit_kind(value, DEFAULT_KIND_WORDS, seen) == expected


def test_a_rules_file_extends_the_visit_kind_words() -> None:
    words = dict(DEFAULT_KIND_WORDS)
    extended = tuple((k, (*w, "走保")) if k == "maintenance" else (k, w) for k, w in words.items())
    assert parse_visit_kind("走保", DEFAULT_KIND_WORDS) == "other"
    assert parse_visit_kind("走保", extended) == "maintenance"


# --------------------------------------------------------------------------- amount


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.5", 1234.5),
        ("1,234.50", 1234.5),
        ("￥1,234.50", 1234.5),
        ("¥1234", 1234.0),
        ("1234元", 1234.0),
        (1234, 1234.0),
        (1234.5, 1234.5),
        ("-20", -20.0),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount(value: object, expected: float | None) -> None:
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", '无法识别的金额 "abc"'),
        ("12元34", '无法识别的金额 "12元34"'),
        ("1.2.3", '无法识别的金额 "1.2.3"'),
        ("1e400", '无法识别的金额 "1e400"'),
        ("NaN", '无法识别的金额 "NaN"'),
        (float("inf"), '无法识别的金额 "inf"'),
        ("1" * 400, '金额过大，不像真实金额 "1111111111111111111111111111111111111111…"'),  # float() gives inf
        (10**400, "金额过大，不像真实金额"),
        (2e10, '金额过大，不像真实金额 "20000000000"'),
    ],
)
def test_parse_amount_bad(value: object, reason: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_amount(value)
    assert reason in str(err.value)


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  张三 ", "张三"),
        ("\u3000张三\u00a0", "张三"),
        ("\ufeff张三", "张三"),
        (12345.0, "12345"),
        (12.5, "12.5"),
        (42, "42"),
        (dt.datetime(2024, 3, 5), "2024-03-05"),
        ("", None),
        ("\u3000", None),
        (None, None),
    ],
)
def test_parse_text(value: object, expected: str | None) -> None:
    assert parse_text(value) == expected
