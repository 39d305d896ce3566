"""The report's KPIs of one month, their trend over the months before (`report --months N`), and the
campaigns of the period: plain data for the JSON contract, the manager's page and the workbook."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.expression import FromClause

    from lifecycle_cli.core.kpi import Kpi
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.service.report import ReportOptions
    from lifecycle_cli.store.car_pass import CarPass
    from lifecycle_cli.store.report import Counted

MAX_MONTHS = 36  # `--months`: three years of trend at most


def kpi_record(k: Kpi) -> dict[str, Any]:
    """One KPI as the JSON shows it (value null on a zero denominator)."""
    return {"name": k.name, "value": k.value, "numerator": k.numerator, "denominator": k.denominator,
            "target": k.target, "met": k.met}


def month_kpis(conn: Connection, v: FromClause, rules: Rules, day: date, first: date, last: date,
               store: str | None, cars: CarPass | None = None, counted: Counted | None = None,
               phone_validity: Kpi | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Every KPI of the month [first, last] as seen on `day` (code -> record), and the month's
    satisfaction block (`cars`: the day's pass over the cars, `counted`: the figures counted with the
    other months of the trend, `phone_validity`: 客户号码有效率, the same on every day; when made already)."""
    from lifecycle_cli.core.kpi import make_kpi
    from lifecycle_cli.store.report import event_kpis, kpis, phone_validity_kpi
    from lifecycle_cli.store.satisfaction import satisfaction_figures
    from lifecycle_cli.store.workload import completion_counts

    figures = kpis(conn, v, day, first, last, rules, store, cars, counted)
    figures += event_kpis(conn, day, first, last, rules, store)  # campaigns, complaints, rescues
    figures.append(phone_validity or phone_validity_kpi(conn, rules, store))  # the numbers an import flagged invalid
    high_satisfaction, satisfaction = satisfaction_figures(conn, rules, first, min(last, day), store)
    figures.append(high_satisfaction)  # 高满意度客户比例 (store/satisfaction.py)
    figures.append(make_kpi("completion_rate", *completion_counts(conn, first, min(last, day), store), rules))
    return {k.code: kpi_record(k) for k in figures}, satisfaction


def trend_months(options: ReportOptions, months: int) -> list[tuple[str, date, date, date]]:
    """The `months` months ending with the KPI month, oldest first: (YYYY-MM, first, last, the day each is
    seen on: its last day, the report's day for the KPI month and any month not over by then)."""
    from lifecycle_cli.core.stages import add_months

    result = []
    for back in range(months - 1, -1, -1):
        first = add_months(options.first, -back)
        last = add_months(first, 1) - timedelta(days=1)
        result.append((first.strftime("%Y-%m"), first, last, min(last, options.day)))
    return result


def ended_months(options: ReportOptions) -> list[tuple[date, date]]:
    """(first, last) of the trend's months over by the report's day, but the KPI month: a run of consecutive
    months from the oldest (the months after the report's day come last)."""
    return [(first, last) for month, first, last, day in trend_months(options, options.months or 1)
            if month != options.month and day == last]


def kpi_trend(conn: Connection, rules: Rules, options: ReportOptions, current: dict[str, dict[str, Any]],
              loyal: Sequence[tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """One object per month (oldest first) with the KPIs as `report --date D --month M` shows them, D the
    month's last day (the report's day for the KPI month, whose figures are `current`; `loyal`: 忠诚客户比例
    of each of the ended_months, when counted with the KPI month's).

    The months over by the report's day (all but the KPI month, as a rule) read the cars as they stood at
    their ends all at once (store/month_ends.py, store/trend_pass.py); a month not over yet reads them on
    the report's day (store/report.vehicles_as_of), as the KPI month does."""
    from lifecycle_cli.store.insurance import renewal_due_by_month
    from lifecycle_cli.store.month_ends import MonthEnds
    from lifecycle_cli.store.report import Counted, loyal_counts_by_day, phone_validity_kpi, vehicles_as_of
    from lifecycle_cli.store.tables import VEHICLES
    from lifecycle_cli.store.trend_pass import PassKeys, trend_car_passes

    months = trend_months(options, options.months or 1)
    ended = ended_months(options)
    store = options.store
    phone = phone_validity_kpi(conn, rules, store)
    counted: dict[date, tuple[CarPass, Counted]] = {}
    if ended:  # a run of consecutive months from the oldest: the months after the report's day come last
        with MonthEnds(conn, rules, PassKeys.of(ended, rules, store)) as cars:
            # the stored rows' pass runs while the recomputed rows are computed (store/month_ends.py)
            passes = trend_car_passes(conn, cars)
        dues = renewal_due_by_month(conn, cars.stored, cars.recomputed().expiries, ended,
                                    [p.cars["insurance_held"] for p in passes], store)
        if loyal is None:
            loyal = loyal_counts_by_day(conn, [last for _, last in ended], rules, store)
        for (first, _), found, due, loyal_counts in zip(ended, passes, dues, loyal, strict=True):
            counted[first] = (found, Counted(loyal=loyal_counts, insurance_due=due))
    trend = []
    for month, first, last, day in months:
        if month == options.month:
            figures = current
        elif first in counted:  # the cars' own columns from the vehicle table, their counts from the passes
            figures, _ = month_kpis(conn, VEHICLES, rules, day, first, last, store, *counted[first], phone)
        else:
            figures, _ = month_kpis(conn, vehicles_as_of(conn, day, rules), rules, day, first, last, store,
                                    phone_validity=phone)
        trend.append({"month": month, "date": day, "kpis": figures})
    return trend


def campaigns_of(conn: Connection, first: date, upto: date, store: str | None) -> list[dict[str, Any]]:
    """The campaigns of the period with their results so far (tasks, outcomes by result), newest first."""
    from lifecycle_cli.store.events import list_campaigns

    return list_campaigns(conn, since=first, until=upto, store=store)
