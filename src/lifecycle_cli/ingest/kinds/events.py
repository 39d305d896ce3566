"""Events files (columns vin, event_date, kind, note; 车架号, 日期, 类型, 说明): random key moments of a
car (complaint / rescue / warranty_claim / breakdown), landed after the visits as events with their
follow-up tasks (store/events.py)."""

from __future__ import annotations

from typing import Any

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.events import accepted_kinds_text, find_event_kind
from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import FileJob
from lifecycle_cli.ingest.kind import Batch, ColumnsOf, Kind, not_found, row_vin
from lifecycle_cli.ingest.kinds import vehicles
from lifecycle_cli.ingest.parsing import RowError, RowParser
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row
from lifecycle_cli.store import bulk

# An events file's 类型 is the event kind, not a visit's 维修类型.
ALIASES: dict[str, tuple[str, ...]] = {
    "vin": vehicles.ALIASES["vin"],
    "event_date": ("日期", "事件日期", "发生日期", "date"),
    "kind": ("类型", "事件类型", "事件种类", "type"),
    "note": ("说明", "备注", "事件说明", "描述", "情况说明", "内容"),
}


class Events(Kind):
    """An events file."""

    name = "events"
    label = "事件"
    columns = ("vin", "event_date", "kind", "note")
    required = ("vin", "event_date", "kind")
    aliases = ALIASES
    detect_rank = 40

    @classmethod
    def detects(cls, columns_of: ColumnsOf) -> bool:
        """A VIN, a date and a kind."""
        columns = columns_of("events")
        return "vin" in columns and "event_date" in columns and "kind" in columns

    def parse(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        """One events row as canonical values; an unknown kind names the kinds accepted."""
        out: dict[str, Any] = {"vin": row_vin(self.ctx, p, row, report, warn=False)}  # the car's own file warns
        out["event_date"] = p.date(row, "event_date", required=True)
        text = p.value(row, "kind", V.parse_text, required=True)
        kind = find_event_kind(str(text), self.rules)
        if kind is None:
            raise RowError(p.header_of("kind"), f'不认识的事件类型 "{text}"（可用：{accepted_kinds_text(self.rules)}）')
        out["kind"] = kind.code
        out["note"] = (p.value(row, "note", V.parse_text) or "") if p.has("note") else ""
        return out

    @staticmethod
    def natural_key(values: dict[str, Any]) -> str:
        """The car, the date, the kind and the note."""
        return f"{values['vin']}|{values['event_date']}|{values['kind']}|{values['note']}"

    def land(self, conn: Any, batch: Batch, job: FileJob) -> None:
        """Record a batch of events (a new one gets its follow-up task); unknown cars are rejected."""
        # here, not at the top: store/events.py brings the report's modules, which no other kind needs
        from lifecycle_cli.store.events import EventRefused, NewEvent, add_events

        vehicle_ids = bulk.lookup_ids(conn, bulk.VEHICLES, "vin", (v["vin"] for _, v in batch))
        kinds = self.rules.events.kinds
        items: list[NewEvent] = []
        rows: list[Row] = []
        for row, values in batch:
            pk = vehicle_ids.get(values["vin"])
            if pk is None:
                self.ctx.reject(job, row, job.parser.header_of("vin"),
                                not_found("车架号", values["vin"], "车辆"))
                continue
            items.append(NewEvent(vehicle_pk=pk, kind=kinds[values["kind"]], event_date=values["event_date"],
                                  note=values["note"], source="import"))
            rows.append(row)
        results = add_events(conn, self.rules, HolidayCalendar(), items)
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, EventRefused):
                self.ctx.reject(job, row, job.parser.header_of("event_date"), str(result))
                continue
            if result.created:
                job.report.inserted += 1
            else:
                job.report.unchanged += 1
            for warning in result.warnings:
                self.ctx.say(job.report, row.line, None, warning, "warning", "event")
