"""The Core `Table` of every stored model, in one place, for Core statements (no ORM objects).

SQLModel builds a `Table` for each `table=True` model but does not declare `__table__` to type
checkers; `table_of` reaches it through SQLAlchemy's mapper instead, typed and checked.
"""

from __future__ import annotations

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel

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


def table_of(model: type[SQLModel]) -> Table:
    """The Core table SQLModel made for `model` (a `table=True` model)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


META = table_of(Meta)
CUSTOMERS = table_of(Customer)
VEHICLES = table_of(Vehicle)
VISITS = table_of(Visit)
READINGS = table_of(OdometerReading)
TASKS = table_of(Task)
OUTCOMES = table_of(Outcome)
INSURANCE_CHANGES = table_of(InsuranceChange)
EVENTS = table_of(Event)
CAMPAIGNS = table_of(Campaign)
TARGETS = table_of(CampaignTarget)
STAFF = table_of(Staff)
ASSIGNMENTS = table_of(Assignment)
WORKLOADS = table_of(Workload)
APPOINTMENTS = table_of(Appointment)
ANSWERS = table_of(Answer)
EXPORT_LOG = table_of(ExportLog)
KEPT_LINES = table_of(KeptLine)
