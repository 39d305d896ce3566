"""write_json: compact when piped, a list streamed an element at a time with the same text."""

from __future__ import annotations

import io
import json
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
