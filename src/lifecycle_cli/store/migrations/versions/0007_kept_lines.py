"""the lines whose rows kept a stored value are remembered (version 7)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:45:00

`kept_line` (tbl, line_digest): a file line that left a stored value in place of an empty cell (a car
whose work order gave it its advisor, a vehicles file with no advisor for it) got no digest before, so
every nightly re-export read and landed it again to count it as kept (at a million cars 84,000 vehicle
lines, ~15% of the re-import). Its row now keeps the digest and the line is remembered here: the next
import skips it and counts it as kept. Empty after the upgrade: such lines are read once more.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create kept_line (where a database does not have it yet)."""
    if "kept_line" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "kept_line",
            sa.Column("tbl", sa.String(), nullable=False),
            sa.Column("line_digest", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.PrimaryKeyConstraint("tbl", "line_digest"),
        )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("kept_line")
