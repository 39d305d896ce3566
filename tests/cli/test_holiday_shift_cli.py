"""The one holiday-shift margin (core.calendar.HOLIDAY_SHIFT) is safe for both of its users.

The longest push in the official calendar: a phone task whose rule date is 2020-01-24 (春节 2020,
extended) falls due on 2020-02-03, ten days later. A post-service follow-up (3 days after a visit,
on the list 7 days) of a visit on 2020-01-21 is such a task. It must be found by the indexed
search of a later morning's new days (store/tasks.py over core/candidates.py) and must not be
pruned by a first sync on its last day on the list (core/schedule.py): with a margin under ten
days either loses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Files, customer, due_tasks, make_vin, run_ok, vehicle, visit


def now(day: str) -> dict[str, str]:
    return {"LIFECYCLE_NOW": f"{day}T01:00:00Z"}


def pushed_follow_ups(db: Path, day: str) -> list[tuple[str, str | None]]:
    return [(t["due_date"], t["original_due_date"]) for t in due_tasks(db, "--date", day, env=now(day))
            if t["code"] == "post_service_followup"]


@pytest.fixture
def car(files: Files) -> tuple[Path, Path, Path]:
    vin = make_vin(1)
    return (files.customers([customer("C1", "张伟", 1)]),
            files.vehicles([vehicle(vin, "C1", "2019-06-01")]),
            files.visits([visit("RO1", vin, "2020-01-21", 12000, "repair")]))


def test_the_next_mornings_search_finds_a_follow_up_the_longest_holiday_pushed(
        db: Path, car: tuple[Path, Path, Path]) -> None:
    customers, vehicles, visits = car
    run_ok(db, "import", customers, vehicles, env=now("2020-01-20"))
    assert pushed_follow_ups(db, "2020-01-20") == []  # stores the days to 2020-02-02
    run_ok(db, "import", visits, env=now("2020-01-22"))  # due after the stored days: not stored yet
    assert pushed_follow_ups(db, "2020-02-03") == [("2020-02-03", "2020-01-24")]


def test_a_first_sync_on_its_last_day_does_not_prune_a_follow_up_the_longest_holiday_pushed(
        db: Path, car: tuple[Path, Path, Path]) -> None:
    run_ok(db, "import", *car, env=now("2020-02-10"))
    assert pushed_follow_ups(db, "2020-02-10") == [("2020-02-03", "2020-01-24")]
    assert pushed_follow_ups(db, "2020-02-11") == []  # its window ended: the day after, it is gone
