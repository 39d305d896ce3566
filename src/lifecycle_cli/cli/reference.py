"""docs/cli.md, the command reference, generated from the commands' own help.

    python -m lifecycle_cli.cli.reference            # rewrite docs/cli.md
    python -m lifecycle_cli.cli.reference --check    # exit 1 when docs/cli.md is out of date

It walks the command tree (`typer.main.get_command(app)`) and writes each command's `--help` as a
terminal of WIDTH columns shows it. tests/cli/test_cli_reference.py fails when the committed file
differs from what this writes, so a changed option or help text comes with its reference.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import typer
import typer.main
from typer.core import TyperGroup

WIDTH = 100
REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "cli.md"
COMMAND = "python -m lifecycle_cli.cli.reference"


@dataclass(frozen=True)
class Entry:
    """One command of the tree: its words after `lifecycle` ('' for the root), its one-line help,
    and its full help."""

    path: str
    summary: str
    help: str

    @property
    def title(self) -> str:
        return f"lifecycle {self.path}".strip()


def _walk(command: Any, ctx: Any, path: str) -> Iterator[Entry]:
    yield Entry(path, command.get_short_help_str(limit=200), command.get_help(ctx))
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = typer.Context(sub, info_name=name, parent=ctx)
            yield from _walk(sub, sub_ctx, f"{path} {name}".strip())


def commands() -> list[Entry]:
    """Every command, the root first, each group followed by its sub-commands, in help order."""
    from lifecycle_cli.cli.app import app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="lifecycle", terminal_width=WIDTH, max_content_width=WIDTH)
    return list(_walk(root, ctx, ""))


def render() -> str:
    """The whole of docs/cli.md."""
    entries = commands()
    out = [
        "# lifecycle 命令参考",
        "",
        f"<!-- 由 `{COMMAND}` 从各命令的 --help 生成，请勿手改；"
        "tests/cli/test_cli_reference.py 检查它与程序一致。 -->",
        "",
        "全局选项 `--db`、`--rules` 写在命令之前：`lifecycle --db 门店.db due --today`。",
        "",
    ]
    out += [f"- [`{e.title}`](#{e.title.replace(' ', '-')})：{e.summary}" for e in entries[1:]]
    for e in entries:
        out += ["", f"## {e.title}", "", "```text", e.help.rstrip(), "```"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/cli.md (or with --check, say whether it is current: exit 0 / 1)."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    current = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else None
    if "--check" in args:
        if current != text:
            sys.stderr.write(f"{REFERENCE} is out of date: run `{COMMAND}` to update it\n")
            return 1
        return 0
    if current != text:
        from lifecycle_cli.files import write_atomically

        def write(fh: IO[str]) -> None:
            fh.write(text)

        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(REFERENCE, write, encoding="utf-8", newline="\n")
        sys.stdout.write(f"wrote {REFERENCE}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
