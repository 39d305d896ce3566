"""The CLI reference (docs/cli.md) is the commands' own help; the README lists every command; the help
shows words for placeholders and lists the values a choice option accepts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup

from lifecycle_cli.cli import reference
from lifecycle_cli.cli.app import app
from lifecycle_cli.cli.choices import Choice
from lifecycle_cli.cli.helptext import width
from lifecycle_cli.core.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
UPDATE = "run `python -m lifecycle_cli.cli.reference` to update it"


def _commands(command: Any = None, path: str = "") -> Iterator[tuple[str, Any]]:
    command = command if command is not None else typer.main.get_command(app)
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}".strip())


def test_docs_cli_md_is_the_help_of_every_command() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == reference.render(), f"docs/cli.md is out of date: {UPDATE}"
    for path, _ in _commands():
        assert f"## lifecycle {path}".rstrip() + "\n" in committed


def test_reference_check_says_when_the_file_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(reference, "REFERENCE", stale)
    assert reference.main(["--check"]) == 1
    assert UPDATE in capsys.readouterr().err
    assert reference.main([]) == 0 and reference.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == reference.render()


def test_the_readme_commands_table_lists_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `lifecycle ([a-z ]+)` \|", section, flags=re.MULTILINE))
    commands = {path for path, command in _commands() if path and not isinstance(command, TyperGroup)}
    assert listed == commands, f"README.md Commands table: missing {commands - listed}, stale {listed - commands}"
    assert "(docs/cli.md)" in section


def test_placeholders_are_words_not_python_types() -> None:
    helps = {entry.path: entry.help for entry in reference.commands()}
    for path, command in _commands():
        text = helps[path]
        assert not re.search(r"<[a-z][^>]*>", text), f"lifecycle {path} --help shows a type: {text}"
        for param in command.params:
            if not getattr(param, "is_flag", False) and param.name != "help":
                assert param.metavar, f"lifecycle {path}: {param.name} has no placeholder word"


def test_each_choice_option_lists_what_it_accepts_in_its_help() -> None:
    rules = load_rules(None)
    seen = 0
    for path, command in _commands():
        for param in command.params:
            choice = getattr(getattr(param.callback, "__wrapped__", None), "__self__", None)
            if not isinstance(choice, Choice):
                continue
            seen += 1
            for entry in choice.entries(rules if choice.from_rules else None):
                assert entry.shown in (param.help or ""), f"lifecycle {path} {param.opts}: {entry.shown}"
    assert seen >= 20


def test_help_fits_the_terminal_and_its_columns_line_up() -> None:
    # A Chinese character takes two columns: measured in characters, lines ran past the edge and the
    # help of options with Chinese placeholders started in different columns.
    for entry in reference.commands():
        starts = set()
        for line in entry.help.splitlines():
            assert width(line) <= reference.WIDTH, f"{entry.title} --help: {line}"
            option = re.match(r"  -\S*(?: \S+)?(?:, -\S+(?: \S+)?)? {2,}", line)
            if option:
                starts.add(width(option.group()))
        assert len(starts) <= 1, f"{entry.title} --help: option help starts at columns {starts}"
