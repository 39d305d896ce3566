"""Headers: map the header texts of an export to a kind's canonical columns (the aliases each kind
declares, see kinds/), tell which kind of file it is, find the header row and the template hint
rows under it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from lifecycle_cli.ingest.kind import Kind
from lifecycle_cli.ingest.registry import DETECT_ORDER
from lifecycle_cli.ingest.registry import KINDS as REGISTRY
from lifecycle_cli.ingest.table import HeaderMap

__all__ = [
    "ACCEPTED_COLUMNS",
    "CANONICAL_COLUMNS",
    "KINDS",
    "REQUIRED_COLUMNS",
    "HeaderMap",
    "detect_kind",
    "find_header_row",
    "is_hint_row",
    "map_headers",
    "missing_required",
    "normalize_header",
]

KINDS: tuple[str, ...] = tuple(REGISTRY)
CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {name: kind.columns for name, kind in REGISTRY.items()}
# The columns map_headers() recognises for a kind: a vehicles file may also carry its owner
# (one sheet with customer and vehicle together), so it accepts the customer columns too.
ACCEPTED_COLUMNS: dict[str, tuple[str, ...]] = {name: kind.accepted() for name, kind in REGISTRY.items()}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {name: kind.required for name, kind in REGISTRY.items()}

_BRACKETS_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|〔[^〔〕]*〕")
_BRACKET_CHARS_RE = re.compile(r"[()\[\]【】<>〔〕]")
_SPACES_RE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def normalize_header(text: str) -> str:
    """Tidy a header cell: NFKC, no spaces, no bracketed hints or '*' marks, ASCII lower-cased."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _SPACES_RE.sub("", text)
    stripped = _BRACKETS_RE.sub("", text)
    if not stripped.strip("*:"):
        # The whole header was in brackets, e.g. '(备注)': keep its content.
        stripped = _BRACKET_CHARS_RE.sub("", text)
    text = stripped.strip("*:")
    return text.lower()


def _key(text: str) -> str:
    """Lookup key: the normalised header without '_', '-', '.' (so 'Customer ID' = 'customer_id')."""
    return re.sub(r"[_\-.]", "", normalize_header(text))


def _build_lookup(kind: type[Kind]) -> dict[str, str]:
    """alias key -> canonical column, for the columns accepted in a kind."""
    lookup: dict[str, str] = {}
    for canonical in kind.accepted():
        for alias in (canonical, *kind.aliases.get(canonical, ())):
            lookup.setdefault(_key(alias), canonical)
    return lookup


def _build_late(kind: type[Kind]) -> dict[str, str]:
    """late alias key -> canonical column: aliases that count only when the column is not headed otherwise."""
    return {_key(alias): canonical for canonical, aliases in kind.late_aliases.items() for alias in aliases}


_LOOKUP: dict[str, dict[str, str]] = {name: _build_lookup(kind) for name, kind in REGISTRY.items()}
_LATE: dict[str, dict[str, str]] = {name: _build_late(kind) for name, kind in REGISTRY.items()}


def map_headers(headers: Sequence[str], kind: str) -> HeaderMap:
    """Map header texts to canonical column indexes for a kind; the first of duplicate columns wins."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    lookup = _LOOKUP[kind]
    keys = [_key(h) if h is not None else "" for h in headers]
    headed = {lookup.get(k) for k in keys}
    late = {key: canonical for key, canonical in _LATE[kind].items() if canonical not in headed}
    result = HeaderMap(kind=kind)
    for index, (header, key) in enumerate(zip(headers, keys, strict=True)):
        if not key:
            continue
        canonical = lookup.get(key)
        if canonical is None:
            canonical = late.get(key)
        if canonical is None:
            result.unknown.append(str(header).strip())
        elif canonical in result.columns:
            if canonical not in result.duplicates:
                result.duplicates.append(canonical)
        else:
            result.columns[canonical] = index
    return result


def missing_required(header_map: HeaderMap) -> list[str]:
    """Required columns of the map's kind that are absent.

    A kind's stand-ins count: a phone column stands in for customer_id; in a visits file a plate
    column stands in for vin.
    """
    columns = header_map.columns
    kind = REGISTRY[header_map.kind]
    return [column for column in kind.required if column not in columns
            and not any(other in columns for other in kind.stand_ins.get(column, ()))]


def detect_kind(headers: Sequence[str]) -> str | None:
    """Tell the kinds apart by their headers (each kind's own test, in DETECT_ORDER); None if none fits."""
    mapped: dict[str, dict[str, int]] = {}

    def columns_of(kind: str) -> dict[str, int]:
        if kind not in mapped:
            mapped[kind] = map_headers(headers, kind).columns
        return mapped[kind]

    for kind in DETECT_ORDER:
        if kind.detects(columns_of):
            return kind.name
    return None


def _cell_text(cell: object) -> str:
    """A header cell as text ('' for None)."""
    return "" if cell is None else str(cell)


def find_header_row(rows: Sequence[Sequence[object]], kind: str | None = None) -> int | None:
    """Index of the first of the first 10 rows that holds all required columns of a kind, else None."""
    for index, row in enumerate(rows[:10]):
        headers = [_cell_text(c) for c in row]
        row_kind = kind or detect_kind(headers)
        if row_kind is None:
            continue
        missing = missing_required(map_headers(headers, row_kind))
        # A combined vehicles sheet may identify the owner by name / phone; its rows decide.
        may_lack = REGISTRY[row_kind].header_may_lack
        if not [column for column in missing if column not in may_lack]:
            return index
    return None


# A fill-in hint cell of a template's hint row: a hint word (必填 / 选填 …), a length (17位), an
# example (如：2019/08/28) or a date pattern (YYYY-MM-DD), alone or in this order
# (必填（17位）, 必填 如：2019/08/28, 选填，格式：年/月/日). Matched after normalize_header.
_HINT_WORD = (
    r"(?:必填项|必填字段|必填|必须填写|必须|选填项|选填|可选项|可选|非必填|可不填|可为空|可空|不填"
    r"|required|optional)"
)
_HINT_LENGTH = r"(?:\d{1,3}位[^\d]{0,12})"
_HINT_EXAMPLE = (
    r"(?:(?:如|例|比如|例如|eg|e\.g\.|注|说明|提示|填写说明)[:,].*"
    r"|(?:例如|示例|样例|格式|请填写|请输入|请选择).*)"
)
_HINT_DATE_PATTERN = r"(?:(?=.*[年月日yd])[年月日号ymdhs/\-.:]+)"
_SEP = r"[,;、]*"
_HINT_RE = re.compile(
    rf"^(?:{_HINT_WORD}{_SEP})?(?:{_HINT_LENGTH}{_SEP})?(?:{_HINT_EXAMPLE}|{_HINT_DATE_PATTERN})?$"
)


def _is_hint(text: str) -> bool:
    """True for one hint cell like 必填 / 必填（17位） / 必填 如：2019/08/28 / （11位） / YYYY-MM-DD."""
    norm = normalize_header(text).strip("*:")
    return bool(norm) and _HINT_RE.match(norm) is not None


def is_hint_row(row: Sequence[object]) -> bool:
    """True when more than half of the non-empty cells of a row are fill-in hints (必填 / 选填 / 如：…).

    Only rows right under the header are asked (readers.py), so a data row is never tested here.
    """
    texts = [text for text in (str(c).strip() for c in row if c is not None) if text]
    hints = sum(1 for t in texts if _is_hint(t))
    return hints * 2 > len(texts)
