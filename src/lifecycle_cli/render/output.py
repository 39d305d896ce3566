"""Rendering: rich tables on a terminal, plain text when piped, CSV with a BOM, JSON.

Rendering never computes: it gets rows (lists of plain values) and headers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text


def is_terminal(stream: TextIO | None = None) -> bool:
    """Colour and box art only on a terminal, and never with NO_COLOR set."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def console(stream: TextIO | None = None) -> Console:
    """A rich console that is plain (no colour, no markup of widths) when not on a terminal."""
    stream = stream or sys.stdout
    if is_terminal(stream):
        return Console(file=stream)
    return Console(file=stream, no_color=True, color_system=None, width=10_000, highlight=False,
                   force_terminal=False, emoji=False)


def plain(value: Any) -> Any:
    """A JSON-safe form of a value: dates as ISO text, fractions as numbers."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction | Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def text_cell(value: Any) -> str:
    """How a value reads in a table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(plain(value))


def _json_default(value: Any) -> Any:
    """JSON for what the json module does not know: dates as ISO text, fractions as numbers."""
    converted = plain(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return converted


def write_json(data: Any, stream: TextIO | None = None) -> None:
    """JSON, UTF-8 with Chinese kept readable; indented on a terminal, compact (and fast) when piped."""
    stream = stream or sys.stdout
    listing = isinstance(data, Sequence) and not isinstance(data, str | bytes)
    if is_terminal(stream):
        if listing and not isinstance(data, list | tuple):
            data = list(data)  # a lazy sequence (the call list's lines)
        stream.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))
    elif listing:
        # A long list (a million-car call list) is written an element at a time: the same text as
        # one json.dumps, without holding all of it in memory at once.
        encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
        stream.write("[")
        for i, item in enumerate(data):
            stream.write(", " + encode(item) if i else encode(item))
        stream.write("]")
    else:
        stream.write(json.dumps(data, ensure_ascii=False, default=_json_default))
    stream.write("\n")


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text (without BOM) of headers and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([text_cell(v) for v in row])
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO | None = None) -> None:
    """CSV to a stream, with a UTF-8 BOM so Excel opens the Chinese correctly."""
    stream = stream or sys.stdout
    stream.write("\ufeff" + csv_text(headers, rows))
    stream.flush()


def write_csv_file(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write a CSV file (UTF-8 with BOM) atomically: a temp file, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\ufeff" + csv_text(headers, rows), encoding="utf-8", newline="")
    os.replace(tmp, path)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    stream: TextIO | None = None,
    styles: Sequence[str | None] | None = None,
) -> None:
    """A rich table on a terminal; tab-separated plain lines when piped or under cron."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        if title:
            stream.write(f"# {title}\n")
        stream.write("\t".join(headers) + "\n")
        for row in rows:
            stream.write("\t".join(text_cell(v).replace("\n", " ") for v in row) + "\n")
        return
    table = Table(title=title, show_lines=False, header_style="bold cyan")
    for header in headers:
        table.add_column(header)
    for index, row in enumerate(rows):
        style = styles[index] if styles is not None else None
        table.add_row(*[Text(text_cell(v)) for v in row], style=style)
    console(stream).print(table)


def write_records(
    records: Sequence[dict[str, Any]],
    columns: dict[str, str],
    fmt: str,
    *,
    english_headers: bool = False,
    title: str | None = None,
) -> None:
    """Records as JSON (whole), or CSV / a table in the given columns (key -> Chinese header)."""
    if fmt == "json":
        write_json(list(records))
        return
    keys = list(columns)
    rows = [[r[k] for k in keys] for r in records]
    if fmt == "csv":
        write_csv(keys if english_headers else list(columns.values()), rows)
        return
    print_table(list(columns.values()), rows, title=title)


def say(message: str, stream: TextIO | None = None) -> None:
    """A line for people (stdout by default)."""
    (stream or sys.stdout).write(message + "\n")


def warn(message: str) -> None:
    """A diagnostic line on stderr (never on stdout, so pipes stay clean)."""
    sys.stderr.write(message + "\n")
