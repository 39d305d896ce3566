"""`report` (stages, KPIs, churn, workload) and `churn` (the win-back list), as plain data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future

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


# From this many cars the figures run in a process of their own (its start, ~1 s of imports, costs less
# than they lose beside the forecast's Python thread); below, in a thread.
FIGURES_PROCESS_FROM = 200_000


def report(engine: Engine, rules: Rules, today: date, options: ReportOptions,
           steps: Steps | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (the JSON contract).

    A report before any `due` after a big import stores the days ahead first (the workload reads them),
    and commits them. Then two things run side by side: the figures (stages, KPIs, churn, the trend, and
    the open tasks ahead per owner: set-based SQL) on a connection of their own — in a process of their
    own on a database of `FIGURES_PROCESS_FROM` cars or more (beside a Python thread the sqlite3 module's
    steps wait for Python's lock), else in a thread — and here the levelled forecast (Python, which
    stores today's levelling when it is the first list of the day). The figures read the data as it stood
    before the levelling, as the report always did; the levelling commits after they are read.
    """
    from lifecycle_cli.collector import few_collections, no_collections
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.service.report_trend import campaigns_of
    from lifecycle_cli.store.tasks import sync_window

    day, first, last, store = options.day, options.first, options.last, options.store
    calendar = HolidayCalendar()
    with engine.begin() as conn, few_collections():  # objects per task
        sync_window(conn, rules, day, day + timedelta(days=rules.call_list.ahead_days - 1), calendar,
                    today=today, steps=steps, facts_committed=True)
    with _figures_beside(engine, rules, options) as figures, engine.begin() as conn, no_collections():
        data = {} if figures is not None else _beside(conn, rules, options)
        days = workload_days(conn, rules, today, options, calendar)
        campaigns = campaigns_of(conn, first, min(last, day), store)
        if figures is not None:
            data = figures.result()  # before the levelling commits: the figures never see it
    trend, load = data.pop("trend", None), data.pop("workload")
    data = {"date": day, "month": options.month, "store": store, **data,
            "workload": load, "workload_days": days, "campaigns": campaigns}
    if trend is not None:
        data["trend"] = trend
    return data


@contextmanager
def _figures_beside(engine: Engine, rules: Rules, options: ReportOptions) -> Iterator[Future[dict[str, Any]] | None]:
    """The figures started beside the forecast: in a spawned process for a database of
    `FIGURES_PROCESS_FROM` cars or more, else in a thread; None for an in-memory database (one
    connection: the caller computes them itself)."""
    from concurrent.futures import Executor, ThreadPoolExecutor

    from lifecycle_cli.spawned import spawn_pool

    if engine.url.database in (None, "", ":memory:"):
        yield None
        return
    pool: Executor
    if _cars(engine) >= FIGURES_PROCESS_FROM:
        pool = spawn_pool(1)  # ignores Ctrl-C: this command stops it and rolls back
        with pool:
            yield pool.submit(figures_at, engine.url.render_as_string(hide_password=False), rules, options)
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:
            yield pool.submit(report_figures, engine, rules, options)


def _cars(engine: Engine) -> int:
    """How many cars the database holds (what the figures' cost follows)."""
    from sqlalchemy import func, select

    from lifecycle_cli.store.tables import VEHICLES

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(VEHICLES)).scalar_one())


def figures_at(url: str, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    """The report's figures in a process of their own: its own engine on the database's URL."""
    from lifecycle_cli.store.db import make_engine

    engine = make_engine(url, mapped=True)  # a pass over every car: read mapped (store/db.MMAP_BYTES)
    try:
        return report_figures(engine, rules, options)
    finally:
        engine.dispose()


def report_figures(engine: Engine, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    """The report's figures on a connection of their own (rolled back: it only reads and makes
    temporary tables)."""
    with engine.connect() as conn:
        return _beside(conn, rules, options)


def _beside(conn: Connection, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    """What runs beside the forecast: the figures, then the open tasks ahead per owner (`workload`)."""
    from lifecycle_cli.store.workload import workload

    data = _figures(conn, rules, options)
    data["workload"] = workload(conn, options.day, rules.call_list.ahead_days, options.store)
    return data


def _figures(conn: Connection, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    """Stages, KPIs, satisfaction, churn and its reasons, and the trend when asked: the report's keys
    in their order."""
    from lifecycle_cli.service.report_trend import ended_months, kpi_trend, month_kpis
    from lifecycle_cli.store.car_pass import car_pass
    from lifecycle_cli.store.churn_reasons import reason_counts
    from lifecycle_cli.store.report import Counted, loyal_counts_by_day, vehicles_as_of

    day, first, last, store = options.day, options.first, options.last, options.store
    counted, loyal = None, None
    if options.months:  # 忠诚客户比例 of the day and of the trend's ended months: one pass over the visits
        *loyal, today = loyal_counts_by_day(conn, [*(end for _, end in ended_months(options)), day], rules, store)
        counted = Counted(loyal=today)
    v = vehicles_as_of(conn, day, rules)
    cars = car_pass(conn, v, day, first, last, rules, store)  # stages, churn, the per-car KPI counts
    figures, satisfaction = month_kpis(conn, v, rules, day, first, last, store, cars, counted)
    reasons = reason_counts(conn, rules.churn_reasons, first, min(last, day), store)  # 流失原因 of the month
    data: dict[str, Any] = {**cars.stages, "kpis": figures, "satisfaction": satisfaction, "churn": cars.churn,
                            "churn_reasons": reasons}
    if options.months:  # after every use of `v`: each earlier month has its own vehicles_as_of (a temporary table)
        data["trend"] = kpi_trend(conn, rules, options, figures, loyal)
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
        levels = level_window(conn, rules, tasks, start, end, today=today, calendar=calendar, store=store,
                              counts_only=True)  # the days ahead give their owners' counts only
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
