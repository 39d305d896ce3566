"""What `lifecycle db status` shows: engine, schema, row counts, the latest data and go-live per store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from lifecycle_cli.store.db import HEAD_REVISION, DatabaseMissing, check_not_newer, location, schema_state
from lifecycle_cli.store.exportlog import export_summary
from lifecycle_cli.store.golive import go_live_dates
from lifecycle_cli.store.models import SCHEMA_VERSION
from lifecycle_cli.store.tables import META, VEHICLES, VISITS


def database_status(conn: Connection) -> dict[str, Any]:
    """Schema state, row counts per table (tables that exist), latest delivery / visit per store.

    Like every command: a database without tables is DatabaseMissing (nothing is created) and a
    schema newer than this program is a SchemaError ("upgrade lifecycle"); an older one is shown.
    """
    state = schema_state(conn)
    if not state.has_tables:
        raise DatabaseMissing(location(conn.engine.url.render_as_string(hide_password=False)))
    check_not_newer(state)
    tables = set(inspect(conn).get_table_names())
    counts = {name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
              for name, table in sorted(SQLModel.metadata.tables.items()) if name in tables}
    stores: list[dict[str, Any]] = []
    if {"vehicle", "visit"} <= tables:
        deliveries: dict[str | None, Any] = dict(conn.execute(
            select(VEHICLES.c.store, func.max(VEHICLES.c.delivery_date)).group_by(VEHICLES.c.store)).all())
        visits: dict[str | None, Any] = dict(conn.execute(
            select(VEHICLES.c.store, func.max(VISITS.c.visit_date))
            .select_from(VISITS.join(VEHICLES, VEHICLES.c.id == VISITS.c.vehicle_pk))
            .group_by(VEHICLES.c.store)).all())
        vehicles: dict[str | None, Any] = dict(conn.execute(
            select(VEHICLES.c.store, func.count()).group_by(VEHICLES.c.store)).all())
        for store in sorted(set(deliveries) | set(visits), key=lambda s: (s is None, s or "")):
            stores.append({"store": store, "vehicles": int(vehicles.get(store, 0)),
                           "last_delivery": deliveries.get(store), "last_visit": visits.get(store)})
    digest = None
    go_live: dict[str, Any] = {}
    if "meta" in tables:  # the rules the stored state was built with (store/rules_state.py)
        digest = conn.execute(select(META.c.value).where(META.c.key == "rules_digest")).scalar()
        go_live = dict(sorted(go_live_dates(conn).items()))  # each store's first task sync (store/golive.py)
    exports = export_summary(conn) if "export_log" in tables else {"count": 0, "last": None}
    version = conn.dialect.server_version_info
    return {
        "engine": conn.dialect.name,
        "server_version": ".".join(str(p) for p in version) if version else None,
        "schema_version": state.version,
        "alembic_revision": state.revision,
        "code_schema_version": SCHEMA_VERSION,
        "head_revision": HEAD_REVISION,
        "up_to_date": state.revision == HEAD_REVISION,
        "tables": counts,
        "stores": stores,
        "rules_digest": digest,
        "go_live": go_live,
        "exports": exports,  # unmasked exports (个人信息保护法): how many, the last one
    }
