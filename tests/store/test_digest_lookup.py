"""store/digests.py: the rows holding a chunk's line digests are the same whether they are found by id
near the previous chunk's rows (Nearby, SQLite) or through the digest index, in whatever order the file
comes (in the order of its first import, reversed, shuffled, with new lines and with lines gone)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from lifecycle_cli.store.digests import Nearby, customers_by_digest
from lifecycle_cli.store.tables import CUSTOMERS

ROWS = 3_000
CHUNK = 500  # what the pipeline's chunks are to a 5,000-line file, scaled down


def digest_of(n: int) -> int:
    return (n * 2_654_435_761) % (2**63) - 2**62  # distinct, signed, not in id order


@pytest.fixture
def stored(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(insert(CUSTOMERS), [{"customer_id": f"C{n:05d}", "line_digest": digest_of(n)}
                                         for n in range(ROWS)])
    return engine


def in_order(lines: list[int], rng: random.Random) -> list[int]:
    return lines


def reversed_(lines: list[int], rng: random.Random) -> list[int]:
    return lines[::-1]


def shuffled(lines: list[int], rng: random.Random) -> list[int]:
    return rng.sample(lines, len(lines))


def with_new_lines(lines: list[int], rng: random.Random) -> list[int]:
    out = []
    for n in lines:
        out.append(n)
        if rng.random() < 0.1:
            out.append(ROWS + rng.randrange(10**6))  # a line no row holds
    return out


def with_lines_gone(lines: list[int], rng: random.Random) -> list[int]:
    return [n for n in lines if rng.random() > 0.2]  # 20% of the rows have no line (ids with gaps)


def mostly_in_order(lines: list[int], rng: random.Random) -> list[int]:
    out = list(lines)
    for _ in range(200):  # some lines moved far away (a changed export order)
        i, j = rng.randrange(len(out)), rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    return out


@pytest.mark.parametrize("order", [in_order, reversed_, shuffled, with_new_lines, with_lines_gone, mostly_in_order])
def test_the_rows_found_near_are_the_rows_the_index_finds(
        stored: Engine, order: Callable[[list[int], random.Random], list[int]]) -> None:
    lines = order(list(range(ROWS)), random.Random(7))
    digests = [digest_of(n) for n in lines]
    near = Nearby()
    with stored.connect() as conn:
        for start in range(0, len(digests), CHUNK):
            chunk = digests[start:start + CHUNK]
            expected = customers_by_digest(conn, chunk)
            assert customers_by_digest(conn, chunk, near) == expected
            assert expected == {digest_of(n): f"C{n:05d}" for n in lines[start:start + CHUNK] if n < ROWS}


def test_a_file_in_its_import_order_is_found_by_id_after_the_first_chunk(stored: Engine) -> None:
    # The first chunk asks the index (nothing known yet); each later one starts after the last row found.
    if stored.dialect.name != "sqlite":
        pytest.skip("the id ranges are SQLite's")
    near = Nearby()
    digests = [digest_of(n) for n in range(ROWS)]
    with stored.connect() as conn:
        customers_by_digest(conn, digests[:CHUNK], near)
        assert near.start == CHUNK + 1  # ids start at 1
        assert near.span(digests[CHUNK:2 * CHUNK]) == (CHUNK + 1, CHUNK + 1 + CHUNK + CHUNK // 8 + 64)


def test_a_chunk_found_mostly_by_the_index_pauses_the_id_ranges() -> None:
    near = Nearby()
    near.start = 100
    digests = list(range(40))
    found = {d: (1000 + d, f"C{d}") for d in digests}
    near.follow(digests, found, from_range=5)  # 5 of 40 in the range read
    assert near.start == 1040
    assert [near.span(digests) is None for _ in range(Nearby.PAUSE + 1)] == [True] * Nearby.PAUSE + [False]
