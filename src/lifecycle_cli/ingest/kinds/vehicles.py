"""Vehicles files: one row per car, keyed by VIN, naming its owner by 客户编号 — or a combined
sheet that carries the owner's columns too (the owners land first, as customers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from lifecycle_cli.core.insurance import expiry_too_far
from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import FileJob
from lifecycle_cli.ingest.kind import Batch, ColumnsOf, Kind, not_found
from lifecycle_cli.ingest.kinds import customers
from lifecycle_cli.ingest.parsing import RowError, RowParser, parse_plate, put, put_read
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row
from lifecycle_cli.store import bulk
from lifecycle_cli.store.digests import Nearby, vehicles_by_digest
from lifecycle_cli.store.insurance import note_expiry_changes

# A car's columns and aliases; work orders and events name cars with some of them.
COLUMNS = ("vin", "customer_id", "plate", "model", "delivery_date", "mileage_km", "mileage_date",
           "sales_consultant", "service_advisor", "store", "commercial_insurance_expiry",
           "compulsory_insurance_expiry", "inspection_due")
ALIASES: dict[str, tuple[str, ...]] = {
    **customers.ALIASES,
    "vin": ("车架号", "车架号VIN", "车架号（VIN）", "VIN", "VIN号", "VIN码", "车辆识别代号", "底盘号", "车架号码",
            "车辆识别号", "车辆识别代码"),
    "plate": ("车牌号", "车牌", "车牌号码"),
    "model": ("车型", "车系", "品牌车型", "厂牌车型信息", "车辆型号"),
    "delivery_date": ("交车日期", "购车日期", "购买日期", "开票日期", "初登日期", "注册登记日期"),
    "mileage_km": ("行驶里程", "里程", "里程数", "进厂里程", "进厂里程数", "进厂行驶里程", "公里数", "最近进店里程",
                   "mileage"),
    "mileage_date": ("里程日期", "里程登记日期", "最近进店日期"),
    "sales_consultant": ("销售顾问", "营销员", "业务员", "跟进人", "销售员", "销售人员"),
    "service_advisor": ("服务顾问", "专属顾问", "维修顾问", "接待顾问", "接待"),
    "commercial_insurance_expiry": ("商业险到期日期", "商业险到期", "商业险到期日"),
    "compulsory_insurance_expiry": ("交强险到期日期", "交强险到期", "交强险到期日", "保险到期", "保险到期日期",
                                    "保险到期日"),
    "inspection_due": ("年审到期日期", "年审到期", "年检到期", "年检到期日期", "年审日期"),
}
LABELS = {"vin": "车架号", "delivery_date": "交车日期", "mileage_km": "里程"}
_OWNER_FIELDS = ("name", "phone", "birthday", "do_not_contact", "sms_opt_out")
_EXPIRIES = ("commercial_insurance_expiry", "compulsory_insurance_expiry", "inspection_due")


def _describes_owner(p: RowParser) -> bool:
    """Whether a vehicles file carries its owner's columns (a combined sheet: the owners land too)."""
    return any(p.has(c) for c in _OWNER_FIELDS) or not p.has("customer_id")


class Vehicles(Kind):
    """A vehicles file (or a combined customer + vehicle sheet)."""

    name = "vehicles"
    label = "车辆"
    columns = COLUMNS
    extra_columns = customers.COLUMNS
    required = ("vin", "customer_id", "delivery_date")
    aliases = ALIASES
    stand_ins = customers.STAND_INS
    # A combined sheet may identify the owner by name / phone; the rows decide.
    header_may_lack = ("customer_id",)
    labels = LABELS
    tables = ("vehicle", "customer")
    detect_rank = 20
    digest_table = "vehicle"
    keyed_table = "vehicle"

    @classmethod
    def detects(cls, columns_of: ColumnsOf) -> bool:
        """A VIN and a delivery date."""
        columns = columns_of("vehicles")
        return "vin" in columns and "delivery_date" in columns

    def parse(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        """A vehicles row; its owner's values under `_customer` when the sheet describes the owner."""
        return p.plan("vehicle", lambda: self._parse_of(p))(row, report)

    def _parse_of(self, p: RowParser) -> customers.CustomerParse:
        """parse for the rows of one file: the columns it has and their readers, found once."""
        say = self.ctx.say
        vin_header = p.header_of("vin")
        read_vin = p.reader("vin", V.parse_vin, required=True)
        owner = customers.customer_parse(self, p) if _describes_owner(p) else None
        read_customer_id = p.reader("customer_id", V.parse_text, required=True)
        read_delivery = p.date_reader("delivery_date", required=True)
        read_plate = p.reader("plate", parse_plate) if p.has("plate") else None
        texts = [(column, p.reader(column, V.parse_text))
                 for column in ("model", "sales_consultant", "service_advisor", "store") if p.has(column)]
        read_km = p.reader("mileage_km", V.parse_km) if p.has("mileage_km") else None
        read_km_date = p.date_reader("mileage_date") if p.has("mileage_date") else None
        expiries = [(column, self._expiry_of(p, column)) for column in _EXPIRIES if p.has(column)]
        insert_only, digest = bulk.INSERT_ONLY, bulk.DIGEST

        def parse(row: Row, report: FileReport) -> dict[str, Any]:
            vin: V.Vin = read_vin(row)
            if vin.warning:
                say(report, row.line, vin_header, vin.warning, "warning", "vin_check_digit")
            out: dict[str, Any] = {"vin": vin.value}
            empty: dict[str, Any] = {}
            if owner is not None:
                values = owner(row, report)
                values[digest] = None  # not the customer's own line: its line is read again next time
                out["_customer"] = values
                out["customer_id"] = values["customer_id"]
            else:
                out["customer_id"] = read_customer_id(row)
            out["delivery_date"] = read_delivery(row)
            if read_plate is not None:
                put(out, empty, "plate", read_plate(row))
            put_read(out, empty, row, texts)
            if read_km is not None:
                put(out, empty, "mileage_km", read_km(row))
            if read_km_date is not None:
                put(out, empty, "mileage_date", read_km_date(row))
            for column, expiry in expiries:
                put(out, empty, column, expiry(row, report))
            if empty:
                out[insert_only] = empty
            return out

        return parse

    def _expiry_of(self, p: RowParser, column: str) -> Callable[[Row, FileReport], date | None]:
        """An expiry date; a bad one is only ignored (the car lands), a far one only warned about."""
        say, today, rules = self.ctx.say, self.options.today, self.rules
        read = p.date_reader(column)
        header = p.header_of(column)
        checked = column != "inspection_due"
        too_far: dict[date, bool] = {}  # expiry_too_far of each date met (the same today and rules)

        def expiry(row: Row, report: FileReport) -> date | None:
            day: date | None = None
            try:
                day = read(row)
            except RowError as exc:
                say(report, row.line, exc.column, f"{exc.reason}（仅忽略此字段，车辆照常导入）", "warning",
                    "date_ignored")
            if checked and day is not None:
                far = too_far.get(day)
                if far is None:
                    far = too_far[day] = expiry_too_far(day, today, rules)
                if far:
                    say(report, row.line, header, f"到期日期 {day} 在 {rules.insurance.max_years_ahead} 年以后，"
                        "可能录入有误（已保留）", "warning", "expiry_too_far")
            return day

        return expiry

    @staticmethod
    def natural_key(values: dict[str, Any]) -> str:
        """The VIN."""
        return str(values["vin"])

    def skips_lines(self, p: RowParser) -> bool:
        """A sheet that also describes the owner writes two tables: its lines are always read."""
        return not _describes_owner(p)

    def landed(self, conn: Any, p: RowParser, digests: list[int], near: Nearby | None = None) -> dict[int, str]:
        """The cars holding the digests, by VIN."""
        return vehicles_by_digest(conn, digests, near)

    def digest_low_bit(self, p: RowParser) -> int:
        """1 when the file has the service advisor column: a car its work order gives an advisor then
        tells from its stored digest whether its line's advisor cell was empty (the line keeps the
        work order's advisor when read again: bulk.fill_service_advisors)."""
        return 1 if p.has("service_advisor") else 0

    def land(self, conn: Any, batch: Batch, job: FileJob) -> None:
        """The owners first, then the cars whose owner exists; expiry history and readings with them."""
        owners = [values.pop("_customer") for _, values in batch if "_customer" in values]
        if owners:
            report = job.report
            if report.owners is None:
                report.owners = FileReport(path=report.path, kind="customers")
            report.owners.read += len(owners)
            customers.land_customers(self, conn, owners, report.owners)
        good = self._with_owners(conn, batch, job)
        if not good:
            return
        counts, ids = bulk.upsert_vehicles(conn, good, job.fresh or ())
        self.ctx.count(job.report, counts)
        note_expiry_changes(conn, good, counts.before, self.options.today)  # 续保 history
        changed = [r for r in good if r["vin"] in counts.changed]
        self.ctx.touched_vehicles.update(ids[r["vin"]] for r in changed)
        self.ctx.touched_customers.update(r["customer_pk"] for r in changed)
        # A car sold to a new owner: the previous owner's tasks and care rhythm change too.
        self.ctx.touched_customers.update(before["customer_pk"] for before in counts.before.values())
        new_readings = bulk.add_readings(
            conn,
            ((ids[r["vin"]], r["mileage_date"], r["mileage_km"]) for r in good
             if r.get("mileage_date") is not None and r.get("mileage_km") is not None),
        )
        self.ctx.touched_vehicles.update(new_readings)

    def _with_owners(self, conn: Any, batch: Batch, job: FileJob) -> list[dict[str, Any]]:
        """The batch's cars with their owner's key; a car whose owner does not exist is rejected."""
        customer_ids = bulk.lookup_ids(conn, bulk.CUSTOMERS, "customer_id", (v["customer_id"] for _, v in batch))
        good: list[dict[str, Any]] = []
        for row, values in batch:
            pk = customer_ids.get(values["customer_id"])
            if pk is None:
                self.ctx.reject(job, row, job.parser.header_of("customer_id"),
                                not_found("客户", values["customer_id"], "客户"))
                continue
            del values["customer_id"]  # the row's own dict, landed once: changed in place
            values["customer_pk"] = pk
            good.append(values)
        return good
