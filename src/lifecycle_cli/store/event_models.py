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
