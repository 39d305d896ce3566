"""`report` (stages, KPIs, churn, workload) and `churn` (the win-back list), as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.steps import Steps


@dataclass
class ReportOptions:
    """The day the report looks at, its KPI month ("YYYY-MM", first and last day) and store."""

    day: date
    month: str
    first: date
    last: date
    store: str | None = None


def report(engine: Engine, rules: Rules, today: date, options: ReportOptions,
           steps: Steps | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (the JSON contract).

    A report before any `due` after a big import stores the days ahead first (the workload reads them).
    """
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.store.report import (
        churn_counts,
        event_kpis,
        kpis,
        phone_validity_kpi,
        stage_distribution,
        vehicles_as_of,
        workload,
    )
    from lifecycle_cli.store.tasks import sync_window

    day, first, last, store = options.day, options.first, options.last, options.store
    with engine.begin() as conn:
        sync_window(conn, rules, day, day + timedelta(days=rules.call_list.ahead_days - 1), HolidayCalendar(),
                    today=today, steps=steps)
        v = vehicles_as_of(conn, day, rules)
        stages = stage_distribution(conn, v, day, rules, store)
        figures = kpis(conn, v, day, first, last, rules, store)
        figures += event_kpis(conn, day, first, last, rules, store)  # campaigns, complaints, rescues
        figures.append(phone_validity_kpi(conn, rules, store))  # the numbers an import flagged invalid
        churn = churn_counts(conn, v, day, first, last, rules, store)
        load = workload(conn, day, rules.call_list.ahead_days, store)
    return {
        "date": day,
        "month": options.month,
        "store": store,
        **stages,
        "kpis": {
            k.code: {"name": k.name, "value": k.value, "numerator": k.numerator, "denominator": k.denominator,
                     "target": k.target, "met": k.met}
            for k in figures
        },
        "churn": churn,
        "workload": load,
    }


def churn_list(engine: Engine, rules: Rules, options: ReportOptions, category: str | None) -> list[dict[str, Any]]:
    """The churned vehicles on the day (of one category, one store), for the win-back calls."""
    from lifecycle_cli.store.report import churn_list as query
    from lifecycle_cli.store.report import vehicles_as_of

    with engine.begin() as conn:
        return query(conn, vehicles_as_of(conn, options.day, rules), options.day, options.first, options.last,
                     rules, category, options.store)
