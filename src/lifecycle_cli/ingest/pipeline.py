"""The import pipeline: read -> detect the kind -> parse -> land -> report, one transaction.

The kinds (registry.KINDS) land in their order whatever the order of the files — customers,
then vehicles, then visits, then events — so a vehicle may name a customer from another file of
the same import. Bad rows are reported as `FILE:LINE: COLUMN: reason` and kept for a rejects
file; good rows land. What a kind's rows are and how they land is the kind's (kinds/).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Engine

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.files import check_directory
from lifecycle_cli.ingest.context import FileJob, ImportContext
from lifecycle_cli.ingest.digests import LineDigests
from lifecycle_cli.ingest.headers import HeaderMap, detect_kind, map_headers, missing_required
from lifecycle_cli.ingest.key_lines import FileKeys, KeysInDict
from lifecycle_cli.ingest.kind import Batch, Kind, keep_row, parse_row
from lifecycle_cli.ingest.messages import WARNINGS_FILE, Message, MessageLog
from lifecycle_cli.ingest.parse_ahead import ParseAhead, ParsedBatch
from lifecycle_cli.ingest.parsing import RowError, RowParser
from lifecycle_cli.ingest.readers import FileRefused, Table, open_table
from lifecycle_cli.ingest.registry import COLUMN_LABELS, KIND_LABELS, KINDS
from lifecycle_cli.ingest.rejects import name_rejects_files, write_rejects
from lifecycle_cli.ingest.report import FileReport, ImportOptions, ImportRefused, ImportReport
from lifecycle_cli.ingest.table import Lines, Record, Row, UncutRow
from lifecycle_cli.spawned import pipelined
from lifecycle_cli.steps import Steps
from lifecycle_cli.store.bulkload import (
    BULK_TABLES,
    BYTES_PER_ROW,
    first_load,
    indexes_deferred,
    lookups_built_after,
    sorting_on_disk,
    tables_of,
)
from lifecycle_cli.store.db import begin_now, serialize_writers
from lifecycle_cli.store.digests import Nearby, digest_index
from lifecycle_cli.store.kept_lines import kept_digests
from lifecycle_cli.store.tables import CUSTOMERS, VEHICLES

# Re-exported: the CLI and the tests name them from here.
__all__ = ["KIND_LABELS", "FileReport", "ImportOptions", "ImportRefused", "ImportReport", "Message",
           "incoming_rows", "run_import"]

BATCH_ROWS = 5000
BULK_TABLES_BY_NAME = {table.name: table for table in BULK_TABLES}
PROGRESS_ROWS = 10000


class AfterLanding(Protocol):
    """What follows the rows in the same transaction, supplied by the caller (service/importing.py):
    the pipeline lands rows and says which cars and customers it touched; it does not know what
    depends on them."""

    def refresh(self, conn: Any, vehicles: set[int], customers: set[int], steps: Steps | None,
                bulk: Collection[str] = ()) -> set[int]:
        """Bring what is derived from the touched rows in step (indexes still deferred: `bulk` names the
        tables whose read-side indexes this import dropped); returns every customer whose tasks may have
        changed."""

    def resync(self, conn: Any, customers: set[int], steps: Steps | None) -> None:
        """Bring those customers' stored tasks in step (indexes built)."""


@dataclass
class OpenFile:
    """A file whose header has been read and mapped, waiting for its turn."""

    report: FileReport
    table: Table
    header_map: HeaderMap


def _kinds_in_words() -> str:
    """'客户、车辆、进厂记录还是事件': the kinds a header may be, for the refusal that none fits."""
    labels = list(KIND_LABELS.values())
    return "、".join(labels[:-1]) + "还是" + labels[-1]


class Importer:
    """Runs one import: all files, kind after kind in the registry's order, in one transaction."""

    def __init__(self, engine: Engine, rules: Rules, options: ImportOptions, after: AfterLanding) -> None:
        self.engine = engine
        self.rules = rules
        self.options = options
        self.after = after
        self.report = ImportReport(dry_run=options.dry_run, rejects_dir=options.rejects_dir)
        self.log = MessageLog(shown=self.report.messages)
        self.ctx = ImportContext(rules, options, self.log)
        self.kinds: dict[str, Kind] = {name: kind(self.ctx) for name, kind in KINDS.items()}
        self.progress: Callable[[Path, int], None] | None = None
        self.steps: Steps | None = None  # the steps after the files are read (state, indexes)
        self.deferred: list[str] = []  # the indexes this import dropped until it ends
        self.empty: set[str] = set()  # the bulk tables empty at the import's start that no file has written yet
        self.ahead = ParseAhead(rules, options)  # the worker that parses a big file's lines, if one is

    # -- opening --------------------------------------------------------------------------

    def _refuse(self, report: FileReport, line: int | None, reason: str, text: str) -> None:
        report.refused = reason
        self.ctx.say(report, line, None, text, "error", "file_refused")

    def _open(self, path: Path) -> OpenFile | None:
        report = FileReport(path=path)
        self.report.files.append(report)
        try:
            table = open_table(path, encoding=self.options.encoding, sheet=self.options.sheet,
                               kind=self.options.kind, max_unpacked_bytes=self.options.max_unpacked_bytes)
        except FileRefused as exc:
            self._refuse(report, None, str(exc), f"整个文件未导入：{exc}")
            return None
        kind = self.options.kind or detect_kind(table.header)
        if kind is None:
            table.close()
            need = "；".join(
                f"{k.label}文件需要 " + "、".join(COLUMN_LABELS.get(c, c) for c in k.required) for k in KINDS.values()
            )
            self._refuse(report, table.header_line, "无法从表头判断文件类型",
                         f"整个文件未导入：无法从表头判断是{_kinds_in_words()}文件（{need}；可用 --kind 指定）")
            return None
        report.kind = kind
        header_map = map_headers(table.header, kind)
        missing = missing_required(header_map)
        if missing:
            table.close()
            names = "、".join(f"{COLUMN_LABELS.get(c, c)} ({c})" for c in missing)
            self._refuse(report, table.header_line, f"缺少必需的列：{names}", f"整个文件未导入：缺少必需的列 {names}")
            return None
        for header in header_map.unknown:
            self.ctx.say(report, table.header_line, header, "未识别的列，已忽略", "warning", "unknown_column")
        for canonical in header_map.duplicates:
            self.ctx.say(report, table.header_line, canonical, "有多个列对应同一字段，使用第一个", "warning",
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
        opened.sort(key=lambda f: order.get(f.report.kind or "", len(order)))  # opened files have a kind
        ctx = self.ctx
        try:
            with self.engine.connect() as conn, sorting_on_disk(conn), first_load(conn) as loading:
                trans = conn.begin()
                try:
                    begin_now(conn, write=True)  # SQLite: the writer from the first statement on
                    serialize_writers(conn)  # PostgreSQL: imports and task syncs take turns
                    ctx.touched_vehicles.begin(conn, VEHICLES)
                    ctx.touched_customers.begin(conn, CUSTOMERS)
                    self.empty = {t.name for t in BULK_TABLES if conn.execute(select(t.c.id).limit(1)).first() is None}
                    # a big load: indexes built once
                    with indexes_deferred(conn, incoming_rows(opened), self.steps) as self.deferred:
                        with self.ahead:  # its worker ends with the files
                            for item in opened:
                                try:
                                    self._import_file(conn, item)
                                except FileRefused as exc:  # broke after its first rows: nothing lands
                                    raise ImportRefused(
                                        f"{item.report.path}: 整个文件未导入，本次导入未做任何修改：{exc}") from None
                        customers = self.after.refresh(conn, ctx.touched_vehicles.take(conn, VEHICLES),
                                                       ctx.touched_customers.take(conn, CUSTOMERS), self.steps,
                                                       bulk=tables_of(self.deferred))
                    self.after.resync(conn, customers, self.steps)
                    loading.check_links()
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
        """Read, parse and land one file's rows a chunk at a time; then its rejects file. A line whose
        row still holds its digest is counted unchanged and not parsed (ingest/digests.py)."""
        kind = self.kinds[item.report.kind or ""]
        parser = RowParser(item.table, item.header_map, date_format=self.options.date_format, labels=COLUMN_LABELS)
        job = FileJob(item.report, item.table, parser)
        keyed = BULK_TABLES_BY_NAME.get(kind.keyed_table or "")
        if keyed is not None and keyed.name not in self.empty:
            keyed = None  # its table holds rows from before this file
        self.empty.difference_update(kind.tables)
        with lookups_built_after(conn, keyed) if keyed is not None else nullcontext():
            self._land_file(conn, kind, item, job, first=keyed is not None)

    def _land_file(self, conn: Any, kind: Kind, item: OpenFile, job: FileJob, first: bool) -> None:
        """The chunks of one file (`first`: its table holds only its rows, FileJob.fresh)."""
        parser = job.parser
        report = item.report
        digests = (LineDigests(kind.name, item.table, item.header_map, self.options, self.rules,
                               kind.digest_low_bit(parser)) if kind.skips_lines(parser) else None)
        lookup = digests is not None and digest_index(kind.digest_table or "") not in self.deferred
        kept = kept_digests(conn, kind.digest_table or "") if lookup else set()  # counted kept when skipped
        near = Nearby()  # where this file's rows were found so far
        kind.begin(job)
        seen = KeysInDict()  # fast: a re-import looks every line's key up (the worker's are compact)
        lines = item.table.lines()
        portable = None if lookup else self._parsed_ahead(item)
        if portable is not None:
            self._land_parsed_ahead(conn, kind, item, job, first, digests, portable)
        else:
            shown = 0
            for chunk in _chunks(iter(lines), BATCH_ROWS):
                job.fresh = set() if first else None
                if digests is None:
                    batch = [parsed for record in chunk
                             if (parsed := self._parse(kind, job, lines.row(record), seen, None)) is not None]
                else:
                    of = digests.of(lines.texts(chunk))
                    landed = kind.landed(conn, parser, of, near) if lookup else {}
                    batch = []
                    unchanged = 0
                    for record, digest, key in zip(chunk, of, map(landed.get, of), strict=True):
                        if key is not None and lines.plain(record) and seen.add_new(key, record[0]):
                            # the row is what this line makes of it
                            unchanged += 1
                            if digest in kept:
                                report.kept += 1
                            continue
                        parsed = self._parse(kind, job, lines.row(record), seen, digest)
                        if parsed is not None:
                            batch.append(parsed)
                    report.read += unchanged
                    report.unchanged += unchanged
                if batch:
                    kind.land(conn, batch, job)
                shown = self._progress(report, shown)
        if job.rejects and self.options.rejects_dir is not None:
            report.rejects_file = write_rejects(self.options.rejects_dir, report, item.table.header, job.rejects,
                                                item.header_map.columns)

    def _parsed_ahead(self, item: OpenFile) -> Lines | None:
        """What cuts the file's lines in the worker, when its lines are parsed there (a CSV file of at least
        the rows that pay for the worker, ParseAhead.wanted); None: they are parsed here."""
        return item.table.lines().portable() if self.ahead.wanted(_estimated_rows(item)) else None

    def _land_parsed_ahead(self, conn: Any, kind: Kind, item: OpenFile, job: FileJob, first: bool,
                           digests: LineDigests | None, portable: Lines) -> None:
        """The chunks of a big file whose lines are not looked up by digest, cut, digested, parsed and kept
        (kind.keep_row) in the worker (ingest/parse_ahead.py) while this process lands the chunk before;
        each line counted and its messages said again here, in the file's order."""
        report, ctx, lines = item.report, self.ctx, item.table.lines()
        spec = self.ahead.spec(kind.name, item.table, item.header_map, portable, digests,
                               kind.digest_low_bit(job.parser) if digests is not None else None)
        shown = 0

        def start(chunk: list[Record]) -> Callable[[], ParsedBatch]:
            return self.ahead.submit(spec, chunk)

        def finish(chunk: list[Record], parsed: Callable[[], ParsedBatch]) -> None:
            nonlocal shown
            results, fresh = parsed()
            job.fresh = set(fresh) if first else None
            batch: Batch = []
            for record, (said, values) in zip(chunk, results, strict=True):
                row: Row = UncutRow(record, lines)
                report.read += 1
                for message in said or ():
                    ctx.say(report, *message)
                if isinstance(values, dict):
                    batch.append((row, values))
                else:
                    ctx.reject(job, row, *values)
            if batch:
                kind.land(conn, batch, job)
            shown = self._progress(report, shown)

        pipelined(_chunks(iter(lines), BATCH_ROWS), start, finish, ahead=2)

    def _progress(self, report: FileReport, shown: int) -> int:
        """Say every PROGRESS_ROWS rows read since `shown`; the rows said by now."""
        if self.progress is not None:
            for read in range(shown + PROGRESS_ROWS, report.read + 1, PROGRESS_ROWS):
                self.progress(report.path, read)
                shown = read
        return shown

    def _parse(self, kind: Kind, job: FileJob, row: Row, seen: FileKeys,
               digest: int | None) -> tuple[Row, dict[str, Any]] | None:
        """One line parsed (None: rejected); with its digest when it said nothing (`digest` given)."""
        report = job.report
        report.read += 1
        warnings = report.warnings
        try:
            values = parse_row(kind, job.parser, row, report)
        except RowError as exc:
            self.ctx.reject(job, row, exc.column, exc.reason)
            return None
        return keep_row(kind, job, row, values, seen, digest, warnings)


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    """Consecutive lists of at most `size` records."""
    while chunk := list(islice(records, size)):
        yield chunk


def _estimated_rows(item: OpenFile) -> int:
    """A low estimate of the rows a file brings, from its size (BYTES_PER_ROW)."""
    return item.report.path.stat().st_size // BYTES_PER_ROW


def incoming_rows(opened: list[OpenFile]) -> dict[str, int]:
    """Table name -> a low estimate of the rows the files bring (from their sizes)."""
    out: dict[str, int] = {}
    for item in opened:
        rows = _estimated_rows(item)
        kind = KINDS.get(item.report.kind or "")
        for table in kind.tables if kind is not None else ():
            out[table] = out.get(table, 0) + rows
    return out


def run_import(engine: Engine, rules: Rules, paths: list[Path], options: ImportOptions, after: AfterLanding,
               progress: Callable[[Path, int], None] | None = None, steps: Steps | None = None) -> ImportReport:
    """Import files into the database as one transaction (the rows, then `after`) and report what happened."""
    importer = Importer(engine, rules, options, after)
    importer.progress = progress
    importer.steps = steps
    return importer.run(paths)
