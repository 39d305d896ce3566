"""baseline: the schema as SQLModel.metadata defined it (version 1)

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 14:38:05.884772
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of version 1 that is not there yet.

    A database made before migrations existed (by `SQLModel.metadata.create_all`, with
    `meta.schema_version` = 1) keeps its tables and rows: only the tables its release did not
    have yet (an older release had no events or campaigns) are created, and Alembic records it
    at this revision (the baseline stamp).
    """
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "campaign" not in existing:
        op.create_table(
            "campaign",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("kind", sa.String(), nullable=False),
            sa.Column("campaign_date", sa.Date(), nullable=False),
            sa.Column("channel", sa.String(), nullable=False),
            sa.Column("owner_role", sa.String(), nullable=False),
            sa.Column("segment", sa.String(), nullable=False),
            sa.Column("vehicles", sa.Integer(), nullable=False),
            sa.Column("customers", sa.Integer(), nullable=False),
            sa.Column("excluded_do_not_contact", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("campaign", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_campaign_campaign_date"), ["campaign_date"], unique=False)

    if "customer" not in existing:
        op.create_table(
            "customer",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("customer_id", sa.String(), nullable=False),
            sa.Column("name", sa.String(), nullable=True),
            sa.Column("phone", sa.String(), nullable=True),
            sa.Column("phone_valid", sa.Boolean(), nullable=False),
            sa.Column("birthday", sa.Date(), nullable=True),
            sa.Column("birthday_mmdd", sa.String(), nullable=True),
            sa.Column("do_not_contact", sa.Boolean(), nullable=False),
            sa.Column("id_number", sa.String(), nullable=True),
            sa.Column("gender", sa.String(), nullable=True),
            sa.Column("referred_by", sa.String(), nullable=True),
            sa.Column("store", sa.String(), nullable=True),
            sa.Column("last_contact", sa.Date(), nullable=True),
            sa.Column("care_anchor", sa.Date(), nullable=True),
            sa.Column("care_phase", sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("customer", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_customer_birthday_mmdd"), ["birthday_mmdd"], unique=False)
            batch_op.create_index(batch_op.f("ix_customer_care_phase"), ["care_phase"], unique=False)
            batch_op.create_index(batch_op.f("ix_customer_customer_id"), ["customer_id"], unique=True)
            batch_op.create_index(batch_op.f("ix_customer_phone"), ["phone"], unique=False)
            batch_op.create_index(batch_op.f("ix_customer_store"), ["store"], unique=False)

    if "meta" not in existing:
        op.create_table(
            "meta",
            sa.Column("key", sa.String(), nullable=False),
            sa.Column("value", sa.String(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )

    if "vehicle" not in existing:
        op.create_table(
            "vehicle",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("vin", sa.String(), nullable=False),
            sa.Column("customer_pk", sa.Integer(), nullable=False),
            sa.Column("plate", sa.String(), nullable=True),
            sa.Column("model", sa.String(), nullable=True),
            sa.Column("delivery_date", sa.Date(), nullable=False),
            sa.Column("delivery_mmdd", sa.String(), nullable=True),
            sa.Column("mileage_km", sa.Integer(), nullable=True),
            sa.Column("mileage_date", sa.Date(), nullable=True),
            sa.Column("sales_consultant", sa.String(), nullable=True),
            sa.Column("service_advisor", sa.String(), nullable=True),
            sa.Column("store", sa.String(), nullable=True),
            sa.Column("commercial_insurance_expiry", sa.Date(), nullable=True),
            sa.Column("compulsory_insurance_expiry", sa.Date(), nullable=True),
            sa.Column("inspection_due", sa.Date(), nullable=True),
            sa.Column("insurance_expiry", sa.Date(), nullable=True),
            sa.Column("last_reading_date", sa.Date(), nullable=True),
            sa.Column("last_reading_km", sa.Integer(), nullable=True),
            sa.Column("daily_km_num", sa.Integer(), nullable=True),
            sa.Column("daily_km_den", sa.Integer(), nullable=True),
            sa.Column("has_maintenance", sa.Boolean(), nullable=False),
            sa.Column("service_due", sa.Date(), nullable=True),
            sa.Column("warranty_end", sa.Date(), nullable=True),
            sa.Column("upgrade_date", sa.Date(), nullable=True),
            sa.Column("upgrade_mmdd", sa.String(), nullable=True),
            sa.Column("last_maintenance_date", sa.Date(), nullable=True),
            sa.Column("prev_service_due", sa.Date(), nullable=True),
            sa.Column("prev_service_first", sa.Boolean(), nullable=False),
            sa.Column("answered_in_window", sa.Boolean(), nullable=False),
            sa.Column("returned_from_churn", sa.Boolean(), nullable=False),
            sa.Column("km_stage_date_1", sa.Date(), nullable=True),
            sa.Column("km_stage_date_2", sa.Date(), nullable=True),
            sa.Column("km_stage_date_3", sa.Date(), nullable=True),
            sa.Column("km_stage_date_4", sa.Date(), nullable=True),
            sa.ForeignKeyConstraint(
                ["customer_pk"],
                ["customer.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("vehicle", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_vehicle_customer_pk"), ["customer_pk"], unique=False)
            batch_op.create_index(batch_op.f("ix_vehicle_delivery_date"), ["delivery_date"], unique=False)
            batch_op.create_index("ix_vehicle_delivery_mmdd", ["delivery_mmdd"], unique=False)
            batch_op.create_index("ix_vehicle_inspection_due", ["inspection_due"], unique=False)
            batch_op.create_index("ix_vehicle_insurance_expiry", ["insurance_expiry"], unique=False)
            batch_op.create_index("ix_vehicle_last_maintenance", ["last_maintenance_date"], unique=False)
            batch_op.create_index(batch_op.f("ix_vehicle_model"), ["model"], unique=False)
            batch_op.create_index(batch_op.f("ix_vehicle_plate"), ["plate"], unique=False)
            batch_op.create_index("ix_vehicle_prev_service_due", ["prev_service_due"], unique=False)
            batch_op.create_index("ix_vehicle_service_due", ["service_due"], unique=False)
            batch_op.create_index(batch_op.f("ix_vehicle_store"), ["store"], unique=False)
            batch_op.create_index("ix_vehicle_upgrade_mmdd", ["upgrade_mmdd"], unique=False)
            batch_op.create_index(batch_op.f("ix_vehicle_vin"), ["vin"], unique=True)
            batch_op.create_index("ix_vehicle_warranty_end", ["warranty_end"], unique=False)

    if "insurancechange" not in existing:
        op.create_table(
            "insurancechange",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=False),
            sa.Column("old_expiry", sa.Date(), nullable=False),
            sa.Column("new_expiry", sa.Date(), nullable=True),
            sa.Column("changed_on", sa.Date(), nullable=False),
            sa.ForeignKeyConstraint(
                ["vehicle_pk"],
                ["vehicle.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("insurancechange", schema=None) as batch_op:
            batch_op.create_index("ix_insurance_change_old", ["old_expiry"], unique=False)
            batch_op.create_index(batch_op.f("ix_insurancechange_changed_on"), ["changed_on"], unique=False)
            batch_op.create_index(batch_op.f("ix_insurancechange_vehicle_pk"), ["vehicle_pk"], unique=False)

    if "odometerreading" not in existing:
        op.create_table(
            "odometerreading",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=False),
            sa.Column("reading_date", sa.Date(), nullable=False),
            sa.Column("km", sa.Integer(), nullable=False),
            sa.Column("source", sa.String(), nullable=False),
            sa.ForeignKeyConstraint(
                ["vehicle_pk"],
                ["vehicle.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("vehicle_pk", "reading_date", "km"),
        )
        with op.batch_alter_table("odometerreading", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_odometerreading_vehicle_pk"), ["vehicle_pk"], unique=False)

    if "task" not in existing:
        op.create_table(
            "task",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("customer_pk", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=True),
            sa.Column("vin", sa.String(), nullable=False),
            sa.Column("code", sa.String(), nullable=False),
            sa.Column("event_key", sa.String(), nullable=False),
            sa.Column("rule_date", sa.Date(), nullable=False),
            sa.Column("due_date", sa.Date(), nullable=False),
            sa.Column("window_end", sa.Date(), nullable=False),
            sa.Column("stage", sa.String(), nullable=False),
            sa.Column("owner", sa.String(), nullable=False),
            sa.Column("role", sa.String(), nullable=False),
            sa.Column("channel", sa.String(), nullable=False),
            sa.Column("store", sa.String(), nullable=True),
            sa.Column("status", sa.String(), nullable=False),
            sa.Column("closed_reason", sa.String(), nullable=True),
            sa.Column("closed_on", sa.Date(), nullable=True),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("last_attempt", sa.Date(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["customer_pk"],
                ["customer.id"],
            ),
            sa.ForeignKeyConstraint(
                ["vehicle_pk"],
                ["vehicle.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("customer_pk", "vin", "code", "event_key"),
        )
        with op.batch_alter_table("task", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_task_code"), ["code"], unique=False)
            batch_op.create_index("ix_task_code_open_window", ["code", "status", "window_end"], unique=False)
            batch_op.create_index(batch_op.f("ix_task_customer_pk"), ["customer_pk"], unique=False)
            batch_op.create_index("ix_task_open_due", ["status", "due_date"], unique=False)

    if "visit" not in existing:
        op.create_table(
            "visit",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=False),
            sa.Column("visit_date", sa.Date(), nullable=False),
            sa.Column("mileage_km", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(), nullable=False),
            sa.Column("amount", sa.Float(), nullable=True),
            sa.Column("advisor", sa.String(), nullable=True),
            sa.Column("ro_number", sa.String(), nullable=True),
            sa.ForeignKeyConstraint(
                ["vehicle_pk"],
                ["vehicle.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("visit", schema=None) as batch_op:
            batch_op.create_index(
                "ix_visit_natural", ["vehicle_pk", "visit_date", "mileage_km"], unique=False
            )
            batch_op.create_index(batch_op.f("ix_visit_ro_number"), ["ro_number"], unique=True)
            batch_op.create_index(batch_op.f("ix_visit_visit_date"), ["visit_date"], unique=False)

    if "campaign_target" not in existing:
        op.create_table(
            "campaign_target",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("campaign_id", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=False),
            sa.Column("customer_pk", sa.Integer(), nullable=False),
            sa.Column("stage", sa.String(), nullable=False),
            sa.Column("task_id", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(
                ["campaign_id"],
                ["campaign.id"],
            ),
            sa.ForeignKeyConstraint(
                ["customer_pk"],
                ["customer.id"],
            ),
            sa.ForeignKeyConstraint(
                ["task_id"],
                ["task.id"],
            ),
            sa.ForeignKeyConstraint(
                ["vehicle_pk"],
                ["vehicle.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("campaign_id", "vehicle_pk"),
        )
        with op.batch_alter_table("campaign_target", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_campaign_target_campaign_id"), ["campaign_id"], unique=False)

    if "event" not in existing:
        op.create_table(
            "event",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("vehicle_pk", sa.Integer(), nullable=False),
            sa.Column("customer_pk", sa.Integer(), nullable=False),
            sa.Column("vin", sa.String(), nullable=False),
            sa.Column("kind", sa.String(), nullable=False),
            sa.Column("event_date", sa.Date(), nullable=False),
            sa.Column("note", sa.String(), nullable=False),
            sa.Column("status", sa.String(), nullable=False),
            sa.Column("resolved_on", sa.Date(), nullable=True),
            sa.Column("store", sa.String(), nullable=True),
            sa.Column("source", sa.String(), nullable=False),
            sa.Column("followup_task_id", sa.Integer(), nullable=True),
            sa.Column("resolved_task_id", sa.Integer(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["customer_pk"],
                ["customer.id"],
            ),
            sa.ForeignKeyConstraint(
                ["followup_task_id"],
                ["task.id"],
            ),
            sa.ForeignKeyConstraint(
                ["resolved_task_id"],
                ["task.id"],
            ),
            sa.ForeignKeyConstraint(
                ["vehicle_pk"],
                ["vehicle.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("vehicle_pk", "kind", "event_date", "note"),
        )
        with op.batch_alter_table("event", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_event_customer_pk"), ["customer_pk"], unique=False)
            batch_op.create_index("ix_event_kind_date", ["kind", "event_date"], unique=False)
            batch_op.create_index(batch_op.f("ix_event_resolved_on"), ["resolved_on"], unique=False)
            batch_op.create_index(batch_op.f("ix_event_vehicle_pk"), ["vehicle_pk"], unique=False)

    if "outcome" not in existing:
        op.create_table(
            "outcome",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("task_id", sa.Integer(), nullable=False),
            sa.Column("result", sa.String(), nullable=False),
            sa.Column("attempt_date", sa.Date(), nullable=False),
            sa.Column("note", sa.String(), nullable=True),
            sa.Column("booked_for", sa.Date(), nullable=True),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["task_id"],
                ["task.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("outcome", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_outcome_attempt_date"), ["attempt_date"], unique=False)
            batch_op.create_index(batch_op.f("ix_outcome_task_id"), ["task_id"], unique=False)
    meta = sa.table("meta", sa.column("key", sa.String()), sa.column("value", sa.String()))
    bind = op.get_bind()
    if bind.execute(sa.select(meta.c.key).where(meta.c.key == "schema_version")).first() is None:
        op.bulk_insert(meta, [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_task_id"))
        batch_op.drop_index(batch_op.f("ix_outcome_attempt_date"))

    op.drop_table("outcome")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_vehicle_pk"))
        batch_op.drop_index(batch_op.f("ix_event_resolved_on"))
        batch_op.drop_index("ix_event_kind_date")
        batch_op.drop_index(batch_op.f("ix_event_customer_pk"))

    op.drop_table("event")
    with op.batch_alter_table("campaign_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_target_campaign_id"))

    op.drop_table("campaign_target")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_visit_date"))
        batch_op.drop_index(batch_op.f("ix_visit_ro_number"))
        batch_op.drop_index("ix_visit_natural")

    op.drop_table("visit")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_open_due")
        batch_op.drop_index(batch_op.f("ix_task_customer_pk"))
        batch_op.drop_index("ix_task_code_open_window")
        batch_op.drop_index(batch_op.f("ix_task_code"))

    op.drop_table("task")
    with op.batch_alter_table("odometerreading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_odometerreading_vehicle_pk"))

    op.drop_table("odometerreading")
    with op.batch_alter_table("insurancechange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurancechange_vehicle_pk"))
        batch_op.drop_index(batch_op.f("ix_insurancechange_changed_on"))
        batch_op.drop_index("ix_insurance_change_old")

    op.drop_table("insurancechange")
    with op.batch_alter_table("vehicle", schema=None) as batch_op:
        batch_op.drop_index("ix_vehicle_warranty_end")
        batch_op.drop_index(batch_op.f("ix_vehicle_vin"))
        batch_op.drop_index("ix_vehicle_upgrade_mmdd")
        batch_op.drop_index(batch_op.f("ix_vehicle_store"))
        batch_op.drop_index("ix_vehicle_service_due")
        batch_op.drop_index("ix_vehicle_prev_service_due")
        batch_op.drop_index(batch_op.f("ix_vehicle_plate"))
        batch_op.drop_index(batch_op.f("ix_vehicle_model"))
        batch_op.drop_index("ix_vehicle_last_maintenance")
        batch_op.drop_index("ix_vehicle_insurance_expiry")
        batch_op.drop_index("ix_vehicle_inspection_due")
        batch_op.drop_index("ix_vehicle_delivery_mmdd")
        batch_op.drop_index(batch_op.f("ix_vehicle_delivery_date"))
        batch_op.drop_index(batch_op.f("ix_vehicle_customer_pk"))

    op.drop_table("vehicle")
    op.drop_table("meta")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_store"))
        batch_op.drop_index(batch_op.f("ix_customer_phone"))
        batch_op.drop_index(batch_op.f("ix_customer_customer_id"))
        batch_op.drop_index(batch_op.f("ix_customer_care_phase"))
        batch_op.drop_index(batch_op.f("ix_customer_birthday_mmdd"))

    op.drop_table("customer")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_campaign_date"))

    op.drop_table("campaign")
