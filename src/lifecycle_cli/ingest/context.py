"""What the kinds of one import share (`ImportContext`): the rules and options, the messages, and
the customers / vehicles the import touched; and `FileJob`, one file while its rows land."""

from __future__ import annotations

from dataclasses import dataclass, field

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.ingest.messages import Message, MessageLog
from lifecycle_cli.ingest.parsing import RowParser
from lifecycle_cli.ingest.report import FileReport, ImportOptions
from lifecycle_cli.ingest.table import Row, Table
from lifecycle_cli.store.bulk import UpsertCounts

__all__ = ["FileJob", "ImportContext"]


@dataclass
class FileJob:
    """One file whose rows are landing: its report, table, row parser and the rows it rejected."""

    report: FileReport
    table: Table
    parser: RowParser
    rejects: list[tuple[Row, str]] = field(default_factory=list)


class ImportContext:
    """The rules, options and messages of one import, and the rows it touched (whose stored state
    and tasks are brought in step after the files)."""

    def __init__(self, rules: Rules, options: ImportOptions, log: MessageLog) -> None:
        self.rules = rules
        self.options = options
        self.log = log
        self.touched_vehicles: set[int] = set()
        self.touched_customers: set[int] = set()

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
