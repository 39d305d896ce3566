"""`--help` loads nothing a verb's work needs (issue: `lifecycle --help` under 0.15 s): no database layer,
no rich (piped help is plain text), no rules file, and no pydantic — typer converts an option's value
through a pydantic TypeAdapter, which cli/helptext.py builds only when the option has a value, so the
root's unset --db / --rules before a verb's --help cost nothing (pydantic alone was ~90 ms of ~190 ms)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
