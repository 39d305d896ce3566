"""Tests for lifecycle_cli.ingest.readers (files are written to tmp_path)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lifecycle_cli.ingest.readers import FileRefused, Row, Table, detect_encoding, open_table
from lifecycle_cli.ingest.values import parse_date, parse_km

CUSTOMERS_CSV = "客户编号,姓名,手机号\nC001,张三,13812345678\nC002,李四,139 1234 5678\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write bytes to tmp_path/name and return the path."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(table: Table) -> list[Row]:
    """All rows of a table."""
    return list(table.rows)


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CUSTOMERS_CSV.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CUSTOMERS_CSV.encode("utf-8"), "utf-8-sig"),
        (CUSTOMERS_CSV.encode("gb18030"), "gb18030"),
        (CUSTOMERS_CSV.encode("gbk"), "gb18030"),
        (CUSTOMERS_CSV.encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding
    table = open_table(write(tmp_path, "c.csv", data))
    assert table.encoding == encoding
    assert table.delimiter == ","
    assert table.header == ["客户编号", "姓名", "手机号"]
    assert table.header_line == 1
    rows = read_all(table)
    assert [r.cells for r in rows] == [["C001", "张三", "13812345678"], ["C002", "李四", "139 1234 5678"]]
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].raw == ["C001", "张三", "13812345678"]


def test_ascii_is_utf8() -> None:
    assert detect_encoding(b"customer_id,name\nC1,Tom\n") == "utf-8"


def test_utf8_cut_in_the_middle_of_a_character_is_still_utf8() -> None:
    data = ("客户编号,姓名\n" + "C1,张三\n" * 10).encode("utf-8")
    assert detect_encoding(data[:-2]) == "utf-8"


def test_gb18030_file_larger_than_the_sample(tmp_path: Path) -> None:
    text = "客户编号,姓名,手机号\n" + "".join(f"C{i:05d},客户{i},13812345678\n" for i in range(6000))
    path = write(tmp_path, "big.csv", text.encode("gb18030"))
    table = open_table(path)
    assert table.encoding == "gb18030"
    rows = read_all(table)
    assert len(rows) == 6000
    assert rows[-1].cells == ["C05999", "客户5999", "13812345678"]
    assert rows[-1].line == 6001


def test_latin1_file_is_refused_with_hint(tmp_path: Path) -> None:
    data = "customer_id,name\nC001,José Müller\nC002,Françoise Dupré\n".encode("latin-1")
    with pytest.raises(FileRefused) as err:
        open_table(write(tmp_path, "l.csv", data))
    assert str(err.value) == "无法识别文件编码，请用 --encoding 指定（常见：gb18030、utf-8）"


def test_latin1_that_decodes_as_gb18030_is_still_refused(tmp_path: Path) -> None:
    data = "customer_id,name\nC1,Héllo Wörld\n".encode("latin-1")
    with pytest.raises(FileRefused, match="无法识别文件编码"):
        open_table(write(tmp_path, "l.csv", data))


def test_forced_encoding(tmp_path: Path) -> None:
    data = "customer_id,name\nC001,José\n".encode("latin-1")
    table = open_table(write(tmp_path, "l.csv", data), encoding="latin-1")
    assert table.encoding == "iso8859-1"
    assert [r.cells for r in table.rows] == [["C001", "José"]]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("no-such-codec", '未知的编码 "no-such-codec"，请用 --encoding 指定（常见：gb18030、utf-8）'),
        ("utf-8", '无法用编码 "utf-8" 读取文件，请用 --encoding 指定（常见：gb18030、utf-8）'),
    ],
)
def test_forced_encoding_errors(tmp_path: Path, encoding: str, message: str) -> None:
    path = write(tmp_path, "g.csv", CUSTOMERS_CSV.encode("gb18030"))
    with pytest.raises(FileRefused) as err:
        open_table(path, encoding=encoding)
    assert str(err.value) == message


def test_forced_utf8_on_a_bom_file_drops_the_bom(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "b.csv", b"\xef\xbb\xbf" + CUSTOMERS_CSV.encode()), encoding="utf-8")
    assert table.header[0] == "客户编号"


# --------------------------------------------------------------------------- dialect


@pytest.mark.parametrize(
    ("delimiter", "text"),
    [
        (",", '客户编号,姓名,备注\nC1,张三,"a;b\tc"\n'),
        ("\t", "客户编号\t姓名\t备注\nC1\t张三\ta,b;c\n"),
        (";", "客户编号;姓名;备注\nC1;张三;a,b\n"),
    ],
)
def test_delimiters(tmp_path: Path, delimiter: str, text: str) -> None:
    table = open_table(write(tmp_path, "d.csv", text.encode()))
    assert table.delimiter == delimiter
    assert table.header == ["客户编号", "姓名", "备注"]
    assert len(next(table.rows).cells) == 3
    table.close()


def test_quoted_field_with_embedded_newline_keeps_line_numbers(tmp_path: Path) -> None:
    text = 'customer_id,name,note\nC1,张三,"第一行\n第二行\n第三行"\nC2,李四,ok\r\nC3,王五,"a,""b"""\n'
    rows = read_all(open_table(write(tmp_path, "q.csv", text.encode())))
    assert [(r.line, r.cells[0]) for r in rows] == [(2, "C1"), (5, "C2"), (6, "C3")]
    assert rows[0].cells[2] == "第一行\n第二行\n第三行"
    assert rows[2].cells[2] == 'a,"b"'


def test_title_row_hint_row_and_blank_rows(tmp_path: Path) -> None:
    text = (
        "客户资料导出（2024年3月）,,\n"
        ",,\n"
        "客户编号*,客户姓名,手机号码(必填)\n"
        "必填项,选填,如：13812345678\n"
        "C001,张三,13812345678\n"
        ",,\n"
        "\n"
        "C002,李四,13912345678\n"
    )
    table = open_table(write(tmp_path, "t.csv", text.encode()))
    assert table.header == ["客户编号*", "客户姓名", "手机号码(必填)"]
    assert table.header_line == 3
    assert [(r.line, r.cells[0]) for r in table.rows] == [(5, "C001"), (8, "C002")]


def test_hint_row_only_right_under_the_header(tmp_path: Path) -> None:
    text = "客户编号,姓名\nC1,张三\n必填,选填\n"
    rows = read_all(open_table(write(tmp_path, "h.csv", text.encode())))
    assert [r.cells for r in rows] == [["C1", "张三"], ["必填", "选填"]]


def test_no_header_found_uses_first_non_empty_row(tmp_path: Path) -> None:
    text = "\n颜色,发动机号\n红,E1\n"
    table = open_table(write(tmp_path, "n.csv", text.encode()))
    assert table.header == ["颜色", "发动机号"]
    assert table.header_line == 2
    assert [r.line for r in table.rows] == [3]


def test_partial_header_below_a_title_is_still_the_header(tmp_path: Path) -> None:
    # visits without a mileage column: the pipeline reports the missing column.
    text = "维修记录\n车架号,进厂日期,工单号\nX,2024-03-05,R1\n"
    table = open_table(write(tmp_path, "p.csv", text.encode()), kind="visits")
    assert table.header == ["车架号", "进厂日期", "工单号"]
    assert table.header_line == 2


def test_short_rows_are_padded_and_long_rows_cut_counting_the_extra_fields(tmp_path: Path) -> None:
    text = "客户编号,姓名,手机号,\nC1\nC2,张三,138,extra\nC3,李四,139,,\nC4,王五,137,,x,\n"
    rows = read_all(open_table(write(tmp_path, "s.csv", text.encode())))
    assert [(r.cells, r.raw, r.extra) for r in rows] == [
        (["C1", "", ""], ["C1", "", ""], 0),
        (["C2", "张三", "138"], ["C2", "张三", "138"], 1),
        (["C3", "李四", "139"], ["C3", "李四", "139"], 0),  # trailing commas are not extra fields
        (["C4", "王五", "137"], ["C4", "王五", "137"], 2),
    ]


def test_kind_forces_header_choice(tmp_path: Path) -> None:
    text = "车架号,进厂日期,里程\nV1,2024-03-05,100\n"
    table = open_table(write(tmp_path, "k.csv", text.encode()), kind="visits")
    assert table.header_line == 1
    table.close()


# --------------------------------------------------------------------------- xlsx


def make_workbook(path: Path) -> None:
    """A workbook with a title row, a hint row, date and numeric cells and trailing blank rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "车辆"
    ws.append(["车辆信息导出"])
    ws.append(["车架号", "客户名称", "手机号", "初登日期", "行驶里程"])
    ws.append(["必填", "选填", "必填", "如：2024/03/05", None])
    ws.append(["LFV1", "张三", 13812345678, dt.datetime(2024, 3, 5), 12345.0])
    ws.append([None, None, None, None, None])
    ws.append(["LFV2", "李四", "13912345678", 41943.43, 8000])
    for _ in range(5):
        ws.append([None, None, None])
    ws.cell(row=20, column=1, value=None)
    other = wb.create_sheet("客户")
    other.append(["客户编号", "姓名"])
    other.append(["C1", "王五"])
    wb.save(path)


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    path = tmp_path / "v.xlsx"
    make_workbook(path)
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.sheet) == (None, None, "车辆")
    assert table.header == ["车架号", "客户名称", "手机号", "初登日期", "行驶里程"]
    assert table.header_line == 2
    rows = read_all(table)
    assert [r.line for r in rows] == [4, 6]
    assert rows[0].cells == ["LFV1", "张三", 13812345678, dt.datetime(2024, 3, 5), 12345]
    assert isinstance(rows[0].cells[3], dt.datetime)
    assert rows[0].raw == ["LFV1", "张三", "13812345678", "2024-03-05", "12345"]
    assert rows[1].cells[3] == pytest.approx(41943.43)


def test_xlsx_float_cells_stay_numbers(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["客户编号", "手机号", "里程"])
    ws.append([12345.0, 13812345678.0, 12345.5])
    wb.save(path)
    row = next(open_table(path).rows)
    assert row.cells == [12345, 13812345678, 12345.5]
    assert row.raw == ["12345", "13812345678", "12345.5"]


def test_xlsx_sheet_by_name(tmp_path: Path) -> None:
    path = tmp_path / "v.xlsx"
    make_workbook(path)
    table = open_table(path, sheet="客户")
    assert table.sheet == "客户"
    assert table.header == ["客户编号", "姓名"]
    assert [(r.line, r.cells) for r in table.rows] == [(2, ["C1", "王五"])]


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "v.xlsx"
    make_workbook(path)
    with pytest.raises(FileRefused) as err:
        open_table(path, sheet="保险")
    assert str(err.value) == '找不到工作表 "保险"，文件中的工作表有："车辆"、"客户"'


def test_xlsx_with_wrong_extension_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "v.xlsx"
    make_workbook(path)
    renamed = path.rename(tmp_path / "v.csv")
    table = open_table(renamed)
    assert table.header_line == 2
    table.close()


def test_xlsx_empty_sheet_refused(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(FileRefused, match="文件是空的"):
        open_table(path)


# --------------------------------------------------------------------------- refused files


def zip_bytes(tmp_path: Path) -> bytes:
    """A zip archive that is not a workbook."""
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "文件是空的"),
        ("blank.csv", b"\n\r\n,,\n  \n", "文件是空的"),
        ("bom-only.csv", b"\xef\xbb\xbf", "文件是空的"),
        ("doc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "不是 CSV 或 xlsx 文件"),
        ("img.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是 CSV 或 xlsx 文件"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "无法读取 .xls 文件"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "密码"),
        ("broken.xlsx", b"not a zip at all", "文件已损坏或不是 .xlsx"),
        ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
    ],
)
def test_refused_files(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(FileRefused) as err:
        open_table(write(tmp_path, name, data))
    assert message in str(err.value)


def test_zip_that_is_not_xlsx_refused(tmp_path: Path) -> None:
    data = zip_bytes(tmp_path)
    with pytest.raises(FileRefused, match="zip"):
        open_table(write(tmp_path, "data.xlsx", data))


def test_legacy_xls_workbook_is_read_with_date_and_number_cells(tmp_path: Path) -> None:
    # An Excel 97-2003 workbook (WPS saves these): a title row, the header, date and numeric cells.
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("车辆信息")
    sheet.write(0, 0, "车辆信息导出")
    for col, text in enumerate(["车架号", "客户编号", "交车日期", "行驶里程"]):
        sheet.write(1, col, text)
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write(2, 0, "LFPWDD3G7BN000002")
    sheet.write(2, 1, "C1")
    sheet.write(2, 2, dt.date(2024, 3, 5), day)
    sheet.write(2, 3, 12345.0)
    path = tmp_path / "车辆信息.xls"
    book.save(str(path))

    table = open_table(path, sheet="车辆信息")
    rows = list(table.rows)
    assert table.header == ["车架号", "客户编号", "交车日期", "行驶里程"]
    assert table.header_line == 2
    assert [(r.line, r.cells[0], r.cells[2], r.cells[3]) for r in rows] == [
        (3, "LFPWDD3G7BN000002", dt.date(2024, 3, 5), 12345)
    ]
    assert parse_date(rows[0].cells[2]) == dt.date(2024, 3, 5)
    assert parse_km(rows[0].cells[3]) == 12345


def test_text_xls_export_is_read_as_tab_separated(tmp_path: Path) -> None:
    # Many DMS "Excel" exports are tab-separated text named .xls.
    path = write(tmp_path, "export.xls", "客户编号\t姓名\nC1\t张三\n".encode("gb18030"))
    table = open_table(path)
    assert (table.encoding, table.delimiter) == ("gb18030", "\t")
    assert [r.cells for r in table.rows] == [["C1", "张三"]]


def test_missing_file_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="文件不存在"):
        open_table(tmp_path / "nope.csv")


def test_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="不是文件"):
        open_table(tmp_path)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "h.csv", "客户编号,姓名\n".encode()))
    assert table.header == ["客户编号", "姓名"]
    assert read_all(table) == []


def test_table_context_manager_closes(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", CUSTOMERS_CSV.encode())
    with open_table(path) as table:
        assert next(table.rows).line == 2
    table.close()  # idempotent


def test_binary_refused_even_with_forced_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", b"\x00\x01\x02binary\x00")
    with pytest.raises(FileRefused, match="二进制"):
        open_table(path, encoding="latin-1")


def test_forced_utf16_without_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "客户编号\t姓名\nC1\t张三\n".encode("utf-16-le"))
    table = open_table(path, encoding="utf-16-le")
    assert [r.cells for r in table.rows] == [["C1", "张三"]]
