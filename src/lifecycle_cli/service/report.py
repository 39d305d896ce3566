"""`report` (stages, KPIs, churn, workload) and `churn` (the win-back list), as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.core.capacity import DayLevel
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.steps import Steps


@dataclass
class ReportOptions:
    """The day the report looks at, its KPI month ("YYYY-MM", first and last day) and store; `months`:
    the KPI trend over that many months ending with the KPI month (`trend`, only when asked)."""

    day: date
    month: str
    first: date
    last: date
    store: str | None = None
    months: int | None = None


def report(engine: Engine, rules: Rules, today: date, options: ReportOptions,
           steps: Steps | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (the JSON contract).

    A report before any `due` after a big import stores the days ahead first (the workload reads them),
    and commits them. Then two things run side by side: the figures (stages, KPIs, churn, the trend:
    set-based SQL, which runs in the database's C code without Python's lock) on a connection of their
    own, in a thread, and here the workload and the levelled forecast (Python, which stores today's
    levelling when it is the first list of the day). The figures read the data as it stood before the
    levelling, as the report always did; the levelling commits after they are read.
    """
    from concurrent.futures import ThreadPoolExecutor

    from lifecycle_cli.collector import few_collections
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.service.report_trend import campaigns_of
    from lifecycle_cli.store.tasks import sync_window
    from lifecycle_cli.store.workload import workload

    day, first, last, store = options.day, options.first, options.last, options.store
    calendar = HolidayCalendar()
    with engine.begin() as conn, few_collections():  # objects per task
        sync_window(conn, rules, day, day + timedelta(days=rules.call_list.ahead_days - 1), calendar,
                    today=today, steps=steps, facts_committed=True)
    side_by_side = engine.url.database not in (None, "", ":memory:")  # an in-memory database has one connection
    with ThreadPoolExecutor(max_workers=1) as pool, engine.begin() as conn, few_collections():
        figures = pool.submit(report_figures, engine, rules, options) if side_by_side else None
        data = {} if figures is not None else _figures(conn, rules, options)
        load = workload(conn, day, rules.call_list.ahead_days, store)
        days = workload_days(conn, rules, today, options, calendar)
        campaigns = campaigns_of(conn, first, min(last, day), store)
        if figures is not None:
            data = figures.result()  # before the levelling commits: the figures never see it
    trend = data.pop("trend", None)
    data = {"date": day, "month": options.month, "store": store, **data,
            "workload": load, "workload_days": days, "campaigns": campaigns}
    if trend is not None:
        data["trend"] = trend
    return data


def report_figures(engine: Engine, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    """The report's figures on a connection of their own (rolled back: it only reads and makes
    temporary tables)."""
    with engine.connect() as conn:
        return _figures(conn, rules, options)


def _figures(conn: Connection, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    """Stages, KPIs, satisfaction, churn and its reasons, and the trend when asked: the report's keys
    in their order."""
    from lifecycle_cli.service.report_trend import kpi_trend, month_kpis
    from lifecycle_cli.store.car_pass import car_pass
    from lifecycle_cli.store.churn_reasons import reason_counts
    from lifecycle_cli.store.report import vehicles_as_of

    day, first, last, store = options.day, options.first, options.last, options.store
    v = vehicles_as_of(conn, day, rules)
    cars = car_pass(conn, v, day, first, last, rules, store)  # stages, churn, the per-car KPI counts
    figures, satisfaction = month_kpis(conn, v, rules, day, first, last, store, cars)
    reasons = reason_counts(conn, rules.churn_reasons, first, min(last, day), store)  # 流失原因 of the month
    data: dict[str, Any] = {**cars.stages, "kpis": figures, "satisfaction": satisfaction, "churn": cars.churn,
                            "churn_reasons": reasons}
    if options.months:  # after every use of `v`: each earlier month has its own vehicles_as_of (a temporary table)
        data["trend"] = kpi_trend(conn, rules, options, figures)
    return data


def workload_days(conn: Connection, rules: Rules, today: date, options: ReportOptions,
                  calendar: HolidayCalendar) -> list[dict[str, Any]]:
    """Each person's levelled days (care-desk §2): the KPI month's days up to the report date and today
    as stored, then the days ahead (call_list.ahead_days from the report date) levelled in memory."""
    from lifecycle_cli.store.levelling import level_window
    from lifecycle_cli.store.tasklist import open_task_records
    from lifecycle_cli.store.workload import forecast_rows, workload_rows

    day, store = options.day, options.store
    start, end = max(day, today), day + timedelta(days=rules.call_list.ahead_days - 1)
    levels: list[DayLevel] = []
    if start <= end:  # levelled first: today's lines new since its first list are stored before they are read
        tasks = open_task_records(conn, start, end, store=store)
        levels = level_window(conn, rules, tasks, start, end, today=today, calendar=calendar, store=store)
    rows = workload_rows(conn, options.first, min(day, today), store)
    if start <= end and start == today and day < today:  # a look back: today as stored
        rows += workload_rows(conn, today, today, store)
    return rows + forecast_rows(levels, today)


def churn_list(engine: Engine, rules: Rules, options: ReportOptions,
               category: str | None) -> tuple[list[dict[str, Any]], int]:
    """The churned vehicles on the day (of one category, one store), for the win-back calls, and how
    many do-not-contact customers were left out (a list meant for calling never holds them, §7)."""
    from lifecycle_cli.store.report import churn_list as query
    from lifecycle_cli.store.report import vehicles_as_of

    with engine.begin() as conn:
        rows = query(conn, vehicles_as_of(conn, options.day, rules), options.day, options.first, options.last,
                     rules, category, options.store)
    left_out = {r["customer_id"] for r in rows if r["do_not_contact"]}
    return [r for r in rows if not r["do_not_contact"]], len(left_out)
