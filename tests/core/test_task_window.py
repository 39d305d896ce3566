"""core/window.py: `can_meet` (the scheduler's pruning, asked before a task is built) must answer
exactly what `keeps` answers of the task's dates once built — for every code, every rule date
around the statutory holidays (whose shifts move phone tasks by up to a week and stretch their
windows), with and without a go-live floor before, on or after the window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.window import TaskWindow

RULES = load_rules()
# Windows on and around 春节 2026 (02-15..02-23), 清明, 劳动节 and 国庆 2026, a single day and two weeks.
WINDOWS = [(date(2026, 2, 16), date(2026, 2, 16)), (date(2026, 2, 10), date(2026, 2, 23)),
           (date(2026, 2, 24), date(2026, 3, 9)), (date(2026, 4, 6), date(2026, 4, 6)),
           (date(2026, 5, 1), date(2026, 5, 14)), (date(2026, 10, 8), date(2026, 10, 8)),
           (date(2026, 11, 23), date(2026, 12, 6))]


@pytest.mark.parametrize(("start", "end"), WINDOWS)
@pytest.mark.parametrize("go_live_shift", [None, 0, -9, 4])
def test_can_meet_is_exactly_keeps_of_the_dates(start: date, end: date, go_live_shift: int | None) -> None:
    go_live = None if go_live_shift is None else start + timedelta(days=go_live_shift)
    window = TaskWindow(RULES, HolidayCalendar(), start, end, go_live)
    kept = dropped = 0
    for code, tp in RULES.touchpoints.items():
        for offset in range(-200, 30):
            rule_date = start + timedelta(days=offset)
            due, last = window.dates(tp, rule_date)
            expected = window.keeps(code, due, last)
            assert window.can_meet(code, rule_date) == expected, (code, rule_date)
            # A window end the rule gives (warranty, renewal steps, inspection) reaches the due date.
            for given in (rule_date, rule_date + timedelta(days=20), start - timedelta(days=1)):
                expected_given = window.keeps(code, due, max(given, due))
                assert window.can_meet(code, rule_date, given) == expected_given, (code, rule_date, given)
            kept += expected
            dropped += not expected
    assert kept > 10 and dropped > 50
