"""`due`: store the window's tasks, then read its open ones as one line per customer per day."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from lifecycle_cli.core.calllist import CustomerLine
    from lifecycle_cli.core.rule_sections import Milestone
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.steps import Steps
    from lifecycle_cli.store.tasklist import TaskView


@dataclass
class CallListOptions:
    """Which list: the day looked at and how many days from it, and the filters."""

    day: date
    days: int = 1
    owner: str | None = None
    role: str | None = None
    store: str | None = None
    code: str | None = None
    include_overdue: bool = True
    # Level each owner's day to their capacity (care-desk §2); False: everything due (the backlog view).
    capacity: bool = True

    @property
    def end(self) -> date:
        """The last day of the list."""
        return self.day + timedelta(days=self.days - 1)


@dataclass
class CallList:
    """A call list: its lines (the JSON contract, made as they are read), the years of its window the
    holiday data does not cover (its phone tasks were not moved off holidays), the questionnaire."""

    options: CallListOptions
    lines: CallListLines
    years_without_holidays: list[int] = field(default_factory=list)
    # The questionnaire of the rules ([survey] questions): one call-sheet column each, after 满意度.
    questions: tuple[str, ...] = ()


def call_list(engine: Engine, rules: Rules, today: date, options: CallListOptions,
              steps: Steps | None = None) -> CallList:
    """Materialise the window's tasks (facts up to today; store/tasks.sync_window) and build its lines,
    levelled to each owner's capacity (today's levelling stored: store/levelling.py) unless
    `options.capacity` is off; the filters apply after levelling, by the line's owner."""
    from lifecycle_cli.collector import few_collections
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.core.calllist import build_call_list
    from lifecycle_cli.store.levelling import levelled_lines
    from lifecycle_cli.store.tasklist import open_tasks
    from lifecycle_cli.store.tasks import sync_window

    start, end = options.day, options.end
    calendar = HolidayCalendar()
    with engine.begin() as conn, few_collections():  # the first sync builds tasks by the hundred thousand
        sync_window(conn, rules, start, end, calendar, today=today, steps=steps, facts_committed=True)
        # The backlog view (no capacity) lists what is due whatever levelling deferred.
        # Messages go out with `lifecycle messages`, not on the phone list (care-desk §7).
        selected = open_tasks(conn, start, end, store=options.store, levelled=options.capacity, channel="phone")
        if options.capacity:
            lines = levelled_lines(conn, rules, [v.task for v in selected], start, end, today=today,
                                   calendar=calendar, store=options.store)
        else:
            lines = build_call_list([replace(v.task, list_from=None) for v in selected], start, end, rules)
        by_id = {v.task.task_id: v for v in selected}
        lines = filter_lines(lines, options)
        milestones = invitation_milestones(conn, lines, by_id, rules)
    # Asked of the window's years, not of what this run happened to schedule: stored tasks count too.
    missing = [y for y in range(start.year, end.year + 1) if not calendar.has_data(y)]
    return CallList(options, CallListLines(lines, by_id, rules, milestones), missing, rules.survey.questions)


def invitation_milestones(conn: Connection, lines: list[CustomerLine], views: dict[int, TaskView],
                          rules: Rules) -> dict[int, Milestone]:
    """The milestone (里程碑保养, core/milestones.py) each listed maintenance invitation names, by task_id:
    the km of the maintenance it follows read once for all of them."""
    from lifecycle_cli.core.invitations import chain_key
    from lifecycle_cli.core.milestones import INVITE_CODES, nearest_milestone, service_km
    from lifecycle_cli.store.tasklist import followed_maintenance_km

    invites = [views[t.task.task_id] for line in lines for t in line.tasks if t.task.code in INVITE_CODES]
    kms = followed_maintenance_km(conn, ((v.vin, chain_key(v.event_key)) for v in invites),
                                  rules.schedule.maintenance_kinds)
    found: dict[int, Milestone] = {}
    for view in invites:
        km = service_km(view.event_key, kms.get((view.vin, chain_key(view.event_key))), rules.schedule)
        milestone = nearest_milestone(km, rules.milestones) if km is not None else None
        if milestone is not None:
            found[view.task.task_id] = milestone
    return found


def filter_lines(lines: list[CustomerLine], options: CallListOptions) -> list[CustomerLine]:
    """The lines the options ask for, after levelling: one owner's lines (the line's owner: the same
    lines as that person's split file), one role's (the line's top task's), the lines holding a kind of
    task (only those tasks shown), without overdue tasks."""
    from lifecycle_cli.core.calllist import CustomerLine

    if options.owner is None and options.role is None and options.code is None and options.include_overdue:
        return lines
    kept = []
    for line in lines:
        if options.owner is not None and line.owner != options.owner:
            continue
        if options.role is not None and line.tasks[0].task.role != options.role:
            continue
        tasks = tuple(t for t in line.tasks
                      if (options.code is None or t.task.code == options.code)
                      and (options.include_overdue or not t.overdue_days))
        if tasks:
            kept.append(line if len(tasks) == len(line.tasks)
                        else CustomerLine(line.day, line.customer_key, tasks, assigned=line.owner))
    return kept


def task_name(code: str, event_key: str, rules: Rules) -> str:
    """A task's name: its touchpoint's, with （二次邀约） for an invitation's second step."""
    from lifecycle_cli.core.schedule import SECOND_STEP, SECOND_STEP_NAME

    tp = rules.touchpoints.get(code)
    name = tp.name if tp else code
    return name + SECOND_STEP_NAME if event_key.endswith(SECOND_STEP) else name


def task_hint(code: str, event_key: str, rules: Rules, milestone: Milestone | None = None) -> str:
    """A task's hint: its touchpoint's; for a computed inspection date which kind it is (§8); for a
    maintenance invitation 上次进厂未做保养 when a repair moved it and its milestone with the items (§6)."""
    from lifecycle_cli.core.insurance import INSPECTION_CODE, inspection_note
    from lifecycle_cli.core.milestones import INVITE_CODES, invitation_hint

    tp = rules.touchpoints.get(code)
    hint = tp.hint if tp else ""
    if code in INVITE_CODES:
        return invitation_hint(hint, event_key, milestone)
    return hint + inspection_note(event_key, rules) if code == INSPECTION_CODE else hint


def _task_json(view: TaskView, rules: Rules, milestone: Milestone | None) -> dict[str, Any]:
    t = view.task
    return {
        "task_id": t.task_id,
        "code": t.code,
        "name": task_name(t.code, view.event_key, rules),
        "vin": view.vin,
        "plate": view.plate or "",
        "due_date": t.due_date,
        "original_due_date": t.rule_date if t.rule_date != t.due_date else None,
        "stage": view.stage,
        "channel": t.channel,
        "role": t.role,
        "owner": t.owner,
        "attempts": t.attempts,
        "hint": task_hint(t.code, view.event_key, rules, milestone),
        "deferred_days": t.deferred_days,
        "milestone": milestone.name if milestone is not None else None,
    }


def line_json(line: CustomerLine, views: dict[int, TaskView], rules: Rules,
              milestones: Mapping[int, Milestone] | None = None) -> dict[str, Any]:
    """The JSON contract of one customer's line (`milestones`: the invitations' by task_id)."""
    milestones = milestones or {}
    first = views[line.tasks[0].task.task_id]
    return {
        "date": line.day,
        "customer_id": first.customer_id,
        "name": first.name or "",
        "phone": first.phone or "",
        "store": first.store,
        "owner": line.owner,
        "overdue_days": line.overdue_days,
        "deferred_days": line.deferred_days,
        "tasks": [
            # deferred_days of the task as listed (a forecast day's carried copy), not as stored
            {**_task_json(views[lt.task.task_id], rules, milestones.get(lt.task.task_id)),
             "overdue_days": lt.overdue_days,
             "deferred_days": lt.task.deferred_days}
            for lt in line.tasks
        ],
    }


class CallListLines(Sequence[dict[str, Any]]):
    """A call list's lines as their JSON-contract dicts, each made when it is read: a million-car
    list is held once (as its tasks), not a second time as dicts while it is written out."""

    def __init__(self, lines: list[CustomerLine], views: dict[int, TaskView], rules: Rules,
                 milestones: Mapping[int, Milestone] | None = None) -> None:
        self._lines, self._views, self._rules = lines, views, rules
        self._milestones = milestones or {}

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [line_json(line, self._views, self._rules, self._milestones) for line in self._lines[index]]
        return line_json(self._lines[index], self._views, self._rules, self._milestones)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (line_json(line, self._views, self._rules, self._milestones) for line in self._lines)
