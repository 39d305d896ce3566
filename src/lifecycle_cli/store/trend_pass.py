"""The per-car figures of every month of the trend in one grouped pass (what store/car_pass.car_pass counts
for one month, and 续保率's cars whose expiry fell in the month).

A month of the trend that is over is seen on its last day, and the months are consecutive, so each date a
condition compares lands in one month: its place k in the months (-1 before the first, len after the last)
says for which months `date <= day` (k <= month) and `date in the month` (k == month) hold. 流失's
`service_due < day - churn_after_days` has its own place (the first month it holds for). The pass groups the
cars (store/month_ends.MonthEnds: each row holds for months k_lo..k_hi) by those places and by the
conditions' flags, in SQL's three-valued logic (1 / 0 / NULL), and the counting of each month is done on the
groups, with car_pass's conditions written once more over them. The rows recomputed in Python
(store/month_ends.py) get the same keys in Python (`PassKeys.key`: the places by bisection), counted where
they are computed, so they never go back to the database. Proven equal to car_pass month by month on random
stores by tests/report/test_trend_months_cli.py; the SQL and Python keys of the same rows agree in
tests/store/test_month_ends.py.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Integer, case, cast, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from lifecycle_cli.core.facts import ACTIVE
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.store.car_pass import CarPass, delivered_by

if TYPE_CHECKING:
    from lifecycle_cli.store.month_ends import MonthEnds

Tri = bool | None  # SQL's TRUE / FALSE / NULL

CHURN_NAMES = ("首保流失", "定保流失", "保修期内流失", "出保修期流失", "流失返回")  # store/car_pass.churn_conditions
CAR_NAMES = ("pending", "answered", "came", "pending_first", "answered_first", "came_first", "sold", "had_due")


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


@dataclass(frozen=True)
class PassKeys:
    """The pass's key of a row (what _count_group reads), for rows computed in Python: the same places
    and flags the SQL of trend_car_passes gives a row of the database."""

    months: tuple[tuple[date, date], ...]
    lasts: tuple[date, ...]  # each month's last day
    lost_by: tuple[date, ...]  # 流失's bound of each month: its last day less churn_after_days
    store: str | None = None

    @classmethod
    def of(cls, months: Sequence[tuple[date, date]], rules: Rules, store: str | None = None) -> PassKeys:
        lost = timedelta(days=rules.schedule.churn_after_days)
        return cls(tuple(months), tuple(last for _, last in months), tuple(last - lost for _, last in months), store)

    def place(self, day: date | None) -> int:
        """_place: the month `day` falls in, -1 before the first, len after the last, -2 for no date."""
        if day is None:
            return -2
        if day < self.months[0][0]:
            return -1
        return bisect_left(self.lasts, day)

    def key(self, k_lo: int, k_hi: int, delivered: date, active: bool, store: str | None,
            state: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The key of a car's row holding for months k_lo..k_hi (`state`: its DATED_STATE_COLUMNS), None
        for a row the pass's WHERE leaves out."""
        if k_lo > k_hi or delivered > self.lasts[-1] or (self.store and store != self.store):
            return None
        due, last_maintenance, end = state["service_due"], state["last_maintenance_date"], state["warranty_end"]
        last_visit = state["last_visit_date"]
        return (k_lo, k_hi, self.place(delivered), self.place(due),
                -2 if due is None else bisect_right(self.lost_by, due), self.place(state["prev_service_due"]),
                self.place(last_maintenance), self.place(state["insurance_expiry"]), active,
                _tri(state["has_maintenance"]), _tri(state["prev_service_first"]),
                _tri(state["answered_in_window"]), _tri(state["returned_from_churn"]),
                None if due is None or end is None else due < end,
                None if last_visit is None or last_maintenance is None else last_visit > last_maintenance)


def _tri(value: Any) -> Tri:
    return None if value is None else bool(value)


def sql_key(conn: Connection, rows: FromClause, keys: PassKeys) -> tuple[ColumnElement[Any], list[ColumnElement[bool]]]:
    """SQL: the pass's key of a row of `rows` (BASE_COLUMNS, DATED_STATE_COLUMNS, k_lo, k_hi: a MonthEnds
    query), packed into one integer (_unpacked reads it back), and the pass's WHERE."""
    months, store = keys.months, keys.store
    size = len(months) + 3  # a place: -2 (no date) .. len(months) (after the last month), stored + 2
    c = rows.c
    places = (c.k_lo, c.k_hi, _place(c.delivery_date, months), _place(c.service_due, months),
              _first_below(c.service_due, keys.lost_by), _place(c.prev_service_due, months),
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
    where = [c.k_lo <= c.k_hi, delivered_by(conn, rows, months[-1][1]), *([c.store == store] if store else [])]
    return packed, where


def trend_car_passes(conn: Connection, cars: MonthEnds) -> list[CarPass]:
    """car_pass of each month (first, last) of `cars.keys.months` (consecutive, ascending, each seen on its last
    day), without the stage tables, from `cars` (store/month_ends.MonthEnds over the months' last days):
    its stored rows by SQL, while its recomputed rows are computed and counted in Python. Each CarPass's
    `cars` has `insurance_held` too: the cars whose held insurance expiry fell in the month."""
    keys = cars.keys
    totals = [dict.fromkeys((*CHURN_NAMES, *CAR_NAMES, "insurance_held"), 0) for _ in keys.months]
    rows = cars.stored.subquery()
    packed, where = sql_key(conn, rows, keys)
    for key, n in conn.execute(select(packed, func.count()).where(*where).group_by(packed)):
        _count_group(_unpacked(int(key), len(keys.months) + 3), int(n), totals)
    for group, n in cars.recomputed().groups.items():  # computed meanwhile (in worker processes for many cars)
        _count_group(group, n, totals)
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
    """Add one group's n cars to the months its rows hold for, condition by condition (car_pass's, in SQL's
    three-valued logic: a condition counts when it is true, so `NOT x` counts when x is false, not NULL)."""
    (k_lo, k_hi, delivered_in, due_in, lost_from, prev_due_in, maintained_in, expiry_in, active, maintained,
     prev_first, in_window, returned, before_warranty_end, visiting) = row
    if delivered_in == -2:  # car_pass's WHERE: delivered by the day (a car without a delivery date never is)
        return
    maintained_true, maintained_false, first_true = maintained is True, maintained is False, prev_first is True
    in_window, returned = in_window is True, returned is True  # `IS true`
    for k in range(max(k_lo, 0, delivered_in), min(k_hi, len(totals) - 1) + 1):
        t = totals[k]
        if active and lost_from != -2 and lost_from <= k:  # delivered and lost by the month's end
            if maintained_false:
                t["首保流失"] += n
            elif maintained_true:
                if before_warranty_end is True:  # in warranty: 定保流失 when it visits, else 保修期内流失
                    if visiting is True:
                        t["定保流失"] += n
                    elif visiting is False:
                        t["保修期内流失"] += n
                elif before_warranty_end is False:
                    t["出保修期流失"] += n
        if active and returned and maintained_in == k:
            t["流失返回"] += n
        if due_in == k:
            t["pending"] += n
            if maintained_false:
                t["pending_first"] += n
        if prev_due_in == k:
            t["answered"] += n
            if first_true:
                t["answered_first"] += n
            if in_window and maintained_in != -2 and maintained_in <= k:
                t["came"] += n
                if first_true:
                    t["came_first"] += n
        if delivered_in == k:
            t["sold"] += n
        if active and (maintained_true or (due_in != -2 and due_in <= k)):
            t["had_due"] += n
        if expiry_in == k:
            t["insurance_held"] += n
