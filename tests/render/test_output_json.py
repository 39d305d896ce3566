"""write_json: compact when piped, a list streamed an element at a time with the same text."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from lifecycle_cli.render.output import write_json


def as_plain_json(data: Any) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Fraction):
            return float(value)
        raise TypeError(type(value).__name__)

    return json.dumps(data, ensure_ascii=False, default=default) + "\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([], id="empty-list"),
        pytest.param([{"date": date(2024, 2, 29), "name": "张伟", "tasks": [{"n": 1}, {"n": None}]}], id="one"),
        pytest.param([{"a": i, "d": date(2026, 11, 23)} for i in range(3)], id="several"),
        pytest.param([1, "二", None, [date(2026, 1, 1)]], id="mixed"),
        pytest.param({"kpis": {"x": Fraction(1, 4)}, "date": date(2026, 11, 23)}, id="object"),
    ],
)
def test_piped_json_is_the_text_one_dumps_would_give(data: Any) -> None:
    out = io.StringIO()  # not a terminal
    write_json(data, out)
    assert out.getvalue() == as_plain_json(data)
    assert json.loads(out.getvalue()) == json.loads(as_plain_json(data))


class Lazy(Sequence[dict[str, Any]]):
    """A sequence whose elements are made when read (as the call list's lines are)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.n))]
        if not 0 <= index < self.n:
            raise IndexError(index)
        return {"n": index, "date": date(2026, 11, 23)}


@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_lazy_sequence_is_written_as_the_list_it_holds(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    write_json(Lazy(n), piped)
    assert piped.getvalue() == as_plain_json(list(Lazy(n)))
    # On a terminal it is indented, like any list.
    import lifecycle_cli.render.output as output

    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    shown = io.StringIO()
    write_json(Lazy(n), shown)
    assert json.loads(shown.getvalue()) == json.loads(as_plain_json(list(Lazy(n))))
