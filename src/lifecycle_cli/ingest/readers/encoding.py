"""The encoding of a CSV: BOMs, UTF-8, GB18030 (what Chinese Excel and WPS save), or the one the
user names with --encoding; FileRefused when none reads."""

from __future__ import annotations

import codecs

from lifecycle_cli.ingest.table import FileRefused

__all__ = ["ENCODING_HINT", "check_forced_encoding", "decodes", "detect_encoding"]

ENCODING_HINT = "请用 --encoding 指定（常见：gb18030、utf-8）"


# charset-normalizer often labels GBK text as one of these; GB18030 is a superset of GBK.
# (Big5 is left out on purpose: real Big5 decoded as GB18030 is garbage, so a Big5 guess
# only leads to gb18030 when the text also reads as common simplified Chinese.)
_GB_LOOKALIKES = frozenset(
    {"gb18030", "gbk", "gb2312", "cp936", "hz", "euc_cn", "iso2022_cn", "cp949", "euc_kr", "johab"}
)


def decodes(sample: bytes, encoding: str) -> str | None:
    """The sample decoded (a character cut at the end is tolerated), or None on errors / U+FFFD."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text = decoder.decode(sample, final=False)
    except (UnicodeDecodeError, UnicodeError):
        return None
    if "\ufffd" in text:
        return None
    return text


def _mostly_gb2312(text: str) -> bool:
    """True when the non-ASCII characters are nearly all common (GB2312) Chinese characters."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return False
    common = 0
    for ch in non_ascii:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(non_ascii) >= 0.9


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV sample: utf-8-sig / utf-16 (BOM), utf-8 or gb18030; FileRefused otherwise."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if decodes(sample, "utf-8") is not None:
        return "utf-8"
    gb_text = decodes(sample, "gb18030")
    if gb_text is not None:
        import charset_normalizer  # only a file that is not UTF-8 needs it (import: ~10 ms)

        guesses: set[str] = set()
        best = charset_normalizer.from_bytes(sample).best()
        if best is not None:
            guesses = {best.encoding, *best.could_be_from_charset}
        if guesses & _GB_LOOKALIKES or _mostly_gb2312(gb_text):
            return "gb18030"
    raise FileRefused(f"无法识别文件编码，{ENCODING_HINT}")


def check_forced_encoding(encoding: str, sample: bytes) -> str:
    """Validate a user-given encoding against the sample; its codec name on success."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise FileRefused(f'未知的编码 "{encoding}"，{ENCODING_HINT}') from None
    if name.replace("_", "-") == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    if decodes(sample, name) is None:
        raise FileRefused(f'无法用编码 "{encoding}" 读取文件，{ENCODING_HINT}')
    return name
