"""Phone numbers as exports show them (个人信息保护法, care-desk §7): in full only on the caller's own
list (`due`, `messages`, `appointments`); everywhere else 138****1234 unless `--unmask`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def mask_phone(phone: str | None) -> str | None:
    """138****1234: the first 3 and last 4 characters kept, the ones between starred; a short number
    keeps only its last 2; None and "" stay as they are."""
    if not phone:
        return phone
    n = len(phone)
    if n >= 8:
        return phone[:3] + "*" * (n - 7) + phone[-4:]
    return "*" * max(n - 2, 1) + phone[-2:] if n > 2 else "*" * n


def masked(records: Iterable[dict[str, Any]], key: str = "phone") -> list[dict[str, Any]]:
    """Copies of the records with their `key` masked (nested lists are shared, not copied)."""
    return [{**r, key: mask_phone(r[key])} if key in r else dict(r) for r in records]
