"""The trend's month ends: which month ends share a car's state (fact_epochs), the pass's packed keys read
back (trend_pass._unpacked), and the key the pass gives a stored row in SQL equal to the key a recomputed row
gets in Python (trend_pass.PassKeys.key), table-driven with their boundaries."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, and_, case, select
from sqlalchemy.engine import Engine

from lifecycle_cli.core.facts import ACTIVE
from lifecycle_cli.core.insurance import ExpiryChange
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.schedule import VehicleFacts, VisitFact
from lifecycle_cli.store.month_ends import fact_epochs
from lifecycle_cli.store.tables import VEHICLES
from lifecycle_cli.store.trend_pass import PassKeys, _unpacked, sql_key
from lifecycle_cli.store.vehicle_state import DATED_STATE_COLUMNS

ENDS = (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30))


def car(delivered: date = date(2024, 5, 1), visits: tuple[date, ...] = (), readings: tuple[date, ...] = (),
        row: date | None = None, changes: tuple[date, ...] = ()) -> VehicleFacts:
    return VehicleFacts(
        vin="LVRHDA3K0TN000001", delivery_date=delivered,
        row_reading=(row, 1000) if row else (None, None),
        extra_readings=tuple((d, 1000 + i) for i, d in enumerate(readings)),
        visits=tuple(VisitFact(f"RO{i}", d, 2000 + i, "maintenance") for i, d in enumerate(visits)),
        insurance_changes=tuple(ExpiryChange(date(2026, 6, 1), date(2027, 6, 1), d) for d in changes))


@pytest.mark.parametrize(("facts", "upto", "epochs"), [
    # no fact inside the months: one state for all of them
    (car(visits=(date(2025, 3, 1),)), 4, [(0, 3, ENDS[0])]),
    # only the months before the stored row holds are computed
    (car(), 2, [(0, 1, ENDS[0])]),
    (car(), 0, []),
    # a visit on a month's last day belongs to that month end; the day after, to the next
    (car(visits=(date(2026, 2, 28),)), 4, [(0, 0, ENDS[0]), (1, 3, ENDS[1])]),
    (car(visits=(date(2026, 3, 1),)), 4, [(0, 1, ENDS[0]), (2, 3, ENDS[2])]),
    # readings (extra or the car's row) and expiry changes split the months too
    (car(readings=(date(2026, 4, 30),)), 4, [(0, 2, ENDS[0]), (3, 3, ENDS[3])]),
    (car(row=date(2026, 2, 1)), 4, [(0, 0, ENDS[0]), (1, 3, ENDS[1])]),
    (car(changes=(date(2026, 3, 31),)), 4, [(0, 1, ENDS[0]), (2, 3, ENDS[2])]),
    # several facts in one month make one split; one in each month, one state each
    (car(visits=(date(2026, 2, 3), date(2026, 2, 20))), 4, [(0, 0, ENDS[0]), (1, 3, ENDS[1])]),
    (car(visits=(date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5), date(2026, 4, 5))), 4,
     [(0, 0, ENDS[0]), (1, 1, ENDS[1]), (2, 2, ENDS[2]), (3, 3, ENDS[3])]),
    # a car delivered after a month end is projected from its delivery: a reading on the delivery day
    # counts on the month ends before it, so those share the state of the later month end
    (car(delivered=date(2026, 3, 15), readings=(date(2026, 3, 15),)), 4, [(0, 3, ENDS[0])]),
    (car(delivered=date(2026, 3, 15), readings=(date(2026, 3, 20),)), 4, [(0, 1, ENDS[0]), (2, 3, ENDS[2])]),
])
def test_month_ends_with_the_same_facts_share_one_state(facts: VehicleFacts, upto: int,
                                                       epochs: list[tuple[int, int, date]]) -> None:
    assert fact_epochs(facts, ENDS, upto) == epochs


@pytest.mark.parametrize("months", [1, 11, 35])
def test_the_pass_keys_read_back(months: int) -> None:
    size = months + 3
    places = [-2, -1, 0, months - 1, months, 0, months, -2]
    flags = [True, False, None, None, False, True]
    for status, active in ((0, True), (1, True), (2, False)):
        key = 0
        for place in places:
            key = key * size + place + 2
        key = key * 3 + status
        for flag in flags:
            key = key * 3 + (2 if flag is None else int(flag))
        assert key < 2**63
        assert _unpacked(key, size) == (*places, active, *flags)


MONTHS = ((date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
          (date(2026, 3, 1), date(2026, 3, 31)))


def edge_days(keys: PassKeys) -> list[date | None]:
    """No date, and each bound of a place (a month's first and last day, 流失's bound) with its neighbours."""
    bounds = [keys.months[0][0], *keys.lasts, *keys.lost_by]
    return [None, *sorted({b + timedelta(days=d) for b in bounds for d in (-1, 0, 1)})]


@pytest.mark.parametrize("store", [None, "A"])
def test_a_rows_key_is_the_same_in_sql_and_in_python(engine: Engine, store: str | None) -> None:
    keys = PassKeys.of(MONTHS, load_rules(), store)
    days = edge_days(keys)
    tri = (True, False, None)
    rnd = random.Random(7)
    rows: list[dict[str, Any]] = []
    for pk in range(1, 3001):  # every day in every date column, the flags in every value, at random together
        state = {c: rnd.choice(days) for c in ("last_maintenance_date", "last_visit_date", "prev_service_due",
                                               "service_due", "warranty_end", "insurance_expiry")}
        state |= {c: rnd.choice(tri) for c in ("answered_in_window", "returned_from_churn", "prev_service_first",
                                               "has_maintenance")}
        k_lo, k_hi = rnd.choice([(0, 2), (0, 0), (1, 2), (2, 2), (1, 1), (3, 2)])
        rows.append({"id": pk, "customer_pk": pk, "store": rnd.choice(["A", "B", None]), "k_lo": k_lo, "k_hi": k_hi,
                     "delivery_date": rnd.choice(days[1:]), "status": rnd.choice([ACTIVE, "sold"]), **state})
    table = Table("pass_rows", MetaData(), Column("id", Integer, primary_key=True), Column("customer_pk", Integer),
                  Column("store", String), Column("delivery_date", VEHICLES.c.delivery_date.type),
                  Column("status", String), *[Column(c, VEHICLES.c[c].type) for c in DATED_STATE_COLUMNS],
                  Column("k_lo", Integer), Column("k_hi", Integer))
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), rows)
        packed, where = sql_key(conn, table, keys)
        kept = case((and_(*where), 1), else_=0)  # the pass's WHERE, as a value (NULL: not kept)
        found = {pk: (int(key), bool(k)) for pk, key, k in conn.execute(select(table.c.id, packed, kept))}
    size = len(MONTHS) + 3
    for row in rows:
        python = keys.key(row["k_lo"], row["k_hi"], row["delivery_date"], row["status"] == ACTIVE, row["store"], row)
        key, kept_by_sql = found[row["id"]]
        assert (python is not None) == kept_by_sql, row
        if python is not None:
            assert python == _unpacked(key, size), row
    assert sum(1 for pk in found if found[pk][1]) > 500  # the rows kept are many, and varied
    assert len({found[pk][0] for pk in found}) > 2000
