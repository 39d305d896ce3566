"""File names made from data (one call-list file per owner): safe on Linux, macOS and Windows, and
never shared by two owners.

A name keeps what it can of the original text. Characters no file system takes (/ \\ : * ? " < > |,
controls), a leading dot, a reserved Windows name (CON, NUL, COM1, …) and trailing dots or spaces
are replaced; whitespace runs become "_". When the text had to change, when the whole file name
would pass `MAX_BYTES` of UTF-8, or when two owners would land on the same name on a
case-insensitive file system (NFC-normalised, case-folded), the name ends with "_" and 8 hex
digits of the SHA-256 of the ORIGINAL text: the same owner gets the same file every morning.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

MAX_BYTES = 100  # of a whole file name, in UTF-8 (most file systems allow 255; shares and zips less)
HASH_DIGITS = 8

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+|\s+')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{d}{n}" for d in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)


def safe_part(text: str, fallback: str = "_", *, leading: bool = True) -> str:
    """The text with everything a file name cannot hold replaced by "_" (no hash, no length limit);
    `leading`: the text starts the file name (no leading dot, no reserved Windows name)."""
    part = _UNSAFE.sub("_", text).strip("_ ").rstrip(". ")
    if leading:
        part = part.lstrip(".")
        if part.split(".", 1)[0].upper() in _RESERVED:
            part = "_" + part
    return part or fallback


def short_hash(text: str) -> str:
    """8 hex digits of the SHA-256 of the text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def _fit(stem: str, tail: str, limit: int) -> str:
    """The stem cut (on a character boundary) so stem + tail fit in limit bytes of UTF-8."""
    room = limit - len(tail.encode("utf-8"))
    encoded = stem.encode("utf-8")
    if len(encoded) <= room:
        return stem + tail
    return encoded[:max(room, 0)].decode("utf-8", errors="ignore").rstrip("_. ") + tail


def _fold(name: str) -> str:
    """The key under which a case-insensitive, normalising file system (Windows, macOS) sees a name."""
    return unicodedata.normalize("NFC", name).casefold()


def unique_file_names(texts: Iterable[str], *, prefix: str = "", suffix: str = ".csv",
                      empty: str = "未分配", limit: int = MAX_BYTES) -> dict[str, str]:
    """A file name `prefix + safe text + suffix` for each distinct text, all different from each
    other even where case does not count. An empty text is named `empty` (its hash still tells it
    apart from a text that really is `empty`)."""
    originals = sorted(set(texts))
    names: dict[str, str] = {}
    hashed: set[str] = set()
    leading = not prefix
    again = 1

    def hash_name(text: str, extra: str = "") -> str:
        hashed.add(text)
        return _fit(prefix + safe_part(text or empty, leading=leading), f"_{short_hash(text)}{extra}{suffix}", limit)

    for text in originals:
        part = safe_part(text or empty, leading=leading)
        plain_name = prefix + part + suffix
        if part != (text or empty) or len(plain_name.encode("utf-8")) > limit:
            names[text] = hash_name(text)
        else:
            names[text] = plain_name
    # Two texts on one name (after folding): every one of them gets its own hash, until none share.
    while True:
        by_key: dict[str, list[str]] = {}
        for text, name in names.items():
            by_key.setdefault(_fold(name), []).append(text)
        shared = [texts_ for texts_ in by_key.values() if len(texts_) > 1]
        if not shared:
            return names
        for group in shared:
            for position, text in enumerate(group):
                if text not in hashed:
                    names[text] = hash_name(text)
                elif position:  # hashed and still shared (an owner literally named "x_1a2b3c4d"): a number
                    again += 1
                    names[text] = hash_name(text, f"-{again}")
