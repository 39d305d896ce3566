"""two vehicle indexes no query reads go (version 6)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 04:30:00

`ix_vehicle_prev_service_due` and `ix_vehicle_last_maintenance` served no query: the report and the
trend read those columns in their pass over every car (store/car_pass.py, store/trend_pass.py), and
the sync's candidate search (store/candidates.py) never asks for them — the query plans of `due`,
`report --months 12` (whole group and one store) and the churn list were checked at a million cars.
Yet every maintenance moves both entries of its car: at a million cars a day's 2,000 work orders
wrote 5,400 of their 29,000 pages (a freshly built index is packed full, so an entry moved into it
splits its page) and the first import built both (2.1 s).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DROPPED = {"ix_vehicle_prev_service_due": "prev_service_due", "ix_vehicle_last_maintenance": "last_maintenance_date"}


def upgrade() -> None:
    """Drop the two indexes (where a database still has them)."""
    present = {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("vehicle")}
    for name in _DROPPED:
        if name in present:
            op.drop_index(name, table_name="vehicle")


def downgrade() -> None:
    """Build them again."""
    for name, column in _DROPPED.items():
        op.create_index(name, "vehicle", [column], unique=False)
