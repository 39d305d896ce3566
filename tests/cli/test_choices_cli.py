"""Choice options (cli/choices.py): the code or the Chinese name, one message for a value that is
not accepted, values read from the rules in force; `lifecycle --version`."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from cli_helpers import DAY, Files, customer, run, run_ok, sql_rows, task_id_of
from typer.testing import CliRunner

from lifecycle_cli.cli.app import app

ROLES = ("sales_manager 销售经理 / sales_consultant 销售顾问 / service_advisor 服务顾问 / customer_care 客服专员 / "
         "service_manager 服务经理 / insurance_specialist 续保专员 / aftersales_manager 售后经理 / general_manager 总经理")
RESULTS = ("reached 接通 / no_answer 未接通 / switched_off 关机 / suspended 停机 / booked 已预约 / reschedule 改约 / "
           "declined 拒绝 / wrong_number 号码错误 / invalid_number 空号 / not_owner 非本人 / vehicle_sold 车已卖 / "
           "do_not_contact 要求免打扰 / sms_opt_out 短信退订 / sent 已发送")
EVENT_KINDS = "complaint 客户抱怨 / rescue 维修救援 / warranty_claim 保修索赔 / breakdown 保修外故障"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (("due", "--role", "customer_care"), ("due", "--role", "客服专员")),
        (("due", "--role", "sales_manager"), ("due", "--role", " Sales_Manager ")),  # spaces and case
        (("due", "--code", "post_service_followup"), ("due", "--code", "维修保养后三日回访")),
        (("due", "--format", "csv", "--role", "sales_consultant"), ("due", "--format", "CSV", "--role", "销售顾问")),
        (("vehicles", "--stage", "新车体验期", "--format", "json"), ("vehicles", "--stage", "新车体验期 ", "--format", "json")),
    ],
    ids=["role", "role-case", "code", "format", "stage"],
)
def test_a_choice_takes_the_code_or_the_chinese_name(world: Path, code: tuple[str, ...],
                                                     name: tuple[str, ...]) -> None:
    by_code = run_ok(world, *code, "--date", DAY).stdout
    assert run_ok(world, *name, "--date", DAY).stdout == by_code
    assert by_code != run_ok(world, code[0], "--date", DAY).stdout  # the option did something


def test_done_takes_the_chinese_result_and_records_its_code(world: Path) -> None:
    task = task_id_of(world, DAY, "C100", "delivery_call_24h")
    result = run_ok(world, "done", task, "--result", "接通", "--date", DAY)
    assert "接通" in result.stdout
    assert sql_rows(world, "select result from outcome where task_id = ?", (task,)) == [("reached",)]


def test_import_kind_and_visit_kind_take_chinese_names(db: Path, files: Files) -> None:
    path = files.customers([customer("C1", "张伟", 1)], name="名单.csv")
    result = run_ok(db, "import", "--kind", "客户", "--visit-kind", "维修", "--dry-run", path)
    assert "名单.csv" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("due", "--role", "janitor"), f'--role: 不认识 "janitor"，可用：{ROLES}'),
        (("due", "--format", "xml"), '--format: 不认识 "xml"，可用：table / csv / json / xlsx'),
        (("due", "--split-by", "store", "--out", "x"), '--split-by: 不认识 "store"，可用：owner 负责人'),
        (("done", "1", "--result", "maybe"), f'--result: 不认识 "maybe"，可用：{RESULTS}'),
        (("show", "C1", "--format", "csv"), '--format: 不认识 "csv"，可用：table / json'),
        (("db", "status", "--format", "csv"), '--format: 不认识 "csv"，可用：table / json'),
        (("event", "add", "LVRHDA3K0TN999999", "accident"), f'事件类型: 不认识 "accident"，可用：{EVENT_KINDS}'),
        (("event", "list", "--status", "closed"), '--status: 不认识 "closed"，可用：open 处理中 / satisfied 满意 / '
                                                  'unsatisfied 不满意'),
        (("churn", "--category", "流失"), '--category: 不认识 "流失"，可用：首保流失 / 定保流失 / 保修期内流失 / 出保修期流失 / 流失返回'),
        (("campaign", "add", "x", "--kind", "seasonal_campaign", "--age-band", "2-4"),
         '--age-band: 不认识 "2-4"，可用：0-1 1年内 / 1-3 1-3年 / 3-5 3-5年 / 5+ 5年以上'),
        (("campaign", "add", "x", "--kind", "spring_sale"),
         '--kind: 不认识 "spring_sale"，可用：seasonal_campaign 四季活动 / theme_campaign 主题服务活动 / care_salon 爱车养护沙龙'),
        (("campaign", "add", "x", "--kind", "care_salon", "--channel", "wechat"),
         '--channel: 不认识 "wechat"，可用：phone 电话 / sms 短信'),
        (("import", "--kind", "orders", "x.csv"), '--kind: 不认识 "orders"，可用：customers 客户 / vehicles 车辆 / '
                                                 'visits 进厂记录 / events 事件 / staff 人员'),
    ],
    ids=["role", "format", "split-by", "result", "show-format", "db-format", "event-kind", "status", "churn",
         "age-band", "campaign-kind", "channel", "import-kind"],
)
def test_a_value_not_accepted_is_one_message_listing_the_accepted_ones(db: Path, args: tuple[str, ...],
                                                                        message: str) -> None:
    # Refused while the options are read: before the database is opened (here it does not exist).
    result = run(db, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")


def test_choices_of_the_rules_are_those_of_the_rules_in_force(world: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[roles]\nparts_clerk = "配件专员"\n', encoding="utf-8")
    refused = run(world, "due", "--date", DAY, "--role", "配件专员")
    assert refused.exit_code == 2 and refused.stderr.startswith('--role: 不认识 "配件专员"')
    assert run_ok(world, "--rules", rules, "due", "--date", DAY, "--role", "配件专员").stdout.strip()
    assert run_ok(world, "due", "--date", DAY, "--role", "parts_clerk", env={"LIFECYCLE_RULES": str(rules)})


def test_a_bad_rules_file_is_said_before_a_choice_is_read(db: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[roels]\n", encoding="utf-8")
    result = run(db, "--rules", rules, "due", "--role", "服务顾问")
    assert result.exit_code == 2
    assert str(rules) in result.stderr and "roles" in result.stderr and "Traceback" not in result.stderr


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"lifecycle {version('lifecycle-cli')}\n")
    assert result.stdout == "lifecycle 0.1.0\n"
