"""The export log as a use case: record an unmasked export, list the log (`db exports`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine


def record_export(engine: Engine, *, at: datetime, command: str, filters: str, rows: int,
                  store: str | None) -> None:
    """Write one unmasked export to the log, in its own transaction."""
    from lifecycle_cli.store.exportlog import log_export

    with engine.begin() as conn:
        log_export(conn, at=at, command=command, filters=filters, rows=rows, store=store)


def exports(engine: Engine) -> list[dict[str, Any]]:
    """Every logged export, oldest first."""
    from lifecycle_cli.store.exportlog import export_records

    with engine.connect() as conn:
        return export_records(conn)
