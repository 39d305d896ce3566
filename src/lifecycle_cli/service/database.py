"""The database's own use cases: its status, a full task resync, and bringing the stored state
in step with the rules in force (engine, rules, today in; plain data out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.steps import Steps
    from lifecycle_cli.store.rules_state import Rebuild
    from lifecycle_cli.store.tasks import SyncCounts


def status(engine: Engine, rules: Rules) -> dict[str, Any]:
    """Engine, schema, row counts, the latest data per store, and the rules digest the stored state
    was built with beside the digest of the rules in force (`rules_digest_current`)."""
    from lifecycle_cli.core.rules import state_digest
    from lifecycle_cli.store.status import database_status

    with engine.connect() as conn:
        data = database_status(conn)
    return {**data, "rules_digest_current": state_digest(rules)}


@dataclass
class Resync:
    """What a full resync did, and the last day whose tasks are stored."""

    counts: SyncCounts
    through: date


def resync(engine: Engine, rules: Rules, today: date, steps: Steps | None = None) -> Resync:
    """Search every customer's tasks again from today (recorded outcomes kept, nothing duplicated)."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.tasks import resync_all, synced_range

    with engine.begin() as conn:
        counts = resync_all(conn, rules, today, HolidayCalendar(), steps)
        covered = synced_range(conn)
    return Resync(counts, covered[1] if covered else today)


def follow_rules(engine: Engine, rules: Rules, today: date, steps: Steps | None = None) -> Rebuild | None:
    """Rebuild the stored state and tasks when they were built with other rules (None: nothing to do)."""
    from lifecycle_cli.store.rules_state import ensure_state_current

    return ensure_state_current(engine, rules, today, steps)
