"""The kinds of import file, in the order their files land (customers before the vehicles that
name them, cars before their visits and events). Header detection, `--kind`, the summary and the
order of an import all read KINDS. A new kind is one module in kinds/ and one line here."""

from __future__ import annotations

from lifecycle_cli.ingest.kind import Kind
from lifecycle_cli.ingest.kinds.customers import Customers
from lifecycle_cli.ingest.kinds.events import Events
from lifecycle_cli.ingest.kinds.staff import Staff
from lifecycle_cli.ingest.kinds.vehicles import Vehicles
from lifecycle_cli.ingest.kinds.visits import Visits

__all__ = ["COLUMN_LABELS", "DETECT_ORDER", "KINDS", "KIND_CHOICES", "KIND_LABELS"]

KINDS: dict[str, type[Kind]] = {
    kind.name: kind
    for kind in (
        Customers,
        Vehicles,
        Visits,
        Events,
        Staff,
    )
}

# What `--kind` accepts.
KIND_CHOICES = tuple(KINDS)
# A kind in words (the summary's 类型 column).
KIND_LABELS = {name: kind.label for name, kind in KINDS.items()}
# The order kinds are tried in when a header is recognised.
DETECT_ORDER = tuple(sorted(KINDS.values(), key=lambda kind: kind.detect_rank))
# Column names in words, for messages about a column a file lacks.
COLUMN_LABELS = {column: text for kind in KINDS.values() for column, text in kind.labels.items()}
