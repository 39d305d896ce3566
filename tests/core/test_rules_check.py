"""The rules file is checked when it loads: every problem named `FILE: key: reason`, all at once (issue 15, item 7).

Before, a misspelt key was ignored, `service_interval_months = 0` silently dropped every invitation,
a negative window crashed later with "generator raised StopIteration" and huge numbers overflowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle_cli.core.rules import RulesError, load_rules


def problems(path: Path) -> list[str]:
    """The lines of the RulesError a rules file raises (the file name shown as FILE)."""
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return str(caught.value).replace(str(path), "FILE").splitlines()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("[touchpoints.care_call]\nofset_days = 45\n",
                     "FILE: touchpoints.care_call.ofset_days: 未知的键，是不是 touchpoints.care_call.offset_days？",
                     id="misspelt-key-names-the-nearest"),
        pytest.param("[schedul]\nmax_attempts = 3\n", "FILE: schedul: 未知的键，是不是 schedule？",
                     id="misspelt-section"),
        pytest.param("[warranty]\nzzz = 3\n", "FILE: warranty.zzz: 未知的键（可用的：months、km）",
                     id="unknown-key-lists-the-valid-ones"),
        pytest.param("[schedule]\nservice_interval_months = 0\n",
                     "FILE: schedule.service_interval_months: 应大于 0，不是 0", id="interval-zero"),
        pytest.param("[schedule]\nmax_attempts = 0\n", "FILE: schedule.max_attempts: 应大于 0，不是 0",
                     id="attempts-below-1"),
        pytest.param("[touchpoints.visit_45d]\nwindow_days = -3\n",
                     "FILE: touchpoints.visit_45d.window_days: 不能为负数，不是 -3", id="negative-window"),
        pytest.param("[touchpoints.care_call]\noffset_days = 0\n",
                     "FILE: touchpoints.care_call.offset_days: 应大于 0，不是 0", id="care-call-every-0-days"),
        pytest.param("[capacity]\ncustomer_care = 0\n", "FILE: capacity.customer_care: 应大于 0，不是 0",
                     id="capacity-zero"),
        pytest.param("[capacity]\ncustomer_care = 20000\n",
                     "FILE: capacity.customer_care: 过大（最大 10000），不是 20000", id="capacity-too-large"),
        pytest.param('[capacity]\ncustomer_care = "80"\n',
                     'FILE: capacity.customer_care: 应为整数，不是文本 "80"', id="capacity-text"),
        pytest.param("[insurance]\nsteps_before_days = [60, 0]\n",
                     "FILE: insurance.steps_before_days[2]: 应大于 0，不是 0", id="list-item-counted-from-1"),
        pytest.param("[schedule]\nmax_attempts = 1000000000000000000000000000000\n",
                     "FILE: schedule.max_attempts: 过大（最大 100），不是 100000000000000000000000…",
                     id="huge-integer"),
        pytest.param("[warranty]\nkm = 1e308\n", "FILE: warranty.km: 应为整数，不是小数 1e+308", id="huge-float"),
        pytest.param("[kpi.targets]\nreferral_rate = inf\n", "FILE: kpi.targets.referral_rate: 应为有限的数，不是 inf",
                     id="infinite-target"),
        pytest.param("[kpi.targets]\nreferral_rate = 6\n", "FILE: kpi.targets.referral_rate: 过大（最大 1），不是 6",
                     id="rate-above-1"),
        pytest.param('[schedule]\nmax_attempts = "three"\n', 'FILE: schedule.max_attempts: 应为整数，不是文本 "three"',
                     id="text-for-a-number"),
        pytest.param("[warranty]\nmonths = 2026-01-01\n", "FILE: warranty.months: 应为整数，不是日期 2026-01-01",
                     id="date-for-a-number"),
        pytest.param("[warranty]\nmonths = true\n", "FILE: warranty.months: 应为整数，不是 true", id="bool-for-a-number"),
        pytest.param("[insurance]\nspecialist = 1\n", "FILE: insurance.specialist: 应为是/否（true 或 false），不是整数 1",
                     id="number-for-a-bool"),
        pytest.param('roles = "x"\n', 'FILE: roles: 应为表，不是文本 "x"', id="text-for-a-table"),
        pytest.param("[schedule]\nmaintenance_kinds = \"maintenance\"\n",
                     'FILE: schedule.maintenance_kinds: 应为列表 [...]，不是文本 "maintenance"', id="text-for-a-list"),
        pytest.param("[kpi.targets]\nchurn_rat = 0.5\n", "FILE: kpi.targets.churn_rat: 未知的 KPI，是不是 kpi.targets.churn_rate？",
                     id="unknown-kpi"),
        pytest.param('[touchpoints.care_cal]\noffset_days = 45\n',
                     "FILE: touchpoints.care_cal: 缺少 name、role、channel（新增的条目必须写明 name、role、channel），"
                     "是不是 touchpoints.care_call？", id="new-touchpoint-incomplete-or-misspelt"),
        pytest.param('[touchpoints.care_call]\nrole = "customer_car"\n',
                     'FILE: touchpoints.care_call.role: [roles] 中没有 "customer_car"，是不是 customer_care？',
                     id="unknown-role"),
        pytest.param('[call_list]\npriority = ["care_cal"]\n',
                     'FILE: call_list.priority[1]: 没有这个任务代码 "care_cal"，是不是 care_call？', id="unknown-priority-code"),
        pytest.param('[[holidays]]\nname = "x"\nsolar = [13, 1]\n',
                     "FILE: holidays[1].solar: 月份应在 1 到 12 之间，不是 13", id="festival-month"),
        pytest.param('[[holidays]]\nname = "端午节"\n', "FILE: holidays[1]: 需要 lunar 或 solar = [月, 日]",
                     id="festival-without-date"),
        pytest.param("[stages]\nage_months = [0, 3, 24]\n", "FILE: stages.age_months: 应有 5 个阶段，不是 3 个",
                     id="stages-count"),
        pytest.param("[stages]\nage_months = [0, 24, 3, 36, 60]\n", "FILE: stages.age_months: 各阶段的起点应逐个增大",
                     id="stages-order"),
        pytest.param("[projection]\nmin_daily_km = 400\n",
                     "FILE: projection.min_daily_km: 应不大于 projection.max_daily_km（400 > 300）", id="min-above-max"),
        pytest.param('[insurance]\nsteps_before_days = [30, 30]\n',
                     "FILE: insurance.steps_before_days: 天数不能重复（30）", id="duplicate-steps"),
        pytest.param('[touchpoints.care_call]\nwindow = "until_churn"\n',
                     'FILE: touchpoints.care_call.window: 未知的键，是不是 touchpoints.care_call.window_days？',
                     id="window-kind-of-an-earlier-release"),
        pytest.param('timezone = "Mars/Olympus"\n', 'FILE: timezone: 未知的时区 "Mars/Olympus"（例如 "Asia/Shanghai"）',
                     id="timezone"),
        pytest.param("[warranty\nkm = 1\n", "FILE: 不是有效的 TOML 文件：第 1 行第 10 列语法错误", id="toml-syntax"),
    ],
)
def test_a_bad_rules_file_names_the_key_and_the_reason(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "dealer.toml"
    path.write_text(content, encoding="utf-8")
    assert problems(path) == [expected]


def test_every_problem_of_a_file_is_named_at_once(tmp_path: Path) -> None:
    path = tmp_path / "dealer.toml"
    path.write_text("[schedule]\nservice_interval_months = 0\nmax_atempts = 3\n[kpi.targets]\nreferral_rate = 1.5\n",
                    encoding="utf-8")
    assert problems(path) == [
        "FILE: schedule.service_interval_months: 应大于 0，不是 0",
        "FILE: schedule.max_atempts: 未知的键，是不是 schedule.max_attempts？",
        "FILE: kpi.targets.referral_rate: 过大（最大 1），不是 1.5",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\xff", "FILE: 不是有效的 TOML 文件：不是 UTF-8 文本（第 1 个字节）",
                     id="binary"),
        pytest.param("[warranty]\nkm = 1\n".encode("gb18030") + "# 保修\n".encode("gb18030"),
                     "FILE: 不是有效的 TOML 文件：不是 UTF-8 文本（第 21 个字节）", id="gb18030"),
    ],
)
def test_a_file_that_is_not_utf8_toml_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "dealer.toml"
    path.write_bytes(content)
    assert problems(path) == [expected]


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path / "none.toml") == ["FILE: 规则文件不存在"]
    assert problems(tmp_path) == ["FILE: 是文件夹，不是规则文件"]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("[touchpoints.care_call]\noffset_days = 45\n", id="changed-number"),
        pytest.param('[touchpoints.spring_check]\nname = "春季检测"\nrole = "service_advisor"\nchannel = "phone"\n'
                     'window_days = 7\n[campaigns]\nkinds = ["seasonal_campaign", "spring_check"]\n',
                     id="new-touchpoint-used-as-a-campaign-kind"),
        pytest.param('[events.kinds.recall]\nname = "召回"\nfollowup = "breakdown_followup"\naliases = ["召回"]\n',
                     id="new-event-kind"),
        pytest.param('[roles]\nnew_car_expert = "新车专员"\n[touchpoints.visit_45d]\nrole = "new_car_expert"\n',
                     id="new-role"),
        pytest.param("[kpi.targets]\nchurn_rate = 0.1\ncampaigns_run = 2\n", id="kpi-targets"),
        pytest.param('[roles]\nparts_clerk = "配件专员"\n[capacity]\nparts_clerk = 15\ncustomer_care = 40\n',
                     id="capacity-of-a-new-role"),
        pytest.param('[[holidays]]\nname = "端午节"\nlunar = [5, 5]\n', id="festivals-replaced"),
    ],
)
def test_valid_overrides_load(tmp_path: Path, content: str) -> None:
    path = tmp_path / "dealer.toml"
    path.write_text(content, encoding="utf-8")
    load_rules(path)
