"""Insurance renewal (续保) and annual inspection (年审): the dates their reminders hang on. Pure.

A vehicle's renewal date is the earlier of its two insurance expiries (商业险, 交强险). Every
change of that date is kept as history (old, new, the day it changed), so the date as it
stood on any day is known and a renewal (the date moved later before it passed) can be told
from a lapse (脱保: it passed first).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.stages import add_months, add_years, months_between

RENEWAL_CODE = "insurance_renewal_invite"
INSPECTION_CODE = "inspection_reminder"


@dataclass(frozen=True)
class ExpiryChange:
    """The earlier insurance expiry moved from `old` to `new` (None: cleared) on `changed_on`."""

    old: date
    new: date | None
    changed_on: date

    @property
    def renewed(self) -> bool:
        """A renewal: the date moved later before the old expiry passed (changed on it at the latest)."""
        return self.new is not None and self.new > self.old and self.changed_on <= self.old


def earlier_expiry(commercial: date | None, compulsory: date | None) -> date | None:
    """The earlier of the two insurance expiries (either may be missing)."""
    known = [d for d in (commercial, compulsory) if d is not None]
    return min(known) if known else None


def expiry_on(current: date | None, changes: Sequence[ExpiryChange], day: date) -> date | None:
    """The expiry as it stood on `day`: changes made after that day are undone, latest first."""
    value = current
    for change in reversed(sorted(changes, key=lambda c: c.changed_on)):
        if change.changed_on <= day:
            break
        value = change.old
    return value


def replaced_expiries(changes: Sequence[ExpiryChange], day: date) -> dict[date, ExpiryChange]:
    """Each expiry the vehicle had and left by `day`, with the last change that left it."""
    out: dict[date, ExpiryChange] = {}
    for change in sorted(changes, key=lambda c: c.changed_on):
        if change.changed_on <= day:
            out[change.old] = change
    return out


def expiry_too_far(expiry: date | None, today: date | None, rules: Rules) -> bool:
    """An expiry more than max_years_ahead after today: kept, but likely a typo."""
    if expiry is None or today is None:
        return False
    return expiry > add_years(today, rules.insurance.max_years_ahead)


@dataclass(frozen=True)
class RenewalStep:
    """One reminder step of an expiry: its list date and the last day before the next step takes over."""

    days_before: int
    rule_date: date
    last_day: date
    final: bool


def renewal_steps(expiry: date, rules: Rules) -> list[RenewalStep]:
    """The steps of one expiry (−60, −30, −7 by default): each until the next one, the last until the expiry."""
    steps = rules.insurance.steps_before_days
    out = []
    for i, days in enumerate(steps):
        final = i + 1 == len(steps)
        last = expiry if final else expiry - timedelta(days=steps[i + 1] + 1)
        out.append(RenewalStep(days, expiry - timedelta(days=days), last, final))
    return out


@dataclass(frozen=True)
class InspectionDue:
    """An inspection due date: `label` (apply for the label, no on-site check), `inspection`, or `given`."""

    kind: str
    due: date


def inspection_schedule(registered: date, rules: Rules, until: date, since: date | None = None) -> list[InspectionDue]:
    """The computed inspection dates of a non-commercial small passenger car in [since, until], in order.

    Each date is a whole number of months after the registration date (clamped to the month's
    end): the label years (`label`), the on-site years (`inspection`), then every period's interval
    from its first year to the next period (`inspection`).
    """
    found: dict[date, str] = {}
    for years_list, kind in ((rules.inspection.label_years, "label"), (rules.inspection.onsite_years, "inspection")):
        for years in years_list:
            due = add_years(registered, years)
            if due <= until:
                found[due] = kind
    # Months after registration reached on `since`, less one (the clamp at a month's end).
    skip = months_between(registered, since) - 1 if since is not None and since > registered else 0
    periods = rules.inspection.periods
    for i, (from_years, every) in enumerate(periods):
        months = from_years * 12
        if skip > months:
            months += (skip - months) // every * every
        stop = periods[i + 1][0] * 12 if i + 1 < len(periods) else None
        while stop is None or months < stop:
            due = add_months(registered, months)
            if due > until:
                break
            found[due] = "inspection"
            months += every
    if since is not None:
        found = {due: kind for due, kind in found.items() if due >= since}
    return [InspectionDue(kind, due) for due, kind in sorted(found.items())]


def inspection_month_offsets(rules: Rules) -> tuple[frozenset[int], int]:
    """For the indexed search: the months-after-registration of every due date, modulo 12, and the smallest."""
    fixed = (*rules.inspection.label_years, *rules.inspection.onsite_years)
    residues = {(years * 12) % 12 for years in fixed}
    smallest = [years * 12 for years in fixed]
    periods = rules.inspection.periods
    for i, (from_years, every) in enumerate(periods):
        smallest.append(from_years * 12)
        stop = periods[i + 1][0] * 12 if i + 1 < len(periods) else from_years * 12 + 12 * every
        residues.update(m % 12 for m in range(from_years * 12, stop, every))
    return frozenset(residues), min(smallest) if smallest else 0


def registration_mmdds(first_due: date, last_due: date, residues: Iterable[int]) -> list[str]:
    """'MM-DD' of every registration date whose due dates (registration + n×12 + r months) can fall in [first, last].

    A due date on a month's last day may come from any later day of the registration month
    (31 August + 6 months = 28 February), so those days are in too.
    """
    out: set[str] = set()
    offsets = sorted(set(residues))
    if (last_due - first_due).days >= 365:  # a whole year: every day of a leap year
        first_due, last_due = date(2024, 1, 1), date(2024, 12, 31)
        offsets = [0]
    day = first_due
    while day <= last_due:
        for r in offsets:
            source = add_months(day, -r)
            out.add(source.strftime("%m-%d"))
            if day.day == monthrange(day.year, day.month)[1]:
                for d in range(source.day + 1, 32):
                    out.add(f"{source.month:02d}-{d:02d}")
        day += timedelta(days=1)
    return sorted(out)


def inspection_note(event_key: str, rules: Rules) -> str:
    """What an inspection reminder adds to its hint: which kind of due date it is (a computed label year:
    a customer errand; an on-site one: a visit the store can do) and the normal-cycle caveat; nothing for
    a due date from the data (its kind is unknown)."""
    kind = event_key.split(":", 1)[0]
    section = rules.inspection
    if kind == "label":
        return section.label_note + section.normal_cycle_note
    if kind == "inspection":
        return section.onsite_note + section.normal_cycle_note
    return ""
