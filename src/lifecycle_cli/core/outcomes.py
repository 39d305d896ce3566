"""One attempt on a task as the desk reports it (`done`, a call sheet's row), and what makes it
impossible before anything is written. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from lifecycle_cli.core.calllist import OUTCOME_LABELS, SCORED_CODES, SCORED_OUTCOMES

BOOKING_OUTCOMES = frozenset({"booked", "reschedule"})


@dataclass(frozen=True)
class Attempt:
    """One attempt: its task, result, the day it was made, and what the desk noted with it.

    list_date is the call sheet's 清单日期 (a sheet read twice records nothing new);
    customer_id, when given, must be the task's customer (a sheet from another database)."""

    task_id: int
    result: str
    day: date
    note: str | None = None
    booked_for: date | None = None
    recorded_by: str | None = None
    list_date: date | None = None
    score: int | None = None
    reason: str | None = None
    customer_id: str | None = None
    # The questionnaire's answers given on the call ([survey] questions), as (question, score 1-5).
    answers: tuple[tuple[str, int], ...] = ()


def attempt_problem(attempt: Attempt, code: str | None = None) -> tuple[str, str] | None:
    """(field, Chinese reason) of what makes the attempt impossible, or None. Without the task's
    code, the score is checked only against the result. A booking date is needed for reschedule,
    and for booked on a call sheet (`done TASK --result booked` may leave it out)."""
    result, booked = attempt.result, attempt.booked_for
    if booked is None and (result == "reschedule" or (result == "booked" and attempt.list_date is not None)):
        return "booked_for", "已预约 / 改约需要预约日期"
    if booked is not None and result not in BOOKING_OUTCOMES:
        return "booked_for", "预约日期只用于已预约或改约"
    if booked is not None and booked < attempt.day:
        return "booked_for", f"预约日期 {booked} 早于尝试日期 {attempt.day}"
    if attempt.score is not None:
        if not 1 <= attempt.score <= 5:
            return "score", "满意度应为 1–5 的整数"
        if result not in SCORED_OUTCOMES or (code is not None and code not in SCORED_CODES):
            return "score", "满意度只用于接通或已预约的交车回访和维修保养后回访"
    for question, score in attempt.answers:
        if not 1 <= score <= 5:
            return question, f"{question} 的分数应为 1–5 的整数"
        if result not in SCORED_OUTCOMES or (code is not None and code not in SCORED_CODES):
            return question, "问卷只用于接通或已预约的交车回访和维修保养后回访"
    return None


# The columns of a call sheet the desk fills in (empty when `due` writes the sheet), and the
# columns `done --from` reads back besides them; key -> Chinese header (the English header is the key).
DESK_COLUMNS = {
    "result": "结果",
    "note": "备注",
    "booked_for": "预约日期",
    "score": "满意度",
    "reason": "原因",
}
SHEET_KEY_COLUMNS = {
    "day": "清单日期",
    "customer_id": "客户编号",
    "task_id": "任务号",
    "owner": "负责人",
}


def _norm(word: str) -> str:
    """Spaces, case, '_' and '-' do not matter ("Switched Off" = switched_off)."""
    return "".join(word.split()).casefold().replace("_", "").replace("-", "")


_RESULT_WORDS = {_norm(w): code for code, name in OUTCOME_LABELS.items() for w in (code, name)}


def result_code(word: str) -> str | None:
    """The result code a person's word names (the code or its Chinese name), or None."""
    return _RESULT_WORDS.get(_norm(word))


# 流失原因 (care-desk §6): a reason goes with a declined call or any result of a win-back call.
REASON_OUTCOMES = frozenset({"declined"})
REASON_CODES = frozenset({"churn_winback"})


def churn_reason(text: str, result: str, code: str, reasons: Mapping[str, str]) -> str:
    """The stored code of a 流失原因 given as its code or Chinese name ([churn_reasons]); ValueError with
    the Chinese reason when it is not one, or when the result / task takes no reason."""
    if result not in REASON_OUTCOMES and code not in REASON_CODES:
        raise ValueError("原因只用于拒绝或流失客户招揽的结果")
    wanted = "".join(text.split()).casefold()
    for value, name in reasons.items():
        if wanted in (value.casefold(), "".join(name.split()).casefold()):
            return value
    accepted = " / ".join(f"{value} {name}" for value, name in reasons.items())
    raise ValueError(f"不认识的原因 \"{text.strip()}\"，可用：{accepted}")


def with_reason_code(attempt: Attempt, code: str, reasons: Mapping[str, str]) -> Attempt:
    """The attempt with its 流失原因 as the stored code (unchanged without one); ValueError as churn_reason."""
    if attempt.reason is None or not attempt.reason.strip():
        return replace(attempt, reason=None)
    return replace(attempt, reason=churn_reason(attempt.reason, attempt.result, code, reasons))
