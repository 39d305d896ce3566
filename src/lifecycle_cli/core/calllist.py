"""The call list (今日回访清单): open tasks merged into one line per customer per day, by priority.

Pure: open tasks and dates in, ordered lines out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter

from lifecycle_cli.core.rules import Rules

# The result codes of care-desk §5, in the order the desk meets them, with their Chinese names.
OUTCOME_LABELS = {
    "reached": "接通",
    "no_answer": "未接通",
    "switched_off": "关机",
    "suspended": "停机",
    "booked": "已预约",
    "reschedule": "改约",
    "declined": "拒绝",
    "wrong_number": "号码错误",
    "invalid_number": "空号",
    "not_owner": "非本人",
    "vehicle_sold": "车已卖",
    "do_not_contact": "要求免打扰",
    "sms_opt_out": "短信退订",
    "sent": "已发送",
}
OUTCOMES = tuple(OUTCOME_LABELS)
# Results of a message, not of a call: a phone call sheet does not offer them (care-desk §7).
MESSAGE_OUTCOMES = frozenset({"sent"})
# Retried the next working day, at most max_attempts (then closed as unreachable).
RETRY_OUTCOMES = frozenset({"no_answer", "switched_off", "suspended"})
# The customer's phone is wrong: flagged (customer.bad_phone) and their open phone tasks closed.
BAD_PHONE_OUTCOMES = frozenset({"wrong_number", "invalid_number", "not_owner"})
# A contact (care-desk §9): the customer was spoken to; the rest are attempts.
CONTACT_OUTCOMES = frozenset({"reached", "booked", "reschedule", "declined", "vehicle_sold", "do_not_contact",
                              "sms_opt_out"})
SUCCESSFUL_OUTCOMES = frozenset({"reached", "booked"})
# Results a satisfaction score (1-5) may come with, and the tasks it may be asked on.
SCORED_OUTCOMES = frozenset({"reached", "booked"})
SCORED_CODES = frozenset({"post_service_followup", "delivery_call_24h", "delivery_call_7d", "visit_45d"})
# Tasks that stay on the list until something else closes them (a complaint's escalation: its resolution).
STAYS_OPEN_CODES = frozenset({"complaint_escalation"})
# How a task was closed, for people (the outcome's own name, or what closed it otherwise).
CLOSED_REASON_LABELS = {
    **OUTCOME_LABELS,
    "unreachable": "无法联系",
    "visit": "已到店",
    "lapsed": "已过期",
    "lapsed_capacity": "超出产能过期",
    "rules_changed": "规则变更",
    "renewed": "已续保",
    "next_step": "已进入下一步",
    "superseded": "到期日已变更",
    "postponed": "邀约已顺延",
    "resolved": "抱怨已解决",
    "withdrawn": "已撤销",
    "sms_opt_out": "短信退订",
    # The car left (vehicle.status, core/facts.py VEHICLE_STATUS_LABELS).
    "sold": "车辆已售",
    "scrapped": "车辆报废",
    "transferred": "车辆过户",
}


def closed_reason_label(reason: str | None) -> str:
    """A closed task's reason in Chinese (an unknown code shown as 已关闭, never the code)."""
    return CLOSED_REASON_LABELS.get(reason or "", "已关闭")


@dataclass(slots=True)
class OpenTask:
    """A stored open task as the call list needs it."""

    task_id: int
    customer_key: int
    code: str
    rule_date: date
    due_date: date
    window_end: date
    attempts: int = 0
    last_attempt: date | None = None
    owner: str = ""
    role: str = ""
    channel: str = "phone"
    store: str | None = None
    # Capacity levelling (core/capacity.py): not listed before `list_from`; how often it was deferred.
    list_from: date | None = None
    deferred_days: int = 0


def deferred_copy(task: OpenTask, list_from: date | None, deferred_days: int) -> OpenTask:
    """The task with another list_from and deferred_days (dataclasses.replace, made directly: a levelled
    forecast makes one per deferred task it lists, and replace costs several times the constructor)."""
    return OpenTask(task.task_id, task.customer_key, task.code, task.rule_date, task.due_date, task.window_end,
                    task.attempts, task.last_attempt, task.owner, task.role, task.channel, task.store,
                    list_from, deferred_days)


@dataclass(slots=True)
class ListedTask:
    """A task on the list of one day, with how many days it is overdue."""

    task: OpenTask
    day: date
    overdue_days: int


@dataclass(slots=True)
class CustomerLine:
    """One customer's line on one day: their tasks, highest priority first."""

    day: date
    customer_key: int
    tasks: tuple[ListedTask, ...]
    # Who takes the line instead of its top task's owner (that person is away: core/capacity.py).
    assigned: str | None = None

    @property
    def overdue_days(self) -> int:
        """The most days any task on the line is overdue."""
        return max(t.overdue_days for t in self.tasks)

    @property
    def deferred_days(self) -> int:
        """The most times any task on the line was deferred (顺延; 0 when none was)."""
        return max(t.task.deferred_days for t in self.tasks)

    @property
    def owner(self) -> str:
        """Who makes the call: the owner of the line's top task (or who stands in for them)."""
        return self.assigned if self.assigned is not None else self.tasks[0].task.owner

    @property
    def store(self) -> str:
        """The store of the line's top task ('' when none): capacity is per store."""
        return self.tasks[0].task.store or ""


def first_list_day(task: OpenTask, start: date, end: date) -> date | None:
    """The first day in [start, end] the task is on the list (a no-answer comes back the next day; a
    deferred task from its `list_from`)."""
    day = max(start, task.due_date)
    if task.list_from is not None and task.list_from > day:
        day = task.list_from
    if task.last_attempt is not None and task.last_attempt >= day:
        day = task.last_attempt + timedelta(days=1)
    if day > end or day > task.window_end:
        return None
    return day


def build_call_list(
    tasks: Iterable[OpenTask], start: date, end: date, rules: Rules, *, include_overdue: bool = True
) -> list[CustomerLine]:
    """The lines of the days [start, end]: each task on its first list day, merged per customer per day."""
    grouped: dict[tuple[date, int], list[ListedTask]] = defaultdict(list)
    for task in tasks:
        day = first_list_day(task, start, end)
        if day is None:
            continue
        overdue = max((day - task.due_date).days, 0)
        if overdue and not include_overdue:
            continue
        grouped[(day, task.customer_key)].append(ListedTask(task=task, day=day, overdue_days=overdue))
    return merge_lines(grouped, rules)


def merge_lines(grouped: dict[tuple[date, int], list[ListedTask]], rules: Rules,
                rank: Callable[[str], int] | None = None) -> list[CustomerLine]:
    """One line per (day, customer), its tasks by priority; the lines in the list's order (§9: priority,
    then days overdue, more first, then due date, then task_id). `rank`: the rules' priority_of (cached)."""
    if rank is None:
        rank = rules.call_list.priority_of
    keyed = []
    for (day, customer), listed in grouped.items():
        if len(listed) > 1:
            listed.sort(key=lambda t: (rank(t.task.code), -t.overdue_days, t.task.due_date, t.task.task_id))
            overdue = max([t.overdue_days for t in listed])
        else:
            overdue = listed[0].overdue_days
        top = listed[0].task
        keyed.append(((day, rank(top.code), -overdue, top.due_date, top.task_id),
                      CustomerLine(day=day, customer_key=customer, tasks=tuple(listed))))
    keyed.sort(key=itemgetter(0))
    return [line for _, line in keyed]


def line_order(line: CustomerLine, rank: Callable[[str], int]) -> tuple[date, int, int, date, int]:
    """Where a line stands in its day's list (§9 Priority and its ties)."""
    top = line.tasks[0].task
    return (line.day, rank(top.code), -line.overdue_days, top.due_date, top.task_id)


@dataclass(frozen=True)
class OutcomeEffect:
    """What recording an outcome does to its task, and beyond it.

    scope: what else closes — "task" (only this one), "phone" (the customer's open phone tasks:
    the number is bad), "vehicle" (the car's open tasks: it was sold), "customer" (do not contact).
    """

    attempts: int
    status: str
    closed_reason: str | None
    successful_contact: bool
    contact: bool = False
    scope: str = "task"


def outcome_effect(result: str, attempts_before: int, rules: Rules, code: str | None = None) -> OutcomeEffect:
    """An attempt's effect: no_answer / switched_off / suspended retry until max_attempts (then
    unreachable); the bad-number family closes the customer's phone tasks, vehicle_sold the car's,
    do_not_contact takes the customer off every list, sms_opt_out off the messages; the others close the
    task. A complaint's
    escalation (`code` STAYS_OPEN_CODES) stays open on any result of the task alone: until resolved."""
    if result not in OUTCOMES:
        raise ValueError(result)
    attempts = attempts_before + 1
    if code in STAYS_OPEN_CODES and outcome_scope(result) == "task":
        return OutcomeEffect(attempts, "open", None, result in SUCCESSFUL_OUTCOMES, contact=result in CONTACT_OUTCOMES)
    if result in RETRY_OUTCOMES:
        if attempts >= rules.schedule.max_attempts:
            return OutcomeEffect(attempts, "closed", "unreachable", False)
        return OutcomeEffect(attempts, "open", None, False)
    return OutcomeEffect(attempts, "closed", result, result in SUCCESSFUL_OUTCOMES,
                         contact=result in CONTACT_OUTCOMES, scope=outcome_scope(result))


def outcome_scope(result: str) -> str:
    """What a closing result closes beyond its task (OutcomeEffect.scope)."""
    if result in BAD_PHONE_OUTCOMES:
        return "phone"
    return {"vehicle_sold": "vehicle", "do_not_contact": "customer", "sms_opt_out": "messages"}.get(result, "task")
