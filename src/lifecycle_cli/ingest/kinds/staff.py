"""Staff files (人员: 姓名, 岗位, 门店, 每日上限, 在职, 请假开始, 请假结束): the store's people, keyed by
(store, name). Re-importing updates them; nobody is deleted; an empty cell keeps the stored value.
Who owns which customer follows after the import (store/staff.py, from service/importing.py)."""

from __future__ import annotations

from typing import Any

from lifecycle_cli.core.rules import Rules
from lifecycle_cli.ingest import values as V
from lifecycle_cli.ingest.context import FileJob
from lifecycle_cli.ingest.kind import Batch, ColumnsOf, Kind
from lifecycle_cli.ingest.kinds import customers
from lifecycle_cli.ingest.parsing import RowError, RowParser, put
from lifecycle_cli.ingest.report import FileReport
from lifecycle_cli.ingest.table import Row
from lifecycle_cli.ingest.values.cells import display, is_blank, nfkc
from lifecycle_cli.store import bulk
from lifecycle_cli.store.staff import upsert_staff

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "员工姓名", "人员姓名", "员工", "人员"),
    "role": ("岗位", "职位", "角色", "岗位名称"),
    "store": customers.ALIASES["store"],
    "daily_capacity": ("每日上限", "每日产能", "日上限", "每天上限", "capacity"),
    "active": ("在职", "是否在职", "在职状态"),
    "away_from": ("请假开始", "休假开始", "请假开始日期"),
    "away_until": ("请假结束", "休假结束", "请假结束日期"),
}
LABELS = {"role": "岗位"}
_ACTIVE_WORDS = {"在职": True, "离职": False, "在岗": True, "已离职": False}


def role_code(text: str, rules: Rules) -> str | None:
    """The role a code or its Chinese name names (None when no role of the rules does)."""
    wanted = nfkc(text).strip()
    for code, label in rules.roles.items():
        if wanted.lower() == code.lower() or wanted == label:
            return code
    return None


def _capacity(value: object) -> int | None:
    """每日上限: a positive whole number; blank → None (the role's default)."""
    if is_blank(value):
        return None
    shown = display(value)
    text = nfkc(shown).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise V.BadValue(f'每日上限应为正整数 "{shown}"')
    return int(text)


def _active(value: object) -> bool | None:
    """在职: 在职 / 离职, or yes / no (是 / 否 …); blank → None."""
    if isinstance(value, str) and nfkc(value).strip() in _ACTIVE_WORDS:
        return _ACTIVE_WORDS[nfkc(value).strip()]
    try:
        return V.parse_bool(value)
    except V.BadValue:
        raise V.BadValue(f'无法识别的在职状态 "{display(value)}"（可用：在职 / 离职 / 是 / 否 / yes / no）') from None


class Staff(Kind):
    """A staff file."""

    name = "staff"
    label = "人员"
    columns = ("name", "role", "store", "daily_capacity", "active", "away_from", "away_until")
    required = ("name", "role")
    aliases = ALIASES
    labels = LABELS
    detect_rank = 5

    @classmethod
    def detects(cls, columns_of: ColumnsOf) -> bool:
        """A name and a role — and no VIN or customer id (a customer's or a car's file)."""
        columns = columns_of("staff")
        return ("name" in columns and "role" in columns and "vin" not in columns_of("vehicles")
                and "customer_id" not in columns_of("customers"))

    def parse(self, p: RowParser, row: Row, report: FileReport) -> dict[str, Any]:
        """One person: name, role (code or Chinese name), store ('' when none) and what the row holds."""
        out: dict[str, Any] = {"name": p.value(row, "name", V.parse_text, required=True)}
        text = str(p.value(row, "role", V.parse_text, required=True))
        role = role_code(text, self.rules)
        if role is None:
            valid = " / ".join(f"{label} {code}" for code, label in self.rules.roles.items())
            raise RowError(p.header_of("role"), f'不认识的岗位 "{text}"（可用：{valid}）')
        out["role"] = role
        out["store"] = (p.value(row, "store", V.parse_text) or "") if p.has("store") else ""
        empty: dict[str, Any] = {}
        if p.has("daily_capacity"):
            put(out, empty, "daily_capacity", p.value(row, "daily_capacity", _capacity))
        if p.has("active"):
            put(out, empty, "active", p.value(row, "active", _active), True)
        else:
            empty["active"] = True
        for column in ("away_from", "away_until"):
            if p.has(column):
                put(out, empty, column, p.date(row, column))
        start, end = out.get("away_from"), out.get("away_until")
        if start is not None and end is not None and end < start:
            raise RowError(p.header_of("away_until"), f"请假结束日期 {end} 早于请假开始日期 {start}")
        if empty:
            out[bulk.INSERT_ONLY] = empty
        return out

    @staticmethod
    def natural_key(values: dict[str, Any]) -> str:
        """The store and the name."""
        return f"{values['store']}|{values['name']}"

    def land(self, conn: Any, batch: Batch, job: FileJob) -> None:
        """Upsert a batch of people."""
        self.ctx.count(job.report, upsert_staff(conn, [values for _, values in batch]))
