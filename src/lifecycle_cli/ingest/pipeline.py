"""The import pipeline: read -> map headers -> parse values -> validate -> upsert, one transaction.

Customers land first, then vehicles, then visits, whatever the order of the files, so a
vehicle may name a customer from another file of the same import. Bad rows are reported as
`FILE:LINE: COLUMN: reason` and kept for a rejects file; good rows land.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.insurance import expiry_too_far
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.errors import RefusedInput
from lifecycle_cli.files import check_directory, write_atomically
from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.headers import (
    KINDS,
    REQUIRED_COLUMNS,
    HeaderMap,
    detect_kind,
    map_headers,
    missing_required,
)
from lifecycle_cli.ingest.messages import WARNINGS_FILE, KindCount, Message, MessageLog
from lifecycle_cli.ingest.readers import MAX_UNPACKED_BYTES, FileRefused, Row, Table, open_table
from lifecycle_cli.steps import Steps
from lifecycle_cli.store import bulk
from lifecycle_cli.store.bulkload import BYTES_PER_ROW, indexes_deferred
from lifecycle_cli.store.db import begin_now, serialize_writers
from lifecycle_cli.store.insurance import note_expiry_changes
from lifecycle_cli.store.state import customers_of_vehicles, refresh_customers, refresh_vehicles
from lifecycle_cli.store.tasks import resync_customers

BATCH_ROWS = 5000
KIND_LABELS = {"customers": "客户", "vehicles": "车辆", "visits": "进厂记录", "events": "事件"}
COLUMN_LABELS = {
    "customer_id": "客户编号",
    "vin": "车架号",
    "delivery_date": "交车日期",
    "visit_date": "进厂日期",
    "mileage_km": "里程",
    "phone": "手机",
    "name": "姓名",
}


class ImportRefused(RefusedInput):
    """The whole import cannot run (a file that breaks after its rows began to land); str(exc) says why
    and that nothing was changed."""


@dataclass
class FileReport:
    """What one file of an import did."""

    path: Path
    kind: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    # Existing rows that kept a stored value the file left empty (or did not carry: a visit's kind).
    kept: int = 0
    refused: str | None = None
    rejects_file: Path | None = None
    # The name its rejects file gets (two inputs of one name get customers / customers-2).
    rejects_name: str = ""
    # A combined customer + vehicle sheet: what its owners did to the customers.
    owners: FileReport | None = None
    # A work-order file: cars without a service advisor that got the one of their latest visit.
    advisors_set: int = 0

    @property
    def shown(self) -> str:
        """The file as the user named it."""
        return str(self.path)


@dataclass
class ImportReport:
    """What a whole import did: per file, the messages, and where the data went."""

    files: list[FileReport] = field(default_factory=list)
    # The messages shown: at most SHOWN_PER_KIND of each kind (`hidden` counts the rest).
    messages: list[Message] = field(default_factory=list)
    dry_run: bool = False
    # The kinds of message that had more than were kept, with their counts.
    hidden: list[KindCount] = field(default_factory=list)
    rejects_dir: Path | None = None
    # DIR/warnings.csv with every warning (with --rejects DIR, when there were warnings).
    warnings_file: Path | None = None



@dataclass
class ImportOptions:
    """How to read the files of one import."""

    kind: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    date_format: str | None = None
    visit_kind: str | None = None
    rejects_dir: Path | None = None
    dry_run: bool = False
    # The store's today (the CLI's clock): stored tasks from here to the sync watermark are brought
    # in step, and an insurance expiry that moved is dated today.
    today: date = field(kw_only=True)
    # An xlsx whose parts unpack to more than this is refused before it is opened (zip bombs).
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES


class RowError(Exception):
    """A row that cannot land: the column (as headed in the file) and the reason."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


@dataclass
class OpenFile:
    """A file whose header has been read and mapped, waiting for its turn."""

    report: FileReport
    table: Table
    header_map: HeaderMap


Parser = Callable[[object], Any]


class RowParser:
    """Turns one raw row of a mapped file into canonical values, collecting warnings."""

    def __init__(self, table: Table, header_map: HeaderMap, options: ImportOptions) -> None:
        self.table = table
        self.map = header_map
        self.options = options

    def header_of(self, column: str) -> str:
        """The header text the file uses for a canonical column."""
        index = self.map.columns.get(column)
        if index is None or index >= len(self.table.header):
            return COLUMN_LABELS.get(column, column)
        return self.table.header[index]

    def cell(self, row: Row, column: str) -> object:
        """The raw cell of a canonical column (None when the file has no such column)."""
        index = self.map.columns.get(column)
        if index is None or index >= len(row.cells):
            return None
        return row.cells[index]

    def has(self, column: str) -> bool:
        """Whether the file carries this column."""
        return column in self.map.columns

    def value(self, row: Row, column: str, parse: Parser, *, required: bool = False) -> Any:
        """Parse one cell; a bad or missing required value raises RowError naming the column."""
        index = self.map.columns.get(column)
        try:
            result = parse(row.cells[index] if index is not None and index < len(row.cells) else None)
        except V.BadValue as exc:
            raise RowError(self.header_of(column), str(exc)) from None
        if required and result is None:
            raise RowError(self.header_of(column), "必填项为空")
        return result

    def date(self, row: Row, column: str, *, required: bool = False) -> date | None:
        """Parse a date cell with the import's --date-format, if any."""
        fmt = self.options.date_format
        parse = V.parse_date if fmt is None else functools.partial(V.parse_date, date_format=fmt)
        value: date | None = self.value(row, column, parse, required=required)
        return value


_text = V.parse_text


def _put(out: dict[str, Any], empty: dict[str, Any], column: str, value: Any, default: Any = None) -> None:
    """A parsed cell: a value the file holds goes to the row; an empty one only to its insert-only
    defaults (it never overwrites what is stored)."""
    if value is None:
        empty[column] = default
    else:
        out[column] = value


def _plate(value: object) -> str | None:
    text = V.parse_text(value)
    return text.replace(" ", "").replace("·", "").upper() if text else None


class Importer:
    """Runs one import: all files, in customers -> vehicles -> visits order, in one transaction."""

    def __init__(self, engine: Engine, rules: Rules, options: ImportOptions) -> None:
        self.engine = engine
        self.rules = rules
        self.options = options
        self.report = ImportReport(dry_run=options.dry_run, rejects_dir=options.rejects_dir)
        self.log = MessageLog(shown=self.report.messages)
        # Cars this import gave a service advisor from a work order -> that work order's date.
        self.advisors_given: dict[int, date] = {}
        self.touched_vehicles: set[int] = set()
        self.touched_customers: set[int] = set()
        self.progress: Callable[[Path, int], None] | None = None
        self.steps: Steps | None = None  # the steps after the files are read (state, indexes)

    # -- diagnostics ----------------------------------------------------------------------

    def _say(self, report: FileReport, line: int | None, column: str | None, text: str, level: str,
             code: str = "") -> None:
        """A message about a file; `code` its kind (at most SHOWN_PER_KIND of a kind are kept)."""
        self.log.add(Message(report.shown, line, column, text, level, code), self.options.rejects_dir)
        if level == "warning":
            report.warnings += 1

    # -- opening --------------------------------------------------------------------------

    def _open(self, path: Path) -> OpenFile | None:
        report = FileReport(path=path)
        self.report.files.append(report)
        try:
            table = open_table(path, encoding=self.options.encoding, sheet=self.options.sheet,
                               kind=self.options.kind, max_unpacked_bytes=self.options.max_unpacked_bytes)
        except FileRefused as exc:
            report.refused = str(exc)
            self._say(report, None, None, f"整个文件未导入：{exc}", "error", "file_refused")
            return None
        kind = self.options.kind or detect_kind(table.header)
        if kind is None:
            table.close()
            need = "；".join(
                f"{KIND_LABELS[k]}文件需要 " + "、".join(COLUMN_LABELS.get(c, c) for c in REQUIRED_COLUMNS[k])
                for k in KINDS
            )
            report.refused = "无法从表头判断文件类型"
            self._say(report, table.header_line, None,
                      f"整个文件未导入：无法从表头判断是客户、车辆、进厂记录还是事件文件（{need}；可用 --kind 指定）",
                      "error", "file_refused")
            return None
        report.kind = kind
        header_map = map_headers(table.header, kind)
        missing = missing_required(header_map)
        if missing:
            table.close()
            names = "、".join(f"{COLUMN_LABELS.get(c, c)} ({c})" for c in missing)
            report.refused = f"缺少必需的列：{names}"
            self._say(report, table.header_line, None, f"整个文件未导入：缺少必需的列 {names}", "error",
                      "file_refused")
            return None
        for header in header_map.unknown:
            self._say(report, table.header_line, header, "未识别的列，已忽略", "warning", "unknown_column")
        for canonical in header_map.duplicates:
            self._say(report, table.header_line, canonical, "有多个列对应同一字段，使用第一个", "warning",
                      "duplicate_column")
        return OpenFile(report, table, header_map)

    # -- running --------------------------------------------------------------------------

    def run(self, paths: list[Path]) -> ImportReport:
        """Import the files; the database changes only if the whole run completes (and not on --dry-run)."""
        if self.options.rejects_dir is not None:
            check_directory(self.options.rejects_dir)  # OutputRefused before anything is read
        opened = [f for f in (self._open(p) for p in paths) if f is not None]
        name_rejects_files(self.report.files)
        order = {k: i for i, k in enumerate(KINDS)}
        opened.sort(key=lambda f: order[f.report.kind or "visits"])
        try:
            with self.engine.connect() as conn:
                trans = conn.begin()
                try:
                    begin_now(conn, write=True)  # SQLite: the writer from the first statement on
                    serialize_writers(conn)  # PostgreSQL: imports and task syncs take turns
                    # a big load: indexes built once
                    with indexes_deferred(conn, incoming_rows(opened), self.steps):
                        for item in opened:
                            try:
                                self._import_file(conn, item)
                            except FileRefused as exc:  # broke after its first rows: nothing lands
                                raise ImportRefused(f"{item.report.path}: 整个文件未导入，本次导入未做任何修改：{exc}") from None
                        refresh_vehicles(conn, self.touched_vehicles, self.rules, self.steps)
                        self.touched_customers |= customers_of_vehicles(conn, self.touched_vehicles)
                        refresh_customers(conn, self.touched_customers, self.rules, self.steps)
                    if self.options.today is not None:
                        resync_customers(conn, self.rules, self.touched_customers, self.options.today,
                                         HolidayCalendar(), self.steps)
                except BaseException:
                    trans.rollback()
                    raise
                if self.options.dry_run:
                    trans.rollback()
                else:
                    trans.commit()
            if self.options.rejects_dir is not None:
                self.report.warnings_file = self.log.save_warnings(self.options.rejects_dir / WARNINGS_FILE)
        finally:
            for item in opened:
                item.table.close()
            self.log.close()
        self.report.hidden = self.log.hidden()
        return self.report

    def _import_file(self, conn: Any, item: OpenFile) -> None:
        parser = RowParser(item.table, item.header_map, self.options)
        kind = item.report.kind
        handler = {"customers": self._customers, "vehicles": self._vehicles, "visits": self._visits,
                   "events": self._events}[kind or ""]
        rejects: list[tuple[Row, str]] = []
        seen: dict[str, int] = {}
        batch: list[tuple[Row, dict[str, Any]]] = []
        if kind == "visits" and not parser.has("kind") and not self.options.visit_kind:
            self._say(item.report, item.table.header_line, None,
                      "文件没有维修类型列，新的进厂记录按 other 导入，已有记录的类型保持不变"
                      "（可用 --visit-kind maintenance 指定）", "warning", "visit_kind_missing")
        for row in item.table.rows:
            item.report.read += 1
            if self.progress is not None and item.report.read % 10000 == 0:
                self.progress(item.report.path, item.report.read)
            if row.extra:
                self._say(item.report, row.line, None,
                          f"本行有 {row.extra} 个多余字段（表头只有 {len(item.table.header)} 列），已忽略", "warning")
            try:
                values = self._parse(kind or "", parser, row, item.report)
            except RowError as exc:
                item.report.rejected += 1
                self._say(item.report, row.line, exc.column, exc.reason, "error")
                rejects.append((row, f"{exc.column}: {exc.reason}"))
                continue
            key = natural_key(kind or "", values)
            if key in seen:
                self._say(item.report, row.line, None,
                          f"与第 {seen[key]} 行重复（{key}），以后出现的这一行为准", "warning", "duplicate_row")
            seen[key] = row.line
            batch.append((row, values))
            if len(batch) >= BATCH_ROWS:
                handler(conn, batch, item, parser, rejects)
                batch = []
        if batch:
            handler(conn, batch, item, parser, rejects)
        if rejects and self.options.rejects_dir is not None:
            item.report.rejects_file = write_rejects(self.options.rejects_dir, item, rejects)

    # -- parsing one row ------------------------------------------------------------------

    def _parse(self, kind: str, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        if kind == "customers":
            return self._parse_customer(p, row, report)
        if kind == "vehicles":
            return self._parse_vehicle(p, row, report)
        if kind == "events":
            from lifecycle_cli.ingest.events import parse_event

            return parse_event(self, p, row, report)
        return self._parse_visit(p, row, report)

    def _parse_customer(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        out: dict[str, Any] = {}
        empty: dict[str, Any] = {}  # columns the file has but this row leaves empty: insert-only
        phone: V.Phone | None = p.value(row, "phone", V.parse_phone) if p.has("phone") else None
        if p.has("customer_id"):
            out["customer_id"] = p.value(row, "customer_id", _text, required=True)
        elif phone is not None and phone.valid:
            out["customer_id"] = f"TEL{phone.value}"
        else:
            raise RowError(p.header_of("phone"), "文件没有客户编号列，需要有效的手机号来识别客户")
        if phone is not None:
            out["phone"] = phone.value
            out["phone_valid"] = phone.valid
            if not phone.valid:
                self._say(report, row.line, p.header_of("phone"), f'号码无效，已保留并标记 "{phone.value}"',
                          "warning", "phone_invalid")
        elif p.has("phone"):
            empty["phone"] = None
            empty["phone_valid"] = True
        for column in ("name", "id_number", "gender", "referred_by", "store"):
            if p.has(column):
                _put(out, empty, column, p.value(row, column, _text))
        if p.has("birthday"):
            _put(out, empty, "birthday", p.date(row, "birthday"))
        if p.has("do_not_contact"):
            # An empty cell says nothing: it must not clear a do-not-contact flag.
            _put(out, empty, "do_not_contact", p.value(row, "do_not_contact", V.parse_bool), False)
        if empty:
            out[bulk.INSERT_ONLY] = empty
        return out

    def _parse_vehicle(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        vin = self._vin(p, row, report, warn=True)
        out: dict[str, Any] = {"vin": vin}
        empty: dict[str, Any] = {}
        customer_fields = {c for c in ("name", "phone", "birthday", "do_not_contact") if p.has(c)}
        if customer_fields or not p.has("customer_id"):
            owner = self._parse_customer(p, row, report)
            out["_customer"] = owner
            out["customer_id"] = owner["customer_id"]
        else:
            out["customer_id"] = p.value(row, "customer_id", _text, required=True)
        out["delivery_date"] = p.date(row, "delivery_date", required=True)
        if p.has("plate"):
            _put(out, empty, "plate", p.value(row, "plate", _plate))
        for column in ("model", "sales_consultant", "service_advisor", "store"):
            if p.has(column):
                _put(out, empty, column, p.value(row, column, _text))
        if p.has("mileage_km"):
            _put(out, empty, "mileage_km", p.value(row, "mileage_km", V.parse_km))
        if p.has("mileage_date"):
            _put(out, empty, "mileage_date", p.date(row, "mileage_date"))
        for column in ("commercial_insurance_expiry", "compulsory_insurance_expiry", "inspection_due"):
            if p.has(column):
                day: date | None = None
                try:
                    day = p.date(row, column)
                except RowError as exc:
                    self._say(report, row.line, exc.column, f"{exc.reason}（仅忽略此字段，车辆照常导入）", "warning",
                              "date_ignored")
                _put(out, empty, column, day)
                if column != "inspection_due" and expiry_too_far(day, self.options.today, self.rules):
                    self._say(report, row.line, p.header_of(column),
                              f"到期日期 {day} 在 {self.rules.insurance.max_years_ahead} 年以后，"
                              "可能录入有误（已保留）", "warning", "expiry_too_far")
        if empty:
            out[bulk.INSERT_ONLY] = empty
        return out

    def _parse_visit(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        if p.has("vin"):
            out: dict[str, Any] = {"vin": self._vin(p, row, report, warn=False)}
        else:
            out = {"plate": p.value(row, "plate", _plate, required=True)}
        empty: dict[str, Any] = {}
        out["visit_date"] = p.date(row, "visit_date", required=True)
        out["mileage_km"] = p.value(row, "mileage_km", V.parse_km, required=True)
        if p.has("kind"):
            text = p.value(row, "kind", _text)
            _put(out, empty, "kind", None if text is None else V.parse_visit_kind(text), "other")
        elif self.options.visit_kind:
            out["kind"] = self.options.visit_kind  # said by the user for the whole file
        else:
            empty["kind"] = "other"  # made up: a new visit gets it, a stored one keeps its kind
        for column, parse in (("amount", V.parse_amount), ("advisor", _text), ("ro_number", _text)):
            if p.has(column):
                _put(out, empty, column, p.value(row, column, parse))
        if empty:
            out[bulk.INSERT_ONLY] = empty
        return out

    def _vin(self, p: RowParser, row: Row, report: FileReport, *, warn: bool) -> str:
        """The row's VIN; its check-digit warning only where the car is described (`warn`): a
        work order or event naming a car says nothing new about its VIN (an unknown one is rejected)."""
        vin: V.Vin = p.value(row, "vin", V.parse_vin, required=True)
        if warn and vin.warning:
            self._say(report, row.line, p.header_of("vin"), vin.warning, "warning", "vin_check_digit")
        return vin.value

    # -- landing a batch ------------------------------------------------------------------

    def _reject(self, item: OpenFile, row: Row, column: str, reason: str, rejects: list[tuple[Row, str]]) -> None:
        item.report.rejected += 1
        self._say(item.report, row.line, column, reason, "error")
        rejects.append((row, f"{column}: {reason}"))

    def _count(self, report: FileReport, counts: bulk.UpsertCounts) -> None:
        report.inserted += counts.inserted
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        report.kept += counts.kept

    def _customers(self, conn: Any, batch: list[tuple[Row, dict[str, Any]]], item: OpenFile,
                   parser: RowParser, rejects: list[tuple[Row, str]]) -> None:
        counts, ids = bulk.upsert_customers(conn, [values for _, values in batch])
        self._count(item.report, counts)
        self.touched_customers.update(ids[key] for key in counts.changed)

    def _vehicles(self, conn: Any, batch: list[tuple[Row, dict[str, Any]]], item: OpenFile,
                  parser: RowParser, rejects: list[tuple[Row, str]]) -> None:
        owners = [values.pop("_customer") for _, values in batch if "_customer" in values]
        if owners:
            owner_counts, owner_ids = bulk.upsert_customers(conn, owners)
            if item.report.owners is None:
                item.report.owners = FileReport(path=item.report.path, kind="customers")
            item.report.owners.read += len(owners)
            self._count(item.report.owners, owner_counts)
            self.touched_customers.update(owner_ids[key] for key in owner_counts.changed)
        customer_ids = bulk.lookup_ids(conn, bulk.CUSTOMERS, "customer_id", (v["customer_id"] for _, v in batch))
        good: list[dict[str, Any]] = []
        for row, values in batch:
            pk = customer_ids.get(values["customer_id"])
            if pk is None:
                self._reject(item, row, parser.header_of("customer_id"),
                             f'客户 "{values["customer_id"]}" 不存在（数据库和本次导入的客户文件中都没有）', rejects)
                continue
            record = {k: v for k, v in values.items() if k != "customer_id"}
            record["customer_pk"] = pk
            good.append(record)
        if not good:
            return
        counts, ids = bulk.upsert_vehicles(conn, good)
        self._count(item.report, counts)
        note_expiry_changes(conn, good, counts.before, self.options.today)  # 续保 history
        changed = [r for r in good if r["vin"] in counts.changed]
        self.touched_vehicles.update(ids[r["vin"]] for r in changed)
        self.touched_customers.update(r["customer_pk"] for r in changed)
        # A car sold to a new owner: the previous owner's tasks and care rhythm change too.
        self.touched_customers.update(before["customer_pk"] for before in counts.before.values())
        new_readings = bulk.add_readings(
            conn,
            ((ids[r["vin"]], r["mileage_date"], r["mileage_km"]) for r in good
             if r.get("mileage_date") is not None and r.get("mileage_km") is not None),
        )
        self.touched_vehicles.update(new_readings)

    def _visits(self, conn: Any, batch: list[tuple[Row, dict[str, Any]]], item: OpenFile,
                parser: RowParser, rejects: list[tuple[Row, str]]) -> None:
        vehicle_ids = bulk.lookup_ids(conn, bulk.VEHICLES, "vin", (v["vin"] for _, v in batch if "vin" in v))
        plates = bulk.plate_ids(conn, (v["plate"] for _, v in batch if "vin" not in v))
        good: list[dict[str, Any]] = []
        for row, values in batch:
            if "vin" in values:
                pk = vehicle_ids.get(values["vin"])
                if pk is None:
                    self._reject(item, row, parser.header_of("vin"),
                                 f'车架号 "{values["vin"]}" 不存在（数据库和本次导入的车辆文件中都没有）', rejects)
                    continue
            else:
                found = plates.get(values["plate"], [])
                if len(found) != 1:
                    reason = "不存在" if not found else f"对应 {len(found)} 辆车，无法确定是哪一辆（请提供车架号）"
                    self._reject(item, row, parser.header_of("plate"), f'车牌号 "{values["plate"]}" {reason}', rejects)
                    continue
                pk = found[0]
            record = {k: v for k, v in values.items() if k not in ("vin", "plate")}
            record["vehicle_pk"] = pk
            good.append(record)
        if not good:
            return
        counts = bulk.upsert_visits(conn, good)
        self._count(item.report, counts)
        self.touched_vehicles.update(counts.changed)
        # A work order's advisor becomes the car's service advisor when the car has none.
        latest: dict[int, tuple[date, str]] = {}
        for record in good:
            advisor = record.get("advisor")
            if advisor:
                pk, day = record["vehicle_pk"], record["visit_date"]
                seen = latest.get(pk)
                if seen is None or day >= seen[0]:
                    latest[pk] = (day, advisor)
        given = bulk.fill_service_advisors(conn, latest, self.advisors_given)
        item.report.advisors_set += len(given)
        self.touched_vehicles.update(given)

    def _events(self, conn: Any, batch: list[tuple[Row, dict[str, Any]]], item: OpenFile,
                parser: RowParser, rejects: list[tuple[Row, str]]) -> None:
        from lifecycle_cli.ingest.events import land_events  # events and their follow-up tasks

        land_events(self, conn, batch, item, parser, rejects)


# The table each kind of file fills (vehicle files also bring their owners).
TABLES_OF_KIND = {"customers": ("customer",), "vehicles": ("vehicle", "customer"), "visits": ("visit",)}


def incoming_rows(opened: list[OpenFile]) -> dict[str, int]:
    """Table name -> a low estimate of the rows the files bring (from their sizes)."""
    out: dict[str, int] = {}
    for item in opened:
        rows = item.report.path.stat().st_size // BYTES_PER_ROW
        for table in TABLES_OF_KIND.get(item.report.kind or "", ()):
            out[table] = out.get(table, 0) + rows
    return out


def natural_key(kind: str, values: dict[str, Any]) -> str:
    """The key a row upserts on: customer_id; vin; ro_number, else (vin, visit_date, mileage_km)."""
    if kind == "customers":
        return str(values["customer_id"])
    if kind == "vehicles":
        return str(values["vin"])
    if kind == "events":
        return f"{values['vin']}|{values['event_date']}|{values['kind']}|{values['note']}"
    car = values.get("vin") or values.get("plate")
    return values.get("ro_number") or f"{car}|{values['visit_date']}|{values['mileage_km']}"


def name_rejects_files(files: list[FileReport]) -> None:
    """Give each input its own rejects file name, in the order given: two inputs named
    customers.csv (s07/, s08/) get customers.rejects.csv and customers-2.rejects.csv."""
    used: set[str] = set()
    for report in files:
        stem = name = report.path.stem
        number = 1
        while name.casefold() in used:  # case-insensitive file systems too
            number += 1
            name = f"{stem}-{number}"
        used.add(name.casefold())
        report.rejects_name = f"{name}.rejects.csv"


def write_rejects(directory: Path, item: OpenFile, rejects: list[tuple[Row, str]]) -> Path:
    """Write rejected rows with the original headers and a reason column, atomically; returns the file."""
    def write(fh: Any) -> None:
        writer = csv.writer(fh)
        writer.writerow([*item.table.header, "错误原因"])
        for row, reason in rejects:
            writer.writerow([*row.raw, reason])

    name = item.report.rejects_name or f"{item.report.path.stem}.rejects.csv"
    return write_atomically(directory / name, write, encoding="utf-8-sig")


def run_import(engine: Engine, rules: Rules, paths: list[Path], options: ImportOptions,
               progress: Callable[[Path, int], None] | None = None, steps: Steps | None = None) -> ImportReport:
    """Import files into the database as one transaction and report what happened."""
    importer = Importer(engine, rules, options)
    importer.progress = progress
    importer.steps = steps
    return importer.run(paths)
