"""task: index open tasks by the end of their window (version 2)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:30:00

The call list reads the open tasks whose time on the list meets its days. Through
(status, due_date) that scan also read every open task whose window had long ended (nobody
worked it, and it lapsed), a pile that grows with every day of history; through
(status, window_end, due_date) it reads the live tasks and the days ahead only, so the
list's cost follows the list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ix_task_open_window (unless a database already has it)."""
    if "ix_task_open_window" in {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("task")}:
        return
    op.create_index("ix_task_open_window", "task", ["status", "window_end", "due_date"], unique=False)


def downgrade() -> None:
    """Drop ix_task_open_window."""
    op.drop_index("ix_task_open_window", table_name="task")
