"""care desk: people, assignments, capacity levelling, outcomes in bulk (version 3)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:00:00

- `workload` (one person's levelled day: capacity, listed, deferred, lapsed for capacity);
- `staff` (人员: store, name, role, daily capacity, active, leave) and `assignment` (a customer's
  assigned person of a role, 专属);
- task: `list_from` / `deferred_days` (a line pushed to a later day by capacity, 顺延);
- outcome: `recorded_by`, `list_date` (the call sheet's day: a sheet read twice records nothing
  new), `score`, `reason`, `withdrawn` (`done --undo`);
- customer: `bad_phone` (the number the desk found wrong, until an import brings another);
- vehicle: `status` (active / sold / scrapped / transferred); event: the complaint clock (level, handler,
  response and resolution deadlines, when reached, the low-scored call); `appointment` (预约) and
  `answer` (a questionnaire's answers on a call).
Existing rows keep their values: the new columns are empty / 0 / false.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS: dict[str, list[sa.Column[object]]] = {
    "task": [
        sa.Column("list_from", sa.Date(), nullable=True),
        sa.Column("deferred_days", sa.Integer(), nullable=False, server_default="0"),
    ],
    "outcome": [
        sa.Column("recorded_by", sa.String(), nullable=True),
        sa.Column("list_date", sa.Date(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
    ],
    "customer": [sa.Column("bad_phone", sa.String(), nullable=True)],
    "vehicle": [sa.Column("status", sa.String(), nullable=False, server_default="active")],
    "event": [
        sa.Column("level", sa.String(), nullable=True),
        sa.Column("handler", sa.String(), nullable=True),
        sa.Column("response_due", sa.Date(), nullable=True),
        sa.Column("resolution_due", sa.Date(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
    ],
}


def upgrade() -> None:
    """Create staff and assignment; add the new columns (those a database lacks)."""
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "staff" not in tables:
        op.create_table(
            "staff",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("store", sa.String(), nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("role", sa.String(), nullable=False),
            sa.Column("daily_capacity", sa.Integer(), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("away_from", sa.Date(), nullable=True),
            sa.Column("away_until", sa.Date(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("store", "name"),
        )
    if "assignment" not in tables:
        op.create_table(
            "assignment",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("customer_pk", sa.Integer(), nullable=False),
            sa.Column("role", sa.String(), nullable=False),
            sa.Column("staff_pk", sa.Integer(), nullable=False),
            sa.Column("assigned_on", sa.Date(), nullable=False),
            sa.ForeignKeyConstraint(["customer_pk"], ["customer.id"]),
            sa.ForeignKeyConstraint(["staff_pk"], ["staff.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("customer_pk", "role"),
        )
        op.create_index("ix_assignment_staff_pk", "assignment", ["staff_pk"], unique=False)
    if "workload" not in tables:
        op.create_table(
            "workload",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("store", sa.String(), nullable=False),
            sa.Column("owner", sa.String(), nullable=False),
            sa.Column("capacity", sa.Integer(), nullable=False),
            sa.Column("listed", sa.Integer(), nullable=False),
            sa.Column("deferred", sa.Integer(), nullable=False),
            sa.Column("lapsed_capacity", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("day", "store", "owner"),
        )
        op.create_index("ix_workload_day", "workload", ["day"], unique=False)
    if "appointment" not in tables:
        op.create_table(
            "appointment",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("customer_pk", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=True),
            sa.Column("vin", sa.String(), nullable=False),
            sa.Column("appointment_date", sa.Date(), nullable=False),
            sa.Column("purpose", sa.String(), nullable=False),
            sa.Column("booked_by", sa.String(), nullable=True),
            sa.Column("task_id", sa.Integer(), nullable=True),
            sa.Column("outcome_id", sa.Integer(), nullable=True),
            sa.Column("store", sa.String(), nullable=True),
            sa.Column("status", sa.String(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["customer_pk"], ["customer.id"]),
            sa.ForeignKeyConstraint(["vehicle_pk"], ["vehicle.id"]),
            sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
            sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_appointment_date_status", "appointment", ["appointment_date", "status"], unique=False)
        op.create_index("ix_appointment_customer_pk", "appointment", ["customer_pk"], unique=False)
        op.create_index("ix_appointment_task_id", "appointment", ["task_id"], unique=False)
    if "answer" not in tables:
        op.create_table(
            "answer",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("outcome_id", sa.Integer(), nullable=False),
            sa.Column("question", sa.String(), nullable=False),
            sa.Column("score", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("outcome_id", "question"),
        )
        op.create_index("ix_answer_outcome_id", "answer", ["outcome_id"], unique=False)
    for table, columns in _COLUMNS.items():
        have = {c["name"] for c in inspector.get_columns(table)}
        for column in columns:
            if column.name not in have:
                op.add_column(table, column)
    if "ix_event_resolution_due" not in {ix["name"] for ix in inspector.get_indexes("event")}:
        op.create_index("ix_event_resolution_due", "event", ["resolution_due"], unique=False)


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_event_resolution_due", table_name="event")
    for name in ("answer", "appointment"):
        op.drop_table(name)
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
    op.drop_index("ix_workload_day", table_name="workload")
    op.drop_table("workload")
    op.drop_index("ix_assignment_staff_pk", table_name="assignment")
    op.drop_table("assignment")
    op.drop_table("staff")
