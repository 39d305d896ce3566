"""store/tables.py: one Core table handle per stored model, and none missing."""

from __future__ import annotations

import pytest
from sqlmodel import SQLModel

from lifecycle_cli.store import tables
from lifecycle_cli.store.event_models import Answer, Appointment, Campaign, CampaignTarget, Event
from lifecycle_cli.store.models import (
    Assignment,
    Customer,
    ExportLog,
    InsuranceChange,
    KeptLine,
    Meta,
    OdometerReading,
    Outcome,
    Staff,
    Task,
    Vehicle,
    Visit,
    Workload,
)

HANDLES = {
    "META": (Meta, "meta"),
    "CUSTOMERS": (Customer, "customer"),
    "VEHICLES": (Vehicle, "vehicle"),
    "VISITS": (Visit, "visit"),
    "READINGS": (OdometerReading, "odometerreading"),
    "TASKS": (Task, "task"),
    "OUTCOMES": (Outcome, "outcome"),
    "INSURANCE_CHANGES": (InsuranceChange, "insurancechange"),
    "EVENTS": (Event, "event"),
    "CAMPAIGNS": (Campaign, "campaign"),
    "TARGETS": (CampaignTarget, "campaign_target"),
    "STAFF": (Staff, "staff"),
    "ASSIGNMENTS": (Assignment, "assignment"),
    "WORKLOADS": (Workload, "workload"),
    "KEPT_LINES": (KeptLine, "kept_line"),
    "APPOINTMENTS": (Appointment, "appointment"),
    "ANSWERS": (Answer, "answer"),
    "EXPORT_LOG": (ExportLog, "export_log"),
}


@pytest.mark.parametrize("handle", sorted(HANDLES))
def test_each_handle_is_its_models_table(handle: str) -> None:
    model, name = HANDLES[handle]
    table = getattr(tables, handle)
    assert table.name == name
    assert table is SQLModel.metadata.tables[name]
    assert tables.table_of(model) is table


def test_every_stored_table_has_a_handle() -> None:
    handled = {getattr(tables, handle).name for handle in HANDLES}
    assert handled == set(SQLModel.metadata.tables)

