"""Errors carry their exit code (errors.py): raised anywhere, said and ended in one place, the
root group (cli/common.py LifecycleGroup): the message on stderr, the class's code, nothing on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import DAY, Files, customer, make_vin, run, run_ok, task_id_of, vehicle

from lifecycle_cli import errors
from lifecycle_cli.core.rules import RulesError
from lifecycle_cli.files import OutputRefused
from lifecycle_cli.ingest.pipeline import ImportRefused
from lifecycle_cli.store.db import DatabaseMissing, SchemaError
from lifecycle_cli.store.events import EventRefused, EventResolved
from lifecycle_cli.store.outcomes import OutcomeRefused, TaskClosed


@pytest.mark.parametrize(("error", "code"), [
    (errors.UsageError("--x: 用法错误"), 2),
    (errors.RefusedInput("a.csv: 文件被拒绝"), 2),
    (errors.DatabaseProblem("数据库无法使用"), 2),
    (errors.NotDone("未做任何更改"), 1),
    (errors.RowsRejected("3 行被拒绝"), 1),
    (errors.Interrupted("导入被中断"), 130),
    # Our own classes take their code from where they stand in the hierarchy.
    (OutcomeRefused("任务号 7 不存在"), 2),
    (TaskClosed("任务 7 已关闭"), 1),
    (EventRefused("事件 7 不存在"), 2),
    (EventResolved("事件 7 已处理完毕"), 1),
    (RulesError("r.toml: 规则无效"), 2),
    (ImportRefused("a.csv: 整个文件未导入"), 2),
    (OutputRefused("out 是一个文件"), 2),
    (SchemaError("请先运行 lifecycle db upgrade"), 2),
    (DatabaseMissing("x.db"), 2),
])
def test_each_error_class_ends_the_command_with_its_code_and_message(
        world: Path, monkeypatch: pytest.MonkeyPatch, error: errors.UserError, code: int) -> None:
    def raises(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr("lifecycle_cli.service.outcomes.record", raises)
    result = run(world, "done", "1", "--result", "reached", "--date", DAY)

    assert (result.exit_code, result.stderr, result.stdout) == (code, f"{error}\n", "")


def test_an_empty_message_ends_the_command_silently(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def raises(*_: object, **__: object) -> None:
        raise errors.RowsRejected("")  # the import's report already said which rows

    monkeypatch.setattr("lifecycle_cli.service.outcomes.record", raises)
    result = run(world, "done", "1", "--result", "reached", "--date", DAY)
    assert (result.exit_code, result.stderr) == (1, "")


def test_ctrl_c_in_any_verb_says_so_and_exits_130(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("lifecycle_cli.service.report.report", interrupted)
    result = run(world, "report", "--date", DAY)
    assert (result.exit_code, result.stderr, result.stdout) == (130, "已中断\n", "")


def test_real_refusals_through_the_cli(world: Path, files: Files) -> None:
    """The same mapping on the real paths: a refused input (2), something not done (1), rows rejected (1)."""
    call = task_id_of(world, DAY, "C100", "delivery_call_24h")
    run_ok(world, "done", call, "--result", "reached", "--date", DAY)
    cases = [
        (("done", "999999", "--result", "reached", "--date", DAY), 2, "任务号 999999 不存在\n"),
        (("done", call, "--result", "reached", "--date", DAY), 1, f"任务 {call} 已关闭（接通，{DAY}），未做任何更改\n"),
        (("show", "nobody"), 1, "找不到 \"nobody\"：没有匹配的车架号、车牌号、手机号或客户编号\n"),
        (("campaign", "show", "9"), 2, "活动 9 不存在（lifecycle campaign list 可查看活动号）\n"),
        (("vehicle", "set", "NOSUCHVIN", "--inspection-due", "2027-01-01"), 1, "找不到车架号 \"NOSUCHVIN\"\n"),
    ]
    for args, code, message in cases:
        result = run(world, *args)
        assert (result.exit_code, result.stderr) == (code, message), args

    bad = files.vehicles([vehicle(make_vin(900), "C999", "2026-01-01")], name="orphans.csv")
    good = files.customers([customer("C901", "新客户", 901)], name="more.csv")
    result = run(world, "import", good, bad)
    assert result.exit_code == 1  # RowsRejected: the report said which row; the good one landed
    assert "客户 \"C999\" 不存在" in result.stderr
    assert run_ok(world, "show", "C901").stdout.startswith("客户 C901")
