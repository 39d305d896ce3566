#!/usr/bin/env python3
"""Measure `lifecycle` at scale against the targets of the million-vehicle issue.

Usage::

    python benchmarks/run.py                                  # 10,000, 100,000 and 1,000,000 vehicles
    python benchmarks/run.py --sizes 2000,10000 --out /tmp/r  # a quick smoke run

For every size it generates (or reuses) canonical CSVs with ``benchmarks/generate.py``, then
runs, each in a fresh process: the ``sqlite3`` shell's ``.import --csv`` (the floor),
``lifecycle import`` into an empty database, the same import again (incremental, must change
nothing), ``lifecycle due --date D --format json`` (after a warm-up run), ``lifecycle
report --date D --format json``, the manager's page with a year of trend (``report --months 12
--format html``), one store's ``due --store`` beside a database of that store only, and a day's
2,000 new work orders into the big database; with ``--postgres-url`` the import, due and report
again on PostgreSQL.  The targets are issue 21's (and issue 17's first due, issue 20's page).  Start-up cost (``lifecycle --help``, ``due`` on an empty
database) is measured once, best of three.  Wall seconds are taken here with
``time.perf_counter`` around the child; peak RSS comes from GNU ``/usr/bin/time`` (``%M``),
or, without it, from a tiny ``python -S -I`` wrapper's ``getrusage(RUSAGE_CHILDREN)``: the largest
single process's.  Beside it, the summed RSS of the command's whole process tree (its workers too) is
sampled every 0.1 s from ``/proc`` (``tree_peak_mb``; the import's memory target uses it).  The
table is printed and written as JSON to ``OUT/<UTC timestamp>.json`` and ``OUT/latest.json``.

Standard library only.  See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from store_subset import largest_store, write_store_subset

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR = HERE / "generate.py"
FLOORS = HERE / "floors.py"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_TODAY = "2026-11-23"
FILES = ("customers", "vehicles", "visits")
# The first `due` after the initial 1,000,000-car import before go-live (issue 17's baseline).
FIRST_DUE_BEFORE_1M = 129.0
# A day's new work orders into the big database (issue 21: under 2 s at 1M).
DAY_ORDERS = 2000
ISSUE_SMALL, ISSUE_LARGE = 10_000, 1_000_000
GNU_TIME = "/usr/bin/time"
TIME_FORMAT = "BENCH %e %U %S %M %x"
MARKER = ".complete.json"
# The whole process tree's memory (the import's projection workers): /proc, sampled this often.
PROC = Path("/proc")
TREE_INTERVAL = 0.1
# The tree figure is shown beside peak MB when it is above it by more than this (MB): then more than one
# process held memory at the same moment.
TREE_SHOWN_ABOVE_MB = 1.0

# Fallback peak-RSS probe: runs argv[2:] and writes the same line GNU time would to argv[1].
# ru_maxrss of RUSAGE_CHILDREN is the maximum over all waited-for children, so the wrapper
# runs exactly one child.  Linux carries the parent's high-water mark over fork+exec, so the
# wrapper's own ~11 MB is the floor of what it can report (GNU time: ~1 MB).
WRAPPER = (
    "import resource,subprocess,sys,time\n"
    "t=time.perf_counter()\n"
    "rc=subprocess.call(sys.argv[2:])\n"
    "e=time.perf_counter()-t\n"
    "ru=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "code=rc if rc>=0 else 128-rc\n"
    "open(sys.argv[1],'w').write("
    "f'BENCH {e:.3f} {ru.ru_utime:.2f} {ru.ru_stime:.2f} {ru.ru_maxrss} {code}\\n')\n"
    "sys.exit(code)\n"
)

# Import summary headers (TSV when stdout is not a terminal) -> result keys.
SUMMARY_KEYS = {
    "读取": "read", "新增": "inserted", "更新": "updated", "未变": "unchanged",
    "拒绝": "rejected", "警告": "warnings",
    "read": "read", "inserted": "inserted", "updated": "updated", "unchanged": "unchanged",
    "rejected": "rejected", "warnings": "warnings",
}  # fmt: skip


# --------------------------------------------------------------------------- small helpers
def parse_size(text: str) -> int:
    """Parse a size such as ``10000``, ``10_000``, ``10k`` or ``1M``."""
    t = text.strip().replace("_", "").replace(",", "").lower()
    mult = 1
    if t.endswith("k"):
        t, mult = t[:-1], 1_000
    elif t.endswith("m"):
        t, mult = t[:-1], 1_000_000
    value = int(float(t) * mult)
    if value < 1:
        raise argparse.ArgumentTypeError(f"size must be at least 1: {text!r}")
    return value


def parse_sizes(text: str) -> list[int]:
    """Parse a comma-separated list of sizes (``10k,1M``), sorted and de-duplicated."""
    return sorted({parse_size(part) for part in text.split(",") if part.strip()})


def parse_date(text: str) -> str:
    """Validate an ISO date for argparse and return it unchanged."""
    dt.date.fromisoformat(text)
    return text


def utc_now() -> dt.datetime:
    """Return the current UTC time without microseconds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def read_text(path: Path) -> str:
    """Return a file's text (UTF-8, undecodable bytes replaced) or '' when it is missing."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def tail(text: str, lines: int = 15) -> str:
    """Return the last ``lines`` lines of ``text``."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def remove_db(path: Path) -> None:
    """Delete an SQLite database file with its journal, WAL and shared-memory side files."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fmt_num(value: float | None, digits: int = 2) -> str:
    """Format a number for the table ('-' when missing)."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def tree_note(result: dict[str, Any]) -> str:
    """'tree 612.3 MB' when a step's process tree held more at one moment than its largest single process
    (the import's workers beside it), else ''."""
    tree, peak = result.get("tree_peak_mb"), result.get("peak_mb")
    if tree is None or (peak is not None and tree <= peak + TREE_SHOWN_ABOVE_MB):
        return ""
    return f"tree {tree:,.1f} MB"


# --------------------------------------------------------------------------- measuring
def proc_table(proc: Path = PROC) -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, session id, resident pages) of every process, from ``/proc/PID/stat``
    (its rss field is the VmRSS of ``/proc/PID/status`` in pages); empty without ``/proc``."""
    table: dict[int, tuple[int, int, int]] = {}
    try:
        names = os.listdir(proc)
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"{proc}/{name}/stat", "rb") as fh:
                data = fh.read()
        except OSError:  # it ended meanwhile
            continue
        # pid (comm) state ppid pgrp session ... rss is the 24th field; comm may hold spaces and ')'
        fields = data[data.rfind(b")") + 2 :].split()
        try:
            table[int(name)] = (int(fields[1]), int(fields[3]), int(fields[21]))
        except (IndexError, ValueError):
            continue
    return table


def tree_members(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    """The processes under ``root``, without ``root`` itself: its descendants by parent pid, and every
    process of the session ``root`` leads (``Runner`` starts it with a session of its own), so a worker
    whose parent has already exited (reparented to init) still counts."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    members: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in members:
                members.add(child)
                stack.append(child)
    members.update(pid for pid, (_, sid, _) in table.items() if sid == root)
    members.discard(root)
    return members


class TreePeak:
    """While a command runs, sample every ``interval`` s (in a thread) the summed RSS of the processes
    under the runner's direct child (the ``time`` wrapper, whose own ~1 MB or the python wrapper's
    ~11 MB is left out) and keep the largest sum: the memory the command's process tree held at one
    moment, where ``ru_maxrss`` is the largest single process's.  A peak that lasts less than the
    interval can fall between two samples.  ``peak_mb`` is None without ``/proc`` or when no sample
    saw a process under the wrapper (a command shorter than the first sample)."""

    def __init__(self, root: int, interval: float = TREE_INTERVAL, proc: Path | None = None) -> None:
        """Prepare to sample the tree under process ``root`` (``proc``: where procfs is, default PROC)."""
        self.root, self.interval, self.proc = root, interval, PROC if proc is None else proc
        self.peak_bytes: int | None = None
        self.samples = 0
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        """Add one sample: the RSS of every process under the root, summed."""
        table = proc_table(self.proc)
        members = tree_members(self.root, table)
        if not members:
            return
        total = sum(table[pid][2] for pid in members) * self.page
        self.samples += 1
        self.peak_bytes = total if self.peak_bytes is None else max(self.peak_bytes, total)

    def _loop(self) -> None:
        """Sample now, then every interval until stopped."""
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> TreePeak:
        """Start sampling (nothing to sample without /proc)."""
        if (self.proc / "self" / "stat").exists():
            self._thread = threading.Thread(target=self._loop, name="tree-peak", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def peak_mb(self) -> float | None:
        """The largest summed RSS seen, in MB (MiB, as ``peak_mb``), or None."""
        return None if self.peak_bytes is None else round(self.peak_bytes / 1024 / 1024, 1)


class Runner:
    """Runs commands in fresh processes and measures wall seconds and peak RSS."""

    def __init__(self, method: str, timeout: float) -> None:
        """Pick the RSS method ('time', 'python' or 'auto') and a per-command timeout."""
        if method == "auto":
            method = "time" if gnu_time_works() else "python"
        if method == "time" and not gnu_time_works():
            raise SystemExit(f"--rss-method time needs GNU time at {GNU_TIME}")
        self.method = method
        self.timeout = timeout

    def wrap(self, argv: Sequence[str], probe: Path) -> list[str]:
        """Return ``argv`` wrapped by the peak-RSS probe that writes its result to ``probe``."""
        if self.method == "time":
            return [GNU_TIME, "-f", TIME_FORMAT, "-o", str(probe), *argv]
        return [sys.executable, "-S", "-I", "-c", WRAPPER, str(probe), *argv]

    def run(self, name: str, argv: Sequence[str], logs: Path, env: dict[str, str]) -> dict[str, Any]:
        """Run ``argv`` once in a fresh process; return rc, seconds, peak MB and log paths."""
        logs.mkdir(parents=True, exist_ok=True)
        out, err, probe = logs / f"{name}.out", logs / f"{name}.err", logs / f"{name}.rusage"
        probe.unlink(missing_ok=True)
        with out.open("wb") as fout, err.open("wb") as ferr:
            started = time.perf_counter()
            proc = subprocess.Popen(
                self.wrap(argv, probe), stdin=subprocess.DEVNULL, stdout=fout, stderr=ferr,
                env=env, start_new_session=True,
            )  # fmt: skip
            # A plain wait returns when the child ends; wait(timeout=) polls, sleeping up to 50 ms between
            # looks, which rounded a 0.13 s start-up up to 0.164 s. The timeout is a timer that kills it.
            expired = threading.Event()

            def kill() -> None:
                expired.set()
                os.killpg(proc.pid, signal.SIGKILL)

            killer = threading.Timer(self.timeout, kill)
            killer.start()
            with TreePeak(proc.pid) as tree:
                try:
                    rc = proc.wait()
                finally:
                    killer.cancel()
                seconds = time.perf_counter() - started
            timed_out = expired.is_set()
        result: dict[str, Any] = {
            "command": shlex.join(argv),
            "rc": rc,
            "seconds": round(seconds, 4),
            "peak_mb": None,
            # the summed RSS of the wrapper's child and all its descendants at one moment, at its largest
            "tree_peak_mb": tree.peak_mb,
            "tree_samples": tree.samples,
            "user_s": None,
            "sys_s": None,
            "stdout": str(out),
            "stderr": str(err),
        }
        for line in read_text(probe).splitlines():
            parts = line.split()
            if len(parts) == 6 and parts[0] == "BENCH":
                result["user_s"] = float(parts[2])
                result["sys_s"] = float(parts[3])
                result["peak_mb"] = round(int(parts[4]) / 1024, 1)
                if self.method == "python":  # the wrapper's own clock leaves out its start-up
                    result["outer_seconds"] = result["seconds"]
                    result["seconds"] = float(parts[1])
        if timed_out:
            result["error"] = f"timed out after {self.timeout:.0f} s"
        elif rc != 0:
            result["error"] = f"exit code {rc}"
        if "error" in result:
            result["stderr_tail"] = tail(read_text(err))
        return result


def gnu_time_works() -> bool:
    """Tell whether /usr/bin/time is GNU time (accepts -f and -o)."""
    if not os.access(GNU_TIME, os.X_OK):
        return False
    try:
        done = subprocess.run(
            [GNU_TIME, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def best_of(
    runner: Runner, name: str, argv: Sequence[str], logs: Path, env: dict[str, str], repeat: int
) -> dict[str, Any]:
    """Run a command ``repeat`` times; return the fastest run with all run times attached."""
    runs = [runner.run(f"{name}-{i + 1}", argv, logs, env) for i in range(repeat)]
    failed = [r for r in runs if r["rc"] != 0]
    best = dict(failed[0] if failed else min(runs, key=lambda r: r["seconds"]))
    best["all_seconds"] = [r["seconds"] for r in runs]
    best["repeat"] = repeat
    return best


# --------------------------------------------------------------------------- machine
def machine_info(runner: Runner, sqlite_bin: str | None) -> dict[str, Any]:
    """Describe the machine, toolchain and repository state the numbers were measured on."""
    cpu = ""
    for line in read_text(Path("/proc/cpuinfo")).splitlines():
        if line.lower().startswith(("model name", "hardware", "cpu model")):
            cpu = line.split(":", 1)[1].strip()
            break
    mem: dict[str, float] = {}
    for line in read_text(Path("/proc/meminfo")).splitlines():
        key, _, rest = line.partition(":")
        if key in ("MemTotal", "MemAvailable", "SwapTotal"):
            mem[key] = round(int(rest.split()[0]) / 1024 / 1024, 2)

    def cmd(*argv: str) -> str:
        """Return a command's stripped stdout, or '' when it fails."""
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=REPO, check=False)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        from importlib.metadata import version

        lifecycle_version = version("lifecycle-cli")
    except Exception:  # any metadata problem just leaves it unknown
        lifecycle_version = ""
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    dirty = cmd("git", "status", "--porcelain", "--untracked-files=no")
    return {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "cpu_model": cpu,
        "nproc": os.cpu_count(),
        "cpus_usable": affinity,
        "mem_total_gb": mem.get("MemTotal"),
        "mem_available_gb": mem.get("MemAvailable"),
        "swap_total_gb": mem.get("SwapTotal"),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "sqlite3_shell": (cmd(sqlite_bin, "--version") if sqlite_bin else "") or None,
        "sqlite_library_python": sqlite3.sqlite_version,
        "lifecycle_version": lifecycle_version,
        "git_commit": cmd("git", "rev-parse", "HEAD") or None,
        "git_dirty": bool(dirty),
        "git_dirty_files": dirty.splitlines()[:50],
        "rss_method": runner.method,
    }


# --------------------------------------------------------------------------- data
def ensure_data(n: int, today: str, workdir: Path, runner: Runner, env: dict[str, str]) -> dict[str, Any]:
    """Generate the CSVs for ``n`` vehicles (or reuse them if the marker matches); return facts."""
    data = workdir / f"data-{n}"
    marker = data / MARKER
    gen_hash = file_sha256(GENERATOR)
    want = {"n": n, "today": today, "generator_sha256": gen_hash}
    if marker.exists():
        try:
            saved = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        files_ok = all(
            (data / f"{f}.csv").is_file()
            and (data / f"{f}.csv").stat().st_size == saved.get("bytes", {}).get(f)
            for f in FILES
        )
        if files_ok and all(saved.get(k) == v for k, v in want.items()):
            return {**saved, "dir": str(data), "reused": True}
    marker.unlink(missing_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(GENERATOR), str(n), str(data), "--today", today]
    gen = runner.run("generate", argv, workdir / f"logs-{n}", env)
    if gen["rc"] != 0:
        raise SystemExit(f"generate.py failed for N={n}:\n{gen.get('stderr_tail', '')}")
    counts: dict[str, int] = {}
    for line in read_text(Path(gen["stdout"])).splitlines():
        m = re.match(r".*[/\\](\w+)\.csv: ([\d,]+) rows", line)
        if m:
            counts[m.group(1)] = int(m.group(2).replace(",", ""))
    for f in FILES:
        if f not in counts:  # fall back to counting lines (the generator writes no embedded newlines)
            with (data / f"{f}.csv").open("rb") as fh:
                counts[f] = sum(chunk.count(b"\n") for chunk in iter(functools.partial(fh.read, 1 << 20), b"")) - 1
    facts = {
        **want,
        "rows": counts,
        "total_rows": sum(counts.values()),
        "bytes": {f: (data / f"{f}.csv").stat().st_size for f in FILES},
        "generate_seconds": gen["seconds"],
        "generate_peak_mb": gen["peak_mb"],
        "generated_utc": utc_now().isoformat(),
    }
    marker.write_text(json.dumps(facts, indent=2), encoding="utf-8")
    return {**facts, "dir": str(data), "reused": False}


def write_day_orders(data: Path, target: Path, today: str, count: int) -> Path:
    """A work-order file of `count` new visits dated `today`, for cars spread over the fleet, each
    1,000 km past the car's latest work order (the generator's columns; numbers no export uses)."""
    import csv

    latest: dict[str, int] = {}
    with (data / "visits.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            km = int(row["mileage_km"] or 0)
            if km >= latest.get(row["vin"], -1):
                latest[row["vin"]] = km
    with (data / "vehicles.csv").open(encoding="utf-8", newline="") as fh:
        vins = [row["vin"] for row in csv.DictReader(fh)]
    step = max(1, len(vins) // count)
    chosen = vins[::step][:count]
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("ro_number", "vin", "visit_date", "mileage_km", "kind", "amount", "advisor"))
        for i, vin in enumerate(chosen):
            writer.writerow((f"DAY{today.replace('-', '')}{i:05d}", vin, today, latest.get(vin, 0) + 1000,
                             "maintenance", "480.00", ""))
    return target


# --------------------------------------------------------------------------- checks
def parse_import_summary(text: str) -> dict[str, Any] | None:
    """Parse the import summary table (TSV) into per-file counts and totals, or None."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cols = line.split("\t")
        if len(cols) < 4 or not any(c.strip() in SUMMARY_KEYS for c in cols):
            continue
        keys = [SUMMARY_KEYS.get(c.strip()) for c in cols]
        files: dict[str, dict[str, int]] = {}
        for row in lines[i + 1 :]:
            cells = row.split("\t")
            if len(cells) != len(cols):
                break
            counts: dict[str, int] = {}
            for key, cell in zip(keys, cells, strict=True):
                if key and cell.strip().replace(",", "").isdigit():
                    counts[key] = int(cell.strip().replace(",", ""))
            files[cells[0].strip()] = counts
        if not files:
            return None
        totals: dict[str, int] = {}
        for counts in files.values():
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        return {"files": files, "totals": totals}
    return None


def table_hashes(sqlite_bin: str | None, db: Path) -> dict[str, str]:
    """Return a SHA3 digest of every table's content (empty when it cannot be computed)."""
    if not db.exists():
        return {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")]
    hashes: dict[str, str] = {}
    if sqlite_bin:  # the shell's .sha3sum hashes a table's content in C, fast enough at 1M rows
        argv = [sqlite_bin, "-readonly", str(db), *(f".sha3sum {n}" for n in names)]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        lines = done.stdout.split()
        if done.returncode == 0 and len(lines) == len(names):
            return {n: line.split("|")[0] for n, line in zip(names, lines, strict=True)}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        for n in names:
            h = hashlib.sha256()
            for row in con.execute(f'select * from "{n}" order by rowid'):
                h.update(repr(row).encode())
            hashes[n] = h.hexdigest()
    return hashes


def sqlite_counts(db: Path) -> dict[str, int]:
    """Return the row count of every table in ``db``."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


def due_counts(path: Path) -> dict[str, int] | None:
    """Count the customers (rows) and tasks in ``due --format json`` output, or None."""
    try:
        rows = json.loads(read_text(path))
    except ValueError:
        return None
    if not isinstance(rows, list):
        return None
    tasks = sum(len(r.get("tasks") or []) for r in rows if isinstance(r, dict))
    return {"customers": len(rows), "tasks": tasks}


def floor_result(path: Path) -> dict[str, Any] | None:
    """The JSON line floors.py prints (rows and the seconds of its measured part), or None."""
    try:
        return json.loads(read_text(path).strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def db_mb(db: Path) -> float | None:
    """Return the size of an SQLite database (with WAL) in MB."""
    if not db.exists():
        return None
    size = sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists())
    return round(size / 1e6, 1)


# --------------------------------------------------------------------------- per size
def bench_size(
    n: int,
    args: argparse.Namespace,
    runner: Runner,
    env: dict[str, str],
    lifecycle: list[str],
    sqlite_bin: str | None,
) -> dict[str, Any]:
    """Generate data for ``n`` vehicles and measure every step; return the size's results."""
    workdir: Path = args.workdir
    print(f"\n== {n:,} vehicles", flush=True)
    data = ensure_data(n, args.today, workdir, runner, env)
    how = "reused" if data["reused"] else f"generated in {data['generate_seconds']:.1f} s"
    rows = data["rows"]
    print(
        f"   data {how}: {rows['customers']:,} customers, {rows['vehicles']:,} vehicles, "
        f"{rows['visits']:,} visits ({sum(data['bytes'].values()) / 1e6:,.1f} MB)",
        flush=True,
    )
    ddir = Path(data["dir"])
    csvs = [str(ddir / f"{f}.csv") for f in FILES]
    run_dir = workdir / f"run-{n}"
    logs = workdir / f"logs-{n}"
    run_dir.mkdir(parents=True, exist_ok=True)
    steps: dict[str, dict[str, Any]] = {}
    total = data["total_rows"]

    def step(key: str, argv: Sequence[str]) -> dict[str, Any]:
        """Run one measured step, print a progress line and keep its result."""
        result = runner.run(key, argv, logs, env)
        steps[key] = result
        status = "ok" if result["rc"] == 0 else f"FAILED ({result.get('error')})"
        tree = tree_note(result)
        print(
            f"   {key:<14} {result['seconds']:8.2f} s  {fmt_num(result['peak_mb'], 1):>7} MB  "
            f"{tree + '  ' if tree else ''}{status}",
            flush=True,
        )
        if result["rc"] != 0:
            print("   " + result.get("stderr_tail", "").replace("\n", "\n   "), flush=True)
        return result

    # 1. the physical floor: sqlite3 shell .import into a new database (tables made from the headers)
    if sqlite_bin and not args.skip_sqlite:
        floor_db = run_dir / "sqlite-floor.db"
        remove_db(floor_db)
        argv = [
            sqlite_bin,
            str(floor_db),
            *(f".import --csv {shlex.quote(c)} {f}" for c, f in zip(csvs, FILES, strict=True)),
        ]
        r = step("sqlite_import", argv)
        r["rows"] = total
        if r["rc"] == 0:
            got = sqlite_counts(floor_db)
            r["table_rows"] = got
            if any(got.get(f) != rows[f] for f in FILES):
                r["error"] = f"row counts {got} differ from generated {rows}"
                r["rc"] = -1
        r["db_mb"] = db_mb(floor_db)
        if not args.keep:
            remove_db(floor_db)

    # 1b. how much of that gap Python itself takes (floors.py): moving the same bytes through the
    # interpreter, and the rules core's projection state of every vehicle, which the import must store
    if not args.skip_floors and not args.postgres_only:
        floor_db = run_dir / "python-floor.db"
        remove_db(floor_db)
        r = step("python_load", [sys.executable, str(FLOORS), "load", str(floor_db), *csvs])
        r["rows"] = total
        r["floor"] = floor_result(Path(r["stdout"]))
        remove_db(floor_db)
        r = step("value_checks", [sys.executable, str(FLOORS), "checks", *csvs])
        r["rows"] = total
        r["floor"] = floor_result(Path(r["stdout"]))
        r = step("rules_state", [sys.executable, str(FLOORS), "state", csvs[1], csvs[2]])
        r["rows"] = rows["vehicles"]
        r["floor"] = floor_result(Path(r["stdout"]))

    if not args.postgres_only:
        # 2. lifecycle import into an empty database
        db = run_dir / "lifecycle.db"
        remove_db(db)
        base = [*lifecycle, "--db", str(db)]
        r = step("import", [*base, "import", *csvs])
        r["rows"] = total
        r["summary"] = parse_import_summary(read_text(Path(r["stdout"])))
        r["db_mb"] = db_mb(db)
        r["stderr_bytes"] = Path(r["stderr"]).stat().st_size
        if r["rc"] == 0 and r["summary"]:
            t = r["summary"]["totals"]
            if t.get("inserted") != total or t.get("rejected", 0) != 0:
                r["check"] = f"expected {total} inserted and 0 rejected, got {t}"
        imported = r["rc"] == 0

        # 3. incremental re-import of the same files: must be faster and change nothing
        if imported and not args.skip_reimport:
            before = {} if args.no_verify else table_hashes(sqlite_bin, db)
            r = step("reimport", [*base, "import", *csvs])
            r["rows"] = total
            r["summary"] = parse_import_summary(read_text(Path(r["stdout"])))
            problems = []
            if r["rc"] != 0:
                problems.append(f"exit code {r['rc']}")
            if not r["summary"]:
                problems.append("import summary not found in stdout")
            else:
                t = r["summary"]["totals"]
                if t.get("inserted", 0) or t.get("updated", 0) or t.get("rejected", 0):
                    problems.append(f"summary shows changes: {t}")
            if not args.no_verify:
                after = table_hashes(sqlite_bin, db)
                changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
                r["tables_changed"] = changed
                if changed:
                    problems.append(f"table content changed: {', '.join(changed)}")
            r["idempotent"] = not problems
            r["problems"] = problems

        # 4. due after one warm-up run (the warm-up syncs the task table); 5. report
        if imported:
            date = ["--date", args.today, "--format", "json"]
            r = step("due_warmup", [*base, "due", *date])
            r["counts"] = due_counts(Path(r["stdout"]))
            r = step("due", [*base, "due", *date])
            r["counts"] = due_counts(Path(r["stdout"]))
            if r["rc"] == 0 and r["counts"] is None:
                r["check"] = "stdout is not a JSON list"
            r = step("report", [*base, "report", *date])
            try:
                json.loads(read_text(Path(r["stdout"])))
                r["json_ok"] = True
            except ValueError:
                r["json_ok"] = False
                if r["rc"] == 0:
                    r["check"] = "stdout is not JSON"
            steps["report"]["db_mb_after"] = db_mb(db)
            # information only: the first report after due may sync tasks for the days ahead
            step("report_again", [*base, "report", *date])
            # issue 20: the manager's page with a year of trend, against report --format json for one month
            if not args.skip_page:
                page = run_dir / "report-12m.html"
                r = step("report_page", [*base, "report", "--date", args.today, "--months", "12", "--format", "html",
                                         "--out", str(page)])
                r["page_kb"] = round(page.stat().st_size / 1024, 1) if page.exists() else None
                page.unlink(missing_ok=True)
            if not args.skip_store:
                bench_one_store(args, run_dir, ddir, base, date, step)
        # 6. the next day's new work orders (2,000, for existing cars, dated today) into the live big database
        if imported and not args.skip_day:
            day_file = write_day_orders(ddir, run_dir / "day-visits.csv", args.today, DAY_ORDERS)
            r = step("day_orders", [*base, "import", str(day_file)])
            r["rows"] = DAY_ORDERS
            r["summary"] = parse_import_summary(read_text(Path(r["stdout"])))
            t = (r["summary"] or {}).get("totals", {})
            if r["rc"] == 0 and (t.get("inserted") != DAY_ORDERS or t.get("rejected", 0)):
                r["check"] = f"expected {DAY_ORDERS} inserted and 0 rejected, got {t}"

        if not args.keep:
            remove_db(db)

    # 7. the same import, due and report on a PostgreSQL server (a fresh database per size)
    pg = pg_fresh_database(args.postgres_url, f"lifecycle_bench_{n}") if args.postgres_url else None
    if pg is not None:
        pg_base = [*lifecycle, "--db", pg]
        r = step("pg_import", [*pg_base, "import", *csvs])
        r["rows"] = total
        r["summary"] = parse_import_summary(read_text(Path(r["stdout"])))
        if r["rc"] == 0:
            date = ["--date", args.today, "--format", "json"]
            step("pg_due_warmup", [*pg_base, "due", *date])
            r = step("pg_due", [*pg_base, "due", *date])
            r["counts"] = due_counts(Path(r["stdout"]))
            step("pg_report", [*pg_base, "report", *date])
            step("pg_report_again", [*pg_base, "report", *date])
    return {"n": n, "data": {k: v for k, v in data.items() if k != "generator_sha256"}, "steps": steps}


def bench_one_store(args: argparse.Namespace, run_dir: Path, ddir: Path, base: list[str], date: list[str],
                    step: Any) -> None:
    """Issue 17: one store's levelled `due --store S` on the group's database (warm), against `due` on a
    database that holds only that store's rows (cut from the same CSVs; its first due warms it)."""
    store = largest_store(ddir / "customers.csv")
    r = step("due_store", [*base, "due", *date, "--store", store])
    r["counts"], r["store"] = due_counts(Path(r["stdout"])), store
    subset = run_dir / "store-only"
    rows = write_store_subset(ddir, subset, store)
    db = run_dir / "store-only.db"
    remove_db(db)
    only = [base[0], "--db", str(db)]
    r = step("store_import", [*only, "import", *(str(subset / f"{f}.csv") for f in FILES)])
    r["rows"], r["store"] = sum(rows.values()), store
    step("store_due_warmup", [*only, "due", *date])
    r = step("store_due", [*only, "due", *date])
    r["counts"], r["store"] = due_counts(Path(r["stdout"])), store
    if not args.keep:
        remove_db(db)


def pg_fresh_database(server_url: str, name: str) -> str | None:
    """Drop and create database `name` on the server of `server_url`; return the new database's URL
    (None, said on stdout, when this Python has no psycopg: the SQLite results are still written)."""
    try:
        import psycopg
    except ImportError:
        print(f"   PostgreSQL steps skipped: no psycopg in {sys.executable} (pip install 'psycopg[binary]')",
              flush=True)
        return None

    base, _, _ = server_url.rpartition("/")
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def bench_startup(
    args: argparse.Namespace, runner: Runner, env: dict[str, str], lifecycle: list[str]
) -> dict[str, Any]:
    """Measure start-up: ``--help`` and ``due`` on an empty database, best of N each."""
    print("\n== start-up", flush=True)
    logs = args.workdir / "logs-startup"
    empty = args.workdir / "empty.db"
    remove_db(empty)
    due = [*lifecycle, "--db", str(empty), "due", "--date", args.today]
    upgrade = [*lifecycle, "--db", str(empty), "db", "upgrade"]
    out: dict[str, Any] = {
        "help": best_of(runner, "help", [*lifecycle, "--help"], logs, env, args.repeat),
        # only import, demo and db upgrade create a database: this one makes the schema
        "due_new_db": runner.run("db-upgrade-new-db", upgrade, logs, env),
        "due_empty_db": best_of(runner, "due-empty", due, logs, env, args.repeat),
    }
    for key, r in out.items():
        status = "ok" if r["rc"] == 0 else f"FAILED ({r.get('error')})"
        tree = tree_note(r)
        print(f"   {key:<14} {r['seconds']:8.3f} s  {fmt_num(r['peak_mb'], 1):>7} MB  "
              f"{tree + '  ' if tree else ''}{status}", flush=True)
    remove_db(empty)
    return out


# --------------------------------------------------------------------------- targets and table
def import_peak(r: dict[str, Any]) -> tuple[float | None, str]:
    """The import's peak memory for the target, and which figure it is: the process tree's (lifecycle
    and its workers summed at one moment), else the largest single process's.  The tree's true peak is
    at least its largest process's, so that one stands when a sampled tree shows less (a peak between
    two samples)."""
    tree, single = r.get("tree_peak_mb"), r.get("peak_mb")
    if tree is None:
        return single, "largest single process: the tree was not sampled"
    if single is not None and single > tree:
        return single, f"largest single process, above the sampled tree's {tree:,.1f} MB"
    return tree, f"process tree summed, sampled every {TREE_INTERVAL:g} s"


def evaluate(sizes: dict[int, dict[str, Any]], startup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Compare the measurements with the issue's targets; return one row per target."""
    ns = sorted(sizes)
    big = ns[-1]
    steps_big = sizes[big]["steps"]

    def secs(steps: dict[str, Any], key: str) -> float | None:
        """Return a successful step's seconds, else None."""
        r = steps.get(key)
        return r["seconds"] if r and r["rc"] == 0 else None

    def row(
        what: str, value: float | None, limit: float, unit: str, at: str, official: bool
    ) -> dict[str, Any]:
        """Build one target row with PASS/MISS (n/a when not measured)."""
        status = "n/a" if value is None else ("PASS" if value <= limit else "MISS")
        return {"what": what, "at": at, "value": value, "target": limit, "unit": unit,
                "status": status, "at_issue_size": official}  # fmt: skip

    # Issue 21's figures (and issue 17's first due, issue 20's page), each with its target.
    targets = []
    imp, floor = secs(steps_big, "import"), secs(steps_big, "sqlite_import")
    ratio = round(imp / floor, 2) if imp and floor else None
    targets.append(row("import / sqlite3 .import", ratio, 15, "x", f"{big:,}", big == ISSUE_LARGE))
    for key, what, note in (
        ("python_load", "python load / sqlite3", "csv.reader -> executemany of the same bytes, no checks"),
        ("value_checks", "value checks / sqlite3", "csv.reader and the least check of every cell, in memory"),
        ("rules_state", "rules state / sqlite3", "the rules core's projection state of every car, in memory"),
    ):
        measured = (steps_big.get(key) or {}).get("floor") if secs(steps_big, key) else None
        share = round(measured["seconds"] / floor, 2) if measured and floor else None
        if share is not None:
            targets.append({"what": what, "at": f"{big:,}", "value": share, "target": None, "unit": "x",
                            "status": "info", "at_issue_size": big == ISSUE_LARGE, "note": note})  # fmt: skip
    peak, basis = import_peak(steps_big.get("import", {})) if imp else (None, "")
    targets.append({**row("import peak memory", peak, 500, "MB", f"{big:,}", big == ISSUE_LARGE), "note": basis})
    re_imp = secs(steps_big, "reimport")
    targets.append(row("re-import / sqlite3 .import", round(re_imp / floor, 2) if re_imp and floor else None, 4,
                       "x", f"{big:,}", big == ISSUE_LARGE))
    targets.append(row(f"{DAY_ORDERS:,} work orders", secs(steps_big, "day_orders"), 2, "s", f"{big:,}",
                       big == ISSUE_LARGE))
    pg_imp = secs(steps_big, "pg_import")
    targets.append(row("PostgreSQL import / SQLite import", round(pg_imp / imp, 2) if pg_imp and imp else None, 2,
                       "x", f"{big:,}", big == ISSUE_LARGE))
    rep = secs(steps_big, "report")
    targets.append(row("report (warm, after due)", rep, 10, "s", f"{big:,}", big == ISSUE_LARGE))
    page = secs(steps_big, "report_page")
    targets.append(row("12-month page / report json", round(page / rep, 2) if page and rep else None, 3, "x",
                       f"{big:,}", big == ISSUE_LARGE))
    one, alone = secs(steps_big, "due_store"), secs(steps_big, "store_due")
    targets.append(row("due --store S / S-only db", round(one / alone, 2) if one and alone else None, 2, "x",
                       f"{big:,}", big == ISSUE_LARGE))
    # Issue 17: the first due after the initial import (go-live: far fewer tasks) within a third of the
    # 129 s measured before it at 1M.
    targets.append(row("first due (go-live)", secs(steps_big, "due_warmup"), FIRST_DUE_BEFORE_1M / 3, "s",
                       f"{big:,}", big == ISSUE_LARGE))
    if startup is not None:
        h = startup["help"]
        targets.append(row("lifecycle --help", h["seconds"] if h["rc"] == 0 else None, 0.15, "s", "-", True))
    for n in ns:
        r = sizes[n]["steps"].get("reimport")
        if r is not None:
            targets.append({"what": "re-import changes nothing", "at": f"{n:,}", "value": None, "target": None,
                            "unit": "", "status": "PASS" if r.get("idempotent") else "MISS",
                            "at_issue_size": True, "problems": r.get("problems", [])})  # fmt: skip
    return targets


def render(result: dict[str, Any]) -> str:
    """Render the measurements and targets as a plain-text table."""
    lines = []
    head = f"{'size':>10}  {'step':<18} {'seconds':>9} {'rows/s':>10} {'peak MB':>8}  notes"
    lines += [head, "-" * len(head)]
    labels = {
        "sqlite_import": "sqlite3 .import", "python_load": "python load (ref)", "value_checks": "value checks (ref)",
        "rules_state": "rules state (ref)",
        "import": "lifecycle import", "reimport": "re-import", "day_orders": f"{DAY_ORDERS:,} work orders",
        "due_warmup": "due (warm-up)", "due": "due", "report": "report", "report_again": "report (again)",
        "due_store": "due --store S", "store_import": "import S only", "store_due_warmup": "S only: due (warm)",
        "store_due": "S only: due",
        "pg_import": "PG import", "pg_due_warmup": "PG due (warm-up)", "pg_due": "PG due",
        "pg_report": "PG report", "pg_report_again": "PG report (again)", "report_page": "page, 12 months",
    }  # fmt: skip
    for n, size in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        data = size["data"]
        lines.append(
            f"{int(n):>10,}  {'generate (info)':<18} {fmt_num(data.get('generate_seconds')):>9} "
            f"{'':>10} {fmt_num(data.get('generate_peak_mb'), 1):>8}  "
            f"{data['total_rows']:,} rows{' (reused)' if data.get('reused') else ''}"
        )
        steps = size["steps"]
        for key, label in labels.items():
            r = steps.get(key)
            if r is None:
                continue
            rate = r["rows"] / r["seconds"] if r.get("rows") and r["rc"] == 0 and r["seconds"] > 0 else None
            notes = []
            if r["rc"] != 0 or r.get("error"):
                notes.append(f"FAILED: {r.get('error')}")
            if r.get("check"):
                notes.append(f"CHECK: {r['check']}")
            if tree_note(r):
                notes.append(tree_note(r))
            if key in ("import", "reimport", "pg_import") and r.get("summary"):
                t = r["summary"]["totals"]
                notes.append(
                    f"ins {t.get('inserted', 0):,} upd {t.get('updated', 0):,} "
                    f"same {t.get('unchanged', 0):,} rej {t.get('rejected', 0):,}"
                )
            if r.get("floor"):
                notes.append(f"measured part {r['floor']['seconds']:.2f} s")
                if steps.get("sqlite_import", {}).get("rc") == 0:
                    notes.append(f"= {r['floor']['seconds'] / steps['sqlite_import']['seconds']:.1f}x sqlite3")
            if key == "import" and steps.get("sqlite_import", {}).get("rc") == 0 and r["rc"] == 0:
                notes.append(f"{r['seconds'] / steps['sqlite_import']['seconds']:.1f}x sqlite3")
            if key == "reimport" and r["rc"] == 0 and steps.get("sqlite_import", {}).get("rc") == 0:
                notes.append(f"{r['seconds'] / steps['sqlite_import']['seconds']:.1f}x sqlite3")
            if key == "reimport" and r["rc"] == 0 and steps["import"]["seconds"] > 0:
                notes.append(f"{r['seconds'] / steps['import']['seconds']:.2f}x first import")
                if "idempotent" in r:
                    notes.append("unchanged" if r["idempotent"] else "CHANGED: " + "; ".join(r["problems"]))
            if key in ("due", "due_warmup", "pg_due", "due_store", "store_due") and r.get("counts"):
                notes.append(f"{r['counts']['customers']:,} customers, {r['counts']['tasks']:,} tasks")
            if r.get("stderr_bytes") and r["rc"] == 0:
                notes.append(f"stderr {r['stderr_bytes']:,} bytes (should be silent off a terminal)")
            if r.get("db_mb") is not None:
                notes.append(f"db {r['db_mb']:,.0f} MB")
            lines.append(
                f"{'':>10}  {label:<18} {fmt_num(r['seconds']):>9} {fmt_num(rate, 0) if rate else '':>10} "
                f"{fmt_num(r['peak_mb'], 1):>8}  {', '.join(notes)}"
            )
    startup = result.get("startup")
    if startup:
        for key, label in (
            ("help", "--help"),
            ("due_new_db", "db upgrade, new db"),
            ("due_empty_db", "due, empty db"),
        ):
            r = startup[key]
            note = f"best of {r['repeat']}" if "repeat" in r else "first run, creates the schema"
            if r["rc"] != 0:
                note = f"FAILED: {r.get('error')}"
            if tree_note(r):
                note += f", {tree_note(r)}"
            lines.append(
                f"{'start-up':>10}  {label:<18} {r['seconds']:>9.3f} {'':>10} "
                f"{fmt_num(r['peak_mb'], 1):>8}  {note}"
            )
    lines.append("")
    head = f"{'target':<28} {'at':<22} {'measured':>10} {'target':>8}  status"
    lines += [head, "-" * len(head)]
    footnote = False
    for t in result["targets"]:
        value = "" if t["value"] is None else f"{fmt_num(t['value'])} {t['unit']}"
        limit = "" if t["target"] is None else f"<= {t['target']:g} {t['unit']}"
        mark = "" if t["at_issue_size"] else " *"
        footnote = footnote or not t["at_issue_size"]
        extra = f"  ({'; '.join(t['problems'])})" if t.get("problems") else ""
        extra += f"  ({t['note']})" if t.get("note") else ""
        lines.append(f"{t['what']:<28} {t['at']:<22} {value:>10} {limit:>8}  {t['status']}{mark}{extra}")
    if footnote:
        lines.append(
            f"* not at the issue's sizes ({ISSUE_SMALL:,} / {ISSUE_LARGE:,} vehicles): indicative only"
        )
    m = result["machine"]
    lines.append("")
    lines.append(
        f"machine: {m['cpu_model'] or '?'}, {m['nproc']} CPUs, {m['mem_total_gb']} GB RAM, "
        f"{m['platform']}, Python {m['python']}, sqlite3 {(m['sqlite3_shell'] or '?').split(' ')[0]} "
        f"(python lib {m['sqlite_library_python']}), load {m['loadavg_at_start']}, "
        f"commit {(m['git_commit'] or '?')[:10]}{' (dirty)' if m['git_dirty'] else ''}, "
        f"peak RSS via {m['rss_method']} (floor {result['rss_floor_mb']} MB)"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main
def default_lifecycle() -> str:
    """The `lifecycle` script installed beside this Python (what `pip install -e .` made), else the
    one on PATH: a version manager's shim on PATH (pyenv) would add its own ~0.25 s to every run."""
    beside = Path(sys.executable).parent / "lifecycle"
    return str(beside) if beside.is_file() else (shutil.which("lifecycle") or "lifecycle")


def compile_bytecode(lifecycle: Sequence[str]) -> dict[str, Any]:
    """Write the package's bytecode once, as `pip install` does for an installed package. An editable
    install run with PYTHONDONTWRITEBYTECODE=1 (this workplace's environment) never writes it, so every
    command compiled its ~100 modules from source (~0.2 s of `import`'s start-up, measured by the
    2,000 work orders); the figures are the program's, not the interpreter's compiler's."""
    python = sys.executable
    script = Path(shutil.which(lifecycle[0]) or lifecycle[0])
    try:
        first = script.read_bytes()[:200].split(b"\n", 1)[0].decode()
        if first.startswith("#!") and "python" in first:
            python = first[2:].strip().split()[0]
    except (OSError, UnicodeDecodeError):
        pass
    code = ("import compileall, os, lifecycle_cli; "
            "print(int(compileall.compile_dir(os.path.dirname(lifecycle_cli.__file__), quiet=1)))")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return {"python": python, "compiled": done.returncode == 0 and done.stdout.strip() == "1",
            "dont_write_bytecode_env": os.environ.get("PYTHONDONTWRITEBYTECODE")}


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(description="Benchmark lifecycle import / due / report at scale.")
    p.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated vehicle counts, e.g. 10000,1000000 or 10k,1M (default 10k,100k,1M)",
    )
    p.add_argument(
        "--today",
        type=parse_date,
        default=DEFAULT_TODAY,
        help="date D for generate, due --date D and report --date D (default %(default)s)",
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where data and databases go; data is reused across runs (default: a new temp dir)",
    )
    p.add_argument("--keep", action="store_true", help="keep the databases (and a temp workdir) afterwards")
    p.add_argument(
        "--out", type=Path, default=HERE / "results", help="results directory (default %(default)s)"
    )
    p.add_argument(
        "--lifecycle", default=None, help="command that runs the CLI (default: the `lifecycle` beside this Python, else on PATH)"
    )
    p.add_argument(
        "--sqlite3",
        dest="sqlite_bin",
        default=shutil.which("sqlite3"),
        help="sqlite3 shell for the floor and table hashes (default: on PATH)",
    )
    p.add_argument("--skip-sqlite", action="store_true", help="skip the sqlite3 .import floor")
    p.add_argument("--skip-floors", action="store_true", help="skip the Python load and rules-state floors")
    p.add_argument("--skip-reimport", action="store_true", help="skip the incremental re-import")
    p.add_argument("--skip-day", action="store_true",
                   help=f"skip the day's {DAY_ORDERS:,} new work orders into the big database")
    p.add_argument("--skip-page", action="store_true",
                   help="skip the manager's page with 12 months of trend (report --months 12 --format html)")
    p.add_argument("--skip-startup", action="store_true", help="skip the start-up measurements")
    p.add_argument("--skip-store", action="store_true",
                   help="skip the one-store steps (due --store on the group db vs a db of that store only)")
    p.add_argument(
        "--no-verify",
        action="store_true",
        help="do not hash the tables around the re-import (saves a few seconds at 1M)",
    )
    p.add_argument("--repeat", type=int, default=3, help="runs per start-up measurement (best of; default 3)")
    p.add_argument(
        "--rss-method",
        choices=("auto", "time", "python"),
        default="auto",
        help="peak-RSS probe: GNU /usr/bin/time, or a python wrapper (default auto: time if GNU)",
    )
    p.add_argument("--timeout", type=float, default=3600, help="seconds before a command is killed")
    p.add_argument("--fail-on-miss", action="store_true", help="exit 2 when a target is missed")
    p.add_argument("--postgres-only", action="store_true", help="with --postgres-url: skip the SQLite steps")
    p.add_argument(
        "--postgres-url",
        help="also run import, due and report on this PostgreSQL server (postgresql+psycopg://USER@HOST:PORT/DB;"
        " a database lifecycle_bench_N is created per size)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 if a command failed (2 on a missed target with --fail-on-miss)."""
    args = build_parser().parse_args(argv)
    if not args.sizes:
        raise SystemExit("--sizes is empty")
    lifecycle = shlex.split(args.lifecycle) if args.lifecycle else [default_lifecycle()]
    if not shutil.which(lifecycle[0]):
        raise SystemExit(f"cannot find {lifecycle[0]!r}; install the package or pass --lifecycle")
    if args.sqlite_bin is None and not args.skip_sqlite:
        print("warning: no sqlite3 shell found; the .import floor is skipped", file=sys.stderr)
    temp = args.workdir is None
    args.workdir = Path(tempfile.mkdtemp(prefix="lifecycle-bench-", dir="/tmp")) if temp else args.workdir
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    runner = Runner(args.rss_method, args.timeout)
    env = dict(os.environ)
    for key in ("LIFECYCLE_DB", "LIFECYCLE_RULES"):
        env.pop(key, None)
    env["LIFECYCLE_NOW"] = f"{args.today}T01:00:00Z"
    env["NO_COLOR"] = "1"
    started = utc_now()
    floor = runner.run("rss-floor", ["true"], args.workdir / "logs-startup", env)
    result: dict[str, Any] = {
        "schema": 1,
        "started_utc": started.isoformat(),
        "argv": sys.argv,
        "today": args.today,
        "lifecycle_command": lifecycle,
        "workdir": str(args.workdir),
        "rss_floor_mb": floor["peak_mb"],
        "machine": machine_info(runner, args.sqlite_bin),
        "sizes": {},
    }
    result["bytecode"] = compile_bytecode(lifecycle)
    print(f"workdir {args.workdir}, today {args.today}, peak RSS via {runner.method}, "
          f"bytecode {'written' if result['bytecode']['compiled'] else 'NOT written'}", flush=True)
    try:
        sizes = {n: bench_size(n, args, runner, env, lifecycle, args.sqlite_bin) for n in args.sizes}
        startup = None if args.skip_startup else bench_startup(args, runner, env, lifecycle)
    finally:
        if temp and not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    result["sizes"] = {str(n): v for n, v in sizes.items()}
    result["startup"] = startup
    result["targets"] = evaluate(sizes, startup)
    failures = []
    for n, size in sizes.items():
        for key, r in size["steps"].items():
            if r["rc"] != 0 or r.get("check"):
                failures.append({"size": n, "step": key, "error": r.get("error") or r.get("check"),
                                 "stderr_tail": r.get("stderr_tail", "")})  # fmt: skip
    for key, r in (startup or {}).items():
        if r["rc"] != 0:
            failures.append({"size": None, "step": key, "error": r.get("error"),
                             "stderr_tail": r.get("stderr_tail", "")})  # fmt: skip
    result["failures"] = failures
    result["finished_utc"] = utc_now().isoformat()
    table = render(result)
    result["table"] = table
    print("\n" + table)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    (args.out / f"{stamp}.json").write_text(text, encoding="utf-8")
    (args.out / "latest.json").write_text(text, encoding="utf-8")
    print(f"\nwrote {args.out / f'{stamp}.json'} and latest.json")
    if failures:
        print(f"{len(failures)} command(s) failed or returned unexpected output:", file=sys.stderr)
        for f in failures:
            where = f"{f['size']:,} vehicles" if f["size"] else "start-up"
            print(f"  {where}, {f['step']}: {f['error']}", file=sys.stderr)
            if f["stderr_tail"]:
                print("    " + f["stderr_tail"].replace("\n", "\n    "), file=sys.stderr)
        return 1
    if args.fail_on_miss and any(t["status"] == "MISS" for t in result["targets"]):
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
