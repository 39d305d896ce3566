"""The README's worked examples are what a fresh database prints.

Every fenced block that follows a `<!-- example -->` line is one step of a single session: its
`$ lifecycle ...` commands run in order, in a scratch folder holding the bundled `sample_data/`,
on the clock the README states (LIFECYCLE_NOW), and the lines shown under each command must be
what the command prints (stdout and stderr as a terminal shows them; runs of spaces and tabs are
one space). A line `...` stands for any number of lines; otherwise the lines shown are
consecutive, from the first line of the output. A line ending in `[y/N]: y` answers the prompt.
A later `<!-- example clock: ... -->` line moves the clock for the examples after it (a week's
mornings). A fenced block after `<!-- example file: PATH -->` is a file a person wrote (a call
sheet filled in by the desk): it is written to PATH in the scratch folder at that point of the session.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifecycle_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = "<!-- example -->"
CLOCK = re.compile(r"<!-- example clock: (\S+) -->")
FILE = re.compile(r"<!-- example file: (\S+) -->")
ELLIPSIS = "..."


@dataclass
class Example:
    """One `$ lifecycle ...` command of the README and the output lines it shows."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    clock: str = ""
    # A file a person wrote at this point (not a command): its path and lines.
    writes: str | None = None


def _examples(text: str) -> tuple[str, list[Example]]:
    lines = text.splitlines()
    clock = next((m.group(1) for m in map(CLOCK.search, lines) if m), "")
    first_clock = clock
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        if (moved := CLOCK.search(lines[index])) is not None:
            clock = moved.group(1)
        if (written := FILE.search(lines[index])) is not None:
            index += 1
            assert lines[index].startswith("```"), f"README.md:{index + 1}: a file example must be a fenced block"
            index += 1
            body: list[str] = []
            while not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            examples.append(Example(index + 1, "", body, clock, written.group(1)))
            index += 1
            continue
        if lines[index].strip() != MARKER:
            index += 1
            continue
        index += 1
        assert lines[index].startswith("```"), f"README.md:{index + 1}: {MARKER} must precede a fenced block"
        index += 1
        while not lines[index].startswith("```"):
            text_line = lines[index]
            if text_line.startswith("$ "):
                command, start = text_line[2:], index
                while command.endswith("\\"):
                    index += 1
                    command = command[:-1] + " " + lines[index].strip()
                examples.append(Example(start + 1, command, clock=clock))
            elif examples and examples[-1].writes is None:
                examples[-1].expected.append(text_line)
            index += 1
        index += 1
    return first_clock, examples


def _normal(line: str) -> str:
    return " ".join(line.split())


def _matches(expected: list[str], actual: list[str]) -> str | None:
    """None when the shown lines are the output (with `...` gaps); else what differs."""
    shown = [_normal(line) for line in expected]
    got = [_normal(line) for line in actual]

    def match(i: int, j: int) -> bool:
        if i == len(shown):
            return True
        if shown[i] == ELLIPSIS:
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and got[j] == shown[i] and match(i + 1, j + 1)

    if match(0, 0):
        return None
    for i, line in enumerate(shown):
        if line != ELLIPSIS and line not in got:
            return f"line not printed: {expected[i]!r}"
    return "lines printed in another order or with other lines between them"


def _run(example: Example, workdir: Path, clock: str) -> tuple[int, list[str]]:
    words = shlex.split(example.command, comments=True)
    assert words[0] == "lifecycle", example.command
    args, target = words[1:], None
    if ">" in args:
        at = args.index(">")
        args, target = args[:at], args[at + 1]
    answer = "y\n" if any(line.rstrip().endswith("[y/N]: y") for line in example.expected) else None
    old = os.getcwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(app, args, input=answer, env={"LIFECYCLE_NOW": clock, "LIFECYCLE_DB": None,
                                                                  "LIFECYCLE_RULES": None, "NO_COLOR": None})
    finally:
        os.chdir(old)
    if target is not None:
        (workdir / target).write_text(result.stdout, encoding="utf-8")
        return result.exit_code, result.stderr.splitlines()
    return result.exit_code, result.output.splitlines()


def test_the_readme_examples_print_what_the_readme_shows(tmp_path: Path) -> None:
    clock, examples = _examples(README.read_text(encoding="utf-8"))
    assert clock, f"README.md has no {CLOCK.pattern} line"
    assert len(examples) >= 10, "the README lost its checked examples"
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    problems = []
    for example in examples:
        if example.writes is not None:
            target = tmp_path / example.writes
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(example.expected) + "\n", encoding="utf-8")
            continue
        code, output = _run(example, tmp_path, example.clock or clock)
        if code not in (0, 1):
            problems.append(f"README.md:{example.line}: exit {code}: {example.command}\n" + "\n".join(output[-5:]))
            continue
        differs = _matches(example.expected, output)
        if differs:
            problems.append(f"README.md:{example.line}: {example.command}\n  {differs}\n  printed:\n    "
                            + "\n    ".join(output[:40]))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (["a  b", "c"], ["a\tb", "c"], True),
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "d"], ["a", "b", "d"], False),
        (["b"], ["a", "b"], False),
        (["...", "b"], ["a", "b", "c"], True),
        (["a", "..."], ["a", "b"], True),
        ([], [], True),
        (["x"], [], False),
    ],
)
def test_shown_lines_match_with_gaps_only_where_the_readme_says(expected: list[str], actual: list[str],
                                                                 ok: bool) -> None:
    assert (_matches(expected, actual) is None) is ok
