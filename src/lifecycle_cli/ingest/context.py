"""What the kinds of one import share (`ImportContext`): the rules and options, the messages, and
the customers / vehicles the import touched; and `FileJob`, one file while its rows land."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table as DbTable
from sqlalchemy import func, select

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.ingest.messages import Message, MessageLog
from lifecycle_cli.ingest.parsing import RowParser
from lifecycle_cli.ingest.report import FileReport, ImportOptions
from lifecycle_cli.ingest.table import Row, Table
from lifecycle_cli.store.bulk import UpsertCounts

__all__ = ["FileJob", "ImportContext", "TouchedIds"]


@dataclass
class FileJob:
    """One file whose rows are landing: its report, table, row parser and the rows it rejected; `fresh`, in a
    file whose rows are the only ones of their table (Kind.keyed_table): the natural keys of the batch
    landing that the file names for the first time, new rows for sure (None: every key is looked up)."""

    report: FileReport
    table: Table
    parser: RowParser
    rejects: list[tuple[Row, str]] = field(default_factory=list)
    fresh: set[str] | None = None


class TouchedIds:
    """The row ids of one table an import touched, without a set of every row it inserts: those are
    numbered after the table's largest id at the import's start (`begin`), so every id from there on
    counts as touched and only the older rows it touched are kept one by one. At a million new cars
    and customers the two sets cost ~120 MB at the import's peak (the end of its last file, beside
    that file's keys); they are made when the state is refreshed (`take`), after the files."""

    def __init__(self) -> None:
        self.since: int | None = None  # None: not begun, every id is kept
        self.others: set[int] = set()

    def begin(self, conn: Any, table: DbTable) -> None:
        """Before the import's first row: the ids from here on are the rows it inserts."""
        self.since = int(conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    def update(self, ids: Iterable[int]) -> None:
        """These rows were touched."""
        since = self.since
        if since is None:
            self.others.update(ids)
        else:
            self.others.update(i for i in ids if i < since)

    def take(self, conn: Any, table: DbTable) -> set[int]:
        """Every touched id as a set (the rows inserted read back by id), emptying this."""
        out, self.others = self.others, set()
        if self.since is not None:
            out.update(conn.execute(select(table.c.id).where(table.c.id >= self.since)).scalars())
        return out


class ImportContext:
    """The rules, options and messages of one import, and the rows it touched (whose stored state
    and tasks are brought in step after the files)."""

    def __init__(self, rules: Rules, options: ImportOptions, log: MessageLog) -> None:
        self.rules = rules
        self.options = options
        self.log = log
        self.touched_vehicles = TouchedIds()
        self.touched_customers = TouchedIds()

    def say(self, report: FileReport, line: int | None, column: str | None, text: str, level: str,
            code: str = "") -> None:
        """A message about a file; `code` its kind (at most SHOWN_PER_KIND of a kind are kept)."""
        self.log.add(Message(report.shown, line, column, text, level, code), self.options.rejects_dir)
        if level == "warning":
            report.warnings += 1

    def reject(self, job: FileJob, row: Row, column: str, reason: str) -> None:
        """A row that does not land: counted, said, kept for the rejects file."""
        job.report.rejected += 1
        self.say(job.report, row.line, column, reason, "error")
        job.rejects.append((row, f"{column}: {reason}"))

    @staticmethod
    def count(report: FileReport, counts: UpsertCounts) -> None:
        """Add a batch's upsert counts to a file's report."""
        report.inserted += counts.inserted
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        report.kept += counts.kept
