"""ingest/digests.LineDigests: one digest per line text, and the low bit a kind may give a meaning."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest.digests import LineDigests
from lifecycle_cli.ingest.headers import map_headers
from lifecycle_cli.ingest.readers import open_table
from lifecycle_cli.ingest.report import ImportOptions

RULES = load_rules()
OPTIONS = ImportOptions(today=date(2026, 11, 23))
TEXTS = [f"VIN{n:014d},C{n:05d},2024-03-15" for n in range(200)]


def digests_of(tmp_path: Path, low_bit: int | None, header: str = "vin,customer_id,delivery_date") -> list[int]:
    path = tmp_path / "vehicles.csv"
    path.write_text(header + "\n", encoding="utf-8")
    table = open_table(path, kind="vehicles")
    return LineDigests("vehicles", table, map_headers(table.header, "vehicles"), OPTIONS, RULES, low_bit).of(TEXTS)


@pytest.mark.parametrize("low_bit", [0, 1])
def test_a_kinds_low_bit_is_the_lowest_bit_of_every_digest(tmp_path: Path, low_bit: int) -> None:
    digests = digests_of(tmp_path, low_bit)
    assert {d & 1 for d in digests} == {low_bit}
    assert len(set(digests)) == len(TEXTS)  # still one per line
    assert all(-(2**63) <= d < 2**63 for d in digests)  # what the BIGINT column holds


def test_without_a_low_bit_the_digest_is_all_hash_and_the_bit_changes_the_seed(tmp_path: Path) -> None:
    plain = digests_of(tmp_path, None)
    assert {d & 1 for d in plain} == {0, 1}
    # the same lines with a low bit are other digests altogether (the bit is part of what they mean)
    assert not set(plain) & set(digests_of(tmp_path, 0))
    assert not set(plain) & set(digests_of(tmp_path, 1))
    assert digests_of(tmp_path, None) == plain  # and a digest is a pure function of line and meaning
