"""Call scripts (话术) of stored tasks: a customer's open calls (`show`), the tasks of a call sheet (xlsx)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules


def customer_scripts(engine: Engine, rules: Rules, customer_id: str) -> list[dict[str, Any]]:
    """The scripts of a customer's open phone tasks: {task_id, name, due_date, lines}, by task id."""
    from sqlalchemy import select

    from lifecycle_cli.core.scripts import script_lines
    from lifecycle_cli.service.calllist import task_name
    from lifecycle_cli.store.messages import task_words_facts
    from lifecycle_cli.store.tables import CUSTOMERS

    with engine.connect() as conn:
        pk = conn.execute(select(CUSTOMERS.c.id).where(CUSTOMERS.c.customer_id == customer_id)).scalar()
        if pk is None:
            return []
        found = task_words_facts(conn, customer_pk=pk, channel="phone")
    return [{"task_id": task.task_id, "name": task_name(task.code, task.event_key, rules),
             "due_date": task.day, "lines": script_lines(who, task, rules)} for who, task in found]


def task_scripts(engine: Engine, rules: Rules, task_ids: Sequence[int]) -> dict[int, str]:
    """task id -> its script as one text (the call sheet's 话术 column)."""
    from lifecycle_cli.core.scripts import script_text
    from lifecycle_cli.store.messages import task_words_facts

    with engine.connect() as conn:
        found = task_words_facts(conn, task_ids=task_ids)
    return {task.task_id: script_text(who, task, rules) for who, task in found}

