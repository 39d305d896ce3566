"""The benchmark's reference floors run on the generator's files and account for every row.

They are numbers the README's performance section reasons with, so they must keep working
when the rules core or the generator change (they are not run by the test suite otherwise).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
FILES = ("customers", "vehicles", "visits")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench-data")
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "300", str(out)], check=True, capture_output=True)
    return out


def rows_in(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def floor(*argv: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, str(BENCH / "floors.py"), *argv], check=True, capture_output=True,
                          text=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_load_floor_moves_every_row_of_the_three_files(data: Path, tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    result = floor("load", str(db), *(str(data / f"{f}.csv") for f in FILES))

    with sqlite3.connect(db) as conn:
        stored = {f: conn.execute(f'SELECT count(*) FROM "{f}"').fetchone()[0] for f in FILES}
    assert stored == {f: rows_in(data / f"{f}.csv") for f in FILES}
    assert result["floor"] == "python_load"
    assert result["rows"] == sum(stored.values())


def test_the_load_floor_refuses_an_existing_database(data: Path, tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    db.write_bytes(b"")
    done = subprocess.run([sys.executable, str(BENCH / "floors.py"), "load", str(db), str(data / "visits.csv")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "exists" in done.stderr


def test_the_state_floor_computes_every_vehicle(data: Path) -> None:
    result = floor("state", str(data / "vehicles.csv"), str(data / "visits.csv"))

    assert result["floor"] == "rules_state"
    assert result["rows"] == rows_in(data / "vehicles.csv")
    assert isinstance(result["seconds"], float) and 0 < result["seconds"] < 60  # the measured part was timed


def test_the_checks_floor_reads_every_row_of_the_three_files(data: Path) -> None:
    result = floor("checks", *(str(data / f"{f}.csv") for f in FILES))

    assert result["floor"] == "value_checks"
    assert result["rows"] == sum(rows_in(data / f"{f}.csv") for f in FILES)


def test_the_checks_floor_checks_the_values_it_reads(tmp_path: Path) -> None:
    # A floor that skipped its checks would measure too little: a VIN with an I stops it.
    bad = tmp_path / "vehicles.csv"
    bad.write_text("vin,delivery_date\nLFPWDD6G2NZ00000I,2022-03-03\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(BENCH / "floors.py"), "checks", str(bad)], capture_output=True,
                          text=True)
    assert done.returncode != 0
    assert "LFPWDD6G2NZ00000I" in done.stderr
