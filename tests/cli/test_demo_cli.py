"""`lifecycle demo`: the bundled sample store (its people too) in a scratch database, today's list."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lifecycle_cli.cli.app import app


def test_demo_imports_the_sample_with_its_people_and_lists_their_calls() -> None:
    result = CliRunner().invoke(app, ["demo"], env={"LIFECYCLE_NOW": "2026-11-23T01:00:00Z", "LIFECYCLE_DB": None,
                                                    "LIFECYCLE_RULES": None})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "示例门店已导入临时数据库：人员 15，客户 220，车辆 242，进厂记录 2341"
    assert lines[1].startswith("# 回访清单 2026-11-23：")
    owners = {line.split("\t")[3] for line in lines[3:] if line.count("\t") > 3}
    staff = {row.split(",")[0] for row in (Path(__file__).resolve().parents[2] / "sample_data" / "staff.csv")
             .read_text(encoding="utf-8").splitlines()[1:]}
    assert owners and owners <= staff  # every line belongs to a person of the staff file, no role labels
