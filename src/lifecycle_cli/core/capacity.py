"""Capacity levelling (care-desk §2, §9 "A line"): a person's day holds at most their capacity in lines.

Pure: the call list's lines of a day (core/calllist.py), the people and the role defaults in; the lines
that stay, the tasks deferred (顺延) to the next working day and the tasks whose window that passes
(`lapsed_capacity`) out. A line is one customer on one day, counted once against its owner; sms tasks
never count (they are listed, using no capacity); the tasks riding along on a line move with it.
A person away (away_from ≤ day ≤ away_until) or inactive hands the day's lines to the other present
people of the role in the store (fewest lines so far that day, ties by name); with nobody, they stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from functools import cache, partial
from typing import Any

from lifecycle_cli.core.backlog import Cohort, DayRecord, DeferredLog, Pending
from lifecycle_cli.core.calllist import (
    CustomerLine,
    ListedTask,
    OpenTask,
    deferred_copy,
    first_list_day,
    merge_lines,
)
from lifecycle_cli.core.desk import SMS, DayLevel, Desk, OwnerDay, OwnerKey, Person
from lifecycle_cli.core.later_days import CountedDay, LaterDay, _Levelling
from lifecycle_cli.core.rules import Rules

__all__ = ["SMS", "DayLevel", "Desk", "OwnerDay", "OwnerKey", "Person", "level_day", "level_days"]


def level_day(lines: Iterable[CustomerLine], day: date, desk: Desk, next_day: Callable[[date], date], *,
              used: Mapping[OwnerKey, int] | None = None,
              levelled: Callable[[CustomerLine], bool] | None = None) -> DayLevel:
    """Level one day's lines (in the list's order): per owner the first `capacity` lines stay, the rest
    are deferred to `next_day(day)`. `used`: lines already listed per owner when the day was levelled
    before; `levelled`: a line that was listed then (kept, not counted again)."""
    counts: dict[OwnerKey, int] = dict(used or {})
    level = DayLevel(day)
    following = next_day(day)
    for line in lines:
        phone = tuple(t for t in line.tasks if t.task.channel != SMS)
        if not phone:
            level.lines.append(line)
            continue
        stand_in = desk.stand_in(line.store, line.owner, day, counts)
        if stand_in is not None:
            line.assigned = stand_in
        key = (line.store, line.owner)
        owner = level.owners.get(key)
        if owner is None:
            owner = level.owners[key] = OwnerDay(line.store, line.owner,
                                                 desk.capacity(line.store, line.owner, line.tasks[0].task.role))
        if levelled is not None and levelled(line):
            level.lines.append(line)
        elif owner.capacity is None or counts.get(key, 0) < owner.capacity:
            counts[key] = counts.get(key, 0) + 1
            owner.listed += 1
            level.lines.append(line)
            level.listed.extend(t.task for t in phone)
        else:
            owner.deferred += 1
            _defer(phone, following, level, owner)
            sms = tuple(t for t in line.tasks if t.task.channel == SMS)
            if sms:
                level.lines.append(CustomerLine(day=day, customer_key=line.customer_key, tasks=sms))
    return level


def _defer(phone: tuple[ListedTask, ...], following: date, level: DayLevel, owner: OwnerDay) -> None:
    for listed in phone:
        task = listed.task
        if following > task.window_end:
            owner.lapsed_capacity += 1
            level.lapsed.append(task)
        else:
            level.deferred.append(deferred_copy(task, following, task.deferred_days + 1))


def level_days(tasks: Iterable[OpenTask], start: date, end: date, rules: Rules, desk: Desk,
               next_day: Callable[[date], date], *, used: Mapping[OwnerKey, int] | None = None,
               levelled: Callable[[CustomerLine], bool] | None = None, counts_only: bool = False) -> list[DayLevel]:
    """Level the days [start, end] in turn, each day's deferred tasks carried to their next list day
    (and merged there with that day's lines). `used` / `levelled` apply to the first day only (it was
    levelled and stored before). The first levelled day is level_day's; the later ones take the lines
    deferred to them from per-owner heaps (core/backlog.py) and cost what they list, not the backlog:
    O((tasks + lines) log) over the range. Their `deferred` copies are built when read. `counts_only`:
    the later days keep only their owners' counts (a forecast's workload), not their lines, listed,
    lapsed or deferred tasks; the first day is whole either way."""
    new_tasks: dict[date, dict[int, list[OpenTask]]] = defaultdict(lambda: defaultdict(list))
    for task in tasks:
        day = first_list_day(task, start, end)
        if day is not None:
            new_tasks[day][task.customer_key].append(task)
    rank = cache(rules.call_list.priority_of)
    log = DeferredLog(rank)
    waiting: dict[date, Cohort] = {}
    levels: list[DayLevel] = []
    day = start
    while day <= end:
        new = new_tasks.pop(day, {})
        cohort = waiting.pop(day, None) or Cohort(rank)
        if new or cohort.lines:
            following = next_day(day)
            if levels:
                work: _Levelling[Any] = (CountedDay if counts_only else LaterDay)(day, following, desk, cohort, rank)
                level, record = work.run(new, rules)
            else:
                first = day == start
                level = level_day(merge_lines(_listed(day, new), rules, rank), day, desk, next_day,
                                  used=used if first else None, levelled=levelled if first else None)
                record = _first_record(level, cohort, following)
            index = None if record is None else log.log(record)  # None: counts only, the owners' alone
            if levels:
                level.later = _not_kept if index is None else partial(log.copies, index)
            levels.append(level)
            cohort.sources, cohort.gone = [] if index is None else [index], set()
            if cohort.lines and following <= end:
                waiting[following] = waiting[following].merge(cohort) if following in waiting else cohort
        day += timedelta(days=1)
    return levels


def _not_kept() -> list[OpenTask]:
    raise RuntimeError("level_days(counts_only=True) keeps a later day's counts only, not its deferred tasks")


def _listed(day: date, new: Mapping[int, list[OpenTask]]) -> dict[tuple[date, int], list[ListedTask]]:
    return {(day, customer): [ListedTask(task=t, day=day, overdue_days=max((day - t.due_date).days, 0))
                              for t in tasks] for customer, tasks in new.items()}


def _first_record(level: DayLevel, cohort: Cohort, following: date) -> DayRecord:
    """The first levelled day's deferred copies wait for their day (nothing waited before it)."""
    by_customer: dict[int, list[Pending]] = defaultdict(list)
    for task in level.deferred:
        by_customer[task.customer_key].append((task, 0))
    for customer, pending in by_customer.items():
        cohort.add(customer, pending)
    return DayRecord([], set(), [(t, 0) for t in level.deferred], following, level.lapsed, {})
