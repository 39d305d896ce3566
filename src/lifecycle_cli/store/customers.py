"""A customer's flags set by hand (`customer set`): do-not-contact (免打扰) and sms opt-out (短信退订).

A person's change sets the flag, never `*_imported` (the value the last import carried), so the next
import changes it back only when its file says something new (care-desk §9, bulk.follow_imported_flags).
Do-not-contact takes the customer off every list at once (their open tasks close, reason
do_not_contact, as the outcome does); lifted, a sync brings back the scheduled tasks it closed that
are still in their window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.bulk import chunks, in_keys
from lifecycle_cli.store.tables import CUSTOMERS, TASKS
from lifecycle_cli.store.tasks import resync_customers

FLAGS = ("do_not_contact", "sms_opt_out")


@dataclass(frozen=True)
class FlagChange:
    """What `customer set` did: the customer, each flag before and after, the tasks closed and opened."""

    customer_id: str
    name: str | None
    before: dict[str, bool]
    after: dict[str, bool]
    closed: int
    opened: int


def set_customer_flags(conn: Connection, rules: Rules, customer_id: str, values: dict[str, bool], today: date,
                       calendar: HolidayCalendar) -> FlagChange | None:
    """Set the flags in `values` of one customer and bring their tasks in step; None when no such customer."""
    c, t = CUSTOMERS, TASKS
    row = conn.execute(select(c.c.id, c.c.name, *[c.c[f] for f in FLAGS]).where(c.c.customer_id == customer_id)
                       ).mappings().first()
    if row is None:
        return None
    pk = row["id"]
    before = {f: bool(row[f]) for f in FLAGS}
    open_ids = select(t.c.id).where(t.c.customer_pk == pk, t.c.status == "open")
    was_open = set(conn.execute(open_ids).scalars())
    write_flags(conn, pk, **values)
    dnc: Any = values.get("do_not_contact")
    if dnc is not None and dnc != before["do_not_contact"]:
        if dnc:
            conn.execute(update(t).where(t.c.customer_pk == pk, t.c.status == "open")
                         .values(status="closed", closed_reason="do_not_contact", closed_on=today))
        resync_customers(conn, rules, [pk], today, calendar)
    now_open = set(conn.execute(open_ids).scalars())
    return FlagChange(customer_id=customer_id, name=row["name"], before=before, after={**before, **values},
                      closed=len(was_open - now_open), opened=len(now_open - was_open))


def write_flags(conn: Connection, customer_pk: int, **flags: bool) -> None:
    """A person's change of a customer's flags (`customer set`, a call's result and its undo): the flags
    set, and the customer's digest cleared so their file line is read again (ingest/digests.py)."""
    conn.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == customer_pk).values(**flags, line_digest=None))


def clear_bad_phones(conn: Connection, customer_pks: Sequence[int]) -> None:
    """An import that brought these customers a different number clears the number the desk found
    bad (customer.bad_phone); the same number keeps it. One statement per chunk of changed customers."""
    c = CUSTOMERS
    for part in chunks(sorted(customer_pks)):
        conn.execute(update(c).where(in_keys(conn, c.c.id, part), c.c.bad_phone.is_not(None),
                                     c.c.phone.is_not(None), c.c.phone != c.c.bad_phone).values(bad_phone=None))
