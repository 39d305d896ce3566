"""Appointments (预约, care-desk §6, §9): when an appointment's reminder and no-show call fall, and what
the car's visits make of it. Pure: no I/O, no clock.

A `booked` outcome with a date makes an appointment for day D. The customer gets an sms reminder
(`appointment_reminder`) on D − 1, unless booked on D − 1 or later. A visit of the car on D or D + 1
is the appointment kept (visited); once D has passed without a visit on D it is a no-show, and the
service advisor calls on D + 1 (`no_show_followup`, 预约未到店回访), a call a visit on D + 1 closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

STATUSES = ("booked", "visited", "no_show", "cancelled")
STATUS_LABELS = {"booked": "已预约", "visited": "已到店", "no_show": "未到店", "cancelled": "已取消"}
REMINDER_CODE = "appointment_reminder"
NO_SHOW_CODE = "no_show_followup"
APPOINTMENT_CODES = frozenset({REMINDER_CODE, NO_SHOW_CODE})
# A visit this many days after the appointment's day still counts as the appointment kept.
GRACE_DAYS = 1
# Why the tasks of an appointment close without a call: it moved (改约), the car came, it was withdrawn.
RESCHEDULED, VISITED, CANCELLED = "rescheduled", "visited", "cancelled"


def event_key(appointment_id: int, day: date) -> str:
    """The event key of an appointment's tasks for its day D: a moved appointment gets new tasks."""
    return f"appointment:{appointment_id}:{day.isoformat()}"


def appointment_of_key(key: str) -> int | None:
    """The appointment id in an appointment task's event key (None for any other key)."""
    parts = key.split(":")
    if len(parts) == 3 and parts[0] == "appointment" and parts[1].isdigit():
        return int(parts[1])
    return None


def reminder_date(booked_on: date, day: date) -> date | None:
    """The reminder's day: D − 1, or None when the booking was made on D − 1 or later."""
    before = day - timedelta(days=1)
    return before if booked_on < before else None


def no_show_date(day: date, offset_days: int = 1) -> date:
    """The no-show call's rule date: D + the touchpoint's offset (1 day)."""
    return day + timedelta(days=offset_days)


def kept(day: date, visit_dates: Iterable[date]) -> bool:
    """Whether a visit came on D or D + GRACE_DAYS."""
    last = day + timedelta(days=GRACE_DAYS)
    return any(day <= v <= last for v in visit_dates)


def settled_status(day: date, visit_dates: Iterable[date], today: date) -> str | None:
    """What an appointment not cancelled is by `today`: visited (a visit on D or D + 1), no_show (D has
    passed with no visit on D, none on D + 1 yet), or None while D has not passed (still booked)."""
    if kept(day, visit_dates):
        return "visited"
    if day < today:
        return "no_show"
    return None


def show_counts(appointments: Iterable[tuple[date, Iterable[date]]], on: date) -> tuple[int, int]:
    """预约到店率 (numerator, denominator) over (D, the car's visit dates) of a month's appointments: those
    whose D + 1 is on or before the report date `on` count; kept ones (a visit on D or D + 1) succeed."""
    num = den = 0
    for day, visits in appointments:
        if day + timedelta(days=GRACE_DAYS) > on:
            continue
        den += 1
        num += kept(day, (v for v in visits if v <= on))
    return num, den
