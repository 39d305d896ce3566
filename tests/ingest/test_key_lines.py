"""KeyLines, the import's table of the keys a file named and the line that named each last, answers as a
dict would: for keys that share a hash, across its growth, for any text a reader gives."""

from __future__ import annotations

import random

import pytest

from lifecycle_cli.ingest.key_lines import KeyLines


class SameHash(str):
    """A key whose hash is every other's: only the compared bytes tell them apart."""

    def __hash__(self) -> int:
        return 42


@pytest.mark.parametrize(("keys", "what"), [
    (["RO1", "RO2", "RO1", "RO3", "RO1"], "a key named again gives the line that named it last"),
    ([SameHash(k) for k in ("a", "b", "a", "ab", "b", "")], "keys sharing a hash stay apart"),
    (["LFP|2024-01-01|5000", "粤A12345|2024-01-01|5000", "粤A12345|2024-01-01|5000"], "non-ASCII keys"),
    (["\udcff bad byte", "\udcfe bad byte", "\udcff bad byte"], "a reader's escaped bytes"),
    (["", "", "0"], "the empty key"),
])
def test_it_answers_as_a_dict_does(keys: list[str], what: str) -> None:
    table, model = KeyLines(), {}
    for line, key in enumerate(keys, start=2):
        assert table.named(key, line) == model.get(key), what
        model[key] = line
        assert key in table
    assert len(table) == len(model)


def test_many_keys_through_its_growth() -> None:
    rng = random.Random(5)
    table, model = KeyLines(), {}
    for line in range(2, 60_000):
        key = f"RO{rng.randrange(40_000):06d}"
        assert table.named(key, line) == model.get(key)
        model[key] = line
    assert len(table) == len(model) and all(k in table for k in model)
    assert "RO-none" not in table


def test_add_new_keeps_the_first_line_only() -> None:
    table = KeyLines()
    assert table.add_new("V1", 2) and not table.add_new("V1", 3)
    assert table.named("V1", 4) == 2
