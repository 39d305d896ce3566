"""People and assignments in the database (care-desk §1): the staff file's upsert, the active people
as the scheduler's `Staffing`, each customer's assigned person of each role (专属), and keeping the
assignments in step after an import.

Assignment: for each (store, role) with active people, every customer of the store without a valid
assignment of the role (none, a person who left, a person of another store) goes to the active
person of the role with the fewest customers (ties by name), customers taken in customer_id order.
Nobody else is ever moved, so an assignment is stable; a person who leaves has their customers
spread this way over the others; a new person gets new customers only.
"""

from __future__ import annotations

import heapq
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.schedule import SCHEDULED_CODES
from lifecycle_cli.core.staffing import PERSONAL_ROLES, Staffing, named_person
from lifecycle_cli.store.bulk import (
    UpsertCounts,
    chunks,
    in_keys,
    insert_by_shape,
    merge_rows,
    update_by_pk,
    update_rows,
)
from lifecycle_cli.store.tables import ASSIGNMENTS, CUSTOMERS, META, STAFF, TASKS, VEHICLES

__all__ = ["assignments_of", "bring_assignments_in_step", "load_staffing", "upsert_staff"]

# meta key: the active people (store, role, name) the assignments and owners were last brought in step with.
ROSTER_KEY = "staff_roster"
# From this many touched customers on, the assignment looks at every customer in one query.
FULL_PASS_FROM = 20_000
STAFF_FIELDS = ("role", "daily_capacity", "active", "away_from", "away_until")


def upsert_staff(conn: Connection, rows: list[dict[str, Any]]) -> UpsertCounts:
    """Insert new people and update changed values of known ones, keyed by (store, name).

    A row writes only the values its file holds; its insert-only defaults (`_defaults`: active =
    yes, an empty cell) fill a new person and never overwrite a stored value."""
    counts = UpsertCounts()
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    names = ("id", "store", "name", *STAFF_FIELDS)
    for part in chunks(sorted({row["store"] for row in rows})):
        for record in conn.execute(select(*[STAFF.c[c] for c in names]).where(STAFF.c.store.in_(part))):
            found = dict(zip(names, record, strict=True))
            existing[(found["store"], found["name"])] = found
    pending, updates = merge_rows(rows, itemgetter("store", "name"), existing, counts)
    counts.changed = set(pending) | set(updates)
    if pending:
        conn.execute(insert(STAFF), [{**{c: None for c in STAFF_FIELDS}, "active": True, **row}
                                     for row in pending.values()])
    update_rows(conn, STAFF, updates.values())
    return counts


def _active_people(conn: Connection) -> list[tuple[int, str, str, str]]:
    """(pk, store, role, name) of every active person."""
    query = select(STAFF.c.id, STAFF.c.store, STAFF.c.role, STAFF.c.name).where(STAFF.c.active.is_(True))
    return [(pk, store or "", role, name) for pk, store, role, name in conn.execute(query)]


def load_staffing(conn: Connection) -> Staffing:
    """The active people of every store, for the scheduler (empty without a staff file)."""
    return Staffing.of((store, role, name) for _, store, role, name in _active_people(conn))


def assignments_of(conn: Connection, customer_pks: Iterable[int]) -> dict[int, tuple[tuple[str, str], ...]]:
    """customer pk -> ((role, name), …) of their assigned active people."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    query = select(ASSIGNMENTS.c.customer_pk, ASSIGNMENTS.c.role, STAFF.c.name).join(
        STAFF, STAFF.c.id == ASSIGNMENTS.c.staff_pk).where(STAFF.c.active.is_(True))
    for part in chunks(sorted(set(customer_pks))):
        for pk, role, name in conn.execute(query.where(in_keys(conn, ASSIGNMENTS.c.customer_pk, part))):
            out[pk].append((role, name))
    return {pk: tuple(sorted(pairs)) for pk, pairs in out.items()}


def bring_assignments_in_step(conn: Connection, rules: Rules, today: date, touched: set[int]) -> set[int]:
    """After an import: assign the customers who need a person (every customer of a store when the
    people changed, else only the `touched` ones) and give their open event and campaign tasks their
    owners; returns the customers whose owners may have changed (new or moved assignments, cars
    naming a person who joined or left), for the sync to bring their scheduled tasks in step."""
    people = _active_people(conn)
    roster = sorted({(store, role, name) for _, store, role, name in people})
    before = _stored_roster(conn)
    if not people and not before:
        return set()  # no staff file: owners are as they always were
    changed_people = set(map(tuple, before)) ^ set(roster)
    # The people changed: every customer is looked at; many touched customers: one pass, not chunks.
    scope = None if changed_people or len(touched) > FULL_PASS_FROM else touched
    out: set[int] = set()
    if scope is None or scope:
        out |= _assign(conn, today, people, scope)
    if changed_people:
        out |= _customers_naming(conn, changed_people)
        _store_roster(conn, roster)
    _reown_unscheduled(conn, rules, out)
    return out


def _reown_unscheduled(conn: Connection, rules: Rules, customer_pks: set[int]) -> None:
    """The owners of these customers' open tasks that the sync does not own (event follow-ups,
    campaign calls), worked out again as when they were made."""
    staffing = load_staffing(conn)
    t, v = TASKS, VEHICLES
    query = (select(t.c.id, t.c.customer_pk, t.c.role, t.c.store, t.c.owner, v.c.sales_consultant,
                    v.c.service_advisor)
             .select_from(t.outerjoin(v, v.c.id == t.c.vehicle_pk))
             .where(t.c.status == "open", t.c.code.not_in(sorted(SCHEDULED_CODES))))
    for part in chunks(sorted(customer_pks)):
        assigned = assignments_of(conn, part)
        rows = []
        for task_pk, customer_pk, role, store, owner, sales, advisor in conn.execute(
                query.where(in_keys(conn, t.c.customer_pk, part))):
            new = staffing.owner(role, store, named_person(role, sales, advisor),
                                 dict(assigned.get(customer_pk, ())).get(role), rules.role_label(role))
            if new != owner:
                rows.append({"_pk": task_pk, "owner": new})
        update_by_pk(conn, TASKS, ("owner",), rows)


def _stored_roster(conn: Connection) -> list[list[str]]:
    value = conn.execute(select(META.c.value).where(META.c.key == ROSTER_KEY)).scalar()
    return json.loads(value) if value else []


def _store_roster(conn: Connection, roster: list[tuple[str, str, str]]) -> None:
    value = json.dumps(roster, ensure_ascii=False)
    if conn.execute(select(META.c.key).where(META.c.key == ROSTER_KEY)).first() is None:
        conn.execute(insert(META).values(key=ROSTER_KEY, value=value))
    else:
        conn.execute(update(META).where(META.c.key == ROSTER_KEY).values(value=value))


def _customers_naming(conn: Connection, people: Iterable[tuple[str, ...]]) -> set[int]:
    """Customers with a car that names one of these people in the column of the person's role."""
    out: set[int] = set()
    for role in PERSONAL_ROLES:
        names = sorted({name for _, r, name in people if r == role})
        column = VEHICLES.c[role]
        for part in chunks(names):
            out.update(conn.execute(select(VEHICLES.c.customer_pk).where(column.in_(part)).distinct()).scalars())
    return out


def _assign(conn: Connection, today: date, people: list[tuple[int, str, str, str]],
            scope: set[int] | None) -> set[int]:
    """Assign the customers (of `scope`, or all) lacking a valid person of each role with active people."""
    staffing = Staffing.of((store, role, name) for _, store, role, name in people)
    load: dict[int, int] = dict(conn.execute(select(ASSIGNMENTS.c.staff_pk, func.count()).group_by(ASSIGNMENTS.c.staff_pk)).all())
    teams: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
    for pk, store, role, name in people:
        teams[(store, role)].append((0, name, pk))
    changed: set[int] = set()
    for role in sorted({role for _, role in teams}):
        stores = {store for store, r in teams if r == role}
        needing = _needing(conn, role, stores, scope)
        for _, _, _, old_pk, _ in needing:
            if old_pk is not None and old_pk in load:
                load[old_pk] -= 1  # their customer is moving away
        heaps = {store: [(load.get(pk, 0), name, pk) for _, name, pk in teams[(store, role)]]
                 for store in stores}
        for heap in heaps.values():
            heapq.heapify(heap)
        inserts: list[dict[str, Any]] = []
        moves: list[dict[str, Any]] = []
        for customer_pk, _, store, _, assignment_pk in needing:
            team = staffing.team_store(store, role)
            if team is None:
                continue
            count, name, staff_pk = heapq.heappop(heaps[team])
            heapq.heappush(heaps[team], (count + 1, name, staff_pk))
            if assignment_pk is None:
                inserts.append({"customer_pk": customer_pk, "role": role, "staff_pk": staff_pk, "assigned_on": today})
            else:
                moves.append({"_pk": assignment_pk, "staff_pk": staff_pk, "assigned_on": today})
            changed.add(customer_pk)
        insert_by_shape(conn, ASSIGNMENTS, inserts)
        update_by_pk(conn, ASSIGNMENTS, ("staff_pk", "assigned_on"), moves)
    return changed


def _needing(conn: Connection, role: str, stores: set[str],
             scope: set[int] | None) -> list[tuple[int, str, str, int | None, int | None]]:
    """(customer pk, customer_id, store, old staff pk, assignment pk) of the customers served by a
    team of `role` whose assignment of the role is missing or no longer valid, in customer_id order."""
    c, a, s = CUSTOMERS, ASSIGNMENTS, STAFF
    own = sorted(store for store in stores if store)
    store = func.coalesce(c.c.store, "")
    served = case((store.in_(own), store), else_="") if own else store
    query = (
        select(c.c.id, c.c.customer_id, store, a.c.staff_pk, a.c.id)
        .select_from(c.outerjoin(a, and_(a.c.customer_pk == c.c.id, a.c.role == role))
                     .outerjoin(s, s.c.id == a.c.staff_pk))
        .where(or_(a.c.id.is_(None), s.c.active.is_not(True), s.c.store != served, s.c.role != role))
    )
    if "" not in stores:
        query = query.where(store.in_(own))
    if scope is None:
        return [tuple(r) for r in conn.execute(query.order_by(c.c.customer_id))]
    rows: list[tuple[int, str, str, int | None, int | None]] = []
    for part in chunks(sorted(scope)):
        rows.extend(tuple(r) for r in conn.execute(query.where(in_keys(conn, c.c.id, part))))
    return sorted(rows, key=lambda r: r[1])

