"""What the tool writes never obeys the data: Excel formulas stay text, terminal control characters
are made visible, file names from owners are safe and never shared."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from lifecycle_cli.render.filenames import MAX_BYTES, short_hash, unique_file_names
from lifecycle_cli.render.output import csv_cell, csv_text, print_table, screen_text
from lifecycle_cli.render.progress import StepProgress


class Terminal(io.StringIO):
    """A stream that says it is a terminal (rich's table path)."""

    def isatty(self) -> bool:
        return True


# --------------------------------------------------------------------------- CSV for Excel


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")', id="equals"),
        pytest.param("+86 138 1234 5601", "'+86 138 1234 5601", id="plus"),
        pytest.param("-3", "'-3", id="minus-text"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\tcmd", "'\tcmd", id="tab"),
        pytest.param("\rcmd", "'\rcmd", id="cr"),
        pytest.param("张伟", "张伟", id="plain-text"),
        pytest.param("a=b", "a=b", id="equals-inside"),
        pytest.param("", "", id="empty-text"),
        pytest.param(" =1", " =1", id="space-first"),
        pytest.param(-3, "-3", id="negative-int"),
        pytest.param(-1.5, "-1.5", id="negative-float"),
        pytest.param(Decimal("-2.50"), "-2.5", id="negative-decimal"),
        pytest.param(Fraction(-1, 4), "-0.25", id="negative-fraction"),
        pytest.param(0, "0", id="zero"),
        pytest.param(date(2026, 11, 23), "2026-11-23", id="date"),
        pytest.param(None, "", id="none"),
        pytest.param(True, "是", id="bool"),
    ],
)
def test_a_text_cell_excel_would_run_gets_a_quote_and_numbers_stay_numbers(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell
    text = csv_text(["h"], [[value]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["h"], [cell]]


def test_csv_keeps_tabs_and_line_breaks_inside_a_quoted_cell() -> None:
    text = csv_text(["a", "b"], [["李\t静", "第一行\n第二行"]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["李\t静", "第一行\n第二行"]]


# --------------------------------------------------------------------------- terminal text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("张\x1b[31m伟", "张?[31m伟", id="esc"),
        pytest.param("响\x07铃", "响?铃", id="bel"),
        pytest.param("退\x08格", "退?格", id="backspace"),
        pytest.param("删\x7f除", "删?除", id="del"),
        pytest.param("c1\x9b31m", "c1?31m", id="c1-csi"),
        pytest.param("王\u202e芳", "王?芳", id="bidi-override"),
        pytest.param("王\u2067芳", "王?芳", id="bidi-isolate"),
        pytest.param("李\t静", "李 静", id="tab"),
        pytest.param("两\n行", "两 行", id="newline"),
        pytest.param("回\r车", "回 车", id="cr"),
        pytest.param("行\u2028分", "行 分", id="line-separator"),
        pytest.param("张伟 13812345601", "张伟 13812345601", id="plain"),
        pytest.param("全角\u3000空格", "全角\u3000空格", id="ideographic-space-kept"),
    ],
)
def test_screen_text_makes_control_characters_visible(text: str, shown: str) -> None:
    assert screen_text(text) == shown


def test_the_piped_table_keeps_one_cell_per_column_and_no_control_characters() -> None:
    out = io.StringIO()
    print_table(["客户", "电话"], [["李\t静", "138\n1234"], ["张\x1b[2J伟", "1"], ["王芳", "2"]],
                title="清单\x1b]0;标题\x07", stream=out)
    assert out.getvalue() == "# 清单?]0;标题?\n客户\t电话\n李 静\t138 1234\n张?[2J伟\t1\n王芳\t2\n"


def test_the_terminal_table_shows_no_escape_and_takes_brackets_as_text() -> None:
    out = Terminal()
    print_table(["客户", "备注"], [["张\x1b[31m伟", "[bold]不是标记[/]"]], title="活动[/]「冬季」", stream=out)
    text = out.getvalue()
    assert "张?[31m伟" in text and "[bold]不是标记[/]" in text and "活动[/]「冬季」" in text
    assert "\x1b[31m伟" not in text


def test_a_progress_label_from_data_cannot_move_the_cursor() -> None:
    out = io.StringIO()
    progress = StepProgress(out, clock=iter([0.0, 5.0]).__next__)
    progress("文件\x1b[2J", 0, 10)
    progress("文件\x1b[2J", 5, 10)
    assert "文件?[2J" in out.getvalue() and "\x1b[2J" not in out.getvalue()


def test_a_file_name_in_the_progress_line_cannot_move_the_cursor(tmp_path: Path) -> None:
    path = tmp_path / "客户\x1b[2J.csv"
    path.write_bytes(b"C1,n,12\n" * 60_000)  # 8 bytes a line
    out = io.StringIO()
    progress = StepProgress(out, clock=iter([0.0, 5.0]).__next__)
    progress.file_rows(path, 10_000)
    progress.file_rows(path, 20_000)
    assert "客户?[2J.csv：20,000 / 约 60,000 行" in out.getvalue() and "\x1b[2J" not in out.getvalue()


# --------------------------------------------------------------------------- file names from owners

WINDOWS_BAD = 'a\\b:c*d?e"f<g>h|i'


def test_owners_who_share_a_safe_name_each_get_a_file_of_their_own() -> None:
    owners = ["a/b", "a_b", "Wang", "wang", "", "未分配", "a_b_" + short_hash("a/b")]
    names = unique_file_names(owners, prefix="2026-11-23_")
    assert len({name.casefold() for name in names.values()}) == len(owners)
    assert names["a_b"] == "2026-11-23_a_b.csv"  # unchanged: nobody else is on it any more
    assert names["a/b"] == f"2026-11-23_a_b_{short_hash('a/b')}.csv"
    assert names["Wang"] == f"2026-11-23_Wang_{short_hash('Wang')}.csv"
    assert names["wang"] == f"2026-11-23_wang_{short_hash('wang')}.csv"
    assert names[""] == f"2026-11-23_未分配_{short_hash('')}.csv"
    assert unique_file_names(reversed(owners), prefix="2026-11-23_") == names  # the same every morning


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        pytest.param("王强", "王强.csv", id="plain"),
        pytest.param("", "未分配.csv", id="unassigned"),
        pytest.param(WINDOWS_BAD, f"a_b_c_d_e_f_g_h_i_{short_hash(WINDOWS_BAD)}.csv", id="windows-chars"),
        pytest.param("CON", f"_CON_{short_hash('CON')}.csv", id="reserved"),
        pytest.param("nul.txt", f"_nul.txt_{short_hash('nul.txt')}.csv", id="reserved-with-dot"),
        pytest.param(".hidden", f"hidden_{short_hash('.hidden')}.csv", id="leading-dot"),
        pytest.param("张\x1b[31m", f"张_[31m_{short_hash(chr(0x5F20) + chr(27) + '[31m')}.csv", id="control"),
        pytest.param("王 强", f"王_强_{short_hash('王 强')}.csv", id="space"),
    ],
)
def test_an_owner_name_becomes_a_safe_file_name(owner: str, name: str) -> None:
    made = unique_file_names([owner])[owner]
    assert made == name
    assert not set(made) & set('/\\:*?"<>|') and made.isprintable()


@pytest.mark.parametrize("owner", ["x" * 300, "张" * 200, "张" * 27 + "x" * 20])
def test_a_long_owner_name_is_shortened_with_a_hash(owner: str) -> None:
    name = unique_file_names([owner], prefix="2026-11-23_7d_")[owner]
    assert len(name.encode("utf-8")) <= MAX_BYTES
    assert name.endswith(f"_{short_hash(owner)}.csv") and name.startswith("2026-11-23_7d_" + owner[:5])
