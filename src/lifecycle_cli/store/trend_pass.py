"""The per-car figures of every month of the trend in one grouped pass (what store/car_pass.car_pass counts
for one month, and 续保率's cars whose expiry fell in the month).

A month of the trend that is over is seen on its last day, and the months are consecutive, so each date a
condition compares lands in one month: its place k in the months (-1 before the first, len after the last)
says for which months `date <= day` (k <= month) and `date in the month` (k == month) hold. 流失's
`service_due < day - churn_after_days` has its own place (the first month it holds for). The pass groups the
cars (store/month_ends.MonthEnds: each row holds for months k_lo..k_hi) by those places and by the
conditions' flags, in SQL's three-valued logic (1 / 0 / NULL), and the counting of each month is done on the
groups, with car_pass's conditions written once more over them. Proven equal to car_pass month by month on
random stores by tests/report/test_trend_pass.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, case, cast, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Select

from lifecycle_cli.core.facts import ACTIVE
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.car_pass import CarPass, delivered_by

Tri = bool | None  # SQL's TRUE / FALSE / NULL

CHURN_NAMES = ("首保流失", "定保流失", "保修期内流失", "出保修期流失", "流失返回")  # store/car_pass.churn_conditions
CAR_NAMES = ("pending", "answered", "came", "pending_first", "answered_first", "came_first", "sold", "had_due")


def _and(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _not(value: Tri) -> Tri:
    return None if value is None else not value


def _place(column: ColumnElement[Any], months: Sequence[tuple[date, date]]) -> ColumnElement[Any]:
    """SQL: the month a date falls in (its place in `months`), -1 before the first, len(months) after the
    last, -2 for no date."""
    steps = [column < months[0][0], *(column <= last for _, last in months)]
    return case((column.is_(None), -2), else_=_first_true(steps, list(range(-1, len(months) + 1))))


def _first_below(column: ColumnElement[Any], bounds: Sequence[date]) -> ColumnElement[Any]:
    """SQL: the first k with column < bounds[k] (bounds ascending), len(bounds) for none, -2 for no date."""
    steps = [column < bound for bound in bounds]
    return case((column.is_(None), -2), else_=_first_true(steps, list(range(len(bounds) + 1))))


def _first_true(steps: Sequence[ColumnElement[bool]], values: Sequence[int], lo: int = 0,
                hi: int | None = None) -> ColumnElement[Any]:
    """SQL: values[i] for the first true of `steps` (each true when the one before is: a date against
    ascending bounds), values[len(steps)] when none is, found by halving (a dozen months: 4 tests a row,
    not 13 — the pass evaluates this for every car)."""
    hi = len(steps) if hi is None else hi
    if lo == hi:
        return literal(values[hi])
    mid = (lo + hi) // 2
    return case((steps[mid], _first_true(steps, values, lo, mid)), else_=_first_true(steps, values, mid + 1, hi))


def trend_car_passes(conn: Connection, cars: Iterable[Select[Any]], months: Sequence[tuple[date, date]],
                     rules: Rules, store: str | None = None) -> list[CarPass]:
    """car_pass of each month (first, last) of `months` (consecutive, ascending, each seen on its last day),
    without the stage tables, from `cars` (store/month_ends.MonthEnds over the months' last days); each
    CarPass's `cars` has `insurance_held` too: the cars whose held insurance expiry fell in the month."""
    lost_by = [last - timedelta(days=rules.schedule.churn_after_days) for _, last in months]
    totals = [dict.fromkeys((*CHURN_NAMES, *CAR_NAMES, "insurance_held"), 0) for _ in months]
    size = len(months) + 3  # a place: -2 (no date) .. len(months) (after the last month), stored + 2
    for part in cars:
        rows = part.subquery()
        c = rows.c
        places = (c.k_lo, c.k_hi, _place(c.delivery_date, months), _place(c.service_due, months),
                  _first_below(c.service_due, lost_by), _place(c.prev_service_due, months),
                  _place(c.last_maintenance_date, months), _place(c.insurance_expiry, months))
        status = case((c.status.is_(None), 0), (c.status == ACTIVE, 1), else_=2)
        flags = (c.has_maintenance, c.prev_service_first, c.answered_in_window, c.returned_from_churn,
                 c.service_due < c.warranty_end, c.last_visit_date > c.last_maintenance_date)
        # one integer of all the keys: SQLite sorts a million one-integer records for the GROUP BY in half
        # the time of fifteen-column ones (measured at 1M)
        packed: ColumnElement[Any] = cast(literal(0), BigInteger)  # 64 bits (PostgreSQL's integer is 32)
        for place in places:
            packed = packed * size + (place + 2)
        packed = packed * 3 + status
        for flag in flags:  # 1 / 0 as stored (true / false), 2 for NULL
            packed = packed * 3 + func.coalesce(cast(flag, Integer), 2)
        # delivered_by: the table read through, not by its delivery date's index (nearly every car is)
        where = [c.k_lo <= c.k_hi, delivered_by(conn, rows, months[-1][1]),
                 *([c.store == store] if store else [])]
        for key, n in conn.execute(select(packed, func.count()).where(*where).group_by(packed)):
            _count_group(_unpacked(int(key), size), int(n), totals)
    return [CarPass(stages={}, churn={n: t[n] for n in CHURN_NAMES},
                    cars={n: t[n] for n in (*CAR_NAMES, "insurance_held")}) for t in totals]


def _unpacked(key: int, size: int) -> tuple[Any, ...]:
    """The keys packed by trend_car_passes: the eight places, the status (None / "active" / another) as
    whether the car is active, and the six flags as True / False / None."""
    flags: list[Tri] = []
    for _ in range(6):
        key, flag = divmod(key, 3)
        flags.append(None if flag == 2 else flag == 1)
    key, status = divmod(key, 3)
    places: list[int] = []
    for _ in range(8):
        key, place = divmod(key, size)
        places.append(place - 2)
    return (*reversed(places), status in (0, 1), *reversed(flags))


def _count_group(row: tuple[Any, ...], n: int, totals: list[dict[str, int]]) -> None:
    """Add one group's n cars to the months its rows hold for, condition by condition (car_pass's)."""
    (k_lo, k_hi, delivered_in, due_in, lost_from, prev_due_in, maintained_in, expiry_in, active, maintained,
     prev_first, in_window, returned, before_warranty_end, visiting) = row
    in_window, returned = in_window is True, returned is True  # `IS true`

    def upto(place: int, k: int) -> Tri:  # the date is on or before month k's last day
        return None if place == -2 else place <= k

    def within(place: int, k: int) -> Tri:  # the date is in month k
        return None if place == -2 else place == k

    for k in range(max(k_lo, 0), min(k_hi, len(totals) - 1) + 1):
        if upto(delivered_in, k) is not True:  # car_pass's WHERE: delivered by the day
            continue
        t = totals[k]
        delivered = active
        lost = None if lost_from == -2 else lost_from <= k
        in_warranty = _and(delivered, maintained, lost, before_warranty_end)
        counts = {
            "首保流失": _and(delivered, _not(maintained), lost),
            "定保流失": _and(in_warranty, visiting),
            "保修期内流失": _and(in_warranty, _not(visiting)),
            "出保修期流失": _and(delivered, maintained, lost, _not(before_warranty_end)),
            "流失返回": _and(delivered, within(maintained_in, k), returned),
        }
        pending = within(due_in, k)
        answered = within(prev_due_in, k)
        came = _and(answered, upto(maintained_in, k), in_window)
        counts.update({
            "pending": pending,
            "answered": answered,
            "came": came,
            "pending_first": _and(pending, _not(maintained)),
            "answered_first": _and(answered, prev_first),
            "came_first": _and(came, prev_first),
            "sold": within(delivered_in, k),
            "had_due": _and(delivered, _or(upto(due_in, k), maintained is True)),
            "insurance_held": within(expiry_in, k),
        })
        for name, holds in counts.items():
            if holds is True:
                t[name] += n



