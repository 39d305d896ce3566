"""流失原因 (care-desk §6): `--reason` on declined and win-back outcomes (`done`, the sheet's 原因), codes of
the rules' [churn_reasons] or their Chinese names, stored as the code; `churn` shows each car's latest
reason, `report` counts them. The clock is 2026-11-23.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from cli_helpers import (
    DAY,
    WORLD_VINS,
    Files,
    customer,
    live_since,
    make_vin,
    refusal,
    run,
    run_json,
    run_ok,
    sql_rows,
    task_id_of,
    vehicle,
)

ACCEPTED = "moved 搬迁 / sold 卖车 / other_shop 他店 / price 价格 / dissatisfied 不满意 / scrapped 报废 / other 其他"


def reasons(db: Path) -> list[tuple[str, str | None, int]]:
    return sql_rows(db, "select result, reason, withdrawn from outcome order by id")


@pytest.mark.parametrize(("word", "code"), [
    ("moved", "moved"), ("搬迁", "moved"), ("卖车", "sold"), ("other_shop", "other_shop"), ("他店", "other_shop"),
    ("价格", "price"), ("不满意", "dissatisfied"), ("报废", "scrapped"), ("OTHER", "other"), ("其他", "other"),
])
def test_a_declined_call_keeps_the_reason_as_its_code(world: Path, word: str, code: str) -> None:
    task = task_id_of(world, DAY, "C102", "post_service_followup")
    run_ok(world, "done", task, "--result", "拒绝", "--reason", word, "--date", DAY)
    assert reasons(world) == [("declined", code, 0)]


@pytest.mark.parametrize(("result", "word", "message"), [
    ("拒绝", "太贵", f'不认识的原因 "太贵"，可用：{ACCEPTED}'),
    ("接通", "价格", "原因只用于拒绝或流失客户招揽的结果"),
    ("未接通", "搬迁", "原因只用于拒绝或流失客户招揽的结果"),
])
def test_a_reason_that_is_not_one_or_does_not_fit_is_refused(world: Path, result: str, word: str,
                                                             message: str) -> None:
    task = task_id_of(world, DAY, "C102", "post_service_followup")
    assert refusal(world, "done", task, "--result", result, "--reason", word, "--date", DAY) == (
        f"任务 {task}：{message}")
    assert reasons(world) == []


def test_the_sheet_rejects_a_bad_reason_by_line_and_records_the_good_rows(world: Path, tmp_path: Path) -> None:
    text = run_ok(world, "due", "--date", DAY, "--format", "csv").stdout.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    tid, res, why = header.index("任务号"), header.index("结果"), header.index("原因")
    follow = task_id_of(world, DAY, "C102", "post_service_followup")
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    for row in body:
        if row[tid] == str(follow):
            row[res], row[why] = "拒绝", "价钱"
        elif row[tid] == str(call):
            row[res], row[why] = "拒绝", "他店"
    path = tmp_path / "sheet.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    result = run(world, "done", "--from", path, "--date", DAY)
    assert result.exit_code == 1
    line = 2 + [r[tid] for r in body].index(str(follow))
    assert f'{path}:{line}: 原因: 任务 {follow}：不认识的原因 "价钱"，可用：{ACCEPTED}' in result.stderr
    assert reasons(world) == [("declined", "other_shop", 0)]


@pytest.fixture
def winback(db: Path, files: Files) -> tuple[Path, int]:
    """A car delivered 2026-05-24 that never came for its first service (due 08-24): its win-back call is
    on the list from 11-22 (the store live since 11-01), and it is 首保流失 on 11-23."""
    run_ok(db, "import", files.customers([customer("W1", "吴一", 40)]),
           files.vehicles([vehicle(make_vin(800), "W1", "2026-05-24")]))
    live_since(db, "2026-11-01")
    return db, task_id_of(db, DAY, "W1", "churn_winback")


def test_churn_shows_the_latest_reason_and_the_report_counts_them(winback: tuple[Path, int]) -> None:
    db, task = winback
    [row] = run_json(db, "churn")
    assert (row["customer_id"], row["category"], row["reason"], row["reason_name"]) == ("W1", "首保流失", None, None)
    run_ok(db, "done", task, "--result", "未接通", "--reason", "价格", "--date", DAY)  # any result on a win-back
    run_ok(db, "done", task, "--result", "declined", "--reason", "other_shop", "--date", DAY)
    [row] = run_json(db, "churn")
    assert (row["reason"], row["reason_name"]) == ("other_shop", "他店")
    assert "\t他店" in run_ok(db, "churn").stdout.splitlines()[2]
    counts = run_json(db, "report")["churn_reasons"]
    assert counts == {"moved": 0, "sold": 0, "other_shop": 1, "price": 1, "dissatisfied": 0, "scrapped": 0,
                      "other": 0}
    table = run_ok(db, "report").stdout
    assert "流失原因\t次数\n搬迁\t0\n卖车\t0\n他店\t1\n价格\t1\n" in table
    run_ok(db, "done", task, "--undo")  # withdrawn: counted nowhere, the earlier reason is the latest again
    [row] = run_json(db, "churn")
    assert row["reason"] == "price"
    assert run_json(db, "report")["churn_reasons"]["other_shop"] == 0


def test_a_car_without_a_reason_shows_none_in_churn(world: Path) -> None:
    rows = run_json(world, "churn")
    assert {r["vin"] for r in rows} >= {WORLD_VINS["C102"]}
    assert {r["reason"] for r in rows} == {None}
