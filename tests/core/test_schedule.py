"""The scheduler: each due-date rule of issue 4's table, with its boundaries.

Expected dates are worked out by hand in the tables (D + n days, calendar months with
relativedelta, km dates as last + ceil(remaining km / daily km)); the comment on each case
shows the arithmetic. Holiday facts come straight from chinese_calendar's tables.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from lifecycle_cli.core.calendar import HOLIDAY_SHIFT
from lifecycle_cli.core.rules import load_rules
from lifecycle_cli.core.schedule import CustomerFacts, ScheduledTask, Scheduler, VehicleFacts, VisitFact

RULES = load_rules()
OFFICIAL_HOLIDAYS = frozenset(chinese_calendar.holidays)
DATA_YEARS = frozenset(d.year for d in OFFICIAL_HOLIDAYS)


def official_next_working_day(day: date) -> date:
    """Independent oracle for the holiday shift of phone tasks."""
    while day in OFFICIAL_HOLIDAYS:
        day += timedelta(days=1)
    return day


def car(
    delivered: date,
    *visits: VisitFact,
    row: tuple[date | None, int | None] = (None, None),
    vin: str = "LVIN0000000000001",
) -> VehicleFacts:
    return VehicleFacts(vin=vin, delivery_date=delivered, row_reading=row, visits=tuple(visits))


def person(*vehicles: VehicleFacts, **kw: object) -> CustomerFacts:
    return CustomerFacts("C001", vehicles=tuple(vehicles), **kw)  # type: ignore[arg-type]


def mnt(key: str, on: date, km: int) -> VisitFact:
    return VisitFact(key, on, km, "maintenance")


def rep(key: str, on: date, km: int) -> VisitFact:
    return VisitFact(key, on, km, "repair")


def run(
    customer: CustomerFacts, today: date, start: date | None = None, end: date | None = None
) -> Scheduler:
    return Scheduler(rules=RULES, today=today, start=start or today, end=end or today)


def tasks_of(
    customer: CustomerFacts, today: date, start: date | None = None, end: date | None = None
) -> list[ScheduledTask]:
    return run(customer, today, start, end).for_customer(customer)


def of_code(tasks: list[ScheduledTask], code: str) -> list[ScheduledTask]:
    return sorted((t for t in tasks if t.code == code), key=lambda t: t.rule_date)


def only(tasks: list[ScheduledTask], code: str) -> ScheduledTask:
    found = of_code(tasks, code)
    assert len(found) == 1, f"{code}: {[(t.event_key, t.rule_date) for t in found]}"
    return found[0]


# ---------------------------------------------------------------------------------------------
# One table for every due-date rule: (facts, today, window) -> [(event_key, rule date)] of a code
# ---------------------------------------------------------------------------------------------

D1 = date(2026, 3, 10)  # a plain delivery date, no holiday near its D+1/D+7/D+45
D2 = date(2025, 2, 10)  # a car with a first maintenance on 2025-05-12
RULE_CASES = [
    # -- delivery calls ---------------------------------------------------------------------
    pytest.param(
        person(car(D1)),
        D1,
        D1,
        date(2026, 6, 30),
        "delivery_call_24h",
        [("2026-03-10", date(2026, 3, 11))],
        id="delivery_call_24h-D+1",
    ),
    pytest.param(
        person(car(date(2026, 1, 31))),
        date(2026, 1, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        "delivery_call_24h",
        [("2026-01-31", date(2026, 2, 1))],
        id="delivery_call_24h-D+1-across-month-end",
    ),
    pytest.param(
        person(car(D1)),
        D1,
        D1,
        date(2026, 6, 30),
        "delivery_call_7d",
        [("2026-03-10", date(2026, 3, 17))],
        id="delivery_call_7d-D+7",
    ),
    pytest.param(
        person(car(D1)),
        D1,
        D1,
        date(2026, 6, 30),
        "visit_45d",
        [("2026-03-10", date(2026, 4, 24))],
        id="visit_45d-D+45",
    ),
    # -- first service invitation: min(D + 3 months, date_at_km(5000)) - 7 -------------------
    pytest.param(
        # default 40 km/day: 5000 km on D+125 = 07-13; D+3 months = 06-10 is earlier; - 7
        person(car(D1)),
        D1,
        D1,
        date(2026, 12, 31),
        "first_service_invite",
        [("first", date(2026, 6, 3))],
        id="first_service_invite-3-months-first-at-default-40-km-a-day",
    ),
    pytest.param(
        # heavy driver: 3000 km in 30 days = 100/day; 5000 km on 04-09 + 20 = 04-29 < 06-10; - 7
        person(car(D1, row=(date(2026, 4, 9), 3000))),
        date(2026, 4, 10),
        D1,
        date(2026, 12, 31),
        "first_service_invite",
        [("first", date(2026, 4, 22))],
        id="first_service_invite-5000-km-before-3-months-heavy-daily-km",
    ),
    pytest.param(
        # 2200 km in 40 days = 55/day: 2800 km more -> ceil(50.9) = 51 days -> 08-31, one day before D+3m 09-01
        person(car(date(2026, 6, 1), row=(date(2026, 7, 11), 2200))),
        date(2026, 7, 11),
        date(2026, 6, 1),
        date(2026, 12, 31),
        "first_service_invite",
        [("first", date(2026, 8, 24))],
        id="first_service_invite-5000-km-one-day-before-3-months-km-wins",
    ),
    pytest.param(
        # 2150 km in 40 days = 53.75/day: 2850 km more -> ceil(53.02) = 54 days -> 09-03, after D+3m 09-01
        person(car(date(2026, 6, 1), row=(date(2026, 7, 11), 2150))),
        date(2026, 7, 11),
        date(2026, 6, 1),
        date(2026, 12, 31),
        "first_service_invite",
        [("first", date(2026, 8, 25))],
        id="first_service_invite-5000-km-after-3-months-months-win",
    ),
    pytest.param(
        # 5000 km already passed: 6000 km on D+60 -> interpolated D + ceil(5000*60/6000) = D+50 = 04-29; - 7
        person(car(D1, row=(date(2026, 5, 9), 6000))),
        date(2026, 5, 9),
        D1,
        date(2026, 12, 31),
        "first_service_invite",
        [("first", date(2026, 4, 22))],
        id="first_service_invite-5000-km-already-passed-interpolated",
    ),
    pytest.param(
        person(car(D2, mnt("m1", date(2025, 5, 12), 1000))),
        date(2025, 6, 1),
        D2,
        date(2026, 12, 31),
        "first_service_invite",
        [],
        id="first_service_invite-none-once-a-maintenance-visit-came",
    ),
    # -- periodic service invitation: min(last + 6 months, date_at_km(last km + 5000)) - 7 ---
    pytest.param(
        # 1000 km in 91 days: 5000 km more takes 455 days; last + 6 months = 11-12 is earlier; - 7
        person(car(D2, mnt("m1", date(2025, 5, 12), 1000))),
        date(2025, 6, 1),
        D2,
        date(2026, 12, 31),
        "service_invite",
        [("after:2025-05-12", date(2025, 11, 5))],
        id="service_invite-6-months-after-last-maintenance",
    ),
    pytest.param(
        # 4550 km in 91 days = 50/day: 5000 km more in 100 days -> 08-20 < 11-12; - 7
        person(car(D2, mnt("m1", date(2025, 5, 12), 4550))),
        date(2025, 6, 1),
        D2,
        date(2026, 12, 31),
        "service_invite",
        [("after:2025-05-12", date(2025, 8, 13))],
        id="service_invite-5000-km-after-last-maintenance-comes-first",
    ),
    pytest.param(
        # repair at 3000 km on 07-01 (141 days from D: 3000/141 a day) only refines the projection:
        # 6000 km on 07-01 + 141 = 11-19; last maintenance + 6 months = 11-12 wins; - 7.
        # (Were the repair a reset, it would be 2026-01-01 - 7 with key after:2025-07-01.)
        person(car(D2, mnt("m1", date(2025, 5, 12), 1000), rep("r1", date(2025, 7, 1), 3000))),
        date(2025, 7, 15),
        D2,
        date(2026, 12, 31),
        "service_invite",
        [("after:2025-05-12", date(2025, 11, 5))],
        id="service_invite-repair-between-services-does-not-reset",
    ),
    pytest.param(
        # a repair at 7000 km already passed 1000 + 5000: interpolate (05-12, 1000)-(07-01, 7000):
        # 05-12 + ceil(5000 * 50 / 6000) = 05-12 + 42 = 06-23; - 7 = 06-16, listed from then; the repair
        # on 07-01 came while it was open: it moves to 07-01 + 30 (the placement of 06-16 closed postponed)
        person(car(D2, mnt("m1", date(2025, 5, 12), 1000), rep("r1", date(2025, 7, 1), 7000))),
        date(2025, 7, 15),
        date(2025, 6, 1),
        date(2026, 12, 31),
        "service_invite",
        [("after:2025-05-12", date(2025, 6, 16)), ("after:2025-05-12:moved:2025-07-01", date(2025, 7, 31))],
        id="service_invite-km-target-already-passed-interpolated",
    ),
    pytest.param(
        person(car(D2, mnt("m1", date(2025, 5, 12), 1000), mnt("m2", date(2025, 11, 10), 3500))),
        date(2025, 11, 20),
        D2,
        date(2026, 12, 31),
        "service_invite",
        [("after:2025-11-10", date(2026, 5, 3))],
        id="service_invite-second-maintenance-starts-a-new-chain",
    ),
    # -- churn winback: maintenance due + 90 ----------------------------------------------
    pytest.param(
        # first due = min(05-10, D+125 = 06-15) = 05-10; + 90
        person(car(D2)),
        date(2026, 1, 1),
        D2,
        date(2026, 12, 31),
        "churn_winback",
        [("first", date(2025, 8, 8))],
        id="churn_winback-first-service-due-plus-90",
    ),
    pytest.param(
        # periodic due 11-12 (see service_invite); + 90
        person(car(D2, mnt("m1", date(2025, 5, 12), 1000))),
        date(2026, 3, 1),
        D2,
        date(2026, 12, 31),
        "churn_winback",
        [("after:2025-05-12", date(2026, 2, 10))],
        id="churn_winback-periodic-due-plus-90",
    ),
    # -- warranty expiry check: min(D + 36 months, date_at_km(60000)) - 30 --------------------
    pytest.param(
        # default 40/day: 60000 km on D+1500 = 2027-04-23; D + 36 months = 2026-03-15 is earlier; - 30
        person(car(date(2023, 3, 15))),
        date(2026, 1, 1),
        date(2023, 3, 15),
        date(2026, 12, 31),
        "warranty_expiry_check",
        [("warranty", date(2026, 2, 13))],
        id="warranty_expiry_check-36-months-first",
    ),
    pytest.param(
        # 30000 km in 366 days: 60000 km on 2024-03-15 + 366 = 2025-03-16; - 30
        person(car(date(2023, 3, 15), row=(date(2024, 3, 15), 30000))),
        date(2024, 4, 1),
        date(2023, 3, 15),
        date(2026, 12, 31),
        "warranty_expiry_check",
        [("warranty", date(2025, 2, 14))],
        id="warranty_expiry_check-60000-km-first",
    ),
    pytest.param(
        # 70000 km on D+366: 60000 km passed on D + ceil(60000*366/70000) = D+314 = 2024-01-23; - 30
        person(car(date(2023, 3, 15), row=(date(2024, 3, 15), 70000))),
        date(2024, 4, 1),
        date(2023, 3, 15),
        date(2026, 12, 31),
        "warranty_expiry_check",
        [("warranty", date(2023, 12, 24))],
        id="warranty_expiry_check-60000-km-already-passed-interpolated",
    ),
    # -- trade-in offer: min(D + 60 months, date_at_km(100000)), then yearly ---------------------
    pytest.param(
        # 40/day: 100000 km on D+2500 = 2028-04-19; D + 60 months = 2026-06-15 is earlier
        person(car(date(2021, 6, 15))),
        date(2026, 6, 1),
        date(2026, 6, 1),
        date(2027, 6, 30),
        "trade_in_offer",
        [("upgrade:0", date(2026, 6, 15)), ("upgrade:1", date(2027, 6, 15))],
        id="trade_in_offer-60-months-then-yearly",
    ),
    pytest.param(
        # 50000 km in 365 days: 100000 km on 2022-06-15 + 365 = 2023-06-15, then yearly
        person(car(date(2021, 6, 15), row=(date(2022, 6, 15), 50000))),
        date(2023, 6, 1),
        date(2023, 6, 1),
        date(2025, 6, 30),
        "trade_in_offer",
        [
            ("upgrade:0", date(2023, 6, 15)),
            ("upgrade:1", date(2024, 6, 15)),
            ("upgrade:2", date(2025, 6, 15)),
        ],
        id="trade_in_offer-100000-km-first-then-yearly",
    ),
    pytest.param(
        person(car(date(2021, 6, 15))),
        date(2026, 6, 1),
        date(2026, 6, 1),
        date(2026, 6, 14),
        "trade_in_offer",
        [],
        id="trade_in_offer-not-before-entering-upgrade-stage",
    ),
    pytest.param(
        # delivered 2012-02-29: enters 换车升级期 2017-02-28, the day every later offer keeps
        person(car(date(2012, 2, 29))),
        date(2023, 2, 1),
        date(2023, 2, 1),
        date(2024, 3, 15),
        "trade_in_offer",
        [("upgrade:6", date(2023, 2, 28)), ("upgrade:7", date(2024, 2, 28))],
        id="trade_in_offer-years-after-entering-29-february",
    ),
    # -- post-service follow-up: every visit + 3, any kind ---------------------------------
    pytest.param(
        person(
            car(
                date(2025, 6, 1),
                mnt("m1", date(2026, 3, 2), 8000),
                rep("r1", date(2026, 3, 20), 8500),
                VisitFact("w1", date(2026, 5, 20), 9000, "warranty"),
                VisitFact("a1", date(2026, 6, 10), 9500, "accident"),
                VisitFact("o1", date(2026, 7, 10), 9900, "other"),
                VisitFact("future", date(2026, 9, 1), 11000, "repair"),
            )
        ),
        date(2026, 8, 1),
        date(2026, 3, 1),
        date(2026, 12, 31),
        "post_service_followup",
        [
            ("visit:m1", date(2026, 3, 5)),
            ("visit:r1", date(2026, 3, 23)),
            ("visit:w1", date(2026, 5, 23)),
            ("visit:a1", date(2026, 6, 13)),
            ("visit:o1", date(2026, 7, 13)),
        ],
        id="post_service_followup-visit+3-any-kind-not-future-visits",
    ),
    # -- purchase anniversary: each anniversary of D, year >= 1 --------------------------------
    pytest.param(
        person(car(D1)),
        D1,
        D1,
        date(2028, 12, 31),
        "purchase_anniversary",
        [("year:1", date(2027, 3, 10)), ("year:2", date(2028, 3, 10))],
        id="purchase_anniversary-yearly-no-year-0-on-delivery-day",
    ),
    pytest.param(
        person(car(date(2024, 2, 29))),
        date(2027, 1, 1),
        date(2027, 1, 1),
        date(2028, 12, 31),
        "purchase_anniversary",
        [("year:3", date(2027, 2, 28)), ("year:4", date(2028, 2, 29))],
        id="purchase_anniversary-29-feb-delivery-28-feb-in-2027-29-feb-in-2028",
    ),
    # -- birthday: each year, 29 Feb -> 28 Feb; customer-level ------------------------------
    pytest.param(
        person(car(D1), birthday=date(1992, 2, 29)),
        date(2027, 1, 1),
        date(2027, 1, 1),
        date(2028, 12, 31),
        "birthday_greeting",
        [("2027", date(2027, 2, 28)), ("2028", date(2028, 2, 29))],
        id="birthday_greeting-29-feb-28-feb-in-non-leap-year",
    ),
    pytest.param(
        person(car(D1), birthday=date(1985, 8, 28)),
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2026, 12, 31),
        "birthday_greeting",
        [("2026", date(2026, 8, 28))],
        id="birthday_greeting-plain-birthday",
    ),
    pytest.param(
        person(car(D1)),
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2026, 12, 31),
        "birthday_greeting",
        [],
        id="birthday_greeting-none-without-birthday",
    ),
    # -- care call: 60 days after the last contact or visit -------------------------------------
    pytest.param(
        person(car(date(2025, 6, 1)), last_contact=date(2026, 3, 10)),
        date(2026, 3, 10),
        date(2026, 3, 10),
        date(2026, 5, 31),
        "care_call",
        [("after:2026-03-10:1", date(2026, 5, 9))],
        id="care_call-60-days-after-last-contact",
    ),
    pytest.param(
        person(car(date(2025, 6, 1), rep("r1", date(2026, 4, 1), 9000)), last_contact=date(2026, 3, 10)),
        date(2026, 4, 2),
        date(2026, 4, 2),
        date(2026, 6, 30),
        "care_call",
        [("after:2026-04-01:1", date(2026, 5, 31))],
        id="care_call-60-days-after-a-later-visit",
    ),
    pytest.param(
        person(car(D1)),
        D1,
        D1,
        date(2026, 5, 31),
        "care_call",
        [],
        id="care_call-not-before-the-first-invitation-closed",
    ),
    pytest.param(
        person(car(date(2025, 6, 1)), last_contact=date(2026, 3, 10)),
        date(2026, 3, 10),
        date(2026, 3, 10),
        date(2026, 7, 31),
        "care_call",
        [("after:2026-03-10:1", date(2026, 5, 9)), ("after:2026-03-10:2", date(2026, 7, 8))],
        id="care_call-every-60-days-while-no-contact",
    ),
    # -- holiday greetings: the day before the statutory holiday starts (sms) ---------------------
    pytest.param(
        person(car(date(2025, 6, 1))),
        date(2026, 9, 1),
        date(2026, 9, 1),
        date(2026, 10, 31),
        "holiday_greeting",
        [("中秋节:2026", date(2026, 9, 24)), ("国庆节:2026", date(2026, 9, 30))],
        id="holiday_greeting-mid-autumn-and-national-day-2026",
    ),
    pytest.param(
        # 春节 2026 is 02-17, its statutory holiday starts 02-15
        person(car(date(2025, 6, 1))),
        date(2026, 2, 1),
        date(2026, 2, 1),
        date(2026, 2, 28),
        "holiday_greeting",
        [("春节:2026", date(2026, 2, 14))],
        id="holiday_greeting-spring-festival-2026-day-before-holiday-starts",
    ),
    pytest.param(
        person(car(date(2026, 12, 1))),
        date(2026, 9, 1),
        date(2026, 9, 1),
        date(2026, 10, 31),
        "holiday_greeting",
        [],
        id="holiday_greeting-none-before-the-first-car-is-delivered",
    ),
]


@pytest.mark.parametrize(("customer", "today", "start", "end", "code", "expected"), RULE_CASES)
def test_due_date_rule(
    customer: CustomerFacts, today: date, start: date, end: date, code: str, expected: list[tuple[str, date]]
) -> None:
    # (an invitation's second step has its own table: test_invitation_steps_and_win_back)
    found = [t for t in of_code(tasks_of(customer, today, start, end), code) if not t.event_key.endswith(":step:2")]
    assert [(t.event_key, t.rule_date) for t in found] == expected
    for task in found:
        channel = RULES.touchpoints[code].channel
        assert task.channel == channel
        shifted = official_next_working_day(task.rule_date) if channel == "phone" else task.rule_date
        assert task.due_date == shifted
        assert task.vin == (
            "" if code in ("birthday_greeting", "care_call", "holiday_greeting") else customer.vehicles[0].vin
        )


# ---------------------------------------------------------------------------------------------
# Invitations, visits and churn
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visit", "today", "keys"),
    [
        pytest.param(
            rep("r2", date(2025, 11, 8), 4000),
            date(2025, 11, 20),
            [("after:2025-05-12", date(2025, 11, 5), date(2025, 11, 8)),
             ("after:2025-05-12:moved:2025-11-08", date(2025, 12, 8), None)],
            id="repair-inside-invitation-window-moves-it-30-days",
        ),
        pytest.param(
            rep("r2", date(2025, 11, 5), 4000),
            date(2025, 11, 20),
            [("after:2025-05-12", date(2025, 11, 5), date(2025, 11, 5)),
             ("after:2025-05-12:moved:2025-11-05", date(2025, 12, 5), None)],
            id="repair-on-the-invitation-day-moves-it",
        ),
        pytest.param(
            rep("r2", date(2025, 11, 8), 4000),
            date(2025, 11, 7),
            [("after:2025-05-12", date(2025, 11, 5), None)],
            id="repair-after-today-is-not-seen-yet",
        ),
        pytest.param(
            rep("r2", date(2025, 7, 1), 3000),
            date(2025, 11, 20),
            [("after:2025-05-12", date(2025, 11, 5), None)],
            id="repair-before-the-invitation-does-not-move-it",
        ),
        pytest.param(
            mnt("m2", date(2025, 11, 8), 4000),
            date(2025, 11, 20),
            [],
            id="a-maintenance-visit-starts-the-next-chain",
        ),
    ],
)
def test_a_repair_while_the_invitation_is_open_moves_it(
    visit: VisitFact, today: date, keys: list[tuple[str, date, date | None]]
) -> None:
    # Invitation 2025-11-05 (last maintenance 05-12 + 6 months - 7).
    customer = person(car(D2, mnt("m1", date(2025, 5, 12), 1000), visit))
    invites = [t for t in of_code(tasks_of(customer, today, date(2025, 11, 1), date(2025, 12, 31)), "service_invite")
               if not t.event_key.endswith(":step:2")]
    assert [(t.event_key, t.rule_date, t.closed_by_visit) for t in invites] == keys
    assert all(t.closed_reason == "postponed" for t in invites if t.closed_by_visit is not None)


def test_a_repair_after_the_due_date_moves_the_winback() -> None:
    # First service due 2025-05-10: the win-back falls 90 days after the later of it and the last visit.
    customer = person(car(D2, rep("r1", date(2025, 9, 1), 8000)))
    churn = only(tasks_of(customer, date(2025, 9, 10), date(2025, 9, 1), date(2025, 12, 31)), "churn_winback")
    assert (churn.event_key, churn.rule_date, churn.closed_by_visit) == ("first", date(2025, 11, 30), None)


def test_open_invitation_has_no_closing_visit() -> None:
    invite = only(
        tasks_of(person(car(D1)), date(2026, 6, 5), date(2026, 6, 1), date(2026, 6, 30)),
        "first_service_invite",
    )
    assert invite.closed_by_visit is None


# first service due 2025-05-10: the invitation's list date 05-03 is in the Labour Day holiday
# (05-01..05-05), so it is listed 05-06 .. 05-20 (14 days); the second step (二次邀约) 06-09 .. 06-23;
# churn_winback 08-08 .. 09-07 (30 days). Each lapses the day after its last list day.
@pytest.mark.parametrize(
    ("day", "keys"),
    [
        pytest.param(date(2025, 5, 5), [], id="invitation-not-before-its-shifted-list-day"),
        pytest.param(date(2025, 5, 6), [("first_service_invite", "first")], id="invitation-listed"),
        pytest.param(date(2025, 5, 20), [("first_service_invite", "first")], id="invitation-last-list-day"),
        pytest.param(date(2025, 5, 21), [], id="invitation-lapsed-the-day-after"),
        pytest.param(date(2025, 6, 8), [], id="second-step-not-before-due-plus-30"),
        pytest.param(date(2025, 6, 9), [("first_service_invite", "first:step:2")], id="second-step-listed"),
        pytest.param(date(2025, 6, 23), [("first_service_invite", "first:step:2")], id="second-step-last-list-day"),
        pytest.param(date(2025, 6, 24), [], id="second-step-lapsed-the-day-after"),
        pytest.param(date(2025, 8, 8), [("churn_winback", "first")], id="win-back-on-due-plus-90"),
        pytest.param(date(2025, 9, 7), [("churn_winback", "first")], id="win-back-last-list-day-30-days"),
        pytest.param(date(2025, 9, 8), [], id="win-back-lapsed-the-day-after"),
    ],
)
def test_invitation_steps_and_win_back(day: date, keys: list[tuple[str, str]]) -> None:
    tasks = tasks_of(person(car(D2)), day, day, day)
    found = sorted((t.code, t.event_key) for t in tasks if t.code in ("first_service_invite", "churn_winback"))
    assert found == keys
    for task in tasks:
        if task.event_key.endswith(":step:2"):
            assert task.name == "首保邀约（二次邀约）"


@pytest.mark.parametrize(
    ("visit", "closed_by"),
    [
        pytest.param(date(2025, 4, 20), None, id="visit-before-the-first-list-day-closes-nothing"),
        pytest.param(date(2025, 5, 15), date(2025, 5, 15), id="visit-during-step-1-closes-both-steps"),
        pytest.param(date(2025, 6, 1), date(2025, 6, 1), id="visit-between-the-steps-closes-step-2"),
    ],
)
def test_only_a_visit_cancels_the_invitation_steps(visit: date, closed_by: date | None) -> None:
    customer = person(car(D2, rep("r1", visit, 3000)))
    tasks = run(customer, date(2025, 7, 1), date(2025, 5, 1), date(2025, 6, 30)).for_customer(customer, in_window=False)
    second = [t for t in tasks if t.event_key == "first:step:2"]
    assert [t.closed_by_visit for t in second] == [closed_by]


def test_churned_car_that_came_back_leaves_the_first_chain() -> None:
    customer = person(car(D2, mnt("m1", date(2025, 9, 1), 3000)))
    tasks = tasks_of(customer, date(2025, 9, 10), D2, date(2026, 12, 31))
    assert [t for t in tasks if t.event_key == "first"] == []
    assert [t.event_key for t in of_code(tasks, "service_invite")] == ["after:2025-09-01", "after:2025-09-01:step:2"]


# ---------------------------------------------------------------------------------------------
# Holiday shift of phone tasks
# ---------------------------------------------------------------------------------------------


def test_phone_task_in_national_day_2026_moves_to_next_working_day_sms_does_not() -> None:
    assert 2026 in DATA_YEARS
    customer = person(
        car(date(2026, 9, 30)), car(date(2025, 10, 3), vin="LVIN0000000000002"), birthday=date(1980, 10, 2)
    )
    sched = run(customer, date(2026, 9, 30), date(2026, 9, 30), date(2026, 11, 30))
    tasks = sched.for_customer(customer)
    call_24h, call_7d = only(tasks, "delivery_call_24h"), only(tasks, "delivery_call_7d")
    assert official_next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)  # the official data
    assert (call_24h.rule_date, call_24h.due_date, call_24h.original_due_date) == (
        date(2026, 10, 1),
        date(2026, 10, 8),
        date(2026, 10, 1),
    )
    assert (call_7d.rule_date, call_7d.due_date, call_7d.original_due_date) == (
        date(2026, 10, 7),
        date(2026, 10, 8),
        date(2026, 10, 7),
    )
    assert call_24h.window_end == date(2026, 10, 11)  # the window runs from the day it is listed
    anniversary = only(tasks, "purchase_anniversary")
    assert (anniversary.channel, anniversary.due_date, anniversary.original_due_date) == (
        "sms",
        date(2026, 10, 3),
        None,
    )
    birthday = only(tasks, "birthday_greeting")
    assert (birthday.channel, birthday.due_date, birthday.original_due_date) == (
        "sms",
        date(2026, 10, 2),
        None,
    )
    greeting = [t for t in tasks if t.code == "holiday_greeting" and t.event_key == "国庆节:2026"]
    assert [(t.channel, t.due_date, t.original_due_date) for t in greeting] == [
        ("sms", date(2026, 9, 30), None)
    ]
    visit_45d = only(tasks, "visit_45d")  # 11-14: an ordinary Saturday, not moved
    assert (visit_45d.due_date, visit_45d.original_due_date) == (date(2026, 11, 14), None)
    assert 2026 not in sched.calendar.missing_years


@pytest.mark.parametrize(
    ("delivered", "rule_date"),
    [
        pytest.param(
            date(2030, 9, 30), date(2030, 10, 1), id="no-calendar-data-2030-national-day-not-shifted"
        ),
        pytest.param(date(2029, 12, 31), date(2030, 1, 1), id="no-calendar-data-2030-new-year-not-shifted"),
    ],
)
def test_year_without_calendar_data_is_not_shifted(delivered: date, rule_date: date) -> None:
    assert 2030 not in DATA_YEARS
    customer = person(car(delivered))
    sched = run(customer, delivered, delivered, delivered + timedelta(days=3))
    call = only(sched.for_customer(customer), "delivery_call_24h")
    assert (call.rule_date, call.due_date, call.original_due_date) == (rule_date, rule_date, None)
    assert 2030 in sched.calendar.missing_years


# ---------------------------------------------------------------------------------------------
# Do-not-contact, window filtering, natural keys
# ---------------------------------------------------------------------------------------------


def test_do_not_contact_customer_gets_no_tasks() -> None:
    customer = person(
        car(D1, mnt("m1", date(2026, 6, 1), 4000)),
        birthday=date(1990, 5, 1),
        do_not_contact=True,
        last_contact=date(2026, 3, 1),
    )
    assert tasks_of(customer, date(2026, 6, 2), date(2026, 1, 1), date(2030, 12, 31)) == []
    assert tasks_of(
        CustomerFacts(**{**customer.__dict__, "do_not_contact": False}),
        date(2026, 6, 2),
        date(2026, 1, 1),
        date(2030, 12, 31),
    )


@pytest.mark.parametrize(
    ("start", "end", "listed"),
    [
        pytest.param(date(2026, 1, 6), date(2026, 1, 6), True, id="follow-up-on-its-due-day"),
        pytest.param(date(2026, 1, 9), date(2026, 1, 9), True, id="overdue-follow-up-3-days-still-listed"),
        pytest.param(date(2026, 1, 10), date(2026, 1, 10), False, id="follow-up-window-closed-before-start"),
        pytest.param(
            date(2026, 1, 10), date(2026, 2, 28), False, id="closed-window-not-returned-in-a-later-range"
        ),
        pytest.param(date(2026, 1, 5), date(2026, 1, 5), False, id="follow-up-not-yet-due-after-end"),
    ],
)
def test_window_filtering_of_a_follow_up(start: date, end: date, listed: bool) -> None:
    # delivered 2026-01-05: delivery_call_24h on 01-06, window 3 days -> 01-09
    tasks = tasks_of(person(car(date(2026, 1, 5))), start, start, end)
    assert bool(of_code(tasks, "delivery_call_24h")) is listed


@pytest.mark.parametrize(
    ("day", "listed"),
    [
        pytest.param(date(2026, 3, 10), True, id="sms-anniversary-listed-on-its-day"),
        pytest.param(date(2026, 3, 11), False, id="sms-anniversary-lapses-the-day-after"),
    ],
)
def test_sms_greeting_lapses_after_its_day(day: date, listed: bool) -> None:
    tasks = tasks_of(person(car(date(2025, 3, 10))), day, day, day)
    assert bool(of_code(tasks, "purchase_anniversary")) is listed


def test_overdue_post_service_followup_within_window_is_returned() -> None:
    customer = person(car(date(2025, 6, 1), rep("r1", date(2026, 3, 2), 9000)))
    task = only(
        tasks_of(customer, date(2026, 3, 12), date(2026, 3, 12), date(2026, 3, 12)), "post_service_followup"
    )
    assert (task.due_date, task.window_end) == (date(2026, 3, 5), date(2026, 3, 12))


def test_task_natural_keys_are_stable_across_windows() -> None:
    customer = person(
        car(D2, mnt("m1", date(2025, 5, 12), 1000), rep("r1", date(2025, 7, 1), 3000)),
        car(date(2021, 6, 15), vin="LVIN0000000000002"),
        birthday=date(1992, 2, 29),
        last_contact=date(2025, 9, 1),
    )
    today = date(2026, 1, 1)
    first = tasks_of(customer, today, date(2025, 1, 1), date(2026, 6, 30))
    second = tasks_of(customer, today, date(2025, 10, 1), date(2027, 12, 31))
    for tasks in (first, second):
        assert len({t.key for t in tasks}) == len(tasks), "a natural key repeats within one run"
    a = {t.key: (t.rule_date, t.due_date, t.window_end) for t in first}
    b = {t.key: (t.rule_date, t.due_date, t.window_end) for t in second}
    common = a.keys() & b.keys()
    assert common
    assert {k: a[k] for k in common} == {k: b[k] for k in common}
    # every task of the first run still listed in the overlap [2025-10-01, 2026-06-30] is in the second run
    overlap = {t.key for t in first if t.window_end >= date(2025, 10, 1)}
    assert overlap <= b.keys()
    assert {"trade_in_offer", "care_call", "service_invite", "holiday_greeting"} <= {k[2] for k in common}


# ---------------------------------------------------------------------------------------------
# Owner, stage, customer-level tasks, facts after today
# ---------------------------------------------------------------------------------------------


NAMED = VehicleFacts(
    vin="LVIN0000000000009",
    delivery_date=date(2021, 6, 15),
    sales_consultant="王强",
    service_advisor="李娜",
)


@pytest.mark.parametrize(
    ("vehicle", "code", "role", "owner"),
    [
        pytest.param(
            NAMED, "delivery_call_24h", "sales_manager", "销售经理", id="owner-sales-manager-role-label"
        ),
        pytest.param(
            NAMED, "delivery_call_7d", "sales_consultant", "王强", id="owner-named-sales-consultant"
        ),
        pytest.param(
            NAMED, "trade_in_offer", "sales_consultant", "王强", id="owner-trade-in-named-consultant"
        ),
        pytest.param(
            NAMED, "first_service_invite", "service_advisor", "李娜", id="owner-named-service-advisor"
        ),
        pytest.param(
            NAMED, "post_service_followup", "customer_care", "客服专员", id="owner-customer-care-role"
        ),
        pytest.param(
            car(date(2021, 6, 15)),
            "delivery_call_7d",
            "sales_consultant",
            "销售顾问",
            id="owner-no-consultant-in-data-falls-back-to-role",
        ),
        pytest.param(
            car(date(2021, 6, 15)),
            "first_service_invite",
            "service_advisor",
            "服务顾问",
            id="owner-no-advisor-in-data-falls-back-to-role",
        ),
    ],
)
def test_owner_is_the_named_person_else_the_role(
    vehicle: VehicleFacts, code: str, role: str, owner: str
) -> None:
    vehicle = VehicleFacts(**{**vehicle.__dict__, "visits": (rep("r1", date(2021, 7, 1), 600),)})
    tasks = tasks_of(person(vehicle), date(2026, 7, 1), date(2021, 6, 1), date(2026, 12, 31))
    task = of_code(tasks, code)[0]
    assert (task.role, task.owner) == (role, owner)


@pytest.mark.parametrize(
    ("code", "stage"),
    [
        pytest.param("delivery_call_24h", "新车体验期", id="stage-on-delivery-call-new-car"),
        pytest.param("warranty_expiry_check", "保内后期", id="stage-on-warranty-check-35-months"),
        pytest.param("trade_in_offer", "换车升级期", id="stage-on-trade-in-exactly-60-months"),
        pytest.param("holiday_greeting", "", id="stage-empty-on-customer-level-task"),
    ],
)
def test_task_carries_the_stage_on_its_date(code: str, stage: str) -> None:
    tasks = tasks_of(person(car(date(2021, 6, 15))), date(2026, 7, 1), date(2021, 6, 1), date(2026, 6, 30))
    assert of_code(tasks, code)[0].stage == stage


def test_customer_level_tasks_once_per_customer_not_per_vehicle() -> None:
    customer = person(
        car(date(2024, 6, 1)), car(date(2025, 6, 1), vin="LVIN0000000000002"), birthday=date(1985, 9, 10)
    )
    tasks = tasks_of(customer, date(2026, 9, 1), date(2026, 9, 1), date(2026, 10, 31))
    assert [(t.event_key, t.vin) for t in of_code(tasks, "birthday_greeting")] == [("2026", "")]
    assert [t.event_key for t in of_code(tasks, "holiday_greeting")] == ["中秋节:2026", "国庆节:2026"]
    assert len(of_code(tasks, "care_call")) == 1
    assert (
        sorted(t.vin for t in of_code(tasks, "purchase_anniversary")) == []
    )  # June anniversaries, not in window


def test_maintenance_visit_after_today_is_not_seen_yet() -> None:
    customer = person(car(D1, mnt("m1", date(2026, 6, 1), 4000)))
    before = tasks_of(customer, date(2026, 5, 31), date(2026, 5, 31), date(2026, 12, 31))
    after = tasks_of(customer, date(2026, 6, 1), date(2026, 6, 1), date(2026, 12, 31))
    assert [t.event_key for t in of_code(before, "first_service_invite")] == ["first", "first:step:2"]
    assert of_code(after, "first_service_invite") == []
    assert [t.event_key for t in of_code(after, "service_invite")] == ["after:2026-06-01", "after:2026-06-01:step:2"]


# The first rule date of the 24-hour call (3 days on the list) built around the window 2026-06-15..06-28.
EDGE = date(2026, 6, 15) - timedelta(days=3) - HOLIDAY_SHIFT


@pytest.mark.parametrize(
    ("delivered", "built"),
    [
        pytest.param(date(2021, 6, 15), set(), id="five-years-ago-none"),
        # window 2026-06-15..06-28; a fixed date is built from 06-15 - its window - HOLIDAY_SHIFT
        pytest.param(date(2026, 3, 1), set(), id="windows-ended-long-before"),
        pytest.param(date(2026, 4, 10), {"visit_45d"}, id="visit_45d-within-the-holiday-margin"),
        # the 24-hour call (delivery + 1) just before / on the first rule date built
        pytest.param(EDGE - timedelta(days=2), {"delivery_call_7d"}, id="24h-call-one-day-before-the-margin"),
        pytest.param(EDGE - timedelta(days=1), {"delivery_call_24h", "delivery_call_7d"}, id="24h-call-on-the-margin"),
        pytest.param(date(2026, 6, 10), {"delivery_call_24h", "delivery_call_7d"}, id="visit_45d-after-the-end"),
    ],
)
def test_delivery_calls_far_from_the_window_are_not_built_even_for_the_sync(delivered: date, built: set[str]) -> None:
    """Their dates are part of their key (the delivery date), so a stored copy can never be elsewhere."""
    codes = {"delivery_call_24h", "delivery_call_7d", "visit_45d"}
    customer = person(car(delivered))
    scheduler = run(customer, date(2026, 6, 15), date(2026, 6, 15), date(2026, 6, 28))
    everything = scheduler.for_customer(customer, in_window=False)
    assert {t.code for t in everything} & codes == built
    in_window = {t.code for t in scheduler.for_customer(customer)} & codes
    assert in_window <= built
