"""Go-live (上线, care-desk §4): which tasks a store's first morning carries. Pure.

Before a store's go-live date nobody could have called, so a task whose list date is more than
`[go_live] history_days` before it is never created — except the calls that are still worth making
inside their window (delivery calls, post-service and event follow-ups); the relationship calls
(care calls, win-backs, trade-in offers) and greetings start on go-live day: a recurring one waits
for its next date of its own rhythm, so clearing the first morning comes back as no spike later.
Applied where a task is first inserted, never to tasks already stored.
"""

from __future__ import annotations

from datetime import date, timedelta

from lifecycle_cli.core.calendar import HOLIDAY_SHIFT
from lifecycle_cli.core.rules import Rules

# Created only for list dates on or after go-live.
FROM_GO_LIVE = frozenset({"care_call", "churn_winback", "trade_in_offer", "purchase_anniversary",
                          "birthday_greeting", "holiday_greeting", "pre_holiday_check"})
# Still created when their window reaches go-live, however old their list date (with the event kinds'
# follow-ups of the rules).
WHILE_IN_WINDOW = frozenset({"delivery_call_24h", "delivery_call_7d", "post_service_followup"})


def created_at_go_live(code: str, due_date: date, window_end: date, go_live: date, rules: Rules,
                       followups: frozenset[str] | None = None) -> bool:
    """Whether a task first found with this list date and window is created, for a store live since
    `go_live` (`followups`: followup_codes(rules), given by a caller that asks for many tasks)."""
    if code in FROM_GO_LIVE:
        return due_date >= go_live
    if due_date >= go_live - timedelta(days=rules.go_live.history_days):
        return True
    if code in WHILE_IN_WINDOW or code in (followups if followups is not None else followup_codes(rules)):
        return window_end >= go_live
    return False


def followup_codes(rules: Rules) -> frozenset[str]:
    """The follow-up task codes of the event kinds (complaint, rescue, claim, breakdown ...)."""
    return frozenset(kind.followup for kind in rules.events.kinds.values())


def first_sync_lookback_days(rules: Rules) -> int:
    """How long before go-live a task created at a database's first sync can have its list date: the
    history days, or a task kept while in its window (delivery calls, post-service and event
    follow-ups), whose window a holiday may extend (one HOLIDAY_SHIFT) and whose list date a holiday
    may have pushed (another). The first sync searches only these days, not the whole lookback."""
    tp = rules.touchpoints
    kept = [tp[code].window_days for code in WHILE_IN_WINDOW | followup_codes(rules) if code in tp]
    return rules.go_live.history_days + max(kept, default=0) + 2 * HOLIDAY_SHIFT.days
