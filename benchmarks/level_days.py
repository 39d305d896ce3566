"""Time core/capacity.level_days on a group far over capacity (the 14-day workload forecast).

    python benchmarks/level_days.py [--tasks 300000] [--days 14] [--stores 20] [--seed 1] [--counts-only]

The shape of a 1M-car group without a staff file: one 客服专员 role label per store with the
role's default capacity (80), ~1,000 care lines a store a day, customers with a second task
(riding along, or merging with their deferred line on a later day), a few sms greetings, windows
of 7 or 14 days (so the backlog both grows and lapses). Prints one JSON line: tasks, days,
seconds, and what the levelling decided (lines listed, lines deferred on the last day, tasks lapsed),
counted as the callers count them (the later days' `deferred` copies are built only when read).
`--counts-only`: the report's forecast (level_days(counts_only=True)); lines listed from the owners' counts.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta

from lifecycle_cli.core.calendar import HolidayCalendar, next_list_day
from lifecycle_cli.core.calllist import OpenTask
from lifecycle_cli.core.capacity import Desk, level_days
from lifecycle_cli.core.rules import load_rules

START = date(2026, 3, 2)
CODES = (("care_call", "phone", 14), ("service_invite", "phone", 14), ("delivery_call_7d", "phone", 7),
         ("post_service_followup", "phone", 7), ("birthday_greeting", "sms", 0))


def make_tasks(count: int, days: int, stores: int, seed: int) -> list[OpenTask]:
    rng = random.Random(seed)
    customers = count * 3  # ~850k customers for 1M cars, ~300k tasks in two weeks
    tasks = []
    for task_id in range(1, count + 1):
        code, channel, window = rng.choice(CODES) if rng.random() < 0.3 else CODES[0]
        due = START + timedelta(days=rng.randrange(-3, days))
        customer = rng.randrange(customers)
        tasks.append(OpenTask(task_id, customer, code, due, due, due + timedelta(days=window), owner="客服专员",
                              role="customer_care", channel=channel, store=f"S{customer % stores:02d}"))
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--counts-only", action="store_true", help="level the later days for their counts only")
    args = parser.parse_args()
    rules = load_rules()
    tasks = make_tasks(args.tasks, args.days, args.stores, args.seed)
    desk = Desk({}, rules.capacity)
    following = next_list_day(HolidayCalendar().is_statutory_holiday)
    end = START + timedelta(days=args.days - 1)
    began = time.perf_counter()
    levels = level_days(tasks, START, end, rules, desk, following, counts_only=args.counts_only)
    seconds = time.perf_counter() - began
    print(json.dumps({"tasks": args.tasks, "days": args.days, "counts_only": args.counts_only,
                      "seconds": round(seconds, 2),
                      "listed_lines": sum(o.listed for level in levels for o in level.owners.values()),
                      "deferred_lines_last_day": sum(o.deferred for o in levels[-1].owners.values()) if levels else 0,
                      "lapsed": sum(o.lapsed_capacity for level in levels for o in level.owners.values())}))


if __name__ == "__main__":
    main()
