"""The desk levelling works with (care-desk §2): the people of the stores with their capacity and leave,
the role defaults, and what levelling decided for a day (each owner's counts, the lines that stay).

Pure data: core/capacity.py levels the first day, core/later_days.py the days after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from lifecycle_cli.core.calllist import CustomerLine, OpenTask

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

