"""The complaint clock and the satisfaction arithmetic (core/complaints.py), table-driven."""

from __future__ import annotations

from datetime import date

import pytest

from lifecycle_cli.core.calendar import HolidayCalendar
from lifecycle_cli.core.complaints import complaint_clock, opens_complaint, parse_answer, timely_counts
from lifecycle_cli.core.rules import load_rules

RULES = load_rules()
D = date.fromisoformat


@pytest.mark.parametrize(("made", "response", "resolution", "steps"), [
    # An ordinary week: answer the next day, resolve within 7 days, escalate on + 1 and + 4.
    ("2026-11-20", "2026-11-21", "2026-11-27", ("2026-11-28", "2026-12-01")),
    # The day before 国庆 (10-01..10-07 statutory holidays): the answer waits for 10-08, the 7 days to
    # resolve do not count the holiday.
    ("2026-09-30", "2026-10-08", "2026-10-14", ("2026-10-15", "2026-10-18")),
    # The next day is a holiday (中秋 09-25..27): the answer is due the first working day after.
    ("2026-09-24", "2026-09-28", "2026-10-11", ("2026-10-12", "2026-10-15")),
    # The resolution deadline falls just before 中秋: escalation rule dates are the plain + 1 / + 4
    # (the tasks' due dates move past the holiday: tests/cli/test_complaint_clock_cli.py).
    ("2026-09-17", "2026-09-18", "2026-09-24", ("2026-09-25", "2026-09-28")),
])
def test_the_clock_of_a_complaint(made: str, response: str, resolution: str, steps: tuple[str, str]) -> None:
    clock = complaint_clock(D(made), RULES, HolidayCalendar())
    assert (clock.response_due, clock.resolution_due) == (D(response), D(resolution))
    assert clock.escalations == ((D(steps[0]), "aftersales_manager"), (D(steps[1]), "general_manager"))


@pytest.mark.parametrize(("score", "opens"), [(None, False), (1, True), (2, True), (3, False), (5, False)])
def test_a_score_at_or_below_complaint_at_opens_a_complaint(score: int | None, opens: bool) -> None:
    assert opens_complaint(score, RULES) is opens


@pytest.mark.parametrize(("pairs", "expected"), [
    ([], (0, 0)),
    ([("2026-11-21", "2026-11-21")], (1, 1)),  # answered on the deadline
    ([("2026-11-21", "2026-11-22")], (0, 1)),  # answered a day late
    ([("2026-11-22", None)], (0, 1)),  # deadline passed unanswered
    ([("2026-11-23", None)], (0, 0)),  # deadline is today: not counted yet
    ([("2026-11-21", "2026-11-21"), ("2026-11-22", None), ("2026-11-24", None)], (1, 2)),
])
def test_timely_counts(pairs: list[tuple[str, str | None]], expected: tuple[int, int]) -> None:
    assert timely_counts(((D(a), D(b) if b else None) for a, b in pairs), D("2026-11-23")) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("维修质量=4", ("维修质量", 4)),
    (" 服务态度 = 5 ", ("服务态度", 5)),
    ("维修质量", "应写成 题目=分数"),
    ("洗车=4", "问卷中没有题目「洗车」（可用：服务态度、维修质量、按时交车、费用透明、推荐意愿）"),
    ("维修质量=6", "维修质量 的分数应为 1–5 的整数，不是「6」"),
    ("维修质量=好", "维修质量 的分数应为 1–5 的整数，不是「好」"),
])
def test_parse_answer(text: str, expected: tuple[str, int] | str) -> None:
    if isinstance(expected, tuple):
        assert parse_answer(text, RULES.survey.questions) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            parse_answer(text, RULES.survey.questions)
