"""Helpers of the manager's page tests: the sample store worked for a morning, and the page read back.

The page is parsed with the standard library's HTMLParser; every number it shows is an element with
`data-v` (a JSON path) and `data-f` (int / pct / count), written here independently of the renderer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from lifecycle_cli.cli.app import app

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
NOW = "2026-11-23T01:00:00Z"  # the README's morning
ENV: dict[str, str | None] = {"LIFECYCLE_DB": None, "LIFECYCLE_RULES": None, "NO_COLOR": None, "LIFECYCLE_NOW": NOW}
SECTIONS = ("stages", "kpis", "churn", "workload", "campaigns")


def run(db: Path | str, *args: Any, env: Mapping[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(app, ["--db", str(db), *[str(a) for a in args]], env={**ENV, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"lifecycle {args} crashed: {result.exception!r}\n{result.stderr}") from result.exception
    return result


def run_ok(db: Path | str, *args: Any) -> Result:
    result = run(db, *args)
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return result


def sample_store(db: Path | str) -> None:
    """The bundled sample store on 2026-11-23: imported, the morning's list worked a little (reached,
    no answer, declined for price), a campaign on the day."""
    run_ok(db, "import", *[SAMPLE / f"{n}.csv" for n in ("staff", "customers", "vehicles", "visits")])
    lines = json.loads(run_ok(db, "due", "--format", "json").stdout)
    tasks = [t["task_id"] for line in lines for t in line["tasks"] if t["code"] == "delivery_call_24h"][:2]
    invites = [t["task_id"] for line in lines for t in line["tasks"] if t["code"] == "service_invite"][:1]
    assert len(tasks) == 2 and invites, lines[:3]
    run_ok(db, "done", tasks[0], "--result", "reached")
    run_ok(db, "done", tasks[1], "--result", "no_answer")
    run_ok(db, "done", invites[0], "--result", "declined", "--reason", "价格")
    run_ok(db, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--stage", "保修外期", "-y")
    run_ok(db, "due")  # the campaign's lines levelled into today's list (a report reads them)


def new_store_files(folder: Path) -> list[Path]:
    """A new store (新店): one customer, one car delivered three days ago, no visit yet."""
    customers = folder / "customers.csv"
    customers.write_text("customer_id,name,phone,store\nC1,张三,13812345601,新店\n", encoding="utf-8")
    vehicles = folder / "vehicles.csv"
    vehicles.write_text("vin,customer_id,model,delivery_date,store\nLVRHDA3K3TN000001,C1,CX-5,2026-11-20,新店\n",
                        encoding="utf-8")
    return [customers, vehicles]


def number_text(value: Any, kind: str) -> str:
    """The page's writing of a number, as the issue asks: "—" for none (a zero denominator), never 0%."""
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "count":
        return f"{value:g}"
    assert kind == "int", kind
    assert isinstance(value, int), value
    return str(value)


def key(path: list[Any]) -> str:
    """A JSON path as the page's data-v writes it."""
    return json.dumps(path, ensure_ascii=False)


def at(data: Any, path: list[Any]) -> Any:
    for key in path:
        data = data[key]
    return data


# Where a digit may stand outside a tagged number: the header (date, version, digest), titles, table
# headers and names (dates of the workload, months), the charts' own axes.
LABEL_TAGS = frozenset({"header", "h1", "h2", "h3", "th", "figcaption", "svg", "style", "script", "title"})


@dataclass
class Page(HTMLParser):
    """What a test reads of the page: tagged numbers, sections, scripts, visible text out of place."""

    numbers: list[tuple[list[Any], str, str]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    scripts: list[dict[str, str | None]] = field(default_factory=list)
    payload: str = ""
    loose_digits: list[str] = field(default_factory=list)
    _open: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section":
            self.sections.append(attributes.get("id") or "")
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "td" and attributes.get("class") == "n" and "data-v" not in attributes:
            self.loose_digits.append("<td class=n> without data-v")
        if tag not in ("meta", "br", "img", "link", "input"):
            self._open.append((tag, attributes))
            self._text.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag not in {name for name, _ in self._open}:
            return
        while self._open:
            name, attributes = self._open.pop()
            text = self._text.pop()
            if "data-v" in attributes:
                self.numbers.append((json.loads(attributes["data-v"] or "[]"), attributes["data-f"] or "", text))
            elif name == "script" and attributes.get("id") == "report-data":
                self.payload = text
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if not self._open:
            return
        self._text[-1] += data
        tags = {name for name, _ in self._open}
        tagged = any("data-v" in attributes for _, attributes in self._open)
        if any(c.isdigit() for c in data) and not tagged and not tags & LABEL_TAGS and self._open[-1][0] != "td":
            self.loose_digits.append(data)


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page
