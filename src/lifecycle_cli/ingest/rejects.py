"""Rejects files: the rows a file could not land, with its own headers and a reason column, one
file per input (`customers.rejects.csv`, `customers-2.rejects.csv` when two inputs share a name)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lifecycle_cli.files import write_atomically
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row

__all__ = ["PRIVATE_COLUMNS", "name_rejects_files", "write_rejects"]

# Read, never stored nor written back (care-desk §7: 身份证号 only fills an empty birthday or gender).
PRIVATE_COLUMNS = frozenset({"id_number"})


def name_rejects_files(files: list[FileReport]) -> None:
    """Give each input its own rejects file name, in the order given: two inputs named
    customers.csv (s07/, s08/) get customers.rejects.csv and customers-2.rejects.csv."""
    used: set[str] = set()
    for report in files:
        stem = name = report.path.stem
        number = 1
        while name.casefold() in used:  # case-insensitive file systems too
            number += 1
            name = f"{stem}-{number}"
        used.add(name.casefold())
        report.rejects_name = f"{name}.rejects.csv"


def write_rejects(directory: Path, report: FileReport, header: list[str], rejects: list[tuple[Row, str]],
                  columns: Mapping[str, int]) -> Path:
    """Write rejected rows with the original headers and a reason column, atomically; returns the file.
    `columns`: the file's canonical columns (their places); the cells of PRIVATE_COLUMNS are left empty."""
    private = {i for column, i in columns.items() if column in PRIVATE_COLUMNS}

    def write(fh: Any) -> None:
        writer = csv.writer(fh)
        writer.writerow([*header, "错误原因"])
        for row, reason in rejects:
            writer.writerow([*("" if i in private else cell for i, cell in enumerate(row.raw)), reason])

    name = report.rejects_name or f"{report.path.stem}.rejects.csv"
    return write_atomically(directory / name, write, encoding="utf-8-sig")
