"""`--help` loads nothing a verb's work needs (issue: `lifecycle --help` under 0.15 s): no database layer,
no rich (piped help is plain text), no rules file, and no pydantic — typer converts an option's value
through a pydantic TypeAdapter, which cli/helptext.py builds only when the option has a value, so the
root's unset --db / --rules before a verb's --help cost nothing (pydantic alone was ~90 ms of ~190 ms)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

NOT_NEEDED = ("pydantic", "rich", "sqlalchemy", "sqlmodel", "lifecycle_cli.core.rules", "lifecycle_cli.store")

SCRIPT = """
import json, sys
from lifecycle_cli.cli.app import main
sys.argv = ["lifecycle", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stderr.write("\\n" + json.dumps({"code": code, "loaded": sorted(m for m in WATCHED if m in sys.modules)}) + "\\n")
""".replace("WATCHED", repr(NOT_NEEDED))


@pytest.mark.parametrize("words", [["--help"], ["due", "--help"], ["import", "--help"], ["event", "add", "--help"]])
def test_help_loads_none_of_the_modules_a_verb_needs(words: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_DB", "LIFECYCLE_RULES")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, *words], capture_output=True, text=True, timeout=120,
                          env=env)
    ending = json.loads(done.stderr.strip().splitlines()[-1])
    assert ending == {"code": 0, "loaded": []}, done.stderr
    assert done.stdout.startswith("Usage: lifecycle")


def test_what_typer_reads_the_parameters_from_has_no_string_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer reads every verb's parameters, and each option callback's, from the function's annotations
    on every run; as strings (`from __future__ import annotations`) it compiles and evaluates each twice
    per run (~10 ms of `lifecycle --help`). The cli modules with verbs or option callbacks evaluate them
    once, at import; names only for type checking are quoted in the helpers' signatures."""
    import typer.main

    from lifecycle_cli.cli.app import app

    read: list[Any] = []
    real = typer.main.get_params_from_function

    def spy(func: Any) -> Any:
        read.append(func)
        return real(func)

    monkeypatch.setattr(typer.main, "get_params_from_function", spy)
    typer.main.get_command(app)
    assert len(read) > 30
    quoted = {f"{f.__module__}.{f.__qualname__}: {name}" for f in read
              for name, annotation in getattr(f, "__annotations__", {}).items() if isinstance(annotation, str)}
    assert not quoted
