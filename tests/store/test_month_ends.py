"""The trend's month ends: which month ends share a car's state (fact_epochs), and the pass's packed keys
read back (trend_pass._unpacked), table-driven with their boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from lifecycle_cli.core.insurance import ExpiryChange
from lifecycle_cli.core.schedule import VehicleFacts, VisitFact
from lifecycle_cli.store.month_ends import fact_epochs
from lifecycle_cli.store.trend_pass import _unpacked

ENDS = (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30))


def car(delivered: date = date(2024, 5, 1), visits: tuple[date, ...] = (), readings: tuple[date, ...] = (),
        row: date | None = None, changes: tuple[date, ...] = ()) -> VehicleFacts:
    return VehicleFacts(
        vin="LVRHDA3K0TN000001", delivery_date=delivered,
        row_reading=(row, 1000) if row else (None, None),
        extra_readings=tuple((d, 1000 + i) for i, d in enumerate(readings)),
        visits=tuple(VisitFact(f"RO{i}", d, 2000 + i, "maintenance") for i, d in enumerate(visits)),
        insurance_changes=tuple(ExpiryChange(date(2026, 6, 1), date(2027, 6, 1), d) for d in changes))


@pytest.mark.parametrize(("facts", "upto", "epochs"), [
    # no fact inside the months: one state for all of them
    (car(visits=(date(2025, 3, 1),)), 4, [(0, 3, ENDS[0])]),
    # only the months before the stored row holds are computed
    (car(), 2, [(0, 1, ENDS[0])]),
    (car(), 0, []),
    # a visit on a month's last day belongs to that month end; the day after, to the next
    (car(visits=(date(2026, 2, 28),)), 4, [(0, 0, ENDS[0]), (1, 3, ENDS[1])]),
    (car(visits=(date(2026, 3, 1),)), 4, [(0, 1, ENDS[0]), (2, 3, ENDS[2])]),
    # readings (extra or the car's row) and expiry changes split the months too
    (car(readings=(date(2026, 4, 30),)), 4, [(0, 2, ENDS[0]), (3, 3, ENDS[3])]),
    (car(row=date(2026, 2, 1)), 4, [(0, 0, ENDS[0]), (1, 3, ENDS[1])]),
    (car(changes=(date(2026, 3, 31),)), 4, [(0, 1, ENDS[0]), (2, 3, ENDS[2])]),
    # several facts in one month make one split; one in each month, one state each
    (car(visits=(date(2026, 2, 3), date(2026, 2, 20))), 4, [(0, 0, ENDS[0]), (1, 3, ENDS[1])]),
    (car(visits=(date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5), date(2026, 4, 5))), 4,
     [(0, 0, ENDS[0]), (1, 1, ENDS[1]), (2, 2, ENDS[2]), (3, 3, ENDS[3])]),
    # a car delivered after a month end is projected from its delivery: a reading on the delivery day
    # counts on the month ends before it, so those share the state of the later month end
    (car(delivered=date(2026, 3, 15), readings=(date(2026, 3, 15),)), 4, [(0, 3, ENDS[0])]),
    (car(delivered=date(2026, 3, 15), readings=(date(2026, 3, 20),)), 4, [(0, 1, ENDS[0]), (2, 3, ENDS[2])]),
])
def test_month_ends_with_the_same_facts_share_one_state(facts: VehicleFacts, upto: int,
                                                       epochs: list[tuple[int, int, date]]) -> None:
    assert fact_epochs(facts, ENDS, upto) == epochs


@pytest.mark.parametrize("months", [1, 11, 35])
def test_the_pass_keys_read_back(months: int) -> None:
    size = months + 3
    places = [-2, -1, 0, months - 1, months, 0, months, -2]
    flags = [True, False, None, None, False, True]
    for status, active in ((0, True), (1, True), (2, False)):
        key = 0
        for place in places:
            key = key * size + place + 2
        key = key * 3 + status
        for flag in flags:
            key = key * 3 + (2 if flag is None else int(flag))
        assert key < 2**63
        assert _unpacked(key, size) == (*places, active, *flags)
