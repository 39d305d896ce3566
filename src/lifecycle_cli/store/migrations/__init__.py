"""Schema migrations (Alembic), configured in code: no alembic.ini is needed at run time.

A revision id is the schema version on four digits: "0001" is version 1, the baseline (the
schema exactly as `SQLModel.metadata` defined it when migrations came). A new schema version is
a new file in versions/ (`down_revision` the previous one) and `SCHEMA_VERSION + 1` in
store/models.py. Nothing here imports Alembic at module level: only `lifecycle db upgrade` and a
database's first use pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent


def revision_for(version: int) -> str:
    """The Alembic revision id of a schema version (1 -> "0001")."""
    return f"{version:04d}"


def version_of(revision: str) -> int | None:
    """The schema version of a revision id ("0001" -> 1); None for an id this scheme never made."""
    return int(revision) if revision.isdigit() else None


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that runs this package's scripts on an open connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the scripts (the tests check it is SCHEMA_VERSION's)."""
    from alembic.script import ScriptDirectory

    config = alembic_config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
