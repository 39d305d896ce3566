"""`import` and `demo`: the one caller of the import pipeline (ingest/pipeline.run_import).

What the import did to its files comes back as the pipeline's ImportReport; how the run ends
(rows rejected: exit 1, a file refused: exit 2) is `outcome()`, as an errors.py class.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecycle_cli.collector import few_collections
from lifecycle_cli.errors import Interrupted, RefusedInput, RowsRejected, UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.ingest.pipeline import ImportOptions, ImportReport
    from lifecycle_cli.service.calllist import CallList
    from lifecycle_cli.steps import Steps

INTERRUPTED = "导入被中断，数据库保持导入前的状态"


@dataclass
class StateAndTasks:
    """What an import's rows change beyond themselves, in the import's transaction: the stored
    projection state of the cars and customers it touched (and of the customers whose cars
    changed), their assigned people (and everyone's when the people changed), then those customers'
    tasks from the store's today (ingest.pipeline.AfterLanding). `refresh` consumes its sets: the
    cars' is emptied, the customers' grows into the result (at a million cars each copy is ~60 MB)."""

    rules: Rules
    today: date

    def refresh(self, conn: Any, vehicles: set[int], customers: set[int], steps: Steps | None,
                bulk: Collection[str] = ()) -> set[int]:
        from lifecycle_cli.store.staff import bring_assignments_in_step
        from lifecycle_cli.store.state import customers_of_vehicles, refresh_customers, refresh_vehicles

        # A table whose read-side indexes this import dropped (`bulk`) gets its state written whole.
        refresh_vehicles(conn, vehicles, self.rules, steps, only_moved="vehicle" not in bulk,
                         bulk_load="vehicle" in bulk)
        # In place: a first import of a million cars holds no second or third set of their keys.
        touched = customers_of_vehicles(conn, vehicles, into=customers)
        vehicles.clear()  # consumed: the cars' keys are not needed after their state
        refresh_customers(conn, touched, self.rules, steps, only_moved="customer" not in bulk)
        # People (a staff file) and new customers: assignments, and the customers whose owners moved.
        touched |= bring_assignments_in_step(conn, self.rules, self.today, touched)
        return touched

    def resync(self, conn: Any, customers: set[int], steps: Steps | None) -> None:
        from lifecycle_cli.core.calendar import HolidayCalendar
        from lifecycle_cli.store.appointments import settle
        from lifecycle_cli.store.tasks import resync_customers

        resync_customers(conn, self.rules, customers, self.today, HolidayCalendar(), steps)
        settle(conn, self.rules, self.today, no_shows=False)  # a visit on D or D + 1 keeps an appointment


def import_files(engine: Engine, rules: Rules, files: list[Path], options: ImportOptions, *,
                 progress: Callable[[Path, int], None] | None = None, steps: Steps | None = None) -> ImportReport:
    """Import the files in one transaction (options.today is the store's today): the pipeline lands
    the rows, then the state and tasks they touch are brought in step (StateAndTasks); Ctrl-C rolls
    it all back (errors.Interrupted)."""
    from lifecycle_cli.ingest.pipeline import run_import

    try:
        with few_collections():
            return run_import(engine, rules, files, options, StateAndTasks(rules, options.today),
                              progress=progress, steps=steps)
    except KeyboardInterrupt:
        raise Interrupted(INTERRUPTED) from None


def outcome(report: ImportReport) -> UserError | None:
    """How an import ends, beyond its report (which already said why, so the error's message is empty):
    a file refused whole → RefusedInput (2), rows rejected → RowsRejected (1), else None (0)."""
    if any(f.refused for f in report.files):
        return RefusedInput("")
    if any(f.rejected for f in report.files):
        return RowsRejected("")
    return None


@dataclass
class Demo:
    """What `demo` imported (rows inserted per kind) and today's call list of the sample store."""

    inserted: dict[str, int]
    calls: CallList


def demo(engine: Engine, rules: Rules, today: date, folder: Path) -> Demo:
    """Import the bundled sample store (customers, vehicles, visits, staff) and build today's call list."""
    from lifecycle_cli.ingest.pipeline import ImportOptions
    from lifecycle_cli.service.calllist import CallListOptions, call_list

    files = [folder / "customers.csv", folder / "vehicles.csv", folder / "visits.csv", folder / "staff.csv"]
    report = import_files(engine, rules, files, ImportOptions(today=today))
    inserted = {f.kind or "": f.inserted for f in report.files}
    return Demo(inserted, call_list(engine, rules, today, CallListOptions(day=today)))
