"""`--help` loads nothing a verb's work needs (issue: `lifecycle --help` under 0.15 s): no database layer,
no rich (piped help is plain text), no rules file, and no pydantic — typer converts an option's value
through a pydantic TypeAdapter, which cli/helptext.py builds only when the option has a value, so the
root's unset --db / --rules before a verb's --help cost nothing (pydantic alone was ~90 ms of ~190 ms)."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
import typer
import typer.main
from cli_helpers import run_watching
from typer.core import TyperGroup

from lifecycle_cli.cli.app import app
from lifecycle_cli.cli.helptext import LazyVerbs

NOT_NEEDED = ("pydantic", "rich", "sqlalchemy", "sqlmodel", "lifecycle_cli.core.rules", "lifecycle_cli.store")



@pytest.mark.parametrize("words", [["--help"], ["due", "--help"], ["import", "--help"], ["event", "add", "--help"]])
def test_help_loads_none_of_the_modules_a_verb_needs(words: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_DB", "LIFECYCLE_RULES")}
    ending, done = run_watching(words, NOT_NEEDED, env)
    assert ending == {"code": 0, "loaded": []}, done.stderr
    assert done.stdout.startswith("Usage: lifecycle")


def _reads_of(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The functions typer reads parameters from (get_params_from_function), from now on."""
    import typer.main

    read: list[Any] = []
    real = typer.main.get_params_from_function

    def spy(func: Any) -> Any:
        read.append(getattr(func, "__func__", func))
        return real(func)

    monkeypatch.setattr(typer.main, "get_params_from_function", spy)
    return read


def _build_all(group: Any) -> None:
    for _, sub in group.commands.items():
        if isinstance(sub, TyperGroup):
            _build_all(sub)


def test_what_typer_reads_the_parameters_from_has_no_string_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer reads every verb's parameters, and each option callback's, from the function's annotations;
    as strings (`from __future__ import annotations`) it compiles and evaluates each twice per command
    built (~10 ms of the whole tree). The cli modules with verbs or option callbacks evaluate them once,
    at import; names only for type checking are quoted in the helpers' signatures."""
    read = _reads_of(monkeypatch)
    _build_all(typer.main.get_command(app))
    assert len(read) > 30
    quoted = {f"{f.__module__}.{f.__qualname__}: {name}" for f in read
              for name, annotation in getattr(f, "__annotations__", {}).items() if isinstance(annotation, str)}
    assert not quoted


def test_a_verb_is_built_when_it_is_named_and_the_root_help_builds_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer builds a command by reading its function's parameters; the root builds only the verb named
    (cli/helptext.py LazyVerbs), and its help lists the verbs without building them."""
    read = _reads_of(monkeypatch)
    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="lifecycle")
    assert "due" in root.get_help(ctx) and "campaign" in root.get_help(ctx)
    assert {f.__name__ for f in read} == {"main_options", "show_version"}
    read.clear()
    due = root.get_command(ctx, "due")
    assert due is not None and due.name == "due"
    assert {f.__name__ for f in read} == {"due_command", "parse"}  # and its options' callbacks (choices.py)
    assert root.get_command(ctx, "no-such-verb") is None


def test_the_root_help_lists_each_verb_as_typer_builds_it() -> None:
    """What the root's help says of a verb it has not built is what the built verb says."""
    listed, built = typer.main.get_command(app), typer.main.get_command(app)
    assert isinstance(listed.commands, LazyVerbs)
    names = list(listed.commands)
    assert names == list(built.commands) and "import" in names and names[-1] == "db"
    for name in names:
        header, command = listed.commands.header(name), built.commands[name]
        assert type(header) is type(command)
        assert (header.name, header.hidden, header.get_short_help_str(limit=1000)) == \
            (command.name, command.hidden, command.get_short_help_str(limit=1000))


def test_a_typer_without_its_private_conversion_module_keeps_its_own_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    """cli/helptext.py reaches typer's private `typer._coercion`; a typer without it must still run (each
    parameter keeps typer's own conversion), not fail on import."""
    import lifecycle_cli.cli.helptext as helptext

    assert helptext._deferred_kind() is not None  # this typer has it
    monkeypatch.setitem(sys.modules, "typer._coercion", None)  # an import of it now raises ImportError
    assert helptext._deferred_kind() is None
    monkeypatch.setattr(helptext, "_DEFERRED", None)
    params = [typer.main.get_command(app).params[0]]
    before = [getattr(p, "_runtime_param", "unset") for p in params]
    helptext.defer_coercion(params)
    assert [getattr(p, "_runtime_param", "unset") for p in params] == before
