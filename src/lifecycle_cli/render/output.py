"""Rendering: rich tables on a terminal, plain text when piped, CSV with a BOM, JSON.

Rendering never computes: it gets rows (lists of plain values) and headers.

Text from imports is data, never instructions: what reaches a terminal or the piped TSV has its
control characters made visible (`screen_text`), and a CSV text cell Excel would take for a
formula gets a leading `'` (`csv_cell`). JSON keeps every value as it is.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # rich is imported when a terminal is written to: piped output never needs it
    from rich.console import Console

# Characters that must not reach a terminal as they are. Line breaks and tabs become a space (a
# cell stays one cell on one line); other C0 controls, DEL and C1 controls (ESC starts a terminal
# escape sequence, BEL rings) and the bidi overrides / isolates (they reorder what is shown) become
# a visible "?". Every one of them makes str.isprintable() false, so clean text skips the translation.
_SPACED = "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_SCREEN = str.maketrans(
    {c: " " for c in _SPACED}
    | {c: "?" for c in map(chr, [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
       if c not in _SPACED}
)
# A text cell starting with one of these is a formula (or a DDE command) to Excel.
_FORMULA_START = frozenset("=+-@\t\r")


def screen_text(text: str) -> str:
    """Text safe to show on a terminal or in a piped TSV line: no control characters, no tabs or
    line breaks inside it. Near free on plain text (one isprintable() scan)."""
    return text if text.isprintable() else text.translate(_SCREEN)


def is_terminal(stream: TextIO | None = None) -> bool:
    """Colour and box art only on a terminal, and never with NO_COLOR set."""
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def console(stream: TextIO | None = None) -> Console:
    """A rich console that is plain (no colour, no markup of widths) when not on a terminal."""
    from rich.console import Console

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


def csv_cell(value: Any) -> str:
    """A CSV cell for Excel: text starting with = + - @ tab or CR gets a leading ' so Excel keeps
    it text (a customer named =HYPERLINK(...) is not a link); numbers, dates and the rest are
    written as text_cell writes them (-3 from an int stays -3)."""
    if value.__class__ is str:
        return "'" + value if value[:1] in _FORMULA_START else value
    if isinstance(value, str):  # a str subclass (an enum's value)
        return csv_cell(str(value))
    return text_cell(value)


def _write_csv_rows(stream: IO[str], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([csv_cell(v) for v in row] for row in rows)


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (without BOM) of headers and rows, text cells escaped for Excel (csv_cell)."""
    buffer = io.StringIO()
    _write_csv_rows(buffer, headers, rows)
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], stream: TextIO | None = None) -> None:
    """CSV to a stream, with a UTF-8 BOM so Excel opens the Chinese correctly."""
    stream = stream or sys.stdout
    stream.write("\ufeff")
    _write_csv_rows(stream, headers, rows)
    stream.flush()


def write_csv_file(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV file (UTF-8 with BOM) through files.write_atomically: an exclusive temporary
    file in the target's folder, then a rename. Raises OutputRefused (Chinese) when it cannot."""
    from lifecycle_cli.files import write_atomically

    def write(fh: IO[str]) -> None:
        fh.write("\ufeff")
        _write_csv_rows(fh, headers, rows)

    return write_atomically(path, write)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    stream: TextIO | None = None,
    styles: Sequence[str | None] | None = None,
    whole: Sequence[int] = (),
    wide_only: Mapping[int, int] | None = None,
) -> None:
    """A rich table on a terminal; tab-separated plain lines when piped or under cron.

    On a narrow terminal cells wrap (fold), never cut with an ellipsis; the columns in `whole`
    (a phone number, a name) are never wrapped either. `wide_only` maps a column to the terminal
    width it needs to be shown at all (a long hint): narrower, the terminal table leaves it out so
    the rest stays one or two lines a row; piped output always has every column."""
    stream = stream or sys.stdout
    if is_terminal(stream) and wide_only:
        width = console(stream).width
        keep = [i for i in range(len(headers)) if width >= wide_only.get(i, 0)]
        if len(keep) < len(headers):
            headers = [headers[i] for i in keep]
            rows = [[row[i] for i in keep] for row in rows]
            whole = [keep.index(i) for i in whole if i in keep]
    if not is_terminal(stream):
        if title:
            stream.write(f"# {screen_text(title)}\n")
        stream.write("\t".join(map(screen_text, headers)) + "\n")
        for row in rows:
            cells = [text_cell(v) for v in row]
            if not "".join(cells).isprintable():  # one scan of the row; clean rows skip the translation
                cells = [c.translate(_SCREEN) for c in cells]
            stream.write("\t".join(cells) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    # Headers as Text and the title markup-escaped: a plain str would be read as rich markup ("[/]").
    table = Table(title=escape(screen_text(title)) if title else None, show_lines=False, header_style="bold cyan")
    texts = [[Text(screen_text(text_cell(v))) for v in row] for row in rows]
    for number, header in enumerate(headers):
        if number in whole:
            widest = max([t.cell_len for row in texts for t in row[number:number + 1]], default=0)
            table.add_column(Text(screen_text(header)), no_wrap=True, min_width=widest, overflow="fold")
        else:
            table.add_column(Text(screen_text(header)), overflow="fold")
    for index, row_texts in enumerate(texts):
        style = styles[index] if styles is not None else None
        table.add_row(*row_texts, style=style)
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
    """A line for people (stdout by default); control characters from data made visible, one line."""
    (stream or sys.stdout).write(screen_text(message) + "\n")


def warn(message: str) -> None:
    """A diagnostic line on stderr (never on stdout, so pipes stay clean), one line, no control
    characters (import messages quote cell values)."""
    sys.stderr.write(screen_text(message) + "\n")
