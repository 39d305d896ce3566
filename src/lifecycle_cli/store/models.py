"""The tables: customers, vehicles, visits, odometer readings, tasks and their outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lifecycle_cli.store.stamps import stamp

# Bump when the tables change; a database with an older version is refused until upgraded.
SCHEMA_VERSION = 7


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself (schema_version)."""

    key: str = Field(primary_key=True)
    value: str


class Customer(SQLModel, table=True):
    """A customer (车主) as the DMS knows them."""

    __table_args__ = (Index("ix_customer_line_digest", "line_digest", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(index=True, unique=True)
    name: str | None = None
    phone: str | None = Field(default=None, index=True)
    phone_valid: bool = True
    birthday: date | None = None
    birthday_mmdd: str | None = Field(default=None, index=True)
    do_not_contact: bool = False
    # The value the last import carried (None: no file said): a flag changed by command changes
    # again on import only when the file's value differs from this (care-desk §9).
    do_not_contact_imported: bool | None = None
    # The customer opted out of messages (短信退订): no sms task goes to them.
    sms_opt_out: bool = False
    sms_opt_out_imported: bool | None = None
    # 身份证号 is never stored (个人信息保护法): it only fills an empty birthday or gender at import.
    gender: str | None = None
    referred_by: str | None = None
    store: str | None = Field(default=None, index=True)
    # Last successful contact (an outcome reached/booked), for the bimonthly care call.
    last_contact: date | None = None
    # The day the care-call rhythm counts from (last contact, visit or delivery) and its phase.
    care_anchor: date | None = None
    care_phase: int | None = Field(default=None, index=True)
    # The number the desk found bad (wrong_number / invalid_number / not_owner): while `phone` is
    # still this number the customer's phone tasks are closed; an import bringing another clears it.
    bad_phone: str | None = None
    # The digest of the file line this row was last landed from (ingest/digests.py): a re-import
    # skips a line whose digest the row holds, before parsing it; any other write clears it.
    # Its index also holds the natural key: the lookup by digest reads the index only.
    line_digest: int | None = Field(default=None, sa_type=BigInteger)


class Vehicle(SQLModel, table=True):
    """A vehicle, its owner and its projection state (computed by the rules core at import)."""

    __table_args__ = (
        Index("ix_vehicle_line_digest", "line_digest", "vin"),
        Index("ix_vehicle_service_due", "service_due"),
        Index("ix_vehicle_warranty_end", "warranty_end"),
        Index("ix_vehicle_upgrade_mmdd", "upgrade_mmdd"),
        Index("ix_vehicle_delivery_mmdd", "delivery_mmdd"),
        Index("ix_vehicle_insurance_expiry", "insurance_expiry"),
        Index("ix_vehicle_inspection_due", "inspection_due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vin: str = Field(index=True, unique=True)
    customer_pk: int = Field(foreign_key="customer.id", index=True)
    plate: str | None = Field(default=None, index=True)
    model: str | None = Field(default=None, index=True)
    delivery_date: date = Field(index=True)
    delivery_mmdd: str | None = None
    mileage_km: int | None = None
    mileage_date: date | None = None
    sales_consultant: str | None = None
    service_advisor: str | None = None
    store: str | None = Field(default=None, index=True)
    commercial_insurance_expiry: date | None = None
    compulsory_insurance_expiry: date | None = None
    inspection_due: date | None = None
    # The earlier of the two insurance expiries (renewal calls count back from it).
    insurance_expiry: date | None = None
    # Projection state, recomputed from the readings whenever the vehicle or its visits change.
    last_reading_date: date | None = None
    last_reading_km: int | None = None
    daily_km_num: int | None = None
    daily_km_den: int | None = None
    has_maintenance: bool = False
    service_due: date | None = None
    warranty_end: date | None = None
    upgrade_date: date | None = None
    upgrade_mmdd: str | None = None
    last_maintenance_date: date | None = None
    # The due date the last maintenance visit answered (first service or periodic).
    prev_service_due: date | None = None
    prev_service_first: bool = False
    # The last maintenance came from 30 days before that due date on (it counts for 定保入库率).
    answered_in_window: bool = False
    # The last maintenance came more than churn_after_days after that due date (流失返回).
    returned_from_churn: bool = False
    # The latest visit of any kind (the churn categories: still visiting since the last maintenance).
    last_visit_date: date | None = None
    # The days the projection reaches each stage's mileage bound (5,000 / 40,000 / 60,000 / 100,000 km).
    km_stage_date_1: date | None = None
    km_stage_date_2: date | None = None
    km_stage_date_3: date | None = None
    km_stage_date_4: date | None = None
    # active / sold / scrapped / transferred (care-desk §6): a car that is not active gets no tasks.
    status: str = "active"
    # The digest of the file line this row was last landed from (ingest/digests.py): a re-import
    # skips a line whose digest the row holds, before parsing it; any other write clears it.
    # Its index also holds the natural key: the lookup by digest reads the index only.
    line_digest: int | None = Field(default=None, sa_type=BigInteger)


class Visit(SQLModel, table=True):
    """A service visit (入库/进厂记录): date, odometer, kind, work order."""

    __table_args__ = (Index("ix_visit_natural", "vehicle_pk", "visit_date", "mileage_km"),
                      Index("ix_visit_line_digest", "line_digest", "ro_number"))

    id: int | None = Field(default=None, primary_key=True)
    vehicle_pk: int = Field(foreign_key="vehicle.id")
    visit_date: date = Field(index=True)
    mileage_km: int
    kind: str = "other"
    amount: float | None = None
    advisor: str | None = None
    ro_number: str | None = Field(default=None, index=True, unique=True)
    # The digest of the file line this row was last landed from (ingest/digests.py): a re-import
    # skips a line whose digest the row holds, before parsing it; any other write clears it.
    # Its index also holds the natural key: the lookup by digest reads the index only.
    line_digest: int | None = Field(default=None, sa_type=BigInteger)


class OdometerReading(SQLModel, table=True):
    """An odometer reading from a vehicle file (里程 + 里程日期); every one is kept as history."""

    __table_args__ = (UniqueConstraint("vehicle_pk", "reading_date", "km"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_pk: int = Field(foreign_key="vehicle.id", index=True)
    reading_date: date
    km: int
    source: str = "vehicle"


class Task(SQLModel, table=True):
    """A dated task of the call list; its id never changes once shown."""

    __table_args__ = (
        UniqueConstraint("customer_pk", "vin", "code", "event_key"),
        Index("ix_task_open_due", "status", "due_date"),
        # The call list's open tasks of a day: live windows and the days ahead, never the lapsed pile.
        Index("ix_task_open_window", "status", "window_end", "due_date"),
        # One store's open tasks (`due --store S` on a group's database): the cost follows the store.
        Index("ix_task_store_open_window", "store", "status", "window_end", "due_date"),
        # Open tasks of one code whose window ended (renewal steps to close as next_step / lapsed).
        Index("ix_task_code_open_window", "code", "status", "window_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_pk: int = Field(foreign_key="customer.id", index=True)
    vehicle_pk: int | None = Field(default=None, foreign_key="vehicle.id")
    vin: str = ""
    code: str = Field(index=True)
    event_key: str
    rule_date: date
    due_date: date
    window_end: date
    stage: str = ""
    owner: str = ""
    role: str = ""
    channel: str = "phone"
    store: str | None = None
    status: str = "open"
    closed_reason: str | None = None
    closed_on: date | None = None
    attempts: int = 0
    last_attempt: date | None = None
    # Capacity levelling (care-desk §2): the first day the task may be listed again after its line
    # was deferred (顺延), and how many times it was; due_date never changes.
    list_from: date | None = None
    deferred_days: int = 0
    created_at: datetime = Field(sa_column_kwargs={"default": stamp})


class Outcome(SQLModel, table=True):
    """One attempt on a task: its result, date and note."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    result: str
    attempt_date: date = Field(index=True)
    note: str | None = None
    booked_for: date | None = None
    # Who recorded it (`done --by`, or the call sheet's owner), the call sheet's list date (a sheet
    # read twice records nothing new), the satisfaction score (1-5), the reason (declined, win-back).
    recorded_by: str | None = None
    list_date: date | None = None
    score: int | None = None
    reason: str | None = None
    # Withdrawn with `done --undo`: kept as history, counted nowhere.
    withdrawn: bool = False
    recorded_at: datetime = Field(sa_column_kwargs={"default": stamp})


class InsuranceChange(SQLModel, table=True):
    """A change of a vehicle's earlier insurance expiry, by an import or `vehicle set` (续保 history)."""

    __table_args__ = (Index("ix_insurance_change_old", "old_expiry"),)

    id: int | None = Field(default=None, primary_key=True)
    vehicle_pk: int = Field(foreign_key="vehicle.id", index=True)
    old_expiry: date
    new_expiry: date | None = None
    changed_on: date = Field(index=True)


class Staff(SQLModel, table=True):
    """A person of the store (人员): keyed by (store, name); re-imports update, nobody is deleted."""

    __table_args__ = (UniqueConstraint("store", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    store: str = ""  # '' when the staff file gives no store (a one-store database)
    name: str
    role: str
    daily_capacity: int | None = None  # None: the role's default in the rules
    active: bool = True
    away_from: date | None = None
    away_until: date | None = None


class Assignment(SQLModel, table=True):
    """A customer's assigned person of a role (专属): stable, changed only when that person leaves."""

    __table_args__ = (UniqueConstraint("customer_pk", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_pk: int = Field(foreign_key="customer.id")
    role: str
    staff_pk: int = Field(foreign_key="staff.id", index=True)
    assigned_on: date


class Workload(SQLModel, table=True):
    """One person's levelled day (care-desk §2), written when the day's list is levelled: capacity, lines
    listed, lines deferred to a later day, tasks closed because deferral ran past their window."""

    __table_args__ = (UniqueConstraint("day", "store", "owner"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    store: str = ""
    owner: str
    capacity: int
    listed: int = 0
    deferred: int = 0
    lapsed_capacity: int = 0


class ExportLog(SQLModel, table=True):
    """An export that showed full phone numbers (`--unmask`, 个人信息保护法): when, what, how many rows."""

    __tablename__ = "export_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    command: str
    filters: str = ""  # the options the export was asked with, as the person typed them
    rows: int = 0
    store: str | None = None


class KeptLine(SQLModel, table=True):
    """A file line whose row kept a stored value where the line had an empty cell (ingest/digests.py),
    by its table and digest: a re-import skips the line while its row still holds the digest and counts
    it as kept again without reading it."""

    __tablename__ = "kept_line"

    tbl: str = Field(primary_key=True)
    line_digest: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
