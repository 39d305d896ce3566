"""Where the call list's tasks can come from: the anchor-date ranges of the indexed candidate search.

Pure. For the days [first, last], `candidate_ranges` gives per criterion the range of a stored
anchor (delivery, maintenance due, warranty end, yearly dates, expiries, visits, care phase)
whose car or customer may have a task falling due in those days — a superset, so the scheduler
run over the candidates finds every task. store/candidates.py only turns the ranges into SQL.

A phone task falls due on the next working day after its rule date, so a task of a rule date
up to HOLIDAY_SHIFT before `first` can still fall due in the days: the same margin bounds the
scheduler's pruning (core/schedule.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle_cli.core.calendar import HOLIDAY_SHIFT, HolidayCalendar
from lifecycle_cli.core.festivals import festival_days
from lifecycle_cli.core.insurance import inspection_month_offsets, registration_mmdds
from lifecycle_cli.core.rules import Rules
from lifecycle_cli.core.stages import add_months

DateRange = tuple[date, date]
DELIVERY_CODES = ("delivery_call_24h", "delivery_call_7d", "visit_45d")


def mmdd_set(start: date, end: date) -> tuple[str, ...]:
    """'MM-DD' of every day in [start, end], with 02-29 when 02-28 is in (it falls there in other years)."""
    out: set[str] = set()
    day = start
    while day <= end and len(out) < 367:
        out.add(day.strftime("%m-%d"))
        day += timedelta(days=1)
    if "02-28" in out:
        out.add("02-29")
    return tuple(sorted(out))


def lookback_days(rules: Rules) -> int:
    """How long before a window a task can have fallen due and still be on the list: the longest
    window (a holiday extends a phone task's window by the holiday days inside it: one more margin)."""
    tp = rules.touchpoints
    longest = max(tp[c].window_days for c in tp)
    # A renewal step stays at most until the expiry; an inspection reminder until the due date; the
    # warranty check until the warranty's end.
    return max(longest, rules.insurance.steps_before_days[0], rules.inspection.before_days,
               rules.schedule.warranty_check_before_days) + 2 * HOLIDAY_SHIFT.days


@dataclass(frozen=True)
class CandidateRanges:
    """Per criterion, the anchors whose car (delivered by `delivered_by`) or customer may have a task
    falling due in the days searched; a car or customer matching any one is a candidate."""

    delivered_by: date
    delivery: DateRange  # delivery calls and the 1.5-month visit call: delivery_date
    service_due: DateRange  # invitation (due - lead), its second step (due + second_invite_after), churn_winback
    warranty_end: DateRange  # warranty check (end - before)
    anniversary_mmdd: tuple[str, ...]  # purchase anniversary: delivery_mmdd
    upgrade_mmdd: tuple[str, ...]  # trade-in offers, yearly from upgrade_date (<= delivered_by)
    insurance_expiry: tuple[DateRange, ...]  # one per renewal step (expiry - step)
    inspection_due: DateRange  # inspection reminder before the data's due date
    expiry_changed: DateRange  # insurancechange.changed_on: the open steps of an expiry that moved close
    registration_mmdd: tuple[str, ...]  # computed inspection dues (no inspection_due): delivery_mmdd ...
    registered_by: date  # ... of cars delivered by then (the first due date is months after)
    visit: DateRange  # post-service follow-ups: visit_date
    # An invitation a repair moved (first step at visit + move, second step 37 days later) and the win-back
    # after the last visit (visit + churn_after): visit_date
    moving_visit: tuple[DateRange, ...]
    birthday_mmdd: tuple[str, ...]  # birthday greetings: birthday_mmdd
    care_phases: tuple[int, ...] | None  # care calls: care_phase in these; None: every customer with an anchor
    care_active_from: date  # ... whose care_anchor is no older (a visit or delivery in the active months)
    greeting: bool  # a festival greeting or pre-holiday check day is in: every customer with a delivered car


def candidate_ranges(rules: Rules, first: date, last: date, calendar: HolidayCalendar,
                     go_live: date | None = None) -> CandidateRanges:
    """The anchor ranges of every task that can fall due in [first, last] (see CandidateRanges).

    `go_live`: the go-live of a database's first sync (core/golive.py): only delivery calls and
    post-service follow-ups are created for list dates older than its history days; care calls,
    win-backs, trade-in offers and greetings fall due no earlier than go-live itself."""
    tp = rules.touchpoints
    shifted = first - HOLIDAY_SHIFT  # the earliest rule date that a holiday can push into the days
    # The earliest rule dates of the other tasks (exact: only holidays right before a day push into it).
    anchored = shifted if go_live is None else max(
        shifted, calendar.earliest_shifted_into(go_live - timedelta(days=rules.go_live.history_days)))
    schedule = rules.schedule
    delivery_offset = timedelta(days=max(tp[c].offset_days for c in DELIVERY_CODES))
    check_before = timedelta(days=schedule.warranty_check_before_days)
    before = timedelta(days=rules.inspection.before_days)
    residues, first_months = inspection_month_offsets(rules)
    # The relationship tasks' earliest rule date (a holiday may shift a phone one later) and day.
    related = shifted if go_live is None else max(shifted, calendar.earliest_shifted_into(go_live))
    greeted = first if go_live is None else max(first, go_live)
    moved = timedelta(days=schedule.repair_moves_invite_days)
    moved_second = moved + timedelta(days=schedule.invite_lead_days + schedule.second_invite_after_days)
    churn_after = timedelta(days=schedule.churn_after_days)
    return CandidateRanges(
        delivered_by=last,
        delivery=(shifted - delivery_offset, last),
        # the second invitation step (due + after), the win-back (due + churn_after, from go-live)
        service_due=(min(anchored - timedelta(days=schedule.second_invite_after_days),
                         related - timedelta(days=schedule.churn_after_days)),
                     last + timedelta(days=schedule.invite_lead_days)),
        warranty_end=(anchored + check_before, last + check_before),
        anniversary_mmdd=mmdd_set(greeted, last),
        upgrade_mmdd=mmdd_set(related, last),
        insurance_expiry=tuple((anchored + timedelta(days=s), last + timedelta(days=s))
                               for s in rules.insurance.steps_before_days),
        inspection_due=(anchored + before, last + before),
        expiry_changed=(first, last),
        registration_mmdd=tuple(registration_mmdds(anchored + before, last + before, residues)),
        # add_months clamps at a month's end: a car registered up to 3 days later has its due then too.
        registered_by=add_months(last + before, -first_months) + timedelta(days=3),
        visit=(shifted - timedelta(days=tp["post_service_followup"].offset_days), last),
        moving_visit=((anchored - moved, last - moved), (anchored - moved_second, last - moved_second),
                      (related - churn_after, last - churn_after)),
        birthday_mmdd=mmdd_set(greeted, last),
        care_phases=_care_phases(rules, related, last),
        # add_months clamps at a month's end: a few days' margin.
        care_active_from=add_months(related, -rules.schedule.care_active_months) - timedelta(days=3),
        greeting=greeted <= last and bool(festival_days(rules, calendar, greeted, last)),
    )


def _care_phases(rules: Rules, first_rule_date: date, last: date) -> tuple[int, ...] | None:
    """The care phases of the rule dates [first_rule_date, last]; None when they cover the whole rhythm."""
    days = (last - first_rule_date).days + 1
    if days >= rules.care.every_days:
        return None
    return tuple(sorted({rules.care.phase(first_rule_date + timedelta(days=i)) for i in range(days)}))
