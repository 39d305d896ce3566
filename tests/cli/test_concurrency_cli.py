"""Several `lifecycle` processes at once against a real PostgreSQL server (the [postgres] variants only).

Bounded: a handful of processes, a few hundred rows, a timeout on each. A desk's `done` and `due`
while other desks work or the nightly import runs: nothing lost, never half an import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import DAY, NOW, Files, customer, import_world, make_vin, sql_rows, task_id_of, vehicle

CODE = "from lifecycle_cli.cli.app import main; main()"
TIMEOUT = 120


def start(db: Path | str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LIFECYCLE_NOW": NOW}
    env.pop("LIFECYCLE_DB", None)
    return subprocess.Popen([sys.executable, "-c", CODE, "--db", str(db), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, out, err


def postgres_only(db: Path | str) -> None:
    if isinstance(db, Path):
        pytest.skip("several processes against a real server: the [postgres] variant")


def attempts_and_outcomes(db: Path | str, task: int) -> tuple[int, int]:
    attempts = sql_rows(db, "select attempts from task where id = ?", (task,))[0][0]
    outcomes = sql_rows(db, "select count(*) from outcome where task_id = ?", (task,))[0][0]
    return int(attempts), int(outcomes)


def test_two_no_answers_on_one_task_at_once_are_both_recorded(db: Path, files: Files) -> None:
    postgres_only(db)
    import_world(db, files)
    task = task_id_of(db, DAY, "C100", "delivery_call_24h")
    procs = [start(db, "done", str(task), "--result", "no_answer", "--date", DAY) for _ in range(2)]
    results = [finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], results
    assert attempts_and_outcomes(db, task) == (2, 2)


def test_two_reached_on_one_task_at_once_record_one_and_refuse_the_other_clearly(db: Path, files: Files) -> None:
    postgres_only(db)
    import_world(db, files)
    task = task_id_of(db, DAY, "C100", "delivery_call_24h")
    procs = [start(db, "done", str(task), "--result", "reached", "--date", DAY) for _ in range(2)]
    results = sorted(finish(p) for p in procs)
    assert [code for code, _, _ in results] == [0, 1], results
    assert f"任务 {task} 已关闭" in results[1][2]
    assert attempts_and_outcomes(db, task) == (1, 1)
    assert sql_rows(db, "select status, closed_reason from task where id = ?", (task,)) == [("closed", "reached")]


def test_due_during_an_import_sees_all_of_it_or_none(db: Path, files: Files) -> None:
    postgres_only(db)
    import_world(db, files)
    # --no-capacity: the whole list (levelled, the new store's 300 calls would be cut to its capacity).
    before = len(json.loads(finish(start(db, "due", "--date", DAY, "--format", "json", "--no-capacity"))[1]))
    # The nightly import of another store: 300 cars delivered yesterday, each a call today.
    n = 300
    customers = [customer(f"N{i}", f"客户{i}", i % 100, store="广州番禺店") for i in range(n)]
    vehicles = [vehicle(make_vin(5000 + i), f"N{i}", "2026-11-22", store="广州番禺店") for i in range(n)]
    files_ = [files.customers(customers, name="n_customers.csv"), files.vehicles(vehicles, name="n_vehicles.csv")]
    importing = start(db, "import", *map(str, files_))
    time.sleep(0.3)
    desks = [start(db, "due", "--date", DAY, "--format", "json", "--no-capacity") for _ in range(3)]
    code, _out, err = finish(importing)
    assert code == 0, err
    seen = set()
    for desk in desks:
        desk_code, desk_out, desk_err = finish(desk)
        assert desk_code == 0, desk_err
        seen.add(len(json.loads(desk_out)))
    assert seen <= {before, before + n}, seen
    after = len(json.loads(finish(start(db, "due", "--date", DAY, "--format", "json", "--no-capacity"))[1]))
    assert after == before + n


def test_six_no_answers_on_one_task_at_once_record_at_most_max_attempts(db: Path | str, files: Files) -> None:
    """Both engines: SQLite takes its write lock before reading the task (BEGIN IMMEDIATE), PostgreSQL
    locks the row; either way the attempts counted are the outcomes stored, never more than three."""
    import_world(db, files)
    task = task_id_of(db, DAY, "C100", "delivery_call_24h")
    procs = [start(db, "done", str(task), "--result", "no_answer", "--date", DAY) for _ in range(6)]
    results = sorted(finish(p) for p in procs)
    assert [code for code, _, _ in results] == [0, 0, 0, 1, 1, 1], results
    for _code, _out, err in results[3:]:
        assert err.startswith(f"任务 {task} 已关闭（无法联系，{DAY}），未做任何更改"), err
    assert attempts_and_outcomes(db, task) == (3, 3)
    assert sql_rows(db, "select status, closed_reason from task where id = ?", (task,)) == [("closed", "unreachable")]
