"""Visits (work order) files: one row per visit of a car, keyed by 工单号, else by car, date and km.
A car is named by VIN, or by a plate that only one car has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import FileJob, ImportContext
from lifecycle_cli.ingest.kind import Batch, ColumnsOf, Kind, not_found
from lifecycle_cli.ingest.kinds import vehicles
from lifecycle_cli.ingest.parsing import RowError, RowParser, parse_plate, put, put_read
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row
from lifecycle_cli.store import bulk
from lifecycle_cli.store.digests import Nearby, visits_by_digest

ALIASES: dict[str, tuple[str, ...]] = {
    **{c: vehicles.ALIASES[c] for c in ("vin", "mileage_km", "plate")},
    "visit_date": ("进厂日期", "进店日期", "入厂时间", "入库日期", "维修日期", "开工单时间", "进厂时间", "进店时间"),
    "kind": ("维修类型", "业务类型", "工单类型"),
    "amount": ("金额", "维修金额", "结算金额", "工单金额"),
    "advisor": ("服务顾问", "专属顾问", "维修顾问", "接待顾问", "接待", "接待人", "service_advisor"),
    "ro_number": ("工单号", "维修单号", "委托书号", "工单编号", "委托书编号"),
}
# Visit dates that mean "left the workshop": used only when no arrival date is present.
LATE_ALIASES = {"visit_date": ("结算日期", "出厂时间", "结算时间", "出厂日期")}
STAND_INS = {"vin": ("plate",)}
LABELS = {"visit_date": "进厂日期"}
_OPTIONAL = (("amount", V.parse_amount), ("advisor", V.parse_text), ("ro_number", V.parse_text))


class Visits(Kind):
    """A work-order file."""

    name = "visits"
    label = "进厂记录"
    columns = ("vin", "visit_date", "mileage_km", "kind", "amount", "advisor", "ro_number", "plate")
    required = ("vin", "visit_date", "mileage_km")
    aliases = ALIASES
    late_aliases = LATE_ALIASES
    # A work order may name its car by plate (when the plate is unique).
    stand_ins = STAND_INS
    labels = LABELS
    tables = ("visit",)
    detect_rank = 10
    digest_table = "visit"
    keyed_table = "visit"

    @classmethod
    def detects(cls, columns_of: ColumnsOf) -> bool:
        """A visit date with a car and its km, or with a work-order number."""
        columns = columns_of("visits")
        car = "vin" in columns or "plate" in columns
        return "visit_date" in columns and ((car and "mileage_km" in columns) or "ro_number" in columns)

    def __init__(self, ctx: ImportContext) -> None:
        super().__init__(ctx)
        # Cars this import gave a service advisor from a work order -> that work order's date.
        self.advisors_given: dict[int, date] = {}
        # The kind of visit each distinct 维修类型 text names (the rules' [visit_kinds]).
        self._kinds_seen: dict[str, str] = {}
        # The same by the cell's text as the file holds it (before tidying).
        self._kinds_of_cells: dict[str, str] = {}

    def begin(self, job: FileJob) -> None:
        """A file without a kind-of-visit column: say what its new visits become."""
        if not job.parser.has("kind") and not self.options.visit_kind:
            self.ctx.say(job.report, job.table.header_line, None,
                         "文件没有维修类型列，新的进厂记录按 other 导入，已有记录的类型保持不变"
                         "（可用 --visit-kind maintenance 指定）", "warning", "visit_kind_missing")

    def parse(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        """A work-order row."""
        return p.plan("visit", lambda: self._parse_of(p))(row, report)

    def _parse_of(self, p: RowParser) -> Callable[[Row, FileReport], dict[str, Any]]:
        """parse for the rows of one file: the columns it has and their readers, found once."""
        # A work order names its car: its VIN's check digit is not checked here (the car's file says it).
        # In a file with both columns a row without a VIN names its car by the plate (unique, as ever).
        by_plate_too = p.has("vin") and p.has("plate")
        read_vin = p.reader("vin", V.tidy_vin, required=not by_plate_too) if p.has("vin") else None
        read_plate = p.reader("plate", parse_plate, required=not by_plate_too)
        vin_header = p.header_of("vin")
        read_date = p.date_reader("visit_date", required=True)
        read_km = p.reader("mileage_km", V.parse_km, required=True)
        read_kind = p.reader("kind", self._kind_of_text) if p.has("kind") else None
        given_kind = self.options.visit_kind
        optional = [(column, p.reader(column, parse)) for column, parse in _OPTIONAL if p.has(column)]
        insert_only = bulk.INSERT_ONLY

        def parse(row: Row, report: FileReport) -> dict[str, Any]:
            vin = read_vin(row) if read_vin is not None else None
            if vin is not None:
                out: dict[str, Any] = {"vin": vin}
            else:
                plate = read_plate(row)
                if plate is None:
                    raise RowError(vin_header, "必填项为空（车牌号也为空，无法确定是哪辆车）")
                out = {"plate": plate}
            empty: dict[str, Any] = {}
            out["visit_date"] = read_date(row)
            out["mileage_km"] = read_km(row)
            if read_kind is not None:
                put(out, empty, "kind", read_kind(row), "other")
            elif given_kind:
                out["kind"] = given_kind  # said by the user for the whole file
            else:
                empty["kind"] = "other"  # made up: a new visit gets it, a stored one keeps its kind
            put_read(out, empty, row, optional)
            if empty:
                out[insert_only] = empty
            return out

        return parse

    def _kind_of_text(self, value: object) -> str | None:
        """The kind of visit a 维修类型 cell names; None for a blank cell. The answer for each cell text
        met is remembered (a work-order file has a handful of distinct kinds in a million rows)."""
        if type(value) is str:
            known = self._kinds_of_cells.get(value)
            if known is not None:
                return known
        text = V.parse_text(value)
        kind = None if text is None else V.parse_visit_kind(text, self.rules.visit_kinds.order, self._kinds_seen)
        if type(value) is str and kind is not None and len(self._kinds_of_cells) < 10_000:
            self._kinds_of_cells[value] = kind
        return kind

    @staticmethod
    def natural_key(values: dict[str, Any]) -> str:
        """The work-order number, else the car, the date and the km."""
        car = values.get("vin") or values.get("plate")
        key: str = values.get("ro_number") or f"{car}|{values['visit_date']}|{values['mileage_km']}"
        return key

    def landed(self, conn: Any, p: RowParser, digests: list[int], near: Nearby | None = None) -> dict[int, str]:
        """The visits holding the digests, by their natural key (the car as this file names it)."""
        return visits_by_digest(conn, digests, by_vin=p.has("vin"), near=near)

    def land(self, conn: Any, batch: Batch, job: FileJob) -> None:
        """Visits of known cars; a work order's advisor becomes its car's when the car has none."""
        good = self._with_cars(conn, batch, job)
        if not good:
            return
        counts = bulk.upsert_visits(conn, good, job.fresh or ())
        self.ctx.count(job.report, counts)
        self.ctx.touched_vehicles.update(counts.changed)
        latest: dict[int, tuple[date, str]] = {}
        for record in good:
            advisor = record.get("advisor")
            if advisor:
                pk, day = record["vehicle_pk"], record["visit_date"]
                seen = latest.get(pk)
                if seen is None or day >= seen[0]:
                    latest[pk] = (day, advisor)
        given = bulk.fill_service_advisors(conn, latest, self.advisors_given)
        job.report.advisors_set += len(given)
        self.ctx.touched_vehicles.update(given)

    def _with_cars(self, conn: Any, batch: Batch, job: FileJob) -> list[dict[str, Any]]:
        """The batch's visits with their car's key; an unknown car (or an ambiguous plate) is rejected."""
        vehicle_ids = bulk.lookup_ids(conn, bulk.VEHICLES, "vin", (v["vin"] for _, v in batch if "vin" in v))
        plates = bulk.plate_ids(conn, (v["plate"] for _, v in batch if "vin" not in v))
        good: list[dict[str, Any]] = []
        for row, values in batch:
            if "vin" in values:
                pk = vehicle_ids.get(values["vin"])
                if pk is None:
                    self.ctx.reject(job, row, job.parser.header_of("vin"),
                                    not_found("车架号", values["vin"], "车辆"))
                    continue
            else:
                found = plates.get(values["plate"], [])
                if len(found) != 1:
                    reason = "不存在" if not found else f"对应 {len(found)} 辆车，无法确定是哪一辆（请提供车架号）"
                    self.ctx.reject(job, row, job.parser.header_of("plate"), f'车牌号 "{values["plate"]}" {reason}')
                    continue
                pk = found[0]
            values.pop("vin", None)  # the row's own dict, landed once: changed in place
            values.pop("plate", None)
            values["vehicle_pk"] = pk
            good.append(values)
        return good
