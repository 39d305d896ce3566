"""Line digests: what lets a nightly full re-export cost close to reading it.

Every row a customers, vehicles or visits file lands stores a 64-bit digest of the file line it
came from (`line_digest`); the next import reads a chunk of lines, asks which rows hold their
digests (store/digests.py) and skips those lines before parsing them: the row already is what the
line makes of it. The digest covers what the line means, not only its cells: the kind, which
column maps to which field (a file with fewer columns is another digest), the options that parse
(--date-format, --visit-kind), the rules (their state digest: `[visit_kinds]` and the rest) and
the program (its version and PARSE_VERSION), so a change to any of them reads every line again.

A line that was rejected or said a warning gets no digest: it is read, and reported, again next
time. A line that left a stored value in place of an empty cell (kept) keeps its digest and is
remembered as kept (store/kept_lines.py): skipped next time, and counted as kept again. A write
that is not the line's own landing (customer set, vehicle set, an outcome's flags, a vehicles sheet's
owner columns) clears the row's digest, so the line is read again next time. A work order's advisor
given to a car without one keeps the car's digest: its line, read again, would land unchanged (and
keep that advisor when its advisor cell is empty, which the digest's low bit tells: a kind may give
the lowest bit a meaning, Kind.digest_low_bit).
"""

from __future__ import annotations

import hashlib
import json

import lifecycle_cli
from lifecycle_cli.core.rules import Rules, state_digest
from lifecycle_cli.ingest.report import ImportOptions
from lifecycle_cli.ingest.table import HeaderMap, Table

__all__ = ["PARSE_VERSION", "LineDigests"]

# Bump when a change to parsing or landing makes the same line land differently (the package
# version is in the digest too).
PARSE_VERSION = 2


class LineDigests:
    """The digests of one file's lines (one instance per file)."""

    def __init__(self, kind: str, table: Table, header_map: HeaderMap, options: ImportOptions, rules: Rules,
                 low_bit: int | None = None) -> None:
        meaning = [PARSE_VERSION, lifecycle_cli.__version__, kind, sorted(header_map.columns.items()), len(table.header),
                   table.delimiter, options.date_format, options.visit_kind, state_digest(rules)]
        if low_bit is not None:  # Kind.digest_low_bit: the lowest bit tells of the header, not the hash
            meaning.append(["low_bit", low_bit])
        seed = hashlib.blake2b(json.dumps(meaning, ensure_ascii=False).encode(), digest_size=16).digest()
        self._seeded = hashlib.blake2b(seed, digest_size=8)  # each line's digest goes on from this one
        self._low_bit = low_bit

    def of(self, texts: list[str]) -> list[int]:
        """The digests of records' texts (Lines.texts: a CSV line's own text, a workbook row's
        cells' repr), signed 64-bit integers (what the column stores)."""
        copy, from_bytes = self._seeded.copy, int.from_bytes
        out: list[int] = []
        append = out.append
        for text in texts:
            h = copy()
            h.update(text.encode())
            append(from_bytes(h.digest(), "little", signed=True))
        if self._low_bit is not None:
            bit = self._low_bit
            return [(digest & -2) | bit for digest in out]
        return out
