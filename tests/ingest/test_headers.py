"""Table-driven tests for lifecycle_cli.ingest.headers."""

from __future__ import annotations

import pytest

from lifecycle_cli.ingest.headers import (
    ACCEPTED_COLUMNS,
    CANONICAL_COLUMNS,
    KINDS,
    REQUIRED_COLUMNS,
    HeaderMap,
    detect_kind,
    find_header_row,
    is_hint_row,
    map_headers,
    missing_required,
    normalize_header,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机号码(必填)", "手机号码"),
        ("手机号码（必填）", "手机号码"),
        ("车架号（VIN）", "车架号"),
        ("\u00a0客户名称\u00a0", "客户名称"),
        (" 客户名称 ", "客户名称"),
        ("客户\u3000名称", "客户名称"),
        ("生日（年/月/日）", "生日"),
        ("金额(元)", "金额"),
        ("客户编号*", "客户编号"),
        ("*客户编号", "客户编号"),
        ("VIN", "vin"),
        ("Customer_ID", "customer_id"),
        ("ＶＩＮ", "vin"),
        ("【必填】姓名", "姓名"),
        ("(备注)", "备注"),
    ],
)
def test_normalize_header(text: str, expected: str) -> None:
    assert normalize_header(text) == expected


def test_canonical_and_required_columns() -> None:
    assert KINDS == ("customers", "vehicles", "visits", "events", "staff")
    assert REQUIRED_COLUMNS == {
        "customers": ("customer_id",),
        "vehicles": ("vin", "customer_id", "delivery_date"),
        "visits": ("vin", "visit_date", "mileage_km"),
        "events": ("vin", "event_date", "kind"),
        "staff": ("name", "role"),
    }
    for kind in KINDS:
        assert set(REQUIRED_COLUMNS[kind]) <= set(CANONICAL_COLUMNS[kind])
        assert set(CANONICAL_COLUMNS[kind]) <= set(ACCEPTED_COLUMNS[kind])
    assert "plate" in CANONICAL_COLUMNS["visits"]
    assert {"name", "phone"} <= set(ACCEPTED_COLUMNS["vehicles"])


# One row per alias: (kind, header text, canonical column).
ALIAS_CASES = [
    *(
        ("customers", h, "customer_id")
        for h in ("客户编号", "客户ID", "客户代码", "档案编号", "会员编号", "customer_id", "Customer ID")
    ),
    *(
        ("customers", h, "name")
        for h in ("客户名称", "客户姓名", "姓名", "车主", "车主姓名", "车主名", "会员姓名", "NAME")
    ),
    *(
        ("customers", h, "phone")
        for h in (
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话",
            "客户电话",
            "车主电话",
            "客户手机号",
            "手机号码(必填)",
        )
    ),
    *(("customers", h, "birthday") for h in ("生日", "出生日期", "生日（年/月/日）")),
    *(("customers", h, "do_not_contact") for h in ("免打扰", "拒绝回访")),
    *(("customers", h, "id_number") for h in ("身份证号", "证件号码")),
    ("customers", "性别", "gender"),
    *(("customers", h, "referred_by") for h in ("推荐人", "介绍人", "转介绍人")),
    *(("customers", h, "store") for h in ("门店", "经销商", "店名", "所在分店", "经销商名称")),
    *(
        ("vehicles", h, "vin")
        for h in (
            "车架号",
            "车架号VIN",
            "车架号（VIN）",
            "VIN",
            "vin",
            "VIN号",
            "VIN码",
            "车辆识别代号",
            "底盘号",
        )
    ),
    *(("vehicles", h, "plate") for h in ("车牌号", "车牌")),
    *(("vehicles", h, "model") for h in ("车型", "车系", "品牌车型", "厂牌车型信息", "车辆型号")),
    *(
        ("vehicles", h, "delivery_date")
        for h in ("交车日期", "购车日期", "购买日期", "开票日期", "初登日期", "注册登记日期")
    ),
    *(
        (kind, h, "mileage_km")
        for kind in ("vehicles", "visits")
        for h in (
            "行驶里程",
            "里程",
            "里程数",
            "进厂里程",
            "进厂里程数",
            "进厂行驶里程",
            "公里数",
            "最近进店里程",
        )
    ),
    *(("vehicles", h, "mileage_date") for h in ("里程日期", "里程登记日期", "最近进店日期")),
    ("vehicles", "销售顾问", "sales_consultant"),
    *(("vehicles", h, "service_advisor") for h in ("服务顾问", "专属顾问", "维修顾问", "接待顾问")),
    *(("visits", h, "advisor") for h in ("服务顾问", "维修顾问", "接待顾问", "接待人", "advisor")),
    *(("vehicles", h, "commercial_insurance_expiry") for h in ("商业险到期日期", "商业险到期")),
    *(
        ("vehicles", h, "compulsory_insurance_expiry")
        for h in ("交强险到期日期", "交强险到期", "保险到期", "保险到期日期")
    ),
    *(("vehicles", h, "inspection_due") for h in ("年审到期日期", "年检到期", "年检到期日期", "年审日期")),
    *(
        ("visits", h, "visit_date")
        for h in ("进厂日期", "进店日期", "入厂时间", "入库日期", "维修日期", "开工单时间")
    ),
    *(("visits", h, "kind") for h in ("维修类型", "业务类型", "工单类型")),
    *(("visits", h, "amount") for h in ("金额", "维修金额", "结算金额", "工单金额", "金额(元)")),
    *(("visits", h, "ro_number") for h in ("工单号", "维修单号", "委托书号")),
    *(("visits", h, "plate") for h in ("车牌号", "车牌")),
    ("vehicles", "客户名称", "name"),  # combined sheet
    ("vehicles", "手机号", "phone"),
]


@pytest.mark.parametrize(("kind", "header", "canonical"), ALIAS_CASES)
def test_alias(kind: str, header: str, canonical: str) -> None:
    assert map_headers([header], kind).columns == {canonical: 0}


@pytest.mark.parametrize(
    ("headers", "expected_visit_date", "expected_unknown"),
    [
        (["车架号", "结算日期", "里程"], 1, []),
        (["车架号", "出厂时间", "里程"], 1, []),
        (["车架号", "进店日期", "结算日期", "里程"], 1, ["结算日期"]),
        (["车架号", "结算日期", "入厂时间", "里程"], 2, ["结算日期"]),
    ],
)
def test_late_visit_dates(headers: list[str], expected_visit_date: int, expected_unknown: list[str]) -> None:
    header_map = map_headers(headers, "visits")
    assert header_map.columns["visit_date"] == expected_visit_date
    assert header_map.unknown == expected_unknown


def test_late_visit_date_only_in_visits() -> None:
    assert "visit_date" not in map_headers(["结算日期"], "vehicles").columns


def test_map_headers_unknown_and_duplicates() -> None:
    header_map = map_headers(["客户编号", "姓名", "颜色", "手机", "手机号码", "", "发动机号"], "customers")
    assert header_map == HeaderMap(
        kind="customers",
        columns={"customer_id": 0, "name": 1, "phone": 3},
        unknown=["颜色", "发动机号"],
        duplicates=["phone"],
    )


def test_amount_is_unknown_outside_visits() -> None:
    assert map_headers(["金额"], "vehicles").unknown == ["金额"]


@pytest.mark.parametrize(
    ("kind", "headers", "missing"),
    [
        ("customers", ["客户编号", "姓名"], []),
        ("customers", ["姓名", "手机号"], []),  # phone identifies the customer
        ("customers", ["姓名"], ["customer_id"]),
        ("vehicles", ["车架号", "客户编号", "交车日期"], []),
        ("vehicles", ["车架号", "手机号", "初登日期"], []),
        ("vehicles", ["车架号", "姓名"], ["customer_id", "delivery_date"]),
        ("visits", ["车架号", "进厂日期", "里程"], []),
        ("visits", ["工单号", "进厂日期"], ["vin", "mileage_km"]),
    ],
)
def test_missing_required(kind: str, headers: list[str], missing: list[str]) -> None:
    assert missing_required(map_headers(headers, kind)) == missing


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["客户编号", "客户姓名", "手机号码", "生日"], "customers"),
        (["customer_id", "name", "phone"], "customers"),
        (["姓名", "手机"], "customers"),
        (["车架号", "客户编号", "车牌号", "交车日期"], "vehicles"),
        (["VIN", "customer_id", "delivery_date"], "vehicles"),
        # one sheet with customer and vehicle together
        (["所在分店", "车牌号", "品牌", "车型", "车架号", "初登日期", "客户名称", "手机号"], "vehicles"),
        (["车架号", "进厂日期", "进厂里程", "维修类型"], "visits"),
        (["vin", "visit_date", "mileage_km"], "visits"),
        # work orders without a kind column
        (
            [
                "工单号",
                "客户姓名",
                "客户电话",
                "车牌号",
                "车架号VIN",
                "金额",
                "进店日期",
                "结算日期",
                "里程数",
            ],
            "visits",
        ),
        (["工单号", "结算日期"], "visits"),
        (["客户资料表"], None),
        (["颜色", "发动机号"], None),
        (["车架号", "姓名", "手机"], None),  # a VIN but neither a delivery nor a visit date
        ([], None),
    ],
)
def test_detect_kind(headers: list[str], kind: str | None) -> None:
    assert detect_kind(headers) == kind


@pytest.mark.parametrize(
    ("rows", "kind", "expected"),
    [
        ([["客户编号", "姓名"], ["C1", "张三"]], None, 0),
        (
            [
                ["客户资料导出", None, None],
                [],
                ["客户编号", "姓名", "手机号码(必填)"],
                ["必填", "选填", "必填"],
            ],
            None,
            2,
        ),
        ([["车辆信息表"], ["车架号", "客户名称", "手机号", "初登日期"]], None, 1),
        ([["车辆信息表"], ["车架号", "客户名称", "初登日期"]], None, 1),  # customer_id not needed here
        ([["车辆信息表"], ["车架号", "客户名称", "初登日期"]], "vehicles", 1),
        ([["标题"], ["车架号", "进厂日期", "里程"]], "visits", 1),
        ([["标题"], ["车架号", "进厂日期"]], "visits", None),  # mileage missing
        ([["标题"], ["颜色"]], None, None),
        ([[f"说明{i}"] for i in range(10)] + [["客户编号", "姓名"]], None, None),  # only the first 10 rows
        ([[None, 1.5, "客户编号"]], "customers", 0),
    ],
)
def test_find_header_row(rows: list[list[object]], kind: str | None, expected: int | None) -> None:
    assert find_header_row(rows, kind) == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["必填", "选填", "必填项"], True),
        (["必填项", "", None, "可选"], True),
        (["如：1985/08/28", "必填"], True),
        (["例：13812345678"], True),
        (["示例", "选填"], True),
        (["(必填)", "（选填）"], True),
        (["YYYY-MM-DD", "必填"], True),
        (["年/月/日"], True),
        (["C001", "张三", "13812345678"], False),
        (["必填", "张三"], False),
        (["如意"], False),  # a name that starts like a hint
        # the real 客户车辆 template: hints with lengths and examples, mixed with empty cells
        (["必填（17位）", "必填 如：2019/08/28", "选填", None, "", "（11位）"], True),
        (["必填项", "如：1985/08/28", "可选", "必填，如：2019-08-28", "选填，格式：年/月/日"], True),
        (["必填(17位)", "必填", "张三"], True),  # more than half are hints
        (["必填", "选填", "张三", "13812345678"], False),  # half is not "mostly"
        (["LVRHDA3K0TN000100", "C1", "如意", "选填", "2024-01-01"], False),  # a note reading 选填
        (["11位手机号", "17位"], True),
        (["", None], False),
        ([], False),
    ],
)
def test_is_hint_row(row: list[object], expected: bool) -> None:
    assert is_hint_row(row) is expected
