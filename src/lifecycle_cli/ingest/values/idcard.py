"""身份证号: read only for the birth date and gender it carries (never kept, 个人信息保护法).

18 digits (GB 11643): birth date in digits 7–14, gender in digit 17 (odd 男, even 女), an ISO 7064
MOD 11-2 check character last (0–9 or X); the old 15-digit form: birth date 19YYMMDD in digits
7–12, gender in digit 15. A BadValue's text never quotes the number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from lifecycle_cli.ingest.values.cells import BadValue, is_blank, nfkc

__all__ = ["IdFacts", "parse_id_number"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


@dataclass(frozen=True)
class IdFacts:
    """What an ID number says about its holder."""

    birthday: datetime.date
    gender: str  # 男 / 女


def parse_id_number(value: object) -> IdFacts | None:
    """The birth date and gender of an ID number; blank → None; BadValue (without the number) when
    it has no valid shape, date or check character."""
    if is_blank(value):
        return None
    text = nfkc(str(value)).strip().replace(" ", "").upper()
    if len(text) == 18 and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X"):
        expected = _CHECK[sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS, strict=True)) % 11]
        if text[17] != expected:
            raise BadValue("身份证号校验位不符")
        digits, gender_digit = text[6:14], text[16]
    elif len(text) == 15 and text.isdigit():
        digits, gender_digit = "19" + text[6:12], text[14]
    else:
        raise BadValue("身份证号不是 18 位（或 15 位）")
    try:
        birthday = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise BadValue("身份证号中的出生日期无效") from None
    if not 1900 <= birthday.year <= 2099:
        raise BadValue("身份证号中的出生日期无效")
    return IdFacts(birthday=birthday, gender="男" if int(gender_digit) % 2 else "女")
