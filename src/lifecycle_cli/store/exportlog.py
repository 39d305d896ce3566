"""The export log (个人信息保护法): every export that showed full phone numbers (`--unmask`), with
when, which command, the options as typed, how many rows and the store asked for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from lifecycle_cli.store.tables import EXPORT_LOG

FIELDS = ("at", "command", "filters", "rows", "store")


def log_export(conn: Connection, *, at: datetime, command: str, filters: str, rows: int,
               store: str | None) -> None:
    """One unmasked export."""
    conn.execute(insert(EXPORT_LOG).values(at=at, command=command, filters=filters, rows=rows, store=store))


def export_records(conn: Connection) -> list[dict[str, Any]]:
    """Every logged export, oldest first."""
    e = EXPORT_LOG
    query = select(*[e.c[f] for f in FIELDS]).order_by(e.c.at, e.c.id)
    return [_utc(dict(r)) for r in conn.execute(query).mappings()]


def export_summary(conn: Connection) -> dict[str, Any]:
    """`db status`: how many exports were logged and the last one (None when none)."""
    e = EXPORT_LOG
    count = int(conn.execute(select(func.count()).select_from(e)).scalar() or 0)
    last = conn.execute(select(*[e.c[f] for f in FIELDS]).order_by(e.c.at.desc(), e.c.id.desc()).limit(1)).mappings().first()
    return {"count": count, "last": _utc(dict(last)) if last else None}


def _utc(record: dict[str, Any]) -> dict[str, Any]:
    """The stored instant is UTC (the drivers give it back without its zone)."""
    at = record["at"]
    if isinstance(at, datetime) and at.tzinfo is None:
        record["at"] = at.replace(tzinfo=UTC)
    return record
