"""The tables of the random key moments: events (complaints, rescues, ...) and campaigns.

Imported by store/db.py before the schema is created, so the tables exist in every database
(older databases get them on first use: they are new tables, no column changes).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lifecycle_cli.store.stamps import stamp


class Event(SQLModel, table=True):
    """A random key moment of one car: complaint, rescue, warranty claim or breakdown."""

    __table_args__ = (
        UniqueConstraint("vehicle_pk", "kind", "event_date", "note"),
        Index("ix_event_kind_date", "kind", "event_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vehicle_pk: int = Field(foreign_key="vehicle.id", index=True)
    customer_pk: int = Field(foreign_key="customer.id", index=True)
    vin: str
    kind: str
    event_date: date
    note: str = ""
    # open / satisfied / unsatisfied (resolved satisfied or not)
    status: str = "open"
    resolved_on: date | None = Field(default=None, index=True)
    store: str | None = None
    source: str = "cli"
    followup_task_id: int | None = Field(default=None, foreign_key="task.id")
    resolved_task_id: int | None = Field(default=None, foreign_key="task.id")
    # The complaint clock (care-desk §6): 店内 store / 厂家 oem (the maker's 400 line), who handles it,
    # when it must be answered and resolved, when the customer was reached; the call whose low score
    # opened it.
    level: str | None = None
    handler: str | None = None
    response_due: date | None = None
    resolution_due: date | None = Field(default=None, index=True)
    responded_on: date | None = None
    outcome_id: int | None = None  # an outcome.id (no foreign key: SQLite cannot add one to a table)
    created_at: datetime = Field(sa_column_kwargs={"default": stamp})


class Campaign(SQLModel, table=True):
    """A campaign (四季活动, 主题服务活动, 爱车养护沙龙, ...): a segment contacted on a date."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str
    campaign_date: date = Field(index=True)
    channel: str
    owner_role: str
    # The segment's filters as JSON (see core/segments.Segment).
    segment: str = "{}"
    vehicles: int = 0
    customers: int = 0
    excluded_do_not_contact: int = 0
    created_at: datetime = Field(sa_column_kwargs={"default": stamp})


class CampaignTarget(SQLModel, table=True):
    """One car a campaign targeted, its stage on the campaign date and its owner's task."""

    __tablename__ = "campaign_target"
    __table_args__ = (UniqueConstraint("campaign_id", "vehicle_pk"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    vehicle_pk: int = Field(foreign_key="vehicle.id")
    customer_pk: int = Field(foreign_key="customer.id")
    stage: str = ""
    task_id: int | None = Field(default=None, foreign_key="task.id")


class Appointment(SQLModel, table=True):
    """An appointment (预约): a customer's car expected at the store on a day, made by a `booked` call."""

    __table_args__ = (Index("ix_appointment_date_status", "appointment_date", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_pk: int = Field(foreign_key="customer.id", index=True)
    vehicle_pk: int | None = Field(default=None, foreign_key="vehicle.id")
    vin: str = ""
    appointment_date: date
    purpose: str = ""  # the task code it was booked from (its name shown), or a text
    booked_by: str | None = None
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    outcome_id: int | None = Field(default=None, foreign_key="outcome.id")
    store: str | None = None
    # booked / visited / no_show / cancelled
    status: str = "booked"
    created_at: datetime = Field(sa_column_kwargs={"default": stamp})


class Answer(SQLModel, table=True):
    """One answer of a satisfaction questionnaire (满意度问卷) given on a call: question and score 1-5."""

    __table_args__ = (UniqueConstraint("outcome_id", "question"),)

    id: int | None = Field(default=None, primary_key=True)
    outcome_id: int = Field(foreign_key="outcome.id", index=True)
    question: str
    score: int
