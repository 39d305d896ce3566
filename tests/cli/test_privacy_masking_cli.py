"""个人信息保护法 (care-desk §7, issue 19): phones in full only on the caller's own list (`due`,
`appointments`); every other export shows 138****1234 unless `--unmask`, and an unmasked export is
written to the export log (`db exports`, summarised by `db status`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import DAY, WORLD_VINS, phone, refusal, run_json, run_ok, sql_rows

C102 = phone(3)  # 13812345603: 王芳, churned (first service never came), an event and a campaign target
MASKED = "138****5603"


@pytest.fixture
def store(world: Path) -> Path:
    """The call-list world with an event and a campaign on 王芳's car."""
    run_ok(world, "event", "add", WORLD_VINS["C102"], "complaint", "--date", DAY, "--note", "异响")
    run_ok(world, "campaign", "add", "冬季免费检测", "--kind", "seasonal_campaign", "--date", "2026-12-01",
           "--stage", "保内后期", "--yes")
    return world


# Every export that is not the caller's own list; the ones that carry a phone show it masked.
EXPORTS = [
    (("show", "C102"), True),
    (("show", "C102", "--format", "json"), True),
    (("show", C102), True),
    (("churn",), True),
    (("churn", "--format", "csv"), True),
    (("churn", "--format", "json"), True),
    (("event", "list"), True),
    (("event", "list", "--format", "csv"), True),
    (("event", "list", "--open", "--format", "json"), True),
    (("campaign", "show", "1"), True),
    (("campaign", "show", "1", "--format", "csv"), True),
    (("campaign", "show", "1", "--format", "json"), True),
    (("campaign", "list", "--format", "json"), False),
    (("vehicles", "--format", "csv"), False),
    (("vehicles", "--format", "json"), False),
    (("report", "--format", "json"), False),
    (("outcomes", "--format", "json"), False),
]


@pytest.mark.parametrize(("args", "carries_phone"), EXPORTS, ids=[" ".join(a) for a, _ in EXPORTS])
def test_exports_mask_phones(store: Path, args: tuple[str, ...], carries_phone: bool) -> None:
    out = run_ok(store, *args).stdout
    assert C102 not in out
    assert (MASKED in out) is carries_phone
    assert sql_rows(store, "select count(*) from export_log")[0][0] == 0


def test_the_callers_own_list_keeps_full_numbers(store: Path) -> None:
    """`due` is the list of the person who dials (§7): its lines, CSV and JSON keep the number."""
    lines = run_json(store, "due", "--date", DAY)
    assert C102 in {line["phone"] for line in lines}
    assert C102 in run_ok(store, "due", "--date", DAY, "--format", "csv").stdout


UNMASKED = [
    (("churn", "--store", "广州天河店", "--unmask", "--format", "csv"), "churn", "--store 广州天河店 --format csv",
     3, "广州天河店"),
    (("show", C102, "--unmask"), "show", "138****5603", 1, None),
    (("event", "list", "--unmask", "--kind", "投诉"), "event list", "--kind 投诉", 1, None),
    (("campaign", "show", "1", "--format", "json", "--unmask"), "campaign show", "1 --format json", 2, None),
]


@pytest.mark.parametrize(("args", "command", "filters", "rows", "shop"), UNMASKED, ids=[u[1] for u in UNMASKED])
def test_unmask_shows_full_numbers_and_writes_the_export_log(store: Path, args: tuple[str, ...], command: str,
                                                           filters: str, rows: int, shop: str | None) -> None:
    out = run_ok(store, *args).stdout
    assert C102 in out and MASKED not in out
    logged = json.loads(run_ok(store, "db", "exports", "--format", "json").stdout)
    assert logged == [{"at": "2026-11-23T01:00:00+00:00", "command": command, "filters": filters, "rows": rows,
                       "store": shop}]
    # The log keeps no full number, even when the number was the key typed.
    assert sql_rows(store, "select count(*) from export_log where filters like ?", (f"%{C102}%",))[0][0] == 0


@pytest.mark.parametrize(("args", "command"), [
    (("vehicles", "--unmask", "--format", "csv"), "vehicles"),
    (("report", "--unmask", "--format", "json"), "report"),
    (("campaign", "list", "--unmask"), "campaign list"),
    (("outcomes", "--unmask", "--format", "json"), "outcomes"),
])
def test_exports_without_a_phone_column_take_unmask_and_log_it(store: Path, args: tuple[str, ...],
                                                                command: str) -> None:
    """Every export the issue names accepts --unmask (one habit for the desk), and the log says so."""
    out = run_ok(store, *args).stdout
    assert C102 not in out
    [logged] = json.loads(run_ok(store, "db", "exports", "--format", "json").stdout)
    assert logged["command"] == command and "--unmask" not in logged["filters"]


def test_db_status_and_db_exports_summarise_the_log(store: Path) -> None:
    status = json.loads(run_ok(store, "db", "status", "--format", "json").stdout)
    assert status["exports"] == {"count": 0, "last": None}
    assert "完整手机号导出：无（导出默认隐藏号码中间四位）" in run_ok(store, "db", "status").stdout
    run_ok(store, "churn", "--unmask")
    run_ok(store, "show", "C102", "--unmask", env={"LIFECYCLE_NOW": "2026-11-23T02:30:00Z"})
    status = json.loads(run_ok(store, "db", "status", "--format", "json").stdout)
    assert status["exports"] == {"count": 2, "last": {"at": "2026-11-23T02:30:00+00:00", "command": "show",
                                                      "filters": "C102", "rows": 1, "store": None}}
    assert ("完整手机号导出：共 2 次，最近一次 2026-11-23 10:30:00 lifecycle show C102（1 行）；明细见 lifecycle db exports"
            in run_ok(store, "db", "status").stdout)
    table = run_ok(store, "db", "exports").stdout.splitlines()
    assert table[1:] == ["导出时间\t命令\t选项\t行数\t门店", "2026-11-23 09:00:00\tchurn\t\t3\t",
                         "2026-11-23 10:30:00\tshow\tC102\t1\t"]
    csv_text = run_ok(store, "db", "exports", "--format", "csv", "--english-headers").stdout
    assert csv_text.lstrip("\ufeff").splitlines()[0] == "at,command,filters,rows,store"


def test_db_exports_refuses_an_unknown_format(store: Path) -> None:
    assert "xlsx" in refusal(store, "db", "exports", "--format", "xlsx")
