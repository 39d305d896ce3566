"""The bundled messy DMS export of the sample store lands as the canonical sample does.

GB18030 customers with a title row, an xlsx vehicle sheet with date cells, UTF-8-BOM visits
with Chinese kinds and 万 mileage, and five deliberately bad rows named FILE:LINE: COLUMN.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from cli_helpers import (
    CUSTOMER_COLUMNS,
    VEHICLE_COLUMNS,
    customer,
    make_vin,
    run,
    run_json,
    vehicle,
    write_csv,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
MESSY = SAMPLE / "dms_export"
DAY = "2026-11-23"


def _import(db: Path, *files: Path, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    result = run(db, "import", *map(str, files), *extra)
    return result.exit_code, result.stderr


def test_messy_export_gives_the_same_stages_and_call_list_as_the_canonical_files(
    tmp_path: Path, new_db: Callable[[str], Path]
) -> None:
    canonical, messy = new_db("canonical.db"), new_db("messy.db")
    code, _ = _import(canonical, SAMPLE / "customers.csv", SAMPLE / "vehicles.csv", SAMPLE / "visits.csv")
    assert code == 0
    code, stderr = _import(messy, MESSY / "客户档案.csv", MESSY / "车辆信息.xlsx", MESSY / "维修记录.csv",
                           extra=("--rejects", str(tmp_path / "rejects")))
    assert code == 1  # the five deliberately bad rows

    errors = [line.removeprefix(f"{MESSY}/") for line in stderr.splitlines() if not line.startswith("警告")]
    assert errors == [
        "客户档案.csv:76: 客户编号: 必填项为空",
        '车辆信息.xlsx:82: 客户编号: 客户 "C999999" 不存在（数据库和本次导入的客户文件中都没有）',
        '车辆信息.xlsx:164: 车架号: 车架号不能含字母 I、O、Q（O 可能是数字 0 的误输入）"LFPWDD4A3RC76542O"',
        '维修记录.csv:782: 进厂日期: 无法识别的日期 "2024-13-45"',
        '维修记录.csv:1758: 进厂里程: 无法识别的里程 "abc"',
    ]
    assert run_json(canonical, "vehicles", "--date", DAY, "--format", "json") == run_json(
        messy, "vehicles", "--date", DAY, "--format", "json")

    def calls(db: Path) -> list[tuple[str, list[tuple[str, str, str]]]]:
        lines = run_json(db, "due", "--date", DAY, "--format", "json")
        return [(line["customer_id"], [(t["code"], t["vin"], t["due_date"]) for t in line["tasks"]])
                for line in lines]

    assert calls(canonical) == calls(messy)
    assert len(calls(canonical)) > 40  # the first morning (go-live, care-desk §4) of the sample's store: 42 lines

    # The rejects files keep the original headers and encoding-safe text, plus a reason column.
    with (tmp_path / "rejects" / "维修记录.rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == "错误原因" and "进厂日期" in rows[0]
    assert len(rows) == 3


def _three_cars_two_sharing_a_plate(tmp_path: Path, db: Path) -> Path:
    """Two owners and three cars imported, two of them with the same plate (a typo); the folder of the files."""
    data = tmp_path / "data"
    data.mkdir()
    write_csv(data / "customers.csv", CUSTOMER_COLUMNS, [customer("C1", "张三", 1), customer("C2", "李四", 2)])
    write_csv(data / "vehicles.csv", VEHICLE_COLUMNS, [
        vehicle(make_vin(1), "C1", "2025-01-10", plate="粤A11111"),
        vehicle(make_vin(2), "C2", "2025-02-10", plate="粤A22222"),
        vehicle(make_vin(3), "C2", "2025-03-10", plate="粤A22222"),
    ])
    assert run(db, "import", str(data / "customers.csv"), str(data / "vehicles.csv")).exit_code == 0
    return data


def test_a_work_order_may_name_its_car_by_a_unique_plate(tmp_path: Path, new_db: Callable[[str], Path]) -> None:
    db = new_db("x.db")
    data = _three_cars_two_sharing_a_plate(tmp_path, db)
    orders = data / "工单.csv"
    orders.write_text(
        "工单号,车牌号,进店日期,里程数,金额\n"
        "RO1,粤A11111,2026-03-01,8000,300\n"
        "RO2,粤A22222,2026-03-02,9000,300\n"
        "RO3,粤A99999,2026-03-03,9000,300\n",
        encoding="utf-8",
    )
    result = run(db, "import", str(orders), "--visit-kind", "maintenance")
    assert result.exit_code == 1
    assert '工单.csv:3: 车牌号: 车牌号 "粤A22222" 对应 2 辆车，无法确定是哪一辆（请提供车架号）' in result.stderr
    assert '工单.csv:4: 车牌号: 车牌号 "粤A99999" 不存在' in result.stderr
    shown = run_json(db, "show", make_vin(1), "--format", "json")
    assert [(v["visit_date"], v["kind"]) for v in shown["vehicles"][0]["visits"]] == [("2026-03-01", "maintenance")]


def test_a_work_order_without_its_vin_names_its_car_by_the_plate_in_a_file_that_has_both(
    tmp_path: Path, new_db: Callable[[str], Path]
) -> None:
    """Walk-in work orders often carry only the plate in an export that has a VIN column: such a row names
    its car by the plate (when one car has it), a row with neither is rejected naming the VIN column, and
    a re-import of the unchanged file changes nothing."""
    db = new_db("x.db")
    data = _three_cars_two_sharing_a_plate(tmp_path, db)
    orders = data / "工单.csv"
    orders.write_text(
        "工单号,车架号VIN,车牌号,进店日期,里程数,维修类型\n"
        f"RO1,{make_vin(2)},粤A22222,2026-03-01,8000,保养\n"
        "RO2,,粤A11111,2026-03-02,9000,保养\n"
        ",,粤A11111,2026-04-02,9500,维修\n"
        "RO4,,粤A22222,2026-03-03,9000,保养\n"
        "RO5,,,2026-03-04,9000,保养\n",
        encoding="utf-8",
    )
    result = run(db, "import", str(orders))
    assert result.exit_code == 1
    rejected = [line.removeprefix(f"{data}/") for line in result.stderr.splitlines() if not line.startswith("警告")]
    assert rejected == ['工单.csv:5: 车牌号: 车牌号 "粤A22222" 对应 2 辆车，无法确定是哪一辆（请提供车架号）',
                        "工单.csv:6: 车架号VIN: 必填项为空（车牌号也为空，无法确定是哪辆车）"]
    visits = run_json(db, "show", make_vin(1), "--format", "json")["vehicles"][0]["visits"]
    assert [(v["visit_date"], v["kind"]) for v in visits] == [("2026-03-02", "maintenance"), ("2026-04-02", "repair")]
    again = run(db, "import", str(orders))
    assert again.exit_code == 1 and again.stderr == result.stderr
    assert run_json(db, "show", make_vin(1), "--format", "json")["vehicles"][0]["visits"] == visits
