"""Alembic's environment: always online, on the connection the caller opened (see __init__.py)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from lifecycle_cli.store import event_models, models  # noqa: F401  (register every table)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
