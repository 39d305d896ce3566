"""The lines of a big CSV file cut, digested and parsed in a worker process while this one lands the
batch before (ingest/pipeline.py): at a million cars the parse is about half of a file's time, and the
machine's second core had nothing to do while the files landed.

What leaves this process is each batch's records (a line's text: cheap to send). The worker parses them
with the same kind, rules and options as this process would (one worker, batches in the file's order: a
kind's caches of cell texts stay the same) and keeps what depends only on the file's lines so far: the
keys it named (a later line with one is a duplicate, a key named first is new for sure: FileJob.fresh)
and the digest a line keeps (kind.keep_row, as the in-process path does it). What comes back is each
line's values or why it cannot land, with the messages said for it, in order, and the batch's keys named
first. The counts, the messages said again to this import's log and the landing stay here, in the
file's order, so a file lands the same either way. Used for a file whose lines are not looked up by
digest (its table's digest index is deferred: a first import, or a big one) and that is big enough to
pay for the worker's start: `LIFECYCLE_SYNC_WORKERS` 0 turns it off, any other number on for every CSV
file (store/generation.worker_count's answer for the file's estimated rows, otherwise). The worker is
started by the first such file and ends with the import's files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.ingest.context import FileJob, ImportContext
from lifecycle_cli.ingest.digests import LineDigests
from lifecycle_cli.ingest.key_lines import KeyLines
from lifecycle_cli.ingest.kind import keep_row, parse_row
from lifecycle_cli.ingest.messages import MessageLog
from lifecycle_cli.ingest.parsing import RowError, RowParser
from lifecycle_cli.ingest.registry import COLUMN_LABELS, KINDS
from lifecycle_cli.ingest.report import FileReport, ImportOptions
from lifecycle_cli.ingest.table import HeaderMap, Lines, Record, Table
from lifecycle_cli.spawned import PoolHolder, spawn_pool

__all__ = ["FileSpec", "ParseAhead", "Parsed", "ParsedBatch", "Said"]

# A message a line's parse said: (line, column, text, level, code), as ImportContext.say takes them.
Said = tuple[int | None, str | None, str, str, str]
# One line parsed: what it said, and its values or (column, reason) when it cannot land.
Parsed = tuple[list[Said] | None, dict[str, Any] | tuple[str, str]]
# A batch's lines parsed, and the keys it named for the first time in the file (FileJob.fresh).
ParsedBatch = tuple[list[Parsed], list[str]]


@dataclass(frozen=True)
class FileSpec:
    """What a worker needs to parse a file's lines as this process would: its kind, its table's header
    facts, how its header maps, how its records are cut, and whether (with what low bit) its lines are
    digested. `number` tells the worker's files apart."""

    number: int
    kind: str
    table: Table
    header_map: HeaderMap
    lines: Lines
    digested: bool
    low_bit: int | None


class _Recording(ImportContext):
    """A worker's context: what a parse says is kept for the line instead of logged."""

    def __init__(self, rules: Rules, options: ImportOptions) -> None:
        super().__init__(rules, options, MessageLog())
        self.said: list[Said] = []

    def say(self, report: FileReport, line: int | None, column: str | None, text: str, level: str,
            code: str = "") -> None:
        """Keep the message (said again, in order, by the process that lands the line); count a warning."""
        self.said.append((line, column, text, level, code))
        if level == "warning":
            report.warnings += 1


class _FileParse:
    """One file's parse in a worker: its kind, row parser and digests, made on its first batch, and the
    keys its lines named so far (what makes a later line with one of them a duplicate)."""

    def __init__(self, spec: FileSpec, ctx: _Recording) -> None:
        self.ctx = ctx
        self.kind = KINDS[spec.kind](ctx)
        table = spec.table
        parser = RowParser(table, spec.header_map, date_format=ctx.options.date_format, labels=COLUMN_LABELS)
        self.lines = spec.lines
        self.job = FileJob(FileReport(path=table.path, kind=spec.kind), table, parser)
        self.digests = (LineDigests(spec.kind, table, spec.header_map, ctx.options, ctx.rules, spec.low_bit)
                        if spec.digested else None)
        self.seen = KeyLines()
        try:
            self._size: int | None = table.path.stat().st_size
        except OSError:
            self._size = None

    def batch(self, records: list[Record]) -> ParsedBatch:
        """Each record parsed as the pipeline parses a line (with its digest, when digested), and the keys
        named first."""
        texts = self.lines.texts(records)
        if self._size and texts:  # the first batch: the keys' table sized for the file's lines at once
            self.seen.expect(self._size * len(texts) // sum(len(t.encode()) + 1 for t in texts))
            self._size = None
        digests = self.digests.of(texts) if self.digests is not None else [None] * len(records)
        ctx, kind, job, seen, row_of = self.ctx, self.kind, self.job, self.seen, self.lines.row
        parser, report = job.parser, job.report
        fresh: set[str] = set()
        job.fresh = fresh
        out: list[Parsed] = []
        for record, digest in zip(records, digests, strict=True):
            ctx.said = []
            warnings = report.warnings
            row = row_of(record)
            try:
                values = parse_row(kind, parser, row, report)
            except RowError as exc:
                out.append((ctx.said or None, (exc.column, exc.reason)))
                continue
            keep_row(kind, job, row, values, seen, digest, warnings)
            out.append((ctx.said or None, values))
        return out, list(fresh)


_ctx: _Recording | None = None  # a worker's own (set by _start)
_files: dict[int, _FileParse] = {}


def _start(rules: Rules, options: ImportOptions) -> None:
    global _ctx
    _ctx = _Recording(rules, options)


def _parse_batch(spec: FileSpec, records: list[Record]) -> ParsedBatch:
    assert _ctx is not None
    parse = _files.get(spec.number)
    if parse is None:
        _files.clear()  # the files come one after another
        parse = _files[spec.number] = _FileParse(spec, _ctx)
    return parse.batch(records)


class ParseAhead(PoolHolder):
    """The import's parse worker, started for its first big file (`wanted`); `submit` hands it a batch of
    a file's records and returns a call that gives the batch's parsed lines (their digests among their
    values) and the keys it named first."""

    def __init__(self, rules: Rules, options: ImportOptions) -> None:
        self._rules, self._options = rules, options
        self._files = 0

    @staticmethod
    def wanted(rows: int) -> bool:
        """Whether a file of about this many rows is parsed in the worker."""
        from lifecycle_cli.store.generation import worker_count

        return worker_count(rows) > 0

    def spec(self, kind: str, table: Table, header_map: HeaderMap, lines: Lines, digests: LineDigests | None,
             low_bit: int | None) -> FileSpec:
        """A file's spec for the worker (started with the first)."""
        if self._pool is None:
            self._pool = spawn_pool(1, _start, (self._rules, self._options))
        self._files += 1
        portable = Table(table.path, table.encoding, table.delimiter, list(table.header), table.header_line,
                         iter(()), table.sheet)
        return FileSpec(self._files, kind, portable, header_map, lines, digests is not None, low_bit)

    def submit(self, spec: FileSpec, records: list[Record]) -> Callable[[], ParsedBatch]:
        """The batch parsed, as a call (waiting for the worker)."""
        assert self._pool is not None
        return self._pool.submit(_parse_batch, spec, records).result
