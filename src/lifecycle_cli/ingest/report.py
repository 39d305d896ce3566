"""What an import is asked to do (`ImportOptions`) and what it did (`ImportReport`, one `FileReport`
per file); `ImportRefused` when the whole import cannot run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lifecycle_cli.errors import RefusedInput
from lifecycle_cli.ingest.messages import KindCount, Message
from lifecycle_cli.ingest.table import MAX_UNPACKED_BYTES

__all__ = ["FileReport", "ImportOptions", "ImportRefused", "ImportReport"]


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
