"""The days after the first in core/capacity.level_days: a day's new lines and the lines deferred to it
(core/backlog.Cohort), levelled by level_day's rules at the cost of what the day lists.

Pure. `LaterDay` keeps the whole day (its lines, listed, lapsed and deferred tasks, as `due --days`
shows them); `CountedDay` keeps its owners' counts only (the report's forecast): the same decisions
on bare lines (the tasks themselves, no per-day copies, no list built), so it costs less per line.
Both take the same path through an owner's or a role's lines (`_Levelling`); only what a line is and
what listing or deferring it records differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Generic, Protocol, TypeVar

from lifecycle_cli.core.backlog import Cohort, DayRecord, Order, Pending, Waiting, shown
from lifecycle_cli.core.calllist import CustomerLine, ListedTask, OpenTask, merge_lines
from lifecycle_cli.core.desk import SMS, DayLevel, Desk, OwnerDay, OwnerKey, Person
from lifecycle_cli.core.rules import Rules


class _Line(Protocol):
    @property
    def customer_key(self) -> int: ...

    @property
    def owner(self) -> str: ...


L = TypeVar("L", bound=_Line)


@dataclass(slots=True, eq=False)
class CountedLine:
    """A customer's line on a counted day: their tasks in the line's order (the stored objects, not the
    day's copies), its owner (the top task's) and store."""

    customer_key: int
    tasks: tuple[OpenTask, ...]
    owner: str
    store: str


class _Levelling(Generic[L]):
    """A later day of level_days: its new lines and the cohort of lines deferred to it, levelled by
    level_day's rules. An owner gives up their lines in the list's order until full; the rest of their
    waiting lines are deferred as one count. Where a person of a role is away, the role's lines are
    met in the list's order (stand-ins go by the lines so far) until every one there is full."""

    def __init__(self, day: date, following: date, desk: Desk, cohort: Cohort, rank: Callable[[str], int]):
        self.day, self.following, self.desk, self.cohort, self.rank = day, following, desk, cohort, rank
        self.level = DayLevel(day)
        self.counts: dict[OwnerKey, int] = {}
        self.firsts: dict[OwnerKey, Order] = {}  # an owner's first line: owners in the order level_day meets them
        self.added: list[tuple[int, list[Pending]]] = []  # the new lines' deferred tasks, for the cohort
        self.moved: dict[OwnerKey, OwnerKey] = {}  # whose day a waiting owner's deferred lines count on

    # What a kind of day does with a line (LaterDay, CountedDay).
    def _fresh(self, new: Mapping[int, list[OpenTask]], rules: Rules) -> dict[OwnerKey, list[tuple[Order, L]]]:
        """The day's new lines with a phone task (each merged with its customer's waiting line), per
        owner in the list's order."""
        raise NotImplementedError

    def _list(self, key: OwnerKey, order: Order, line: L | None, waiting: Waiting | None,
              stand_in: str | None) -> None:
        raise NotImplementedError

    def _defer(self, key: OwnerKey, order: Order, line: L) -> None:
        raise NotImplementedError

    def _waiting_line(self, waiting: Waiting) -> L:
        """A waiting line taken out of the cohort as the day lists it."""
        raise NotImplementedError

    def _role(self, line: L | None, waiting: Waiting | None) -> str:
        """The role of the line's top task."""
        raise NotImplementedError

    def _result(self) -> tuple[DayLevel, DayRecord | None]:
        raise NotImplementedError

    def run(self, new: Mapping[int, list[OpenTask]], rules: Rules) -> tuple[DayLevel, DayRecord | None]:
        by_key = self._fresh(new, rules)
        roles = self._roles_with_stand_ins()
        keys = set(by_key) | {key for key, n in self.cohort.counts.items() if n}
        done = set()
        for key in sorted(keys):
            role = roles.get(key)
            if role is None:
                self._level_owner(key, by_key.get(key, []))
            elif role not in done:
                done.add(role)
                people = self.desk._by_role[role]
                fresh = sorted((e for p in people for e in by_key.get((role[0], p.name), ())), key=itemgetter(0))
                self._level_role(role[0], people, fresh)
        for waiting, place, task in self.cohort.lapse(self.following, self.day):
            self.level.owners[self.moved[waiting.key]].lapsed_capacity += 1
            self._lapsed(waiting.order, place, task)
        self.cohort.shift += 1
        for customer, pending in self.added:
            self.cohort.add(customer, pending)
        return self._result()

    def _lapsed(self, order: Order, place: int, task: OpenTask) -> None:
        """A waiting task whose window passed (the count is made; LaterDay keeps the task)."""

    def _roles_with_stand_ins(self) -> dict[OwnerKey, tuple[str, str]]:
        """The people of the roles where someone is away and someone is there: their role."""
        roles: dict[OwnerKey, tuple[str, str]] = {}
        for role, people in self.desk._by_role.items():
            there = {p.present(self.day) for p in people}
            if there == {True, False}:
                roles.update(((role[0], p.name), role) for p in people)
        return roles

    def _next(self, fresh: list[tuple[Order, L]], i: int,
              keys: Iterable[OwnerKey]) -> tuple[Order, L | None, Waiting | None] | None:
        """The first line in the list's order: a new one (fresh[i]) or a waiting one of the owners."""
        best: tuple[Order, L | None, Waiting | None] | None = (
            (fresh[i][0], fresh[i][1], None) if i < len(fresh) else None)
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

    def _level_owner(self, key: OwnerKey, fresh: list[tuple[Order, L]]) -> None:
        i = 0
        while (item := self._next(fresh, i, (key,))) is not None:
            order, line, waiting = item
            owner = self._owner(key, order, self._role(line, waiting))
            if owner.capacity is not None and self.counts.get(key, 0) >= owner.capacity:
                break
            self._list(key, order, line, waiting, None)
            i += line is not None
        for order, line in fresh[i:]:
            self._defer(key, order, line)
        self._defer_waiting(key, key)

    def _level_role(self, store: str, people: list[Person], fresh: list[tuple[Order, L]]) -> None:
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
            own = line.owner if line is not None else waiting.key[1] if waiting is not None else ""
            stand_in = self.desk.stand_in(store, own, self.day, self.counts)
            key = (store, stand_in if stand_in is not None else own)
            owner = self._owner(key, order, self._role(line, waiting))
            if owner.capacity is None or self.counts.get(key, 0) < owner.capacity:
                self._list(key, order, line, waiting, stand_in)
                room -= self.counts[key] == fixed.get(key[1])
            elif line is not None:
                self._defer(key, order, line)
            elif waiting is not None:
                self._defer(key, order, self._waiting_line(waiting))
            i += line is not None
        if not there:
            return
        star = min(there, key=lambda p: (self.counts.get((store, p.name), 0), p.name)).name
        away = {p.name for p in people} - set(fixed)
        for order, line in fresh[i:]:
            key = (store, star if line.owner in away else line.owner)
            self._owner(key, order, self._role(line, None))
            self._defer(key, order, line)
        for person in people:
            key = (store, person.name)
            self._defer_waiting(key, (store, star) if person.name in away else key)

    def _counted(self, key: OwnerKey) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        self.level.owners[key].listed += 1

    def _defer_waiting(self, waiting_key: OwnerKey, key: OwnerKey) -> None:
        """The owner's lines still waiting are all deferred, counted on `key`'s day."""
        count = self.cohort.counts.get(waiting_key, 0)
        first = self.cohort.first(waiting_key) if count else None
        if first is not None:
            self._owner(key, first.order, first.tasks[0].role).deferred += count
            self.moved[waiting_key] = key

    def _owners_in_order(self) -> DayLevel:
        level = self.level
        level.owners = dict(sorted(level.owners.items(), key=lambda item: self.firsts[item[0]]))
        return level


class LaterDay(_Levelling[CustomerLine]):
    """A later day kept whole: its lines (each task as the day shows it), listed, lapsed, and a record of
    what it deferred (core/backlog.DeferredLog builds the copies when read)."""

    def __init__(self, day: date, following: date, desk: Desk, cohort: Cohort, rank: Callable[[str], int]):
        super().__init__(day, following, desk, cohort, rank)
        self.out: list[tuple[Order, CustomerLine, bool]] = []  # the day's lines (counted or not)
        self.lapsed: list[tuple[Order, int, OpenTask]] = []
        self.sms: dict[int, tuple[OpenTask, ...]] = {}

    def _fresh(self, new: Mapping[int, list[OpenTask]],
               rules: Rules) -> dict[OwnerKey, list[tuple[Order, CustomerLine]]]:
        by_key: dict[OwnerKey, list[tuple[Order, CustomerLine]]] = defaultdict(list)
        for line in self._new_lines(new, rules):
            tasks = line.tasks
            if tasks[0].task.channel != SMS if len(tasks) == 1 else any(t.task.channel != SMS for t in tasks):
                by_key[(line.store, line.owner)].append((self._order(line), line))
            else:
                self.out.append((self._order(line), line, False))
        return by_key

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

    def _role(self, line: CustomerLine | None, waiting: Waiting | None) -> str:
        if line is not None:
            return line.tasks[0].task.role
        assert waiting is not None
        return waiting.tasks[0].role

    def _waiting_line(self, waiting: Waiting) -> CustomerLine:
        return self.cohort.listed(waiting, self.day)

    def _list(self, key: OwnerKey, order: Order, line: CustomerLine | None, waiting: Waiting | None,
              stand_in: str | None) -> None:
        if line is None:
            assert waiting is not None
            line = self._waiting_line(waiting)
        if stand_in is not None:
            line.assigned = stand_in
        self._counted(key)
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
        if has_sms:
            sms = tuple(t for t in line.tasks if t.task.channel == SMS)
            self.out.append((order, CustomerLine(day=self.day, customer_key=line.customer_key, tasks=sms), False))
            self.sms[line.customer_key] = tuple(t.task for t in sms)

    def _lapsed(self, order: Order, place: int, task: OpenTask) -> None:
        self.lapsed.append((order, place, task))

    def _result(self) -> tuple[DayLevel, DayRecord]:
        level = self._owners_in_order()
        self.out.sort(key=itemgetter(0))
        level.lines = [line for _, line, _ in self.out]
        level.listed = [t.task for _, line, counted in self.out if counted for t in line.tasks
                        if t.task.channel != SMS]
        self.lapsed.sort(key=lambda e: (e[0], e[1]))
        level.lapsed = [task for _, _, task in self.lapsed]
        added = [p for _, pending in self.added for p in pending]
        return level, DayRecord(list(self.cohort.sources), self.cohort.gone, added, self.following,
                                level.lapsed, self.sms)


class CountedDay(_Levelling[CountedLine]):
    """A later day kept for its owners' counts only (level_days(counts_only=True)): the same decisions as
    LaterDay's on bare lines; nothing listed, lapsed or deferred is kept but the counts."""

    def _fresh(self, new: Mapping[int, list[OpenTask]],
               rules: Rules) -> dict[OwnerKey, list[tuple[Order, CountedLine]]]:
        by_key: dict[OwnerKey, list[tuple[Order, CountedLine]]] = defaultdict(list)
        take, waits, rank = self.cohort.take, self.cohort.lines, self.rank
        for customer, tasks in new.items():
            if customer in waits and (waiting := take(customer, log=False)):
                tasks = [*tasks, *(t for t, _ in waiting)]
            if len(tasks) == 1:
                top = tasks[0]
                if top.channel == SMS:
                    continue
                earliest = top.due_date
            else:  # the line's order: priority, then more overdue (an earlier due date), then id
                if all(t.channel == SMS for t in tasks):
                    continue
                tasks = sorted(tasks, key=lambda t: (rank(t.code), t.due_date, t.task_id))
                top, earliest = tasks[0], min([t.due_date for t in tasks])
            store = top.store or ""
            by_key[(store, top.owner)].append(((rank(top.code), earliest, top.due_date, top.task_id),
                                               CountedLine(customer, tuple(tasks), top.owner, store)))
        for entries in by_key.values():
            entries.sort(key=itemgetter(0))
        return by_key

    def _role(self, line: CountedLine | None, waiting: Waiting | None) -> str:
        if line is not None:
            return line.tasks[0].role
        assert waiting is not None
        return waiting.tasks[0].role

    def _waiting_line(self, waiting: Waiting) -> CountedLine:
        pending = self.cohort.take(waiting.customer, log=False) or []
        return CountedLine(waiting.customer, tuple([t for t, _ in pending]), waiting.key[1], waiting.key[0])

    def _list(self, key: OwnerKey, order: Order, line: CountedLine | None, waiting: Waiting | None,
              stand_in: str | None) -> None:
        if line is None:  # counted, and out of the cohort
            assert waiting is not None
            self.cohort.take(waiting.customer, log=False)
        self._counted(key)

    def _defer(self, key: OwnerKey, order: Order, line: CountedLine) -> None:
        owner = self.level.owners[key]
        owner.deferred += 1
        kept: list[Pending] = []
        following = self.following
        for task in line.tasks:
            if task.channel == SMS:
                continue
            if following > task.window_end:
                owner.lapsed_capacity += 1
            else:
                kept.append((task, 1))
        if kept:
            self.added.append((line.customer_key, kept))

    def _result(self) -> tuple[DayLevel, None]:
        return self._owners_in_order(), None

