"""Capacity levelling (care-desk §2, §9 "A line"), table-driven: the capacity boundary, sms lines,
tasks riding along, holidays, deferral past the window, leave."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pytest

from lifecycle_cli.core.calendar import HolidayCalendar, next_list_day
from lifecycle_cli.core.calllist import (
    CustomerLine,
    ListedTask,
    OpenTask,
    build_call_list,
    first_list_day,
    merge_lines,
)
from lifecycle_cli.core.capacity import DayLevel, Desk, OwnerKey, Person, level_day, level_days
from lifecycle_cli.core.rules import Rules, load_rules

RULES = load_rules()
DAY = date(2026, 3, 10)  # an ordinary Tuesday
NEXT = next_list_day(HolidayCalendar().is_statutory_holiday)
ROLE_DEFAULTS = {"customer_care": 3, "service_advisor": 2}


def task(task_id: int, customer: int, *, code: str = "care_call", due: date = DAY, window: int = 14,
         owner: str = "客服专员", role: str = "customer_care", channel: str = "phone", store: str = "A",
         deferred: int = 0, list_from: date | None = None) -> OpenTask:
    return OpenTask(task_id, customer, code, due, due, due + timedelta(days=window), owner=owner, role=role,
                    channel=channel, store=store, deferred_days=deferred, list_from=list_from)


def level(tasks: list[OpenTask], desk: Desk | None = None, day: date = DAY):
    lines = build_call_list(tasks, day, day, RULES)
    return level_day(lines, day, desk or Desk({}, ROLE_DEFAULTS), NEXT)


@pytest.mark.parametrize(
    ("lines", "listed", "deferred"),
    [
        pytest.param(2, 2, 0, id="under-capacity"),
        pytest.param(3, 3, 0, id="exactly-capacity-all-stay"),
        pytest.param(4, 3, 1, id="capacity-plus-one-defers-one"),
        pytest.param(10, 3, 7, id="far-over"),
    ],
)
def test_capacity_boundary(lines: int, listed: int, deferred: int) -> None:
    result = level([task(i, i) for i in range(1, lines + 1)])
    assert [line.customer_key for line in result.lines] == list(range(1, listed + 1))
    assert sorted(t.task_id for t in result.deferred) == list(range(listed + 1, lines + 1))
    assert all(t.list_from == DAY + timedelta(days=1) and t.deferred_days == 1 for t in result.deferred)
    assert result.owners[("A", "客服专员")].listed == listed
    assert result.owners[("A", "客服专员")].deferred == deferred


def test_priority_then_overdue_decides_who_stays() -> None:
    # capacity 3: the delivery call and the two most overdue care calls stay.
    tasks = [task(1, 1, due=DAY), task(2, 2, due=DAY - timedelta(days=5)), task(3, 3, due=DAY - timedelta(days=2)),
             task(4, 4, code="delivery_call_7d"), task(5, 5, due=DAY - timedelta(days=1))]
    result = level(tasks)
    assert [line.customer_key for line in result.lines] == [4, 2, 3]


@pytest.mark.parametrize(
    ("channels", "listed_lines", "deferred_tasks"),
    [
        pytest.param(["sms"] * 5, 5, 0, id="sms-lines-never-count"),
        pytest.param(["phone"] * 3 + ["sms"] * 2, 5, 0, id="sms-do-not-use-capacity"),
        pytest.param(["phone"] * 4 + ["sms"], 4, 1, id="fourth-phone-line-defers"),
    ],
)
def test_sms_not_counted(channels: list[str], listed_lines: int, deferred_tasks: int) -> None:
    tasks = [task(i, i, channel=ch, code="birthday_greeting" if ch == "sms" else "care_call")
             for i, ch in enumerate(channels, 1)]
    result = level(tasks)
    assert len(result.lines) == listed_lines
    assert len(result.deferred) == deferred_tasks


def test_riding_tasks_move_with_their_line() -> None:
    # customer 4's line has three phone tasks and a greeting: one line deferred, its phone tasks move, the
    # greeting stays (sms are not on the phone list's capacity).
    tasks = [task(i, i, code="delivery_call_7d") for i in (1, 2, 3)] + [
        task(4, 4), task(5, 4, code="inspection_reminder"), task(6, 4, code="service_invite"),
        task(7, 4, code="birthday_greeting", channel="sms")]
    result = level(tasks)
    assert sorted(t.task_id for t in result.deferred) == [4, 5, 6]
    assert result.owners[("A", "客服专员")].deferred == 1  # one line, not three
    assert [[t.task.task_id for t in line.tasks] for line in result.lines if line.customer_key == 4] == [[7]]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 3, 10), date(2026, 3, 11), id="ordinary-day"),
        pytest.param(date(2026, 9, 30), date(2026, 10, 8), id="national-day-skipped"),
        pytest.param(date(2026, 4, 3), date(2026, 4, 7), id="qingming-skipped"),
    ],
)
def test_deferral_skips_holidays(day: date, expected: date) -> None:
    result = level([task(i, i, due=day) for i in range(1, 5)], day=day)
    assert [t.list_from for t in result.deferred] == [expected]


@pytest.mark.parametrize(
    ("window", "lapsed"),
    [
        pytest.param(0, True, id="last-day-today-lapses"),
        pytest.param(1, False, id="tomorrow-still-in-window"),
    ],
)
def test_deferral_past_window_lapses(window: int, lapsed: bool) -> None:
    # three delivery calls fill the day; the care call (last in priority) is deferred or lapses
    result = level([task(i, i, code="delivery_call_7d") for i in (1, 2, 3)] + [task(9, 9, window=window)])
    assert [t.task_id for t in result.lapsed] == ([9] if lapsed else [])
    assert [t.task_id for t in result.deferred] == ([] if lapsed else [9])
    assert result.owners[("A", "客服专员")].lapsed_capacity == (1 if lapsed else 0)


PEOPLE = {
    ("A", "张伟"): Person("A", "张伟", "customer_care", 2),
    ("A", "李娜"): Person("A", "李娜", "customer_care", 2),
    ("A", "王芳"): Person("A", "王芳", "customer_care", 2),
    ("B", "赵磊"): Person("B", "赵磊", "customer_care", 2),
}


@pytest.mark.parametrize(
    ("absent", "expected_owners"),
    [
        pytest.param({}, {"张伟": 2}, id="present-keeps-own-lines"),
        # 张伟 away: his lines alternate between 李娜 and 王芳 (fewest so far, ties by name: 李 < 王)
        pytest.param({"张伟": {"away_from": DAY, "away_until": DAY}}, {"李娜": 2, "王芳": 2}, id="leave-redistributes"),
        pytest.param({"张伟": {"active": False}}, {"李娜": 2, "王芳": 2}, id="inactive-redistributes"),
        pytest.param({"张伟": {"away_from": DAY + timedelta(days=1), "away_until": DAY + timedelta(days=3)}},
                     {"张伟": 2}, id="leave-starts-tomorrow"),
        pytest.param({"张伟": {"away_from": DAY}, "李娜": {"active": False}, "王芳": {"active": False}},
                     {"张伟": 2}, id="nobody-left-stays-with-person"),
    ],
)
def test_leave_redistribution(absent: dict[str, dict[str, object]], expected_owners: dict[str, int]) -> None:
    people = {key: Person(**{**{f: getattr(p, f) for f in ("store", "name", "role", "daily_capacity", "active",
                                                             "away_from", "away_until")},
                             **absent.get(p.name, {})})  # type: ignore[arg-type]
              for key, p in PEOPLE.items()}
    result = level([task(i, i, owner="张伟") for i in range(1, 5)], Desk(people, ROLE_DEFAULTS))
    listed = {key[1]: o.listed for key, o in result.owners.items() if o.listed}
    assert listed == expected_owners
    assert sum(o.deferred for o in result.owners.values()) == 4 - sum(expected_owners.values())
    assert {line.owner for line in result.lines} == set(expected_owners)


def test_capacity_per_store_and_role_without_staff() -> None:
    tasks = [task(i, i, store="A") for i in range(1, 5)] + [task(i, i, store="B") for i in range(5, 9)] + [
        task(i, i, owner="服务顾问", role="service_advisor", code="post_service_followup") for i in range(9, 12)]
    result = level(tasks)
    assert {k: (o.capacity, o.listed, o.deferred) for k, o in result.owners.items()} == {
        ("A", "客服专员"): (3, 3, 1), ("B", "客服专员"): (3, 3, 1), ("A", "服务顾问"): (2, 2, 1)}


def test_forecast_carries_deferred_lines_and_never_exceeds() -> None:
    # 10 lines due on day 1, capacity 3: 3 a day, each day's rest carried; the carried ones are more
    # overdue than the new day's, so they go first; nothing dropped while windows last.
    tasks = [task(i, i, due=DAY, window=30) for i in range(1, 11)] + [task(20, 20, due=DAY + timedelta(days=1))]
    levels = level_days(tasks, DAY, DAY + timedelta(days=4), RULES, Desk({}, ROLE_DEFAULTS), NEXT)
    listed = [[line.customer_key for line in lv.lines] for lv in levels]
    assert listed == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 20]]
    assert [line.deferred_days for line in levels[3].lines] == [3, 2]  # 20 waited behind the older ones
    assert all(len(lv.lines) <= 3 for lv in levels)


def _level_days_reference(tasks: Iterable[OpenTask], start: date, end: date, rules: Rules, desk: Desk,
                          next_day: Callable[[date], date], *, used: Mapping[OwnerKey, int] | None = None,
                          levelled: Callable[[CustomerLine], bool] | None = None) -> list[DayLevel]:
    """level_days before it was made linear (kept to compare with): every day's lines rebuilt from
    buckets, each deferred task copied into the next day's bucket."""
    buckets: dict[date, dict[tuple[date, int], list[ListedTask]]] = defaultdict(lambda: defaultdict(list))

    def put(task: OpenTask, day: date) -> None:
        overdue = max((day - task.due_date).days, 0)
        buckets[day][(day, task.customer_key)].append(ListedTask(task=task, day=day, overdue_days=overdue))

    for task in tasks:
        day = first_list_day(task, start, end)
        if day is not None:
            put(task, day)
    levels = []
    day = start
    while day <= end:
        grouped = buckets.pop(day, None)
        if grouped:
            first = day == start
            level = level_day(merge_lines(grouped, rules), day, desk, next_day,
                              used=used if first else None, levelled=levelled if first else None)
            levels.append(level)
            for task in level.deferred:
                if task.list_from is not None and task.list_from <= end:
                    put(task, task.list_from)
        day += timedelta(days=1)
    return levels


CODES = [("delivery_call_7d", "phone"), ("post_service_followup", "phone"), ("service_invite", "phone"),
         ("care_call", "phone"), ("care_call", "phone"), ("trade_in_offer", "phone"),
         ("birthday_greeting", "sms")]
ROLES = {"customer_care": "客服专员", "service_advisor": "服务顾问", "sales_consultant": "销售顾问"}  # no default


def random_case(seed: int) -> tuple[list[OpenTask], date, date, Desk, Callable[[date], date], dict[str, Any]]:
    """Several stores, roles and people (small capacities, leave, inactive, no default), holidays (tasks
    due on them: levelled days whose deferrals meet others'), customers with tasks on several days."""
    rng = random.Random(seed)
    start = DAY + timedelta(days=rng.randrange(60))
    end = start + timedelta(days=rng.randrange(1, 12))
    holidays = {start + timedelta(days=rng.randrange(-2, 14)) for _ in range(rng.randrange(4))}
    people = {}
    for store in ("A", "B")[:rng.randrange(1, 3)]:
        for role in ("customer_care", "service_advisor"):
            for name in rng.sample(["张伟", "李娜", "王芳", "刘洋"], rng.randrange(4)):
                away = start + timedelta(days=rng.randrange(-1, 8))
                people[(store, name)] = Person(
                    store, name, role, rng.choice([None, 0, 1, 2, 3]), rng.random() > 0.15,
                    away if rng.random() < 0.4 else None,
                    away + timedelta(days=rng.randrange(4)) if rng.random() < 0.4 else None)
    stores = sorted({s for s, _ in people} | {"A"})
    tasks = []
    ids = rng.sample(range(1, 1000), rng.randrange(1, 70))
    for task_id in ids:
        code, channel = rng.choice(CODES)
        store, role = rng.choice(stores), rng.choice(list(ROLES))
        names = [n for (s, n), p in people.items() if s == store and p.role == role]
        due = start + timedelta(days=rng.randrange(-4, (end - start).days + 2))
        tasks.append(OpenTask(
            task_id, rng.randrange(12), code, due, due, due + timedelta(days=rng.randrange(0, 9)),
            attempts=0, last_attempt=due + timedelta(days=rng.randrange(3)) if rng.random() < 0.1 else None,
            owner=rng.choice([*names, ROLES[role]]), role=role, channel=channel, store=store,
            list_from=due + timedelta(days=rng.randrange(4)) if rng.random() < 0.1 else None,
            deferred_days=rng.randrange(3)))
    options: dict[str, Any] = {}
    if rng.random() < 0.3:
        options["used"] = {(s, o): rng.randrange(3) for s, o in [*people, ("A", "客服专员")]}
        options["levelled"] = lambda line: line.customer_key % 4 == 0 and line.day == start
    return tasks, start, end, Desk(people, ROLE_DEFAULTS), next_list_day(holidays.__contains__), options


def test_level_days_equals_the_reference_on_random_desks() -> None:
    # Each day: the same lines (tasks, copies, assigned), listed / deferred / lapsed, owners and their
    # order; `deferred` is built lazily now, so it is read here on every day.
    for seed in range(400):
        tasks, start, end, desk, following, options = random_case(seed)
        expected = _level_days_reference(tasks, start, end, RULES, desk, following, **options)
        got = level_days(tasks, start, end, RULES, desk, following, **options)
        assert [lv.day for lv in got] == [lv.day for lv in expected], seed
        for new, old in zip(got, expected, strict=True):
            assert new.lines == old.lines, (seed, new.day)
            assert new.listed == old.listed, (seed, new.day)
            assert new.lapsed == old.lapsed, (seed, new.day)
            assert list(new.owners.items()) == list(old.owners.items()), (seed, new.day)
            assert new.deferred == old.deferred, (seed, new.day)


def test_a_forecast_of_counts_only_counts_what_the_whole_levelling_counts() -> None:
    # level_days(counts_only=True), the report's forecast: the later days keep their owners (every count,
    # in the same order) and nothing else; the first day is whole.
    for seed in range(400):
        tasks, start, end, desk, following, options = random_case(seed)
        whole = level_days(tasks, start, end, RULES, desk, following, **options)
        counted = level_days(tasks, start, end, RULES, desk, following, counts_only=True, **options)
        assert [lv.day for lv in counted] == [lv.day for lv in whole], seed
        for new, old in zip(counted, whole, strict=True):
            assert list(new.owners.items()) == list(old.owners.items()), (seed, new.day)
        if counted:
            first, first_whole = counted[0], whole[0]
            assert (first.lines, first.listed, first.lapsed, first.deferred) == (
                first_whole.lines, first_whole.listed, first_whole.lapsed, first_whole.deferred), seed
        for later in counted[1:]:
            assert later.lines == later.listed == later.lapsed == [], (seed, later.day)
            with pytest.raises(RuntimeError, match="counts only"):
                _ = later.deferred
