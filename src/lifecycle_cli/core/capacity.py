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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from lifecycle_cli.core.calllist import CustomerLine, ListedTask, OpenTask, first_list_day, merge_lines
from lifecycle_cli.core.rules import Rules

SMS = "sms"
OwnerKey = tuple[str, str]  # (store, owner)


@dataclass(frozen=True, slots=True)
class Person:
    """A person of the staff file as levelling needs them."""

    store: str
    name: str
    role: str
    daily_capacity: int | None = None
    active: bool = True
    away_from: date | None = None
    away_until: date | None = None

    def present(self, day: date) -> bool:
        """At work on the day: active and not on leave (an open-ended leave runs from / until its one date)."""
        if not self.active:
            return False
        after_start = self.away_from is None or day >= self.away_from
        before_end = self.away_until is None or day <= self.away_until
        on_leave = (self.away_from is not None or self.away_until is not None) and after_start and before_end
        return not on_leave


@dataclass(frozen=True)
class Desk:
    """The people of the stores levelled and the rules' default capacity per role."""

    people: Mapping[OwnerKey, Person]
    defaults: Mapping[str, int]
    _by_role: dict[tuple[str, str], list[Person]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_role: dict[tuple[str, str], list[Person]] = defaultdict(list)
        for person in sorted(self.people.values(), key=lambda p: p.name):
            by_role[(person.store, person.role)].append(person)
        object.__setattr__(self, "_by_role", dict(by_role))

    def capacity(self, store: str, owner: str, role: str) -> int | None:
        """A person's daily capacity (theirs, else their role's default); an owner who is not staff
        (a role label, a name without a staff file): the default of the line's top task's role.
        None: a role without a default, not levelled."""
        person = self.people.get((store, owner))
        if person is not None:
            if person.daily_capacity is not None:
                return person.daily_capacity
            return self.defaults.get(person.role, self.defaults.get(role))
        return self.defaults.get(role)

    def stand_in(self, store: str, owner: str, day: date, counts: Mapping[OwnerKey, int]) -> str | None:
        """Who takes an absent person's line on the day (None: the owner is present, not staff, or
        nobody of the role is there): the colleague with the fewest lines so far, ties by name."""
        person = self.people.get((store, owner))
        if person is None or person.present(day):
            return None
        present = [p for p in self._by_role.get((store, person.role), ()) if p.name != owner and p.present(day)]
        if not present:
            return None
        return min(present, key=lambda p: (counts.get((store, p.name), 0), p.name)).name


@dataclass
class OwnerDay:
    """One owner's levelled day (a WORKLOADS row): capacity, lines listed and deferred, tasks lapsed."""

    store: str
    owner: str
    capacity: int | None
    listed: int = 0
    deferred: int = 0
    lapsed_capacity: int = 0


@dataclass
class DayLevel:
    """What levelling a day decided."""

    day: date
    lines: list[CustomerLine] = field(default_factory=list)  # the lines that stay, in the list's order
    listed: list[OpenTask] = field(default_factory=list)  # phone tasks newly listed on the day
    deferred: list[OpenTask] = field(default_factory=list)  # copies: list_from = next day, deferred_days + 1
    lapsed: list[OpenTask] = field(default_factory=list)  # deferral would pass their window: lapsed_capacity
    owners: dict[OwnerKey, OwnerDay] = field(default_factory=dict)


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
            level.deferred.append(replace(task, list_from=following, deferred_days=task.deferred_days + 1))


def next_list_day(is_holiday: Callable[[date], bool]) -> Callable[[date], date]:
    """The next working day after a day (statutory holidays skipped), from a holiday test."""
    def following(day: date) -> date:
        day += timedelta(days=1)
        while is_holiday(day):
            day += timedelta(days=1)
        return day
    return following


def level_days(tasks: Iterable[OpenTask], start: date, end: date, rules: Rules, desk: Desk,
               next_day: Callable[[date], date], *, used: Mapping[OwnerKey, int] | None = None,
               levelled: Callable[[CustomerLine], bool] | None = None) -> list[DayLevel]:
    """Level the days [start, end] in turn, each day's deferred tasks carried to their next list day
    (and merged there with that day's lines). `used` / `levelled` apply to the first day only (it was
    levelled and stored before). O(tasks + lines) over the whole range."""
    buckets: dict[date, dict[tuple[date, int], list[ListedTask]]] = defaultdict(lambda: defaultdict(list))
    for task in tasks:
        day = first_list_day(task, start, end)
        if day is not None:
            _put(buckets, task, day)
    levels = []
    day = start
    while day <= end:
        grouped = buckets.pop(day, None)
        if grouped:
            first = day == start
            level = level_day(merge_lines(grouped, rules), day, desk, next_day,
                              used=used if first else None, levelled=levelled if first else None)
            levels.append(level)
            for task in level.deferred:
                if task.list_from is not None and task.list_from <= end:
                    _put(buckets, task, task.list_from)
        day += timedelta(days=1)
    return levels


def _put(buckets: dict[date, dict[tuple[date, int], list[ListedTask]]], task: OpenTask, day: date) -> None:
    overdue = max((day - task.due_date).days, 0)
    buckets[day][(day, task.customer_key)].append(ListedTask(task=task, day=day, overdue_days=overdue))
