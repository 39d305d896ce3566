"""Header aliases: map the header texts of an export to canonical column names, and tell
which kind of file (customers / vehicles / visits / events) it is."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

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

KINDS = ("customers", "vehicles", "visits", "events")

_CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "phone",
    "birthday",
    "do_not_contact",
    "id_number",
    "gender",
    "referred_by",
    "store",
)

CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": _CUSTOMER_COLUMNS,
    "vehicles": (
        "vin",
        "customer_id",
        "plate",
        "model",
        "delivery_date",
        "mileage_km",
        "mileage_date",
        "sales_consultant",
        "service_advisor",
        "store",
        "commercial_insurance_expiry",
        "compulsory_insurance_expiry",
        "inspection_due",
    ),
    "visits": ("vin", "visit_date", "mileage_km", "kind", "amount", "advisor", "ro_number", "plate"),
    # Random key moments (complaint / rescue / warranty_claim / breakdown) of a car.
    "events": ("vin", "event_date", "kind", "note"),
}

# The columns map_headers() recognises for a kind: a vehicles file may also carry its owner
# (one sheet with customer and vehicle together), so it accepts the customer columns too.
ACCEPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": CANONICAL_COLUMNS["customers"],
    "vehicles": CANONICAL_COLUMNS["vehicles"]
    + tuple(c for c in _CUSTOMER_COLUMNS if c not in CANONICAL_COLUMNS["vehicles"]),
    "visits": CANONICAL_COLUMNS["visits"],
    "events": CANONICAL_COLUMNS["events"],
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "vehicles": ("vin", "customer_id", "delivery_date"),
    "visits": ("vin", "visit_date", "mileage_km"),
    "events": ("vin", "event_date", "kind"),
}

# canonical -> aliases, valid in every kind that has the canonical column.
_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("客户编号", "客户ID", "客户代码", "档案编号", "会员编号", "客户编码", "客户号", "会员号"),
    "name": ("客户名称", "客户姓名", "姓名", "车主", "车主姓名", "车主名", "会员姓名", "客户名"),
    "phone": (
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "电话",
        "客户电话",
        "车主电话",
        "客户手机号",
        "客户手机",
        "移动电话",
        "联系手机",
        "电话号码",
        "联系方式",
        "mobile",
    ),
    "birthday": ("生日", "出生日期"),
    "do_not_contact": ("免打扰", "拒绝回访"),
    "id_number": ("身份证号", "证件号码", "身份证号码", "证件号"),
    "gender": ("性别",),
    "referred_by": ("推荐人", "介绍人", "转介绍人"),
    "store": ("门店", "经销商", "店名", "所在分店", "经销商名称", "门店名称"),
    "vin": (
        "车架号",
        "车架号VIN",
        "车架号（VIN）",
        "VIN",
        "VIN号",
        "VIN码",
        "车辆识别代号",
        "底盘号",
        "车架号码",
        "车辆识别号",
        "车辆识别代码",
    ),
    "plate": ("车牌号", "车牌", "车牌号码"),
    "model": ("车型", "车系", "品牌车型", "厂牌车型信息", "车辆型号"),
    "delivery_date": ("交车日期", "购车日期", "购买日期", "开票日期", "初登日期", "注册登记日期"),
    "mileage_km": (
        "行驶里程",
        "里程",
        "里程数",
        "进厂里程",
        "进厂里程数",
        "进厂行驶里程",
        "公里数",
        "最近进店里程",
        "mileage",
    ),
    "mileage_date": ("里程日期", "里程登记日期", "最近进店日期"),
    "sales_consultant": ("销售顾问", "营销员", "业务员", "跟进人", "销售员", "销售人员"),
    "service_advisor": ("服务顾问", "专属顾问", "维修顾问", "接待顾问", "接待"),
    "commercial_insurance_expiry": ("商业险到期日期", "商业险到期", "商业险到期日"),
    "compulsory_insurance_expiry": (
        "交强险到期日期",
        "交强险到期",
        "交强险到期日",
        "保险到期",
        "保险到期日期",
        "保险到期日",
    ),
    "inspection_due": ("年审到期日期", "年审到期", "年检到期", "年检到期日期", "年审日期"),
    "visit_date": (
        "进厂日期",
        "进店日期",
        "入厂时间",
        "入库日期",
        "维修日期",
        "开工单时间",
        "进厂时间",
        "进店时间",
    ),
    "kind": ("维修类型", "业务类型", "工单类型"),
    "amount": ("金额", "维修金额", "结算金额", "工单金额"),
    "advisor": ("服务顾问", "专属顾问", "维修顾问", "接待顾问", "接待", "接待人", "service_advisor"),
    "ro_number": ("工单号", "维修单号", "委托书号", "工单编号", "委托书编号"),
}

# Aliases that hold only in one kind of file (they replace the general ones of that column there):
# an events file's 类型 is the event kind, not a visit's 维修类型.
_KIND_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "events": {
        "event_date": ("日期", "事件日期", "发生日期", "date"),
        "kind": ("类型", "事件类型", "事件种类", "type"),
        "note": ("说明", "备注", "事件说明", "描述", "情况说明", "内容"),
    },
}

# Visit dates that mean "left the workshop": used only when no arrival date is present.
_LATE_VISIT_DATE = ("结算日期", "出厂时间", "结算时间", "出厂日期")

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


def _build_lookup(kind: str) -> dict[str, str]:
    """alias key -> canonical column, for the columns accepted in a kind."""
    lookup: dict[str, str] = {}
    accepted = ACCEPTED_COLUMNS[kind]
    for canonical in accepted:
        aliases = _KIND_ALIASES.get(kind, {}).get(canonical, _ALIASES.get(canonical, ()))
        for alias in (canonical, *aliases):
            lookup.setdefault(_key(alias), canonical)
    return lookup


_LOOKUP: dict[str, dict[str, str]] = {kind: _build_lookup(kind) for kind in KINDS}
_LATE_KEYS = frozenset(_key(a) for a in _LATE_VISIT_DATE)


@dataclass
class HeaderMap:
    """How the header cells of one file map to the canonical columns of a kind."""

    kind: str
    columns: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def map_headers(headers: Sequence[str], kind: str) -> HeaderMap:
    """Map header texts to canonical column indexes for a kind; the first of duplicate columns wins."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    lookup = _LOOKUP[kind]
    keys = [_key(h) if h is not None else "" for h in headers]
    use_late_dates = kind == "visits" and not any(lookup.get(k) == "visit_date" for k in keys)
    result = HeaderMap(kind=kind)
    for index, (header, key) in enumerate(zip(headers, keys, strict=True)):
        if not key:
            continue
        canonical = lookup.get(key)
        if canonical is None and use_late_dates and key in _LATE_KEYS:
            canonical = "visit_date"
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

    A phone column stands in for customer_id; in a visits file a plate column stands in for vin.
    """
    columns = header_map.columns
    missing = []
    for column in REQUIRED_COLUMNS[header_map.kind]:
        if column in columns:
            continue
        if column == "customer_id" and "phone" in columns:
            continue
        if column == "vin" and header_map.kind == "visits" and "plate" in columns:
            continue  # a work order may name its car by plate (when the plate is unique)
        missing.append(column)
    return missing


def detect_kind(headers: Sequence[str]) -> str | None:
    """Tell customers / vehicles / visits / events apart by their headers; None if none fits."""
    visits = map_headers(headers, "visits").columns
    car = "vin" in visits or "plate" in visits
    if "visit_date" in visits and ((car and "mileage_km" in visits) or "ro_number" in visits):
        return "visits"
    vehicles = map_headers(headers, "vehicles").columns
    if "vin" in vehicles and "delivery_date" in vehicles:
        return "vehicles"
    customers = map_headers(headers, "customers").columns
    if "vin" not in vehicles and (
        "customer_id" in customers or ("name" in customers and "phone" in customers)
    ):
        return "customers"
    events = map_headers(headers, "events").columns
    if "vin" in events and "event_date" in events and "kind" in events:
        return "events"
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
        if row_kind == "vehicles" and "customer_id" in missing:
            # A combined sheet may identify the owner by name / phone; the pipeline decides.
            missing.remove("customer_id")
        if not missing:
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
