"""The command line's own usage errors are said in Chinese (exit 2, one line on stderr, nothing on
stdout), like every other message: an unknown option or command, a value of the wrong type or out of
range, a missing value or argument, an extra argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.cli_helpers import refusal, run

CASES = [
    (("due", "--bogus"), "没有选项 --bogus（相近的：--out）（用法见 lifecycle due --help）"),
    (("--bogus", "due"), "没有选项 --bogus（用法见 lifecycle --help）"),
    (("nosuch",), "没有命令 nosuch（用法见 lifecycle --help）"),
    (("campaign", "nosuch"), "没有命令 nosuch（用法见 lifecycle campaign --help）"),
    (("due", "--days", "abc"), "--days 的值不对：应为 1–366 之间的整数（用法见 lifecycle due --help）"),
    (("due", "--days", "0"), "--days 的值不对：应为 1–366 之间的整数（用法见 lifecycle due --help）"),
    (("due", "--days", "367"), "--days 的值不对：应为 1–366 之间的整数（用法见 lifecycle due --help）"),
    (("done", "abc"), "任务号 的值不对：应为整数（用法见 lifecycle done --help）"),
    (("due", "--days"), "选项 --days 后面要跟一个值（用法见 lifecycle --help）"),
    (("import",), "缺少 文件（用法见 lifecycle import --help）"),
    (("event", "list", "--open", "x"), "多余的参数：x（用法见 lifecycle event list --help）"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_usage_error_in_chinese(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    assert refusal(tmp_path / "x.db", *args) == message


def test_a_group_without_its_verb_still_shows_its_help(tmp_path: Path) -> None:
    result = run(tmp_path / "x.db", "db")  # a group without its verb: the group's help, as before
    assert "数据库" in result.output and result.exit_code == 2
