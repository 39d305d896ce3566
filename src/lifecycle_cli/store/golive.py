"""Each store's go-live date (care-desk §4): the store's today at its first task sync, kept in meta.

Meta keys `go_live:<store>` ('' for customers without a store). Started by the syncs of commands
that list or count tasks (store/tasks.py sync_window / resync_all), never by an import: an import's
resync and an event recorded before a store went live filter with today but store nothing. A
database made by an earlier release (it has synced tasks, no go-live keys) takes, per store, the
day its first task was created (in the rules' time zone).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from lifecycle_cli.core.golive import created_at_go_live, followup_codes
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.stamps import STAMP
from lifecycle_cli.store.tables import META, TASKS

PREFIX = "go_live:"
# The sync watermark of store/tasks.py: present once a release synced tasks.
SYNCED_FROM = "tasks_synced_from"


def go_live_dates(conn: Connection) -> dict[str, date]:
    """Every store's go-live date, by store name ('' for customers without a store)."""
    rows = conn.execute(select(META.c.key, META.c.value).where(META.c.key.startswith(PREFIX))).all()
    return {key[len(PREFIX):]: date.fromisoformat(value) for key, value in rows}


def adopt_earlier_release(conn: Connection, rules: Rules) -> None:
    """A database synced by an earlier release (a watermark, no go-live keys): each store with tasks
    went live the day its first task was created."""
    if conn.execute(select(META.c.key).where(META.c.key.startswith(PREFIX)).limit(1)).first() is not None:
        return
    if conn.execute(select(META.c.key).where(META.c.key == SYNCED_FROM)).first() is None:
        return
    zone = ZoneInfo(rules.timezone)
    rows = conn.execute(select(TASKS.c.store, func.min(TASKS.c.created_at)).group_by(TASKS.c.store)).all()
    for store, first in rows:
        if first is None:
            continue
        if isinstance(first, str):
            first = datetime.fromisoformat(first)
        instant = first if first.tzinfo is not None else first.replace(tzinfo=UTC)
        conn.execute(insert(META).values(key=PREFIX + (store or ""), value=instant.astimezone(zone).date().isoformat()))


class GoLive:
    """The go-live dates a sync filters new tasks with; a store met for the first time goes live
    `today` (recorded by `save` only when `starts`: a command that lists or counts tasks)."""

    def __init__(self, conn: Connection, rules: Rules, today: date, *, starts: bool) -> None:
        self.rules, self.today, self.starts = rules, today, starts
        self.dates = go_live_dates(conn)
        self.new: set[str] = set()
        self.followups = followup_codes(rules)

    def of(self, store: str | None) -> date:
        key = store or ""
        day = self.dates.get(key)
        if day is None:
            day = self.dates[key] = self.today
            self.new.add(key)
        return day

    def meet(self, stores: Iterable[str | None]) -> None:
        """The stores of a customer a sync searched (its cars' stores, else its own) are live from now on."""
        for store in stores:
            self.of(store)

    def creates(self, code: str, store: str | None, due_date: date, window_end: date) -> bool:
        """Whether a task first found now is created (core/golive.py's rule with its store's go-live)."""
        return created_at_go_live(code, due_date, window_end, self.of(store), self.rules, self.followups)

    def save(self, conn: Connection) -> None:
        if self.starts and self.new:
            conn.execute(insert(META), [{"key": PREFIX + key, "value": self.dates[key].isoformat()}
                                        for key in sorted(self.new)])
            self.new.clear()


def event_followup_created(conn: Connection, rules: Rules, code: str, store: str | None, due_date: date,
                           window_end: date) -> bool:
    """Whether an event's follow-up is created (core/golive.py's rule): against its store's go-live, or,
    for a store not live yet, the command's today (from the engine's stamp; an event never starts go-live)."""
    stamp = conn.get_execution_options().get(STAMP)
    if stamp is None:
        return True
    today = (stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)).astimezone(ZoneInfo(rules.timezone)).date()
    return GoLive(conn, rules, today, starts=False).creates(code, store, due_date, window_end)
