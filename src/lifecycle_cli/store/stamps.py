"""The instant stored in `created_at` / `recorded_at`: the command's clock, never the machine's.

The CLI reads the clock once (cli/common.py: LIFECYCLE_NOW or the real time) and gives it to the
engine as the `stamp` execution option (`stamped`); a row inserted without its stamp gets that
instant from the column default below. So a replay (LIFECYCLE_NOW) stores the replay's instants,
and nothing below the CLI reads the clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

STAMP = "stamp"


class NoStamp(RuntimeError):
    """A row needing a stamp was written through an engine the caller did not stamp (a program error)."""


def stamped(engine: Engine, now: datetime) -> Engine:
    """The engine whose inserts are stamped with `now` (the same pool and connections)."""
    return engine.execution_options(**{STAMP: now})


def connection_stamp(conn: Connection) -> datetime:
    """The stamp of the engine a connection came from (bulk inserts fill it in themselves)."""
    value = conn.get_execution_options().get(STAMP)
    if value is None:
        raise NoStamp("写入记录需要命令的时间（engine 未设置 stamp，见 store/stamps.py）")
    stamp_value: datetime = value
    return stamp_value


def stamp(context: Any) -> datetime:
    """Column default: the stamp of the engine the insert runs on."""
    value = context.execution_options.get(STAMP)
    if value is None:
        raise NoStamp("写入记录需要命令的时间（engine 未设置 stamp，见 store/stamps.py）")
    stamp_value: datetime = value
    return stamp_value
