"""Orchestration has one home (issue 16): only the CLI reads the clock, only the service runs the
import, and no module below the CLI decides an exit code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lifecycle_cli"


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def calls_in(path: Path) -> list[tuple[int, str]]:
    """Every call `a.b.c(...)` of a module as (line, dotted name)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            parts = []
            func = node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
            out.append((node.lineno, ".".join(reversed(parts))))
    return out


def where(path: Path) -> str:
    return str(path.relative_to(SRC))


@pytest.mark.parametrize("clock", ["date.today", "datetime.now", "datetime.utcnow", "datetime.today", "time.time"])
def test_only_the_cli_reads_the_clock(clock: str) -> None:
    # The stored stamps (created_at, recorded_at) come from the CLI's clock too (store/stamps.py).
    allowed = {"cli/common.py"}
    found = [f"{where(p)}:{line}" for p in modules() if where(p) not in allowed
             for line, name in calls_in(p) if name == clock]
    assert found == []


def test_only_the_service_runs_the_import() -> None:
    found = [f"{where(p)}:{line}" for p in modules() if not where(p).startswith("service/")
             and where(p) != "ingest/pipeline.py" for line, name in calls_in(p) if name.split(".")[-1] == "run_import"]
    assert found == []


def test_no_exit_code_is_decided_below_the_cli() -> None:
    """Below the CLI an error's class says how a run ends: no typer.Exit / sys.exit, no `code` handed on."""
    found = []
    for path in modules():
        if where(path).startswith("cli/"):
            continue
        text = path.read_text(encoding="utf-8")
        for marker in ("typer.Exit", "sys.exit(", "exit_code(", "def exit_code", ".code = code"):
            if marker in text:
                found.append(f"{where(path)}: {marker}")
    assert found == []


def imports_in(path: Path) -> list[tuple[int, str]]:
    """Every module a module imports, as (line, dotted name)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
    return out


def test_the_import_does_not_reach_into_what_depends_on_its_rows() -> None:
    """ingest/ lands rows; the projection state and the tasks that follow from them are brought in
    step by the service (service/importing.py StateAndTasks), not by the pipeline."""
    found = [f"{where(p)}:{line} {name}" for p in modules() if where(p).startswith("ingest/")
             for line, name in imports_in(p) if name in ("lifecycle_cli.store.state", "lifecycle_cli.store.tasks")]
    assert found == []


def runtime_imports_in(path: Path) -> list[tuple[int, str]]:
    """The modules a module imports when it runs (not those under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for node in ast.walk(block)}
    return [(line, name) for line, name in imports_in(path)
            if not any(id(n) in typing_only for n in ast.walk(tree)
                       if isinstance(n, ast.Import | ast.ImportFrom) and n.lineno == line)]


def test_the_cli_reaches_the_store_only_to_open_the_database() -> None:
    """A verb parses options, makes one service call and renders: the storage is the service's."""
    opening = {"lifecycle_cli.store.db", "lifecycle_cli.store.stamps"}
    found = [f"{where(p)}:{line} {name}" for p in modules() if where(p).startswith("cli/")
             for line, name in runtime_imports_in(p)
             if name.startswith("lifecycle_cli.store") and name not in opening]
    assert found == []


def test_no_module_over_450_lines_and_no_function_over_60() -> None:
    """Issue 16's size of a room (the migrations excepted: a schema is written out whole)."""
    found = []
    for path in modules():
        if where(path).startswith("store/migrations/"):
            continue
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 450:
            found.append(f"{where(path)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    found.append(f"{where(path)}:{node.lineno} {node.name}: {length} lines")
    assert found == []
