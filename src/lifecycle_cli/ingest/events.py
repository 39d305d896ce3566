"""The events file of an import (columns vin, event_date, kind, note; 车架号, 日期, 类型, 说明):
parse a row, and land a batch as events with their follow-up tasks (store/events.py)."""

from __future__ import annotations

from typing import Any

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.events import accepted_kinds_text, find_event_kind
from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.pipeline import FileReport, Importer, OpenFile, RowError, RowParser
from lifecycle_cli.ingest.readers import Row
from lifecycle_cli.store import bulk
from lifecycle_cli.store.events import EventRefused, NewEvent, add_events


def parse_event(importer: Importer, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
    """One events row as canonical values; an unknown kind names the kinds accepted."""
    out: dict[str, Any] = {"vin": importer._vin(p, row, report, warn=False)}  # the car's own file warns
    out["event_date"] = p.date(row, "event_date", required=True)
    text = p.value(row, "kind", V.parse_text, required=True)
    kind = find_event_kind(str(text), importer.rules)
    if kind is None:
        raise RowError(p.header_of("kind"), f'不认识的事件类型 "{text}"（可用：{accepted_kinds_text(importer.rules)}）')
    out["kind"] = kind.code
    out["note"] = (p.value(row, "note", V.parse_text) or "") if p.has("note") else ""
    return out


def land_events(importer: Importer, conn: Any, batch: list[tuple[Row, dict[str, Any]]], item: OpenFile,
                parser: RowParser, rejects: list[tuple[Row, str]]) -> None:
    """Record a batch of events (a new one gets its follow-up task); unknown cars are rejected."""
    vehicle_ids = bulk.lookup_ids(conn, bulk.VEHICLES, "vin", (v["vin"] for _, v in batch))
    kinds = importer.rules.events.kinds
    items: list[NewEvent] = []
    rows: list[Row] = []
    for row, values in batch:
        pk = vehicle_ids.get(values["vin"])
        if pk is None:
            importer._reject(item, row, parser.header_of("vin"),
                             f'车架号 "{values["vin"]}" 不存在（数据库和本次导入的车辆文件中都没有）', rejects)
            continue
        items.append(NewEvent(vehicle_pk=pk, kind=kinds[values["kind"]], event_date=values["event_date"],
                              note=values["note"], source="import"))
        rows.append(row)
    results = add_events(conn, importer.rules, HolidayCalendar(), items)
    for row, result in zip(rows, results, strict=True):
        if isinstance(result, EventRefused):
            importer._reject(item, row, parser.header_of("event_date"), str(result), rejects)
            continue
        if result.created:
            item.report.inserted += 1
        else:
            item.report.unchanged += 1
        for warning in result.warnings:
            importer._say(item.report, row.line, None, warning, "warning", "event")
