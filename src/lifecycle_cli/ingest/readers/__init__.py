"""Stream the rows of a CSV, .xlsx or .xls export: encoding, delimiter, header row and hint row
are worked out here; values are left as they are (see values/). `open_table` picks the reader
by the file's first bytes: csv_file, xlsx_file, xls_file; rows.py is what they share."""

from __future__ import annotations

from pathlib import Path

from lifecycle_cli.ingest.headers import KINDS
from lifecycle_cli.ingest.readers.csv_file import open_csv
from lifecycle_cli.ingest.readers.encoding import detect_encoding
from lifecycle_cli.ingest.readers.xls_file import open_xls
from lifecycle_cli.ingest.readers.xlsx_file import open_xlsx
from lifecycle_cli.ingest.table import MAX_UNPACKED_BYTES, FileRefused, Row, Table

__all__ = ["MAX_UNPACKED_BYTES", "FileRefused", "Row", "Table", "detect_encoding", "open_table"]

_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def open_table(
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    kind: str | None = None,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> Table:
    """Open a CSV or .xlsx export and find its header; FileRefused (Chinese reason) if it cannot be read.

    An .xlsx whose sheets and shared strings declare more than `max_unpacked_bytes` is refused.
    """
    path = Path(path)
    if not path.exists():
        raise FileRefused(f"文件不存在：{path}")
    if not path.is_file():
        raise FileRefused(f"不是文件：{path}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise FileRefused(f"无法打开文件：{path}（{exc.strerror or exc}）") from None
    if size == 0:
        raise FileRefused(f"文件是空的：{path.name}")
    suffix = path.suffix.lower()
    if magic.startswith(_OLE2_MAGIC):
        if suffix in _XLSX_SUFFIXES:
            raise FileRefused(
                f"无法读取：文件可能设置了密码（加密的 Excel 文件），请去掉密码后另存为 .xlsx：{path.name}"
            )
        return open_xls(path, sheet, kind)
    if magic.startswith(_ZIP_MAGIC):
        return open_xlsx(path, sheet, kind, max_unpacked_bytes)
    if suffix in _XLSX_SUFFIXES:
        raise FileRefused(f"无法读取 Excel 文件（文件已损坏或不是 .xlsx）：{path.name}")
    if magic.startswith(b"%PDF"):
        raise FileRefused(f"不是 CSV 或 xlsx 文件（是 PDF 文件）：{path.name}")
    return open_csv(path, encoding, kind)
