"""What a kind of import file is (`Kind`): what it declares — its columns and their header aliases,
the required ones, how it is recognised, the tables it fills — and what it does: parse a row into
canonical values, the natural key a row upserts on, land a batch. One subclass per kind in kinds/,
listed in registry.py; the pipeline makes one instance of each per import."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import FileJob, ImportContext
from lifecycle_cli.ingest.key_lines import FileKeys
from lifecycle_cli.ingest.parsing import RowParser
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row
from lifecycle_cli.store.bulk import DIGEST

if TYPE_CHECKING:
    from lifecycle_cli.store.digests import Nearby

__all__ = ["Batch", "ColumnsOf", "Kind", "keep_row", "parse_row", "row_vin"]

# Parsed rows of a file with the row each came from, landed a batch at a time.
Batch = list[tuple[Row, dict[str, Any]]]
# Kind name -> the canonical columns a header maps to in that kind (what detection looks at).
ColumnsOf = Callable[[str], Mapping[str, int]]


class Kind(ABC):
    """One kind of import file (customers, vehicles, …): its declaration and its parse / land."""

    name: ClassVar[str]
    # What people see: the summary's 类型 column, the messages.
    label: ClassVar[str]
    # The canonical columns of the kind, in order.
    columns: ClassVar[tuple[str, ...]]
    # Other columns a file of this kind may carry (a vehicles sheet may carry its owner's).
    extra_columns: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[tuple[str, ...]]
    # canonical column -> the header texts that mean it in this kind (normalised when matched).
    aliases: ClassVar[Mapping[str, tuple[str, ...]]]
    # Aliases that count only when no header of the file names the column by the ones above.
    late_aliases: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # A required column that another column can stand in for (a phone for the customer id).
    stand_ins: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # Required columns the header row may still lack when it is searched for (decided on import).
    header_may_lack: ClassVar[tuple[str, ...]] = ()
    # Column names in words, for messages about a column a file lacks.
    labels: ClassVar[Mapping[str, str]] = {}
    # The tables the kind's rows fill (an import that at least doubles one defers its indexes).
    tables: ClassVar[tuple[str, ...]] = ()
    # Kinds are tried in this order when a header is recognised (lowest first).
    detect_rank: ClassVar[int]
    # The table whose rows keep the digest of the line they were landed from (ingest/digests.py):
    # a re-import skips a line whose row still holds its digest, before parsing it. None: every
    # line is read (staff, events: small files).
    digest_table: ClassVar[str | None] = None
    # The table a row of this kind upserts into by its natural key. A file landing into it while it holds
    # only this file's rows (a first import) counts the rows whose key it names first as new, unlooked-up
    # (FileJob.fresh), and its lookup indexes are built after the file (store/bulkload.lookups_built_after).
    keyed_table: ClassVar[str | None] = None

    @classmethod
    def accepted(cls) -> tuple[str, ...]:
        """Every column a header may map to in this kind: its own, then the extra ones."""
        return cls.columns + tuple(c for c in cls.extra_columns if c not in cls.columns)

    @classmethod
    @abstractmethod
    def detects(cls, columns_of: ColumnsOf) -> bool:
        """Whether a header is one of this kind (`columns_of(kind)`: the header mapped in a kind)."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.rules = ctx.rules
        self.options = ctx.options

    def begin(self, job: FileJob) -> None:  # noqa: B027 (a hook: most kinds say nothing first)
        """Before the rows of a file: a message about the file as a whole."""

    @abstractmethod
    def parse(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        """One row as canonical values (RowError when it cannot land)."""

    @staticmethod
    @abstractmethod
    def natural_key(values: dict[str, Any]) -> str:
        """The key a parsed row upserts on (two rows of a file with one key: the later wins)."""

    @abstractmethod
    def land(self, conn: Any, batch: Batch, job: FileJob) -> None:
        """Write a batch of parsed rows; a row that cannot land is rejected through the context."""

    def skips_lines(self, p: RowParser) -> bool:
        """Whether this file's lines may be skipped by their digest (its rows write one table)."""
        return self.digest_table is not None

    def landed(self, conn: Any, p: RowParser, digests: list[int], near: Nearby | None = None) -> dict[int, str]:
        """Digest -> the natural key (as `natural_key` gives it) of the stored row holding it (`near`:
        where the file's rows were found so far, store/digests.Nearby)."""
        return {}

    def digest_low_bit(self, p: RowParser) -> int | None:
        """What the lowest bit of this file's line digests says about its header (None: nothing, the
        digest is all hash), for a later write to read back from a row's stored digest."""
        return None


def parse_row(kind: Kind, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
    """One data row as the kind's values, its messages said (fields beyond the header's width first);
    RowError when it cannot land. What the pipeline does with each row it reads, here or in the worker
    that parses ahead (ingest/parse_ahead.py)."""
    if row.extra:
        kind.ctx.say(report, row.line, None,
                     f"本行有 {row.extra} 个多余字段（表头只有 {len(p.table.header)} 列），已忽略", "warning")
    return kind.parse(p, row, report)


def keep_row(kind: Kind, job: FileJob, row: Row, values: dict[str, Any], seen: FileKeys,
             digest: int | None, warnings: int) -> tuple[Row, dict[str, Any]]:
    """A parsed line for its batch: a key the file named before is said to be replaced, a key named first
    in a file whose table holds only its rows is new for sure (FileJob.fresh); its digest kept when the
    line said no warning (the report's count still `warnings`). `seen`: key -> the line that named it."""
    report = job.report
    key = kind.natural_key(values)
    before = seen.named(key, row.line)
    if before is not None:
        kind.ctx.say(report, row.line, None,
                     f"与第 {before} 行重复（{key}），以后出现的这一行为准", "warning", "duplicate_row")
    elif job.fresh is not None:
        job.fresh.add(key)  # named for the first time in a file whose table holds only its rows
    if digest is not None:
        values[DIGEST] = digest if report.warnings == warnings else None
    return row, values


def row_vin(ctx: ImportContext, p: RowParser, row: Row, report: FileReport, *, warn: bool) -> str:
    """The row's VIN; its check-digit warning only where the car is described (`warn`): a
    work order or event naming a car says nothing new about its VIN (an unknown one is rejected)."""
    if not warn:
        tidy: str = p.value(row, "vin", V.tidy_vin, required=True)
        return tidy
    vin: V.Vin = p.value(row, "vin", V.parse_vin, required=True)
    if vin.warning:
        ctx.say(report, row.line, p.header_of("vin"), vin.warning, "warning", "vin_check_digit")
    return vin.value


def not_found(what: str, key: str, files: str) -> str:
    """Why a row naming a car or an owner that nobody imported is rejected (one wording for every kind):
    '车架号 "X" 不存在（数据库和本次导入的车辆文件中都没有）'."""
    return f'{what} "{key}" 不存在（数据库和本次导入的{files}文件中都没有）'
