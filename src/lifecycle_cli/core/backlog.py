"""The lines waiting between levelled days (core/capacity.level_days), kept so a day costs what it lists.

Pure. A deferred line keeps its tasks until the customer gets new tasks on the day it comes back (then
they merge into one line) or a task's window passes; its place in a day's list does not depend on the
day (priority of its top task, then its earliest due date, then the top's due date and id). So the
lines deferred to a day (a `Cohort`) wait in one heap per (store, owner): a day takes from each owner
only the lines it lists; the rest are deferred together by one counter (`shift`) instead of a copy of
every task every day, and windows that pass are found in a heap by window end. A task is kept as an
object and how often it was deferred since (`k`): the copy a day shows is made when it is listed.

`DeferredLog` rebuilds a day's deferred copies (DayLevel.deferred) only when they are read.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from lifecycle_cli.core.calllist import CustomerLine, ListedTask, OpenTask, deferred_copy

OwnerKey = tuple[str, str]  # (store, owner)
Order = tuple[int, date, date, int]  # a line's place in any day's list (see line_key)
Pending = tuple[OpenTask, int]  # a task and how often it was deferred since that object


def task_key(task: OpenTask, rank: Callable[[str], int]) -> tuple[int, date, int]:
    """A task's place on its line on any day (priority, then more overdue = earlier due, then id)."""
    return rank(task.code), task.due_date, task.task_id


def line_key(tasks: Iterable[OpenTask], rank: Callable[[str], int]) -> Order:
    """A line's place in its day's list (calllist.line_order without the day: overdue = day - earliest due)."""
    ordered = sorted(tasks, key=lambda t: task_key(t, rank))
    top = ordered[0]
    return rank(top.code), min(t.due_date for t in ordered), top.due_date, top.task_id


def shown(task: OpenTask, k: int, day: date) -> OpenTask:
    """The task as a day lists it after k more deferrals (the object itself when none)."""
    return task if k == 0 else deferred_copy(task, day, task.deferred_days + k)


@dataclass(slots=True, eq=False)
class Waiting:
    """A customer's deferred phone tasks in the line's order, each with its offset to the cohort's shift
    (apart: a tuple of ints the garbage collector need not follow)."""

    customer: int
    tasks: tuple[OpenTask, ...]
    offsets: tuple[int, ...]
    key: OwnerKey
    order: Order


@dataclass(eq=False)
class Cohort:
    """The lines deferred to one day, per (store, owner) in the list's order."""

    rank: Callable[[str], int]
    lines: dict[int, Waiting] = field(default_factory=dict)
    heaps: dict[OwnerKey, list[tuple[Order, int]]] = field(default_factory=dict)  # (order, customer)
    counts: dict[OwnerKey, int] = field(default_factory=dict)
    windows: list[tuple[date, int, int]] = field(default_factory=list)  # (window_end, task_id, customer)
    shift: int = 0  # deferrals every waiting task has had since it joined (with its offset)
    sources: list[int] = field(default_factory=list)  # the levelled days (indices) whose deferrals these are
    gone: set[int] = field(default_factory=set)  # task ids that left since the day's deferral was logged

    def add(self, customer: int, pending: list[Pending]) -> None:
        """Put a customer's tasks (with their deferrals) in; merged with their waiting line if any."""
        lines, shift = self.lines, self.shift
        if len(pending) == 1 and customer not in lines:  # most lines: one task, nothing waiting
            top, k = pending[0]
            line = Waiting(customer, (top,), (k - shift,), (top.store or "", top.owner),
                           (self.rank(top.code), top.due_date, top.due_date, top.task_id))
            heapq.heappush(self.windows, (top.window_end, top.task_id, customer))
        else:
            merged = [*(self.take(customer, log=False) or ()), *pending]
            if len(merged) > 1:
                merged.sort(key=lambda p: task_key(p[0], self.rank))
            top = merged[0][0]
            line = Waiting(customer, tuple([t for t, _ in merged]), tuple([k - shift for _, k in merged]),
                           (top.store or "", top.owner),
                           (self.rank(top.code), min([t.due_date for t, _ in merged]), top.due_date, top.task_id))
            windows = self.windows
            for task, _ in merged:
                heapq.heappush(windows, (task.window_end, task.task_id, customer))
        lines[customer] = line
        key, heaps = line.key, self.heaps
        heap = heaps.get(key)
        if heap is None:
            heap = heaps[key] = []
        heapq.heappush(heap, (line.order, customer))
        self.counts[key] = self.counts.get(key, 0) + 1

    def take(self, customer: int, *, log: bool = True) -> list[Pending] | None:
        """Take a customer's waiting line out (its tasks with their deferrals); None when none waits."""
        line = self.lines.pop(customer, None)
        if line is None:
            return None
        self.counts[line.key] -= 1
        if log:
            self.gone.update(t.task_id for t in line.tasks)
        return [(t, offset + self.shift) for t, offset in zip(line.tasks, line.offsets, strict=True)]

    def first(self, key: OwnerKey) -> Waiting | None:
        """The owner's first waiting line in the list's order."""
        heap = self.heaps.get(key)
        while heap:
            order, customer = heap[0]
            line = self.lines.get(customer)
            if line is not None and line.order == order:  # else it left, or waits elsewhere now
                return line
            heapq.heappop(heap)
        return None

    def listed(self, line: Waiting, day: date) -> CustomerLine:
        """Take a waiting line out as the day lists it."""
        pending = self.take(line.customer) or []
        return CustomerLine(day, line.customer, tuple([
            ListedTask(t, day, max((day - t.due_date).days, 0)) for t in (shown(t, k, day) for t, k in pending)]))

    def lapse(self, following: date, day: date) -> list[tuple[Waiting, int, OpenTask]]:
        """Every waiting task whose window ends before `following` leaves (its line keeps the others): the
        line as it was, the task's place on it and the task as the day showed it."""
        out: list[tuple[Waiting, int, OpenTask]] = []
        hit: dict[int, set[int]] = {}
        while self.windows and self.windows[0][0] < following:
            _, task_id, customer = heapq.heappop(self.windows)
            line = self.lines.get(customer)
            if line is None or task_id in hit.get(customer, ()):
                continue
            for place, (task, offset) in enumerate(zip(line.tasks, line.offsets, strict=True)):
                if task.task_id == task_id:
                    hit.setdefault(customer, set()).add(task_id)
                    out.append((line, place, shown(task, offset + self.shift, day)))
        for customer, ids in hit.items():
            pending = self.take(customer, log=False) or []
            self.gone.update(ids)
            rest = [p for p in pending if p[0].task_id not in ids]
            if rest:
                self.add(customer, rest)
        return out

    def merge(self, other: Cohort) -> Cohort:
        """Both cohorts' lines as one (a customer's lines merge), the smaller moved into the larger."""
        small, large = (self, other) if len(self.lines) < len(other.lines) else (other, self)
        for line in small.lines.values():
            large.add(line.customer, [(t, offset + small.shift) for t, offset in zip(line.tasks, line.offsets,
                                                                                      strict=True)])
        large.sources.extend(small.sources)
        return large


@dataclass
class DayRecord:
    """What a levelled day did to the deferred tasks: the days whose deferrals it levelled (`sources`),
    the ids that left them (listed, merged into a new line, lapsed), the tasks it deferred anew (with
    their deferrals after it), its next list day, and what else stood on its deferred lines (the tasks
    that lapsed, the sms tasks that stayed) for their order."""

    sources: list[int]
    gone: set[int]
    added: list[Pending]
    following: date
    lapsed: list[OpenTask]
    sms: dict[int, tuple[OpenTask, ...]]


class DeferredLog:
    """What each levelled day deferred, replayed into copies when DayLevel.deferred is read."""

    def __init__(self, rank: Callable[[str], int]) -> None:
        self.rank = rank
        self.records: list[DayRecord] = []
        self.states: list[dict[int, Pending]] = []

    def log(self, record: DayRecord) -> int:
        """Keep a day's record; its index (the day's place among the levelled days)."""
        self.records.append(record)
        return len(self.records) - 1

    def state(self, index: int) -> dict[int, Pending]:
        """The tasks a day deferred, by id, with how often they were deferred after it."""
        for i in range(len(self.states), index + 1):
            record = self.records[i]
            tasks: dict[int, Pending] = {}
            for source in record.sources:
                for task_id, (task, k) in self.states[source].items():
                    if task_id not in record.gone:
                        tasks[task_id] = (task, k + 1)
            tasks.update((t.task_id, (t, k)) for t, k in record.added)
            self.states.append(tasks)
        return self.states[index]

    def copies(self, index: int) -> list[OpenTask]:
        """A day's deferred copies in the order levelling met them (its lines' order, then each line's)."""
        record, rank = self.records[index], self.rank
        by_customer: dict[int, list[OpenTask]] = {}
        for task, k in self.state(index).values():
            copy = task if k == 0 else deferred_copy(task, record.following, task.deferred_days + k)
            by_customer.setdefault(task.customer_key, []).append(copy)
        lapsed: dict[int, list[OpenTask]] = {}
        for task in record.lapsed:
            lapsed.setdefault(task.customer_key, []).append(task)
        ordered = sorted(by_customer.items(), key=lambda item: line_key(
            [*item[1], *lapsed.get(item[0], ()), *record.sms.get(item[0], ())], rank))
        return [t for _, tasks in ordered for t in sorted(tasks, key=lambda t: task_key(t, rank))]
