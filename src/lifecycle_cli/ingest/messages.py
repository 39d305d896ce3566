"""The messages of an import: `FILE:LINE: COLUMN: reason`, kept in memory at most SHOWN_PER_KIND
of each kind (the rest only counted), and with `--rejects DIR` every warning streamed to a
temporary file that becomes DIR/warnings.csv (file, line, column, reason) at the end.

A 1,000,000-car import with many bad check digits made millions of warnings: memory and the
screen must not grow with them.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lifecycle_cli.files import write_atomically

SHOWN_PER_KIND = 100
WARNINGS_FILE = "warnings.csv"
WARNINGS_HEADER = ("file", "line", "column", "reason")

# What the count line calls each kind of message (a kind without a label falls back to its level).
KIND_TEXT = {
    "vin_check_digit": "车架号校验位警告",
    "phone_invalid": "无效号码警告",
    "duplicate_row": "重复行警告",
    "unknown_column": "未识别的列警告",
    "duplicate_column": "重复列警告",
    "visit_kind_missing": "维修类型警告",
    "date_ignored": "日期无法识别警告",
    "expiry_too_far": "到期日期过远警告",
    "id_number": "身份证号警告",
    "event": "事件警告",
    "warning": "警告",
    "file_refused": "整个文件未导入",
    "error": "被拒绝的行",
}


@dataclass
class Message:
    """One diagnostic line about a file: `FILE:LINE: COLUMN: reason`; `code` names its kind."""

    file: str
    line: int | None
    column: str | None
    text: str
    level: str = "error"
    code: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.text}" if self.column else f"{where}: {self.text}"

    @property
    def kind(self) -> str:
        """The message's kind: its code, else its level."""
        return self.code or self.level


@dataclass
class KindCount:
    """How many messages of one kind an import made (only the first SHOWN_PER_KIND are kept)."""

    kind: str
    level: str
    count: int = 0

    @property
    def label(self) -> str:
        """The kind in words."""
        return KIND_TEXT.get(self.kind) or KIND_TEXT.get(self.level, self.kind)


@dataclass
class MessageLog:
    """The shown messages (at most `limit` per kind), the count of every kind, the warnings spool."""

    limit: int = SHOWN_PER_KIND
    shown: list[Message] = field(default_factory=list)
    counts: dict[str, KindCount] = field(default_factory=dict)
    spool: IO[str] | None = None
    _writer: Any = None

    def add(self, message: Message, spool_dir: Path | None) -> None:
        """Count a message, keep it if its kind is under the limit, stream a warning to the spool."""
        kind = message.kind
        count = self.counts.get(kind)
        if count is None:
            count = self.counts[kind] = KindCount(kind, message.level)
        count.count += 1
        if count.count <= self.limit:
            self.shown.append(message)
        if spool_dir is not None and message.level == "warning":
            if self._writer is None:
                # Anonymous (unlinked) temporary file in the output folder: nothing to plant a link at.
                self.spool = tempfile.TemporaryFile(  # noqa: SIM115 (open until save_warnings / close)
                    "w+", encoding="utf-8", newline="", dir=spool_dir)
                self._writer = csv.writer(self.spool)
                self._writer.writerow(WARNINGS_HEADER)
            self._writer.writerow((message.file, "" if message.line is None else message.line,
                                   message.column or "", message.text))

    def hidden(self) -> list[KindCount]:
        """The kinds with more messages than were kept, in the order they first came."""
        return [c for c in self.counts.values() if c.count > self.limit]

    def save_warnings(self, target: Path) -> Path | None:
        """Write the spooled warnings to `target` (UTF-8 with BOM) atomically; None when there were none."""
        if self.spool is None:
            return None
        spool = self.spool
        spool.flush()
        spool.seek(0)
        return write_atomically(target, lambda fh: shutil.copyfileobj(spool, fh), encoding="utf-8-sig")

    def close(self) -> None:
        """Drop the spool (its disk space goes with it)."""
        if self.spool is not None:
            self.spool.close()
            self.spool = None
            self._writer = None
