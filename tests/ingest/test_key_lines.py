"""KeyLines, the parse worker's compact table of the keys a file named and the line that named each last,
answers as KeysInDict (this process's) does, which answers as a dict: for keys that share a hash, across
its growth, for any text a reader gives."""

from __future__ import annotations

import random

import pytest

from lifecycle_cli.ingest.key_lines import FileKeys, KeyLines, KeysInDict

TABLES = {"compact": KeyLines, "dict": KeysInDict}


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
@pytest.mark.parametrize("made", TABLES.values(), ids=TABLES.keys())
def test_it_answers_as_a_dict_does(made: type[FileKeys], keys: list[str], what: str) -> None:
    table: FileKeys = made()
    model: dict[str, int] = {}
    for line, key in enumerate(keys, start=2):
        assert table.named(key, line) == model.get(key), what
        model[key] = line
        assert key in table
    assert len(table) == len(model)


def test_many_keys_through_its_growth() -> None:
    rng = random.Random(5)
    table = KeyLines()
    model: dict[str, int] = {}
    for line in range(2, 60_000):
        key = f"RO{rng.randrange(40_000):06d}"
        assert table.named(key, line) == model.get(key)
        model[key] = line
    assert len(table) == len(model) and all(k in table for k in model)
    assert "RO-none" not in table


@pytest.mark.parametrize("made", TABLES.values(), ids=TABLES.keys())
def test_add_new_keeps_the_first_line_only(made: type[FileKeys]) -> None:
    table: FileKeys = made()
    assert table.add_new("V1", 2) and not table.add_new("V1", 3)
    assert table.named("V1", 4) == 2


def test_expect_makes_room_at_once_while_empty_and_answers_the_same() -> None:
    sized, grown = KeyLines(), KeyLines()
    sized.expect(10_000)
    room = sized._mask + 1
    assert 3 * 10_000 <= 2 * room < 6 * 10_000  # two-thirds full at most, not twice the room needed
    for line in range(2, 12_000):
        key = f"C{line % 9_000:06d}"
        assert sized.named(key, line) == grown.named(key, line)
    before = sized._mask
    sized.expect(1_000_000)  # not empty: nothing moves
    assert sized._mask == before and len(sized) == len(grown) == 9_000
