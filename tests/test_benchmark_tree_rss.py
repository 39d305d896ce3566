"""benchmarks/run.py measures a step's memory twice: the largest single process's peak (`peak_mb`, from
ru_maxrss) and the process tree's (`tree_peak_mb`, every process under the wrapper summed at one moment,
sampled from /proc), and the import's 500 MB target takes the tree's: the import's projection workers
(multiprocessing spawn) count with it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
HAS_PROC = Path("/proc/self/stat").exists()


@pytest.fixture(scope="module")
def run() -> Iterator[ModuleType]:
    """benchmarks/run.py as a module (it imports store_subset from its own directory)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module


# The parent holds 100 MB and spawns two workers that hold 100 MB each for a second.
WORKERS = textwrap.dedent("""
    import multiprocessing, sys, time

    def hold(mb):
        block = b"x" * (mb << 20)  # written, so resident
        time.sleep(1.0)
        return len(block)

    if __name__ == "__main__":
        mine = b"x" * (100 << 20)
        workers = [multiprocessing.get_context("spawn").Process(target=hold, args=(100,)) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        sys.exit(0 if all(w.exitcode == 0 for w in workers) else 1)
""")


@pytest.mark.skipif(not HAS_PROC, reason="the process tree is read from /proc (Linux)")
@pytest.mark.parametrize("method", ["time", pytest.param("python", marks=pytest.mark.slow)])  # the same twice
def test_the_tree_peak_sums_the_workers_the_single_peak_does_not(run: ModuleType, method: str,
                                                                 tmp_path: Path) -> None:
    if method == "time" and not run.gnu_time_works():
        pytest.skip("no GNU time")
    script = tmp_path / "workers.py"
    script.write_text(WORKERS, encoding="utf-8")

    r = run.Runner(method, 60).run("workers", [sys.executable, str(script)], tmp_path / "logs", dict(os.environ))

    assert r["rc"] == 0, r.get("stderr_tail")
    assert 100 <= r["peak_mb"] < 160  # one process: its 100 MB and an interpreter
    assert 300 <= r["tree_peak_mb"] < 480  # three of them at once (and multiprocessing's resource tracker)
    assert r["tree_samples"] >= 5
    assert run.tree_note(r) == f"tree {r['tree_peak_mb']:,.1f} MB"


def test_without_proc_the_tree_figure_is_none(run: ModuleType, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "PROC", tmp_path / "no-proc")

    r = run.Runner("python", 60).run("sleep", [sys.executable, "-c", "import time; time.sleep(0.3)"],
                                     tmp_path / "logs", dict(os.environ))

    assert r["rc"] == 0
    assert r["peak_mb"] is not None
    assert r["tree_peak_mb"] is None and r["tree_samples"] == 0
    assert run.tree_note(r) == ""


def test_the_tree_is_the_wrappers_descendants_and_its_session_without_the_wrapper(run: ModuleType) -> None:
    # pid: (ppid, session, rss pages); 100 is the wrapper, leader of session 100
    table = {
        1: (0, 1, 10), 50: (1, 50, 10),  # init, the runner
        100: (50, 100, 1), 101: (100, 100, 2), 102: (101, 100, 4),  # the wrapper, lifecycle, a worker
        103: (1, 100, 8),  # a worker whose parent exited: reparented to init, still in the session
        104: (101, 104, 16),  # a child that made its own session: still a descendant
        200: (50, 50, 32),  # another child of the runner
    }
    assert run.tree_members(100, table) == {101, 102, 103, 104}


def import_target(run: ModuleType, **figures: float | None) -> dict[str, object]:
    steps = {"import": {"rc": 0, "seconds": 10.0, **figures}}
    [target] = [t for t in run.evaluate({1_000_000: {"steps": steps}}, None) if t["what"] == "import peak memory"]
    return target


def test_the_import_target_takes_the_tree_peak_and_says_so(run: ModuleType) -> None:
    tree = import_target(run, peak_mb=120.0, tree_peak_mb=612.3)
    assert (tree["value"], tree["status"]) == (612.3, "MISS")
    assert "process tree" in str(tree["note"])

    unsampled = import_target(run, peak_mb=120.0, tree_peak_mb=None)
    assert (unsampled["value"], unsampled["status"]) == (120.0, "PASS")
    assert "single process" in str(unsampled["note"])

    # the tree's true peak is at least its largest process's: a peak between two samples does not lower it
    missed = import_target(run, peak_mb=130.0, tree_peak_mb=125.2)
    assert missed["value"] == 130.0
    assert "single process" in str(missed["note"]) and "125.2" in str(missed["note"])
