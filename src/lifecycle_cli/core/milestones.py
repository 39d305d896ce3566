"""里程碑保养 (care-desk §6, §9 "Milestones"): the key-moment service a maintenance invitation names. Pure.

An invitation's service km is the first service's km (schedule.first_service_km) or the km of the
maintenance it follows plus schedule.service_interval_km; it names the milestone of [milestones] nearest
to that km within within_km (halfway between two: the larger), with the milestone's items in its hint.
"""

from __future__ import annotations

from lifecycle_cli.core.invitations import MOVED_HINT, chain_key, is_moved
from lifecycle_cli.core.rule_sections import Milestone, MilestonesSection, ScheduleSection

INVITE_CODES = frozenset({"first_service_invite", "service_invite"})
FIRST_KEY = "first"


def service_km(event_key: str, last_km: int | None, schedule: ScheduleSection) -> int | None:
    """The km an invitation's service is for: the first service's, else the maintenance it follows (its
    km `last_km`) plus the interval; None when that km is not known."""
    if chain_key(event_key) == FIRST_KEY:
        return schedule.first_service_km
    return None if last_km is None else last_km + schedule.service_interval_km


def nearest_milestone(km: int, milestones: MilestonesSection) -> Milestone | None:
    """The milestone nearest to `km` within ±within_km (ascending by km: halfway between two, the larger)."""
    best: Milestone | None = None
    for milestone in milestones.services:
        off = abs(milestone.km - km)
        if off <= milestones.within_km and (best is None or off <= abs(best.km - km)):
            best = milestone
    return best


def invitation_hint(hint: str, event_key: str, milestone: Milestone | None) -> str:
    """An invitation's hint: 上次进厂未做保养 when a repair moved it, the milestone and its items, then the
    touchpoint's hint."""
    parts = [MOVED_HINT] if is_moved(event_key) else []
    if milestone is not None:
        parts.append(f"{milestone.name}：{'、'.join(milestone.items)}")
    return "。".join([*parts, hint]) if hint else "。".join(parts)
