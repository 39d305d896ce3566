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
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, partial
from typing import Any

from lifecycle_cli.core.backlog import Cohort, DayRecord, DeferredLog, Order, Pending, Waiting, shown
from lifecycle_cli.core.calllist import (
    CustomerLine,
    ListedTask,
    OpenTask,
    deferred_copy,
    first_list_day,
    merge_lines,
)
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
    lapsed: list[OpenTask] = field(default_factory=list)  # deferral would pass their window: lapsed_capacity
    owners: dict[OwnerKey, OwnerDay] = field(default_factory=dict)
    # How to build `deferred` when it is first read (level_days: a forecast's later days are read for
    # their lines and counts only, and copying a growing backlog every day costs days² × lines).
    later: Callable[[], list[OpenTask]] | None = field(default=None, repr=False, compare=False)
    _deferred: list[OpenTask] = field(default_factory=list, repr=False)

    @property
    def deferred(self) -> list[OpenTask]:
        """The phone tasks deferred, as copies: list_from = the next list day, deferred_days + 1."""
        if self.later is not None:
            self._deferred, self.later = self.later(), None
        return self._deferred


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
                level, record = _DayWork(day, following, desk, cohort, rank, not counts_only).run(new, rules)
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


Entry = tuple[Order, CustomerLine]


class _DayWork:
    """A later day of level_days: its new lines and the cohort of lines deferred to it, levelled by
    level_day's rules. An owner gives up their lines in the list's order until full; the rest of their
    waiting lines are deferred as one count. Where a person of a role is away, the role's lines are
    met in the list's order (stand-ins go by the lines so far) until every one there is full."""

    def __init__(self, day: date, following: date, desk: Desk, cohort: Cohort, rank: Callable[[str], int],
                 whole: bool = True):
        self.day, self.following, self.desk, self.cohort, self.rank = day, following, desk, cohort, rank
        self.whole = whole  # False: only the owners' counts are kept (level_days(counts_only=True))
        self.level = DayLevel(day)
        self.counts: dict[OwnerKey, int] = {}
        self.firsts: dict[OwnerKey, Order] = {}  # an owner's first line: owners in the order level_day meets them
        self.out: list[tuple[Order, CustomerLine, bool]] = []  # the day's lines (counted or not)
        self.lapsed: list[tuple[Order, int, OpenTask]] = []
        self.added: list[tuple[int, list[Pending]]] = []  # the new lines' deferred tasks, for the cohort
        self.moved: dict[OwnerKey, OwnerKey] = {}  # whose day a waiting owner's deferred lines count on
        self.sms: dict[int, tuple[OpenTask, ...]] = {}

    def run(self, new: Mapping[int, list[OpenTask]], rules: Rules) -> tuple[DayLevel, DayRecord | None]:
        by_key: dict[OwnerKey, list[Entry]] = defaultdict(list)
        for line in self._new_lines(new, rules):
            tasks = line.tasks
            if tasks[0].task.channel != SMS if len(tasks) == 1 else any(t.task.channel != SMS for t in tasks):
                by_key[(line.store, line.owner)].append((self._order(line), line))
            elif self.whole:
                self.out.append((self._order(line), line, False))
        roles = self._roles_with_stand_ins()
        keys = set(by_key) | {key for key, n in self.cohort.counts.items() if n}
        done = set()
        for key in sorted(keys):
            role = roles.get(key)
            if role is None:
                self._level_owner(key, by_key[key])
            elif role not in done:
                done.add(role)
                people = self.desk._by_role[role]
                fresh = sorted((e for p in people for e in by_key.get((role[0], p.name), ())), key=lambda e: e[0])
                self._level_role(role[0], people, fresh)
        for waiting, place, task in self.cohort.lapse(self.following, self.day):
            self.level.owners[self.moved[waiting.key]].lapsed_capacity += 1
            self.lapsed.append((waiting.order, place, task))
        self.cohort.shift += 1
        for customer, pending in self.added:
            self.cohort.add(customer, pending)
        return self._result()

    def _new_lines(self, new: Mapping[int, list[OpenTask]], rules: Rules) -> list[CustomerLine]:
        """The day's new tasks as lines, each merged with its customer's waiting line."""
        grouped: dict[tuple[date, int], list[ListedTask]] = {}
        day, take, waits = self.day, self.cohort.take, self.cohort.lines
        for customer, tasks in new.items():
            listed = [ListedTask(t, day, max((day - t.due_date).days, 0)) for t in tasks]
            if customer in waits and (waiting := take(customer)):
                listed += [ListedTask(s, day, max((day - s.due_date).days, 0))
                           for s in (shown(t, k, day) for t, k in waiting)]
            grouped[(day, customer)] = listed
        return merge_lines(grouped, rules, self.rank)

    def _order(self, line: CustomerLine) -> Order:
        tasks = line.tasks
        top = tasks[0].task
        earliest = top.due_date if len(tasks) == 1 else min([t.task.due_date for t in tasks])
        return self.rank(top.code), earliest, top.due_date, top.task_id

    def _roles_with_stand_ins(self) -> dict[OwnerKey, tuple[str, str]]:
        """The people of the roles where someone is away and someone is there: their role."""
        roles: dict[OwnerKey, tuple[str, str]] = {}
        for role, people in self.desk._by_role.items():
            there = {p.present(self.day) for p in people}
            if there == {True, False}:
                roles.update(((role[0], p.name), role) for p in people)
        return roles

    def _next(self, fresh: list[Entry], i: int, keys: Iterable[OwnerKey]) -> tuple[Order, Any, Any] | None:
        """The first line in the list's order: a new one (fresh[i]) or a waiting one of the owners."""
        best: tuple[Order, Any, Any] | None = (fresh[i][0], fresh[i][1], None) if i < len(fresh) else None
        for key in keys:
            waiting = self.cohort.first(key)
            if waiting is not None and (best is None or waiting.order < best[0]):
                best = (waiting.order, None, waiting)
        return best

    def _owner(self, key: OwnerKey, order: Order, role: str) -> OwnerDay:
        owner = self.level.owners.get(key)
        if owner is None:
            owner = self.level.owners[key] = OwnerDay(key[0], key[1], self.desk.capacity(key[0], key[1], role))
            self.firsts[key] = order
        elif order < self.firsts[key]:
            self.firsts[key] = order
        return owner

    def _level_owner(self, key: OwnerKey, fresh: list[Entry]) -> None:
        i = 0
        while (item := self._next(fresh, i, (key,))) is not None:
            order, line, waiting = item
            owner = self._owner(key, order, _top_role(line, waiting))
            if owner.capacity is not None and self.counts.get(key, 0) >= owner.capacity:
                break
            self._list(key, order, line, waiting, None)
            i += line is not None
        for order, line in fresh[i:]:
            self._defer(key, order, line)
        self._defer_waiting(key, key)

    def _level_role(self, store: str, people: list[Person], fresh: list[Entry]) -> None:
        """A role with someone away: its lines in the list's order until everyone there is full (after
        that each line stays with a full person: deferred)."""
        there = [p for p in people if p.present(self.day)]
        fixed = {p.name: p.daily_capacity if p.daily_capacity is not None else self.desk.defaults.get(p.role)
                 for p in there}
        room = sum(1 for cap in fixed.values() if cap is None or cap > 0)  # people not full yet (None: never)
        keys = [(store, p.name) for p in people]
        i = 0
        while room and (item := self._next(fresh, i, keys)) is not None:
            order, line, waiting = item
            own = line.owner if line is not None else waiting.key[1]
            stand_in = self.desk.stand_in(store, own, self.day, self.counts)
            key = (store, stand_in if stand_in is not None else own)
            owner = self._owner(key, order, _top_role(line, waiting))
            if owner.capacity is None or self.counts.get(key, 0) < owner.capacity:
                self._list(key, order, line, waiting, stand_in)
                room -= self.counts[key] == fixed.get(key[1])
            else:
                self._defer(key, order, line if line is not None else self.cohort.listed(waiting, self.day))
            i += line is not None
        if not there:
            return
        star = min(there, key=lambda p: (self.counts.get((store, p.name), 0), p.name)).name
        away = {p.name for p in people} - set(fixed)
        for order, line in fresh[i:]:
            key = (store, star if line.owner in away else line.owner)
            self._owner(key, order, line.tasks[0].task.role)
            self._defer(key, order, line)
        for person in people:
            key = (store, person.name)
            self._defer_waiting(key, (store, star) if person.name in away else key)

    def _list(self, key: OwnerKey, order: Order, line: CustomerLine | None, waiting: Waiting | None,
              stand_in: str | None) -> None:
        if not self.whole:  # counted, and out of the cohort; no line made
            if line is None:
                assert waiting is not None
                self.cohort.take(waiting.customer)
            self.counts[key] = self.counts.get(key, 0) + 1
            self.level.owners[key].listed += 1
            return
        if line is None:
            assert waiting is not None
            line = self.cohort.listed(waiting, self.day)
        if stand_in is not None:
            line.assigned = stand_in
        self.counts[key] = self.counts.get(key, 0) + 1
        self.level.owners[key].listed += 1
        self.out.append((order, line, True))

    def _defer(self, key: OwnerKey, order: Order, line: CustomerLine) -> None:
        """A line deferred (level_day's rule): its phone tasks to the next day or lapsed, its sms stay."""
        owner = self.level.owners[key]
        owner.deferred += 1
        kept = []
        following, has_sms = self.following, False
        for place, listed in enumerate(line.tasks):
            task = listed.task
            if task.channel == SMS:
                has_sms = True
            elif following > task.window_end:
                owner.lapsed_capacity += 1
                self.lapsed.append((order, place, task))
            else:
                kept.append((task, 1))
        if kept:
            self.added.append((line.customer_key, kept))
        if has_sms and self.whole:
            sms = tuple(t for t in line.tasks if t.task.channel == SMS)
            self.out.append((order, CustomerLine(day=self.day, customer_key=line.customer_key, tasks=sms), False))
            self.sms[line.customer_key] = tuple(t.task for t in sms)

    def _defer_waiting(self, waiting_key: OwnerKey, key: OwnerKey) -> None:
        """The owner's lines still waiting are all deferred, counted on `key`'s day."""
        count = self.cohort.counts.get(waiting_key, 0)
        first = self.cohort.first(waiting_key) if count else None
        if first is not None:
            self._owner(key, first.order, first.tasks[0].role).deferred += count
            self.moved[waiting_key] = key

    def _result(self) -> tuple[DayLevel, DayRecord | None]:
        level = self.level
        level.owners = dict(sorted(level.owners.items(), key=lambda item: self.firsts[item[0]]))
        if not self.whole:  # counts only: the owners are all the day keeps
            return level, None
        self.out.sort(key=lambda e: e[0])
        level.lines = [line for _, line, _ in self.out]
        level.listed = [t.task for _, line, counted in self.out if counted for t in line.tasks
                        if t.task.channel != SMS]
        self.lapsed.sort(key=lambda e: (e[0], e[1]))
        level.lapsed = [task for _, _, task in self.lapsed]
        added = [p for _, pending in self.added for p in pending]
        return level, DayRecord(list(self.cohort.sources), self.cohort.gone, added, self.following,
                                level.lapsed, self.sms)


def _top_role(line: CustomerLine | None, waiting: Waiting | None) -> str:
    if line is not None:
        return line.tasks[0].task.role
    assert waiting is not None
    return waiting.tasks[0].role
