"""`messages`: store the days' tasks, then the sms tasks as one message per customer per day (and, asked,
record them sent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.messages import Message
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.steps import Steps


@dataclass
class MessagesOptions:
    """Which batch: the first day, how many days, one store, and whether to record it sent."""

    day: date
    days: int = 1
    store: str | None = None
    mark_sent: bool = False

    @property
    def end(self) -> date:
        """The last day of the batch."""
        return self.day + timedelta(days=self.days - 1)


@dataclass
class MessageBatch:
    """The messages, and what the run did or left out: tasks recorded sent, tasks closed because the
    customer may not get messages, customers without a usable phone, codes without a template."""

    messages: list[Message]
    recorded: int = 0
    closed_opt_out: int = 0
    no_phone: int = 0
    no_template: dict[str, int] = field(default_factory=dict)

    @property
    def parts(self) -> int:
        """The SMS parts the batch costs (stores pay per part)."""
        return sum(m.parts for m in self.messages)


def message_batch(engine: Engine, rules: Rules, today: date, options: MessagesOptions,
                  deliver: Callable[[MessageBatch], None], steps: Steps | None = None) -> MessageBatch:
    """Materialise the days' tasks (store/tasks.sync_window, as `due` does), compose each customer's
    message of each day (core/messages.py), with `mark_sent` record them sent, and hand the batch to
    `deliver` (print it, write the file) before the transaction commits: a batch that could not be
    delivered (a character GBK cannot hold, a file that cannot be written) is not recorded sent."""
    from lifecycle_cli.collector import few_collections
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.core.messages import compose
    from lifecycle_cli.store.db import begin_now
    from lifecycle_cli.store.messages import mark_sent, open_sms_tasks
    from lifecycle_cli.store.tasks import sync_window

    calendar = HolidayCalendar()
    with engine.begin() as conn, few_collections():
        begin_now(conn, write=options.mark_sent)
        sync_window(conn, rules, options.day, options.end, calendar, today=today, steps=steps,
                    facts_committed=True)
        found = open_sms_tasks(conn, options.day, options.end, store=options.store, today=today)
        batch = MessageBatch([], closed_opt_out=found.closed_opt_out, no_phone=found.no_phone)
        for (_, pk), tasks in found.by_customer_day.items():
            message = compose(found.recipients[pk], tasks, rules)
            for task in tasks:
                if task.code not in rules.messages.templates:
                    batch.no_template[task.code] = batch.no_template.get(task.code, 0) + 1
            if message is not None:
                batch.messages.append(message)
        if options.mark_sent:
            sent = [(task_id, m.day) for m in batch.messages for task_id in m.task_ids]
            batch.recorded = mark_sent(conn, rules, sent, today)
        deliver(batch)
    return batch
