"""Who owns a task once the store has named people (care-desk §1). Pure: plain data in, a name out.

The owner of a task of a role is, in this order: the person the data names (the car's sales
consultant, its service advisor) when that name is active staff of the role in the store; else the
customer's assigned person of the role (专属, stored); else, when the store has no staff of the
role (no staff file), what it always was: the named person or the role's name.

A staff file without stores (门店 empty: '') serves every store that has no people of its own
of that role (a one-store database whose exports name their store).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["PERSONAL_ROLES", "Staffing", "named_person"]

# The roles a car's own row names a person for (the vehicle column that names them).
PERSONAL_ROLES = ("sales_consultant", "service_advisor")


def named_person(role: str, sales_consultant: str | None, service_advisor: str | None) -> str | None:
    """The person the data names for a task of `role`: the car's sales consultant or service advisor."""
    if role == "sales_consultant":
        return sales_consultant or None
    if role == "service_advisor":
        return service_advisor or None
    return None


@dataclass(frozen=True)
class Staffing:
    """The active people of every store, as (store, role, name); empty without a staff file."""

    active: frozenset[tuple[str, str, str]] = frozenset()
    # (store, role) pairs with at least one active person (derived).
    _teams: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_teams", frozenset((store, role) for store, role, _ in self.active))

    @classmethod
    def of(cls, people: Iterable[tuple[str, str, str]]) -> Staffing:
        """Staffing of (store, role, name) triples of the active people."""
        return cls(frozenset(people))

    def team_store(self, store: str | None, role: str) -> str | None:
        """The store whose people of `role` serve a customer or car of `store`: its own when it has
        active people of the role, else '' (people without a store) when there are, else None."""
        own = store or ""
        if (own, role) in self._teams:
            return own
        if ("", role) in self._teams:
            return ""
        return None

    def is_active(self, store: str | None, role: str, name: str) -> bool:
        """Whether `name` is active staff of `role` serving `store`."""
        team = self.team_store(store, role)
        return team is not None and (team, role, name) in self.active

    def owner(self, role: str, store: str | None, named: str | None, assigned: str | None, label: str) -> str:
        """A task's owner: the named person when active staff of the role; else the assigned person;
        else the named person or the role's name (no staff of the role: as without a staff file)."""
        if not self.active:
            return named or label
        if named and self.is_active(store, role, named):
            return named
        if assigned:
            return assigned
        return named or label
