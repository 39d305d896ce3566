"""Which rules the stored state was built with, and the rebuild when the rules in force differ.

The projection state (store/state.py), the care-call phases and the scheduled tasks are a cache
of the rules' answers. `meta.rules_digest` is the digest (core/rules.py `state_digest`) of the
rules they were computed with. Every command that opens the database calls
`ensure_state_current` first: when the digest differs (or is missing: a database of an older
release, built with the defaults of its day), it recomputes every vehicle's and customer's state
and re-syncs the tasks as `lifecycle db resync` does, in one transaction under the writers' lock,
so a changed `--rules` gives the same list as a fresh database built with those rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.rules import Rules, state_digest
from lifecycle_cli.core.schedule import SCHEDULED_CODES
from lifecycle_cli.steps import Steps
from lifecycle_cli.store.db import begin_now, serialize_writers
from lifecycle_cli.store.state import refresh_customers, refresh_vehicles
from lifecycle_cli.store.tables import CUSTOMERS, META, TASKS, VEHICLES
from lifecycle_cli.store.tasks import RULES_CHANGED, SyncCounts, resync_all, synced_range

DIGEST_KEY = "rules_digest"


@dataclass
class Rebuild:
    """What a rebuild after a rules change did."""

    vehicles: int
    customers: int
    tasks: SyncCounts
    closed_ahead: int  # open tasks stored for days after the re-synced window, closed until their day


def stored_digest(conn: Connection) -> str | None:
    """The digest of the rules the stored state was built with (None: unknown)."""
    value = conn.execute(select(META.c.value).where(META.c.key == DIGEST_KEY)).scalar()
    return str(value) if value is not None else None


def _store_digest(conn: Connection, digest: str) -> None:
    if conn.execute(select(META.c.key).where(META.c.key == DIGEST_KEY)).first() is None:
        conn.execute(insert(META).values(key=DIGEST_KEY, value=digest))
    else:
        conn.execute(update(META).where(META.c.key == DIGEST_KEY).values(value=digest))


def rebuild_state(conn: Connection, rules: Rules, today: date, calendar: HolidayCalendar,
                  steps: Steps | None = None) -> Rebuild:
    """Recompute every vehicle's and customer's state with these rules and bring the tasks in step.

    Outcomes are kept and nothing is duplicated (tasks are matched by key); open scheduled tasks
    the rules no longer produce are closed as RULES_CHANGED (opened again if rules that produce
    them come back). Runs in the caller's transaction; stores the rules' digest.
    """
    serialize_writers(conn)
    vehicle_pks = list(conn.execute(select(VEHICLES.c.id)).scalars())
    refresh_vehicles(conn, vehicle_pks, rules, steps, only_moved=False)
    customer_pks = list(conn.execute(select(CUSTOMERS.c.id)).scalars())
    refresh_customers(conn, customer_pks, rules, steps, only_moved=False)
    counts = resync_all(conn, rules, today, calendar, steps, cancel_reason=RULES_CHANGED)
    covered = synced_range(conn)
    closed_ahead = 0
    if covered is not None:
        # Tasks a look ahead stored after the window: the old rules' answers. Closed for now; the
        # sync that reaches their days opens again those the new rules produce.
        result = conn.execute(
            update(TASKS)
            .where(TASKS.c.status == "open", TASKS.c.due_date > covered[1], TASKS.c.code.in_(sorted(SCHEDULED_CODES)))
            .values(status="closed", closed_reason=RULES_CHANGED, closed_on=today)
        )
        closed_ahead = int(result.rowcount or 0)
    _store_digest(conn, state_digest(rules))
    return Rebuild(len(vehicle_pks), len(customer_pks), counts, closed_ahead)


def ensure_state_current(engine: Engine, rules: Rules, today: date, steps: Steps | None = None) -> Rebuild | None:
    """Rebuild the stored state when it was built with other rules (or unknown ones); None: it was current.

    One small read when current. A database without customers only records the digest.
    """
    digest = state_digest(rules)
    with engine.connect() as conn:
        if stored_digest(conn) == digest:
            return None
    with engine.begin() as conn:
        begin_now(conn, write=True)  # SQLite: the writer from the first statement on
        serialize_writers(conn)  # PostgreSQL: after an import or sync in progress, and once
        if stored_digest(conn) == digest:  # another command rebuilt it meanwhile
            return None
        if conn.execute(select(CUSTOMERS.c.id).limit(1)).first() is None:
            _store_digest(conn, digest)
            return None
        return rebuild_state(conn, rules, today, HolidayCalendar(), steps)
