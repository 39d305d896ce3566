"""`lifecycle import` trusts what real and hostile files hold (issue 15, the readers): template hint
rows, the named people of real exports, fields beyond the header, xlsx zip bombs, dates outside
1900–2099, hostile numbers and files that are not what their names say."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli_helpers import (
    CUSTOMER_COLUMNS,
    Files,
    customer,
    make_vin,
    phone,
    run,
    run_json,
    summary_rows,
    vehicle,
)

V1, V2 = make_vin(501), make_vin(502)


def write_grid(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """The rows as a CSV (UTF-8), an .xlsx (openpyxl) or an Excel 97-2003 .xls (xlwt), by suffix."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["" if c is None else c for c in row] for row in rows])
    elif path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        for row in rows:
            ws.append(list(row))
        wb.save(path)
    else:
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("客户车辆")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        book.save(str(path))
    return path


def errors_and_warnings(stderr: str) -> list[str]:
    """stderr's lines, the test's temporary folder taken off the paths (messages name files as given)."""
    return [re.sub(r"/\S*/(?=[^/\s]+\.xlsx?\b|[^/\s]+\.csv\b)", "", line)
            for line in stderr.splitlines() if line.strip()]


# --------------------------------------------------------------------------- item 2: hint rows

# The real 客户车辆 template: a title row, the header, a hint row, an example row, then data. The
# first data row has a customer named 如意 and a model cell reading 选填: it must land.
TEMPLATE = [
    ["客户车辆信息导入模板（带*为必填）"],
    ["车架号*", "车主姓名", "手机号码", "交车日期", "车型", "营销员", "维修顾问"],
    ["必填（17位）", "必填", "必填（11位）", "必填 如：2019/08/28", "选填", "选填", None],
    [None, None, "（11位）", "如：2019/08/28", "可选", None, "选填"],
    [V1, "如意", phone(51), "2024-03-05", "选填", "李娜", "王强"],
    [V2, "张伟", phone(52), "2024/03/06", "CX-5", None, None],
]


@pytest.mark.parametrize("name", ["客户车辆.csv", "客户车辆.xlsx", "客户车辆.xls"])
def test_the_hint_rows_of_a_real_template_are_skipped_and_every_data_row_lands(
    db: Path, tmp_path: Path, name: str
) -> None:
    path = write_grid(tmp_path / name, TEMPLATE)
    result = run(db, "import", path)
    assert result.exit_code == 0, result.stderr
    assert errors_and_warnings(result.stderr) == []  # no hint row rejected, every column known
    counts = summary_rows(result.stdout)[name]
    assert (counts["read"], counts["inserted"], counts["rejected"]) == (2, 2, 0)
    detail = run_json(db, "show", V1, "--date", "2026-11-23")
    car = detail["vehicles"][0]
    assert (detail["name"], car["model"], car["sales_consultant"], car["service_advisor"]) == (
        "如意", "选填", "李娜", "王强")


def test_a_hint_like_row_below_the_first_data_row_is_data(db: Path, files: Files) -> None:
    path = files.customers([customer("C1", "张伟", 1), customer("C2", "选填", 2, birthday="必填")])
    result = run(db, "import", path)
    assert result.exit_code == 1
    assert errors_and_warnings(result.stderr) == ['customers.csv:3: birthday: 无法识别的日期 "必填"']


# --------------------------------------------------------------------------- item 3: named people

VEHICLE_PEOPLE = [("销售顾问", "服务顾问"), ("营销员", "专属顾问"), ("业务员", "维修顾问"), ("跟进人", "接待顾问"),
                  ("营销员", "接待")]


@pytest.mark.parametrize(("sales", "advisor"), VEHICLE_PEOPLE)
def test_the_named_people_of_a_vehicle_sheet_are_recognised_and_stored(
    db: Path, tmp_path: Path, sales: str, advisor: str
) -> None:
    rows = [["车架号", "客户编号", "交车日期", sales, advisor], [V1, "C1", "2024-03-05", "李娜", "王强"]]
    customers = Files(tmp_path).customers([customer("C1", "张伟", 1)])
    result = run(db, "import", customers, write_grid(tmp_path / "车辆.csv", rows))
    assert result.exit_code == 0, result.stderr
    assert "未识别的列" not in result.stderr
    car = run_json(db, "show", V1, "--date", "2026-11-23")["vehicles"][0]
    assert (car["sales_consultant"], car["service_advisor"]) == ("李娜", "王强")


@pytest.mark.parametrize("advisor", ["维修顾问", "接待", "服务顾问", "接待顾问"])
def test_the_advisor_of_a_work_order_is_recognised_and_stored(
    db: Path, tmp_path: Path, files: Files, advisor: str
) -> None:
    run(db, "import", files.customers([customer("C1", "张伟", 1)]), files.vehicles([vehicle(V1, "C1", "2024-03-05")]))
    rows = [["工单号", "车架号", "进厂日期", "进厂里程", "维修类型", advisor],
            ["RO1", V1, "2025-03-05", "8000", "保养", "赵六"]]
    result = run(db, "import", write_grid(tmp_path / "工单.csv", rows))
    assert result.exit_code == 0, result.stderr
    assert "未识别的列" not in result.stderr
    visits = run_json(db, "show", V1, "--date", "2026-11-23")["vehicles"][0]["visits"]
    assert [v["advisor"] for v in visits] == ["赵六"]


# --------------------------------------------------------------------------- item 5: extra fields


def test_fields_beyond_the_header_are_warned_about_naming_the_line_and_ignored(
    db: Path, tmp_path: Path
) -> None:
    header = ",".join(CUSTOMER_COLUMNS[:5])  # customer_id,name,phone,birthday,do_not_contact
    text = "\n".join([
        header,
        f"C1,张伟,{phone(1)},1985-03-12,否",
        f"C2,李静,{phone(2)},,否,,",  # trailing commas: not worth a warning
        f"C3,王芳,{phone(3)},,否,VIP,老客户",
        f"C4,刘洋,{phone(4)},1990-13-01,否,,x,",  # a bad row with extras: the rejects file stays aligned
    ]) + "\n"
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    result = run(db, "import", path, "--rejects", tmp_path / "rejects")
    assert result.exit_code == 1
    assert errors_and_warnings(result.stderr) == [
        "警告 customers.csv:4: 本行有 2 个多余字段（表头只有 5 列），已忽略",
        "警告 customers.csv:5: 本行有 2 个多余字段（表头只有 5 列），已忽略",
        'customers.csv:5: birthday: 无法识别的日期 "1990-13-01"',
    ]
    assert run_json(db, "show", "C3", "--date", "2026-11-23")["name"] == "王芳"  # landed, extras ignored
    with (tmp_path / "rejects" / "customers.rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rejected = list(csv.reader(fh))
    assert rejected == [[*CUSTOMER_COLUMNS[:5], "错误原因"],
                        ["C4", "刘洋", phone(4), "1990-13-01", "否", 'birthday: 无法识别的日期 "1990-13-01"']]


# --------------------------------------------------------------------------- item 16: zip bombs


def declared_bomb(path: Path, declared: int) -> Path:
    """A small valid .xlsx whose sheet part declares `declared` unpacked bytes in the zip's directory."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["客户编号", "姓名"])
    ws.append(["C1", "张伟"])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = bytearray(buffer.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")  # the central directory: entries of 46 bytes + name + extra + comment
    while at >= 0:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        if bytes(data[at + 46: at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, declared)
            break
        at = data.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(name.decode()).file_size == declared
    return path


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_it_is_opened(db: Path, tmp_path: Path) -> None:
    path = declared_bomb(tmp_path / "bomb.xlsx", 300 * 1024 * 1024)
    assert path.stat().st_size < 20_000
    result = run(db, "import", path)
    assert result.exit_code == 2
    assert errors_and_warnings(result.stderr)[0] == (
        "bomb.xlsx: 整个文件未导入：Excel 文件解压后有 300 MB，超过上限 200 MB，未打开：bomb.xlsx"
        "（确是正常的大文件时，可另存为 CSV 导入，或用 --max-unpacked-mb 提高上限）"
    )


def test_a_really_compressed_bomb_is_refused_at_a_small_limit(tmp_path: Path) -> None:
    from lifecycle_cli.ingest.readers import FileRefused, open_table

    path = tmp_path / "bomb.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["客户编号", "姓名"])
    for n in range(100):  # 3 MB of one letter packs into a few KB
        ws.append([f"C{n}", "张" * 30_000])
    wb.save(path)
    assert path.stat().st_size < 100_000
    with pytest.raises(FileRefused, match=r"解压后有 \d\.\d MB，超过上限 1\.0 MB"):
        open_table(path, max_unpacked_bytes=1024 * 1024)
    with open_table(path, max_unpacked_bytes=20 * 1024 * 1024) as table:  # under the limit: read
        assert table.header == ["客户编号", "姓名"]


# --------------------------------------------------------------------------- item 15: dates and numbers

HOSTILE_VEHICLE_CELLS = [
    # (delivery date, km, the message of the row)
    ("9999-12-31", "100", '交车日期: 日期超出范围（1900–2099）"9999-12-31"'),
    ("0001-01-01", "100", '交车日期: 日期超出范围（1900–2099）"0001-01-01"'),
    ("1899-12-31", "100", '交车日期: 日期超出范围（1900–2099）"1899-12-31"'),
    ("99999", "100", '交车日期: 日期超出范围（1900–2099）"99999"'),
    ("2100-01-01", "100", '交车日期: 日期超出范围（1900–2099）"2100-01-01"'),
    ("2024-03-05", "9" * 40, '行驶里程: 里程过大，不像真实里程 "9999999999999999999999999999999999999999"'),
    ("2024-03-05", "99999999999999999999", '行驶里程: 里程过大，不像真实里程 "99999999999999999999"'),
    ("2024-03-05", "1e400", '行驶里程: 无法识别的里程 "1e400"'),
    ("2024-03-05", "NaN", '行驶里程: 无法识别的里程 "NaN"'),
    ("2024-03-05", "inf", '行驶里程: 无法识别的里程 "inf"'),
]


def test_dates_outside_1900_2099_and_hostile_numbers_reject_the_row_with_a_chinese_reason(
    db: Path, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [["车架号", "客户编号", "交车日期", "行驶里程", "里程日期", "商业险到期日期"]]
    for n, (day, km, _) in enumerate(HOSTILE_VEHICLE_CELLS):
        rows.append([make_vin(600 + n), "C1", day, km, "2025-01-01", ""])
    rows.append([V1, "C1", "2024-03-05", "100", "2025-01-01", "9999-12-31"])  # an optional date: a warning
    customers = Files(tmp_path).customers([customer("C1", "张伟", 1)])
    result = run(db, "import", customers, write_grid(tmp_path / "vehicles.csv", rows))
    assert result.exit_code == 1
    assert errors_and_warnings(result.stderr) == [
        f"vehicles.csv:{line}: {message}" for line, (_, _, message) in enumerate(HOSTILE_VEHICLE_CELLS, start=2)
    ] + [f'警告 vehicles.csv:{len(rows)}: 商业险到期日期: 日期超出范围（1900–2099）"9999-12-31"（仅忽略此字段，车辆照常导入）']
    assert summary_rows(result.stdout)["vehicles.csv"]["inserted"] == 1


def test_an_xlsx_date_cell_in_year_9999_rejects_the_row(db: Path, tmp_path: Path) -> None:
    rows = [["车架号", "客户编号", "交车日期"], [V1, "C1", dt.datetime(9999, 12, 31)], [V2, "C1", dt.date(2024, 3, 5)],
            [make_vin(503), "C1", 2958465]]  # 9999-12-31 as an Excel serial in a number cell
    customers = Files(tmp_path).customers([customer("C1", "张伟", 1)])
    result = run(db, "import", customers, write_grid(tmp_path / "vehicles.xlsx", rows))
    assert result.exit_code == 1
    assert errors_and_warnings(result.stderr) == ['vehicles.xlsx:2: 交车日期: 日期超出范围（1900–2099）"9999-12-31"',
                                                  'vehicles.xlsx:4: 交车日期: 日期超出范围（1900–2099）"2958465"']


# --------------------------------------------------------------------------- hostile files


def xlsx_with_cell(path: Path, cell_xml: str) -> Path:
    """A vehicles .xlsx whose delivery date cell (C2, date style 1) is written as the given raw XML."""
    buffer = io.BytesIO()
    tmp = path.with_suffix(".base.xlsx")
    write_grid(tmp, [["车架号", "客户编号", "交车日期"], [V1, "C1", dt.datetime(2024, 1, 1)]])
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                old = b'<c r="C2" s="1" t="n"><v>45292</v></c>'
                assert old in data
                data = data.replace(old, cell_xml.encode())
            out.writestr(info, data)
    tmp.unlink()
    path.write_bytes(buffer.getvalue())
    return path


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


HEADER = "客户编号,姓名,手机\n"
MANY = "".join(f"C{i:05d},张三,{phone(i % 100)}\n" for i in range(3000))  # past the 64 KB sample

HOSTILE_FILES: list[tuple[str, Any, int, str]] = [
    # (file name, content: bytes or a builder, exit code, the first line of stderr)
    ("garbage.csv", bytes(range(256)) * 20, 2, "garbage.csv: 整个文件未导入：不是 CSV 或 xlsx 文件（看起来是二进制文件）：garbage.csv"),
    ("notzip.xlsx", b"hello, this is not a workbook", 2,
     "notzip.xlsx: 整个文件未导入：无法读取 Excel 文件（文件已损坏或不是 .xlsx）：notzip.xlsx"),
    ("archive.xlsx", zip_bytes(), 2, "archive.xlsx: 整个文件未导入：不是 CSV 或 xlsx 文件（是一个 zip 压缩包）：archive.xlsx"),
    ("nul.csv", (HEADER + MANY).encode() + b"C9,\x00x,1\n", 2,
     "nul.csv: 整个文件未导入：第 3002 行含有空字符（NUL），文件可能已损坏：nul.csv"),
    ("late.csv", (HEADER + MANY).encode() + "C9,张三,1\n".encode("gb18030"), 2,
     "late.csv: 整个文件未导入：第 3002 行无法用编码 utf-8 解码，请用 --encoding 指定（常见：gb18030、utf-8）"),
    ("empty.csv", b"", 2, "empty.csv: 整个文件未导入：文件是空的：empty.csv"),
    ("header.csv", HEADER.encode(), 0, ""),
    ("header.xlsx", lambda p: write_grid(p, [["客户编号", "姓名"]]), 0, ""),
    ("sheet.xlsx", lambda p: write_grid(p, []), 2, "sheet.xlsx: 整个文件未导入：文件是空的（工作表 Sheet 没有数据）：sheet.xlsx"),
    ("text_in_number.xlsx", lambda p: xlsx_with_cell(p, '<c r="C2" t="n"><v>abc</v></c>'), 1,
     'text_in_number.xlsx:2: 交车日期: 无法识别的日期 "abc"'),
    ("year0.xlsx", lambda p: xlsx_with_cell(p, '<c r="C2" t="d"><v>0000-01-01T00:00:00</v></c>'), 1,
     'year0.xlsx:2: 交车日期: 日期超出范围（1900–2099）"0000-01-01T00:00:00"'),
    ("badstring.xlsx", lambda p: xlsx_with_cell(p, '<c r="C2" t="s"><v>99</v></c>'), 1,
     'badstring.xlsx:2: 交车日期: 无法识别的日期 "99"（只接受年在前的日期，如 2024-03-05；其他格式请用 --date-format 指定）'),
    ("badbool.xlsx", lambda p: xlsx_with_cell(p, '<c r="C2" t="b"><v>xyz</v></c>'), 1,
     'badbool.xlsx:2: 交车日期: 无法识别的日期 "xyz"'),
    ("hugeserial.xlsx", lambda p: xlsx_with_cell(p, '<c r="C2" s="1" t="n"><v>1e10</v></c>'), 1,
     'hugeserial.xlsx:2: 交车日期: 无法识别的日期 "#VALUE!"'),  # a date-styled serial beyond 9999
    ("badrow.xlsx", lambda p: xlsx_with_cell(p, '<c r="C2" s="1" t="n"><v>45292</v></c></row><row r="x1e9">'
                                                '<c r="A3" t="n"><v>nan</v></c>'), 1,
     'badrow.xlsx:3: 车架号: 车架号应为17位，实为3位 "nan"'),
]


@pytest.mark.parametrize(("name", "content", "code", "first"), HOSTILE_FILES, ids=[h[0] for h in HOSTILE_FILES])
def test_a_hostile_file_is_refused_or_read_never_an_internal_error(
    db: Path, tmp_path: Path, name: str, content: Any, code: int, first: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content(path)
    customers = Files(tmp_path / "c").customers([customer("C1", "张伟", 1)])
    result = run(db, "import", customers, path)
    assert result.exit_code == code, result.stderr
    lines = [line for line in errors_and_warnings(result.stderr) if "校验位" not in line]
    assert lines[:1] == ([first] if first else [])
    assert "Traceback" not in result.stderr and "lifecycle 出错" not in result.stderr
    assert "Warning" not in result.stderr  # no English warning of a library


def test_the_unpacked_limit_is_an_option_of_import(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "customers.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["客户编号", "姓名", "手机"])
    for n in range(60):  # about 2 MB unpacked, a few KB packed
        ws.append([f"C{n}", "张" * 30_000, f"138123456{n % 100:02d}"])
    wb.save(path)
    refused = run(db, "import", "--max-unpacked-mb", "1", path)
    assert refused.exit_code == 2
    assert "超过上限 1.0 MB，未打开：customers.xlsx" in refused.stderr
    assert run(db, "import", path).exit_code == 0  # the default 200 MB lets it in
    bad = run(db, "import", "--max-unpacked-mb", "0", path)
    assert bad.exit_code == 2 and "--max-unpacked-mb" in bad.stderr
