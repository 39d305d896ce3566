"""`appointments`: reception's list of the appointments (预约) of some days, as plain data."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules


def appointments(engine: Engine, rules: Rules, today: date, first: date, last: date,
                 store: str | None = None) -> list[dict[str, Any]]:
    """The appointments of the days [first, last], each with its purpose's and status's Chinese names.

    Like every command that lists tasks it runs the sync of the store's today first (care-desk §4): the
    appointments whose day passed are settled (visited / no_show) and the no-show calls created."""
    from lifecycle_cli.core.appointments import STATUS_LABELS
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.appointments import appointment_list
    from lifecycle_cli.store.tasks import sync_window

    with engine.begin() as conn:
        sync_window(conn, rules, today, today, HolidayCalendar(), today=today, facts_committed=True)
        rows = appointment_list(conn, first, last, store)
    for row in rows:
        tp = rules.touchpoints.get(row["purpose"])
        row["purpose_name"] = tp.name if tp is not None else row["purpose"]
        row["status_name"] = STATUS_LABELS.get(row["status"], row["status"])
    return rows
