"""line digests: a re-import skips the file lines it landed before (version 5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 02:00:00

- customer, vehicle, visit: `line_digest` (64-bit), the digest of the file line the row was last
  landed from (with the file's header mapping, the kind, the rules and the program's parse
  version); a nightly full re-export skips the lines whose digest its row holds before parsing
  them. Existing rows start without one: the first import after the upgrade parses every line as
  before and stores the digests.
- vehicle: `last_visit_date`, the latest visit of any kind (projection state: the churn categories
  compare it with the last maintenance instead of searching the visits car by car); filled from the
  visits on upgrade.
- `ix_customer_line_digest` (line_digest, customer_id), `ix_vehicle_line_digest` (line_digest, vin),
  `ix_visit_line_digest` (line_digest, ro_number): the lookup by digest, which gives the row's
  natural key from the index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Each table's digest index: the digest, then its natural key's column (the lookup reads the index only).
_INDEXED = {"customer": "customer_id", "vehicle": "vin", "visit": "ro_number"}
_TABLES = tuple(_INDEXED)


def upgrade() -> None:
    """Add line_digest and its index to the three imported tables, and the vehicle's last_visit_date
    (filled from the visits)."""
    inspector = sa.inspect(op.get_bind())
    for table in _TABLES:
        if "line_digest" not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column("line_digest", sa.BigInteger(), nullable=True))
        if f"ix_{table}_line_digest" not in {ix["name"] for ix in inspector.get_indexes(table)}:
            op.create_index(f"ix_{table}_line_digest", table, ["line_digest", _INDEXED[table]], unique=False)
    if "last_visit_date" not in {c["name"] for c in inspector.get_columns("vehicle")}:
        op.add_column("vehicle", sa.Column("last_visit_date", sa.Date(), nullable=True))
        op.execute("UPDATE vehicle SET last_visit_date = "
                   "(SELECT max(visit.visit_date) FROM visit WHERE visit.vehicle_pk = vehicle.id)")


def downgrade() -> None:
    """Drop the digests, their indexes and last_visit_date."""
    for table in _TABLES:
        op.drop_index(f"ix_{table}_line_digest", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN line_digest")
    op.execute("ALTER TABLE vehicle DROP COLUMN last_visit_date")
