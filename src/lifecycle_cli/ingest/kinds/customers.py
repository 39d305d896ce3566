"""Customers files: one row per customer, keyed by 客户编号 (or a valid phone, `TEL…`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import FileJob
from lifecycle_cli.ingest.kind import Batch, ColumnsOf, Kind
from lifecycle_cli.ingest.parsing import RowError, RowParser, put, put_read
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row
from lifecycle_cli.store import bulk
from lifecycle_cli.store.customers import clear_bad_phones
from lifecycle_cli.store.digests import Nearby, customers_by_digest

# A customer's columns and their aliases; a vehicles sheet that carries its owner uses them too.
COLUMNS = ("customer_id", "name", "phone", "birthday", "do_not_contact", "sms_opt_out", "id_number", "gender",
           "referred_by", "store")
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("客户编号", "客户ID", "客户代码", "档案编号", "会员编号", "客户编码", "客户号", "会员号"),
    "name": ("客户名称", "客户姓名", "姓名", "车主", "车主姓名", "车主名", "会员姓名", "客户名"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "客户电话", "车主电话", "客户手机号", "客户手机",
              "移动电话", "联系手机", "电话号码", "联系方式", "mobile"),
    "birthday": ("生日", "出生日期"),
    "do_not_contact": ("免打扰", "拒绝回访"),
    "sms_opt_out": ("短信退订", "拒收短信"),
    "id_number": ("身份证号", "证件号码", "身份证号码", "证件号"),
    "gender": ("性别",),
    "referred_by": ("推荐人", "介绍人", "转介绍人"),
    "store": ("门店", "经销商", "店名", "所在分店", "经销商名称", "门店名称"),
}
LABELS = {"customer_id": "客户编号", "phone": "手机", "name": "姓名"}
# A phone column identifies a customer when there is no customer id column.
STAND_INS = {"customer_id": ("phone",)}


CustomerParse = Callable[[Row, FileReport], dict[str, Any]]
_TEXTS = ("name", "gender", "referred_by", "store")
_FLAGS = ("do_not_contact", "sms_opt_out")


def parse_customer(kind: Kind, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
    """A customer's values from a row (a customers file, or the owner columns of a vehicles sheet)."""
    return p.plan("customer", lambda: customer_parse(kind, p))(row, report)


def customer_parse(kind: Kind, p: RowParser) -> CustomerParse:
    """parse_customer for the rows of one file: the columns it has and their readers, found once."""
    say = kind.ctx.say
    phone_header = p.header_of("phone")
    read_phone = p.reader("phone", V.parse_phone) if p.has("phone") else None
    read_id = p.reader("customer_id", V.parse_text, required=True) if p.has("customer_id") else None
    texts = [(column, p.reader(column, V.parse_text)) for column in _TEXTS if p.has(column)]
    read_birthday = p.date_reader("birthday") if p.has("birthday") else None
    flags = [(flag, f"{flag}_imported", p.reader(flag, V.parse_bool)) for flag in _FLAGS if p.has(flag)]
    has_id_number = p.has("id_number")
    insert_only = bulk.INSERT_ONLY

    def parse(row: Row, report: FileReport) -> dict[str, Any]:
        out: dict[str, Any] = {}
        empty: dict[str, Any] = {}  # columns the file has but this row leaves empty: insert-only
        phone: V.Phone | None = read_phone(row) if read_phone is not None else None
        if read_id is not None:
            out["customer_id"] = read_id(row)
        elif phone is not None and phone.valid:
            out["customer_id"] = f"TEL{phone.value}"
        else:
            raise RowError(phone_header, "文件没有客户编号列，需要有效的手机号来识别客户")
        if phone is not None:
            out["phone"] = phone.value
            out["phone_valid"] = phone.valid
            if not phone.valid:
                say(report, row.line, phone_header, f'号码无效，已保留并标记 "{phone.value}"', "warning",
                    "phone_invalid")
        elif read_phone is not None:
            empty["phone"] = None
            empty["phone_valid"] = True
        put_read(out, empty, row, texts)
        if read_birthday is not None:
            put(out, empty, "birthday", read_birthday(row))
        for flag, imported, read in flags:
            # An empty cell says nothing; a value is what the file carried: the store sets the flag
            # from it only when it differs from the last import's (bulk.follow_imported_flags, §9).
            value = read(row)
            if value is None:
                empty[flag] = False  # insert-only: a stored flag is kept (and counted as kept)
            else:
                out[imported] = value
        if has_id_number:
            fill = _from_id_number(kind, p, row, report, out)
            if fill:
                out[bulk.FILL_EMPTY] = fill
        if empty:
            out[insert_only] = empty
        return out

    return parse


def _from_id_number(kind: Kind, p: RowParser, row: Row, report: FileReport, out: dict[str, Any]) -> dict[str, Any]:
    """身份证号 fills only what the row leaves empty and nothing stored has (birthday, gender); the
    number itself is neither kept nor shown (个人信息保护法). A bad number is a warning, never a reject;
    a row with both values is not read at all (nothing to fill, and no per-row cost at a million rows)."""
    if out.get("birthday") is not None and out.get("gender") is not None:
        return {}
    try:
        facts = p.value(row, "id_number", V.parse_id_number)
    except RowError as exc:
        kind.ctx.say(report, row.line, exc.column, f"{exc.reason}，未用于补填生日和性别（此行照常导入）", "warning",
                     "id_number")
        return {}
    if facts is None:
        return {}
    fill: dict[str, Any] = {}
    if out.get("birthday") is None:
        fill["birthday"] = facts.birthday
    if out.get("gender") is None:
        fill["gender"] = facts.gender
    return fill


def land_customers(kind: Kind, conn: Any, rows: list[dict[str, Any]], report: FileReport,
                   fresh: Collection[str] = ()) -> None:
    """Upsert customers (`fresh`: ids no stored row holds), count them in `report`; the changed ones are touched."""
    counts, ids = bulk.upsert_customers(conn, rows, fresh)
    kind.ctx.count(report, counts)
    kind.ctx.touched_customers.update(ids[key] for key in counts.changed)
    # Only a stored customer can hold a number found bad (a new one has none): the ones that changed.
    clear_bad_phones(conn, [ids[key] for key in counts.before])


class Customers(Kind):
    """A customers file."""

    name = "customers"
    label = "客户"
    columns = COLUMNS
    required = ("customer_id",)
    aliases = ALIASES
    stand_ins = STAND_INS
    labels = LABELS
    tables = ("customer",)
    detect_rank = 30
    digest_table = "customer"
    keyed_table = "customer"

    @classmethod
    def detects(cls, columns_of: ColumnsOf) -> bool:
        """A customer id, or a name and a phone — and no VIN (a car's file has one)."""
        columns = columns_of("customers")
        return "vin" not in columns_of("vehicles") and (
            "customer_id" in columns or ("name" in columns and "phone" in columns))

    def parse(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        """A customers row."""
        return parse_customer(self, p, row, report)

    @staticmethod
    def natural_key(values: dict[str, Any]) -> str:
        """The customer id."""
        return str(values["customer_id"])

    def landed(self, conn: Any, p: RowParser, digests: list[int], near: Nearby | None = None) -> dict[int, str]:
        """The customers holding the digests, by customer id."""
        return customers_by_digest(conn, digests, near)

    def land(self, conn: Any, batch: Batch, job: FileJob) -> None:
        """Upsert a batch of customers."""
        land_customers(self, conn, [values for _, values in batch], job.report, job.fresh or ())
