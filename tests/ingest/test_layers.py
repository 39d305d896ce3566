"""The shape of ingest/ (issue 16): no import cycle between its modules, no module reaching into
another's private names, every module importable on its own, and the kinds registry as the one
list of kinds that detection, the landing order, the summary and --kind read."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import lifecycle_cli.ingest as ingest_package

INGEST = Path(ingest_package.__file__).parent
PREFIX = "lifecycle_cli.ingest"
# Objects of a third-party library whose private attributes the xlsx reader uses on purpose.
THIRD_PARTY_NAMES = {"workbook", "worksheet"}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of ingest/."""
    out = {}
    for path in sorted(INGEST.rglob("*.py")):
        parts = list(path.relative_to(INGEST).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join([PREFIX, *parts])] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The ingest modules a file imports (anywhere in it, under TYPE_CHECKING or in a function too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in MODULES}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for other in sorted(graph[node]):
            if state.get(other) == 1:
                return [*stack[stack.index(other):], other]
            if other not in state and (found := visit(other)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_inside_ingest() -> None:
    """A module's imports of other ingest modules never lead back to it (the old events.py
    imported pipeline.py, which imported events.py back)."""
    graph = {name: _imports(path) - {name} for name, path in MODULES.items()}
    # A package's __init__ re-exporting its own modules is not a cycle: it is an edge down only.
    assert _cycle(graph) is None


def test_no_private_name_of_another_module() -> None:
    """No `from lifecycle_cli.x import _name`, no `module_or_object._name` on our own objects
    (the old events.py called the importer's _vin / _reject / _say)."""
    offences = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lifecycle_cli"):
                offences += [f"{name}: from {node.module} import {a.name}" for a in node.names
                             if a.name.startswith("_")]
            elif (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                  and isinstance(node.value, ast.Name)
                  and node.value.id not in {"self", "cls", "super", *THIRD_PARTY_NAMES}):
                offences.append(f"{name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert offences == []


def test_every_module_imports_on_its_own() -> None:
    """Each ingest module imported first, into an interpreter with no ingest module loaded (the
    store's tables cannot be defined twice in one interpreter, so store/ and core/ stay loaded)."""
    script = (
        "import importlib, sys\n"
        f"for name in {sorted(MODULES)!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('lifecycle_cli.ingest')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_registry_is_the_list_of_kinds() -> None:
    """Detection, the landing order, the summary's labels and --kind all come from registry.KINDS."""
    from lifecycle_cli.ingest import headers, pipeline, registry

    assert tuple(registry.KINDS) == ("customers", "vehicles", "visits", "events", "staff")
    assert tuple(registry.KINDS) == headers.KINDS
    assert tuple(registry.KINDS) == registry.KIND_CHOICES
    assert pipeline.KIND_LABELS == {"customers": "客户", "vehicles": "车辆", "visits": "进厂记录", "events": "事件",
                                   "staff": "人员"}
    assert {kind.name for kind in registry.DETECT_ORDER} == set(registry.KINDS)
    for name, kind in registry.KINDS.items():
        assert kind.name == name
        assert set(kind.required) <= set(kind.columns)
        assert set(kind.aliases) <= set(kind.accepted()), name  # an alias names a column of the kind
        assert set(kind.tables) <= {"customer", "vehicle", "visit"}
