"""The go-live rule (care-desk §4): which tasks a store's first morning is allowed to carry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lifecycle_cli.core.golive import created_at_go_live
from lifecycle_cli.core.rules import load_rules

RULES = load_rules()
GO_LIVE = date(2026, 6, 15)


def day(offset: int) -> date:
    return GO_LIVE + timedelta(days=offset)


@pytest.mark.parametrize(
    ("code", "listed", "last", "created"),
    [
        # everything else: at most history_days (7) of history
        pytest.param("service_invite", -7, 7, True, id="invitation-a-week-before-created"),
        pytest.param("service_invite", -8, 6, False, id="invitation-8-days-before-not-created"),
        pytest.param("visit_45d", -8, 6, False, id="45-day-call-8-days-before-not-created-though-in-window"),
        pytest.param("insurance_renewal_invite", -8, 20, False, id="renewal-step-8-days-before-not-created"),
        pytest.param("inspection_reminder", 0, 30, True, id="inspection-on-go-live-created"),
        # exempt: still inside their window on go-live
        pytest.param("delivery_call_24h", -10, 0, True, id="24h-call-window-reaches-go-live"),
        pytest.param("delivery_call_24h", -10, -1, False, id="24h-call-window-ended-before-go-live"),
        pytest.param("delivery_call_7d", -9, 1, True, id="7-day-call-in-window"),
        pytest.param("post_service_followup", -9, 0, True, id="post-service-follow-up-in-window"),
        pytest.param("post_service_followup", -9, -1, False, id="post-service-follow-up-window-ended"),
        pytest.param("complaint_followup", -12, 2, True, id="complaint-follow-up-in-window"),
        pytest.param("breakdown_followup", -12, -1, False, id="breakdown-follow-up-window-ended"),
        # from go-live on only (never clamped to go-live: the next date of their own rhythm)
        pytest.param("care_call", -1, 13, False, id="care-call-the-day-before-not-created"),
        pytest.param("care_call", 0, 14, True, id="care-call-on-go-live-created"),
        pytest.param("churn_winback", -5, 25, False, id="win-back-within-the-week-not-created"),
        pytest.param("churn_winback", 3, 33, True, id="win-back-after-go-live-created"),
        pytest.param("trade_in_offer", -1, 29, False, id="trade-in-the-day-before-not-created"),
        pytest.param("birthday_greeting", -1, -1, False, id="greeting-the-day-before-not-created"),
        pytest.param("holiday_greeting", 0, 0, True, id="greeting-on-go-live-created"),
    ],
)
def test_created_at_go_live(code: str, listed: int, last: int, created: bool) -> None:
    assert created_at_go_live(code, day(listed), day(last), GO_LIVE, RULES) is created
