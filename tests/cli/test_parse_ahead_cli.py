"""A big CSV file's lines are cut, digested and parsed in a worker process while the batch before lands
(ingest/parse_ahead.py): what an import says, rejects, stores and skips next time must be exactly what
the same import parsed in this process gives — messages in the file's order, rows rejected at parse and
at landing (with their rejects-file lines), duplicates, fields beyond the header, quoted cells, stored
digests — with batches small enough that several are in flight at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import VEHICLE_COLUMNS, Files, customer, make_vin, run, sql_rows, vehicle, visit

from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.ingest.headers import map_headers
from lifecycle_cli.ingest.pipeline import Importer, OpenFile
from lifecycle_cli.ingest.readers import open_table
from lifecycle_cli.ingest.report import FileReport, ImportOptions
from lifecycle_cli.store.generation import WORKERS_ENV

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
DMS = SAMPLE / "dms_export"
TABLES = ("customer", "vehicle", "visit", "odometerreading", "kept_line")


def messy_files(files: Files) -> list[Path]:
    """Files that say every kind of thing a parse and a landing can say about a line."""
    customers = [customer(f"C{i:03d}", f"客户{i}", i) for i in range(1, 12)]
    customers[3]["phone"] = "12345"  # an invalid number: kept and flagged, a warning
    customers[5]["birthday"] = "1985-02-30"  # not a date: rejected at parse
    customers.append(customer("C002", "李静静", 2))  # a duplicate of line 3: the later wins
    customers.append(customer("C012", "王芳, 小王", 12))  # a quoted cell with the delimiter in it
    cars = [vehicle(make_vin(i), f"C{i:03d}", "2024-03-15", km=str(1000 * i), km_date="2025-03-01")
            for i in range(1, 11)]
    cars[2]["vin"] = cars[2]["vin"][:8] + "X" + cars[2]["vin"][9:]  # a wrong check digit: a warning
    cars.append(vehicle(make_vin(40), "C999", "2025-01-01"))  # no such owner: rejected while landing
    cars.append(vehicle(make_vin(41), "C011", "2025-13-01"))  # not a date: rejected at parse
    cars_path = files.vehicles(cars)
    with cars_path.open("a", encoding="utf-8", newline="") as fh:  # fields beyond the header's width
        row = vehicle(make_vin(42), "C012", "2026-01-10")
        fh.write(",".join(str(row.get(column, "")) for column in VEHICLE_COLUMNS) + ",多余,字段\n")
    visits = [visit(f"RO{i:03d}", make_vin(1 + i % 10), f"2025-0{1 + i % 9}-1{i % 10}", 3000 + 100 * i)
              for i in range(1, 25)]
    visits.append(visit("RO900", make_vin(77), "2025-05-05", 5000))  # an unknown car: rejected while landing
    visits.append(visit("RO901", make_vin(1), "2025-05-05", "abc"))  # not a number: rejected at parse
    visits.append(visit("RO003", make_vin(4), "2025-03-13", 3300))  # a duplicate work order
    return [files.customers(customers), cars_path, files.visits(visits)]


def stored(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import fills, by id (both imports land in the same order)."""
    return {table: sql_rows(db, f"select * from {table} order by 1") for table in TABLES}


def rejects(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("inputs", ["messy", "dms"])
def test_lines_parsed_in_the_worker_land_exactly_as_lines_parsed_here(
    new_db: Callable[[str], Path], files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inputs: str
) -> None:
    monkeypatch.setattr("lifecycle_cli.ingest.pipeline.BATCH_ROWS", 3)
    paths = messy_files(files) if inputs == "messy" else [DMS / "客户档案.csv", DMS / "车辆信息.xlsx",
                                                          DMS / "维修记录.csv"]
    ahead: list[str] = []
    land_parsed_ahead = Importer._land_parsed_ahead

    def spy(self: Importer, conn: Any, kind: Any, item: Any, *args: Any) -> None:
        ahead.append(item.report.path.name)
        land_parsed_ahead(self, conn, kind, item, *args)

    monkeypatch.setattr(Importer, "_land_parsed_ahead", spy)
    results = {}
    for setting in ("0", "1"):
        db = new_db(f"{setting}.db")
        folder = tmp_path / f"rejects-{setting}"
        first = run(db, "import", *paths, "--rejects", folder, env={WORKERS_ENV: setting})
        again = run(db, "import", *paths, env={WORKERS_ENV: setting})  # its lines skipped by their digests
        said = [text.replace(str(folder), "REJECTS").replace(str(db), "DB") for text in
                (first.stdout, first.stderr, again.stdout)]
        results[setting] = (first.exit_code, *said, stored(db), rejects(folder))
        assert ahead == ([] if setting == "0" else [p.name for p in paths if p.suffix == ".csv"]), ahead
    here, worker = results["0"], results["1"]
    assert here[0] == 1, here[2]  # some rows rejected
    assert "被拒绝" in here[2] or "拒绝" in here[1] + here[2]
    for i, what in enumerate(("exit code", "summary", "messages", "re-import", "rows", "rejects files")):
        assert worker[i] == here[i], what
    assert sum(len(rows) for rows in here[4].values()) > 30
    assert len(here[5]) >= 2  # a rejects file per file with rejected rows, and the warnings


def test_a_small_file_is_parsed_here_unless_the_setting_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's start (about half a second) pays from about PARALLEL_FROM rows (by the file's size);
    a workbook's rows are made as they are read, nothing to cut elsewhere."""
    importer = Importer(None, load_rules(), ImportOptions(today=date(2026, 11, 23)), None)  # type: ignore[arg-type]

    def opened(path: Path, kind: str) -> OpenFile:
        table = open_table(path)
        return OpenFile(FileReport(path=path, kind=kind), table, map_headers(table.header, kind))

    csv_file, workbook = opened(SAMPLE / "visits.csv", "visits"), opened(DMS / "车辆信息.xlsx", "vehicles")
    try:
        monkeypatch.delenv(WORKERS_ENV, raising=False)
        assert importer._parsed_ahead(csv_file) is None  # a store's sample: parsed here
        monkeypatch.setenv(WORKERS_ENV, "1")
        assert importer._parsed_ahead(csv_file) is not None
        assert importer._parsed_ahead(workbook) is None
        monkeypatch.setenv(WORKERS_ENV, "0")
        assert importer._parsed_ahead(csv_file) is None
    finally:
        csv_file.table.close()
        workbook.table.close()
