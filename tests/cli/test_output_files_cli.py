"""Files and text the tool writes, end to end: one file per owner and never a shared one, refused
--out folders, Excel formulas kept as text, terminal control characters made visible."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import DAY, STORE, Files, customer, due_tasks, make_vin, run, run_ok, vehicle

from lifecycle_cli.render.filenames import short_hash

# Five customers whose cars were delivered 2026-11-16: the 7-day call is due on DAY and owned by
# the car's sales consultant, so `--code delivery_call_7d` lists one line per car, per consultant
# (the 24-hour calls were made: a line belongs to its top task's owner, care-desk §9).
NAMES = {
    "C1": '=HYPERLINK("http://x","点我")',
    "C2": "张\x1b[31m伟\x07",
    "C3": "+86王芳",
    "C4": "-3",
    "C5": "@SUM(A1)",
}
CONSULTANTS = {"C1": "a/b", "C2": "a_b", "C3": "Wang", "C4": "wang", "C5": "陈晨"}
SEVEN_DAY = ("--date", DAY, "--code", "delivery_call_7d")


@pytest.fixture
def tricky(db: Path, files: Files) -> Path:
    """A store whose names and owners look like file paths, formulas and terminal escapes."""
    customers = [customer(cid, name, n) for n, (cid, name) in enumerate(NAMES.items(), 1)]
    vehicles = [vehicle(make_vin(500 + n), cid, "2026-11-16", plate=f"粤B{n:05d}", sales=CONSULTANTS[cid],
                        model="+CX-5") for n, cid in enumerate(NAMES, 1)]
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles))
    make_the_24h_calls(db)
    return db


def make_the_24h_calls(db: Path) -> None:
    """The sales manager's 24-hour calls done, so the 7-day call tops each customer's line on DAY."""
    for task in due_tasks(db, "--date", "2026-11-17", "--code", "delivery_call_24h"):
        run_ok(db, "done", task["task_id"], "--result", "reached", "--date", "2026-11-17")


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def split(db: Path, out: Path) -> tuple[int, str, str]:
    result = run(db, "due", *SEVEN_DAY, "--split-by", "owner", "--out", out, "--english-headers")
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- --split-by owner


def test_owners_a_slash_b_and_a_underscore_b_get_two_files_with_all_their_rows(tricky: Path, tmp_path: Path) -> None:
    out = tmp_path / "calls"
    code, stdout, stderr = split(tricky, out)

    assert code == 0, stderr
    printed = [Path(line) for line in stdout.splitlines()]
    assert sorted(printed) == sorted(out.iterdir())  # every file written is printed, nothing else
    assert len(printed) == 5  # a/b, a_b, Wang, wang, 陈晨: five owners, five files
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    owners = {}
    for path in printed:
        [row] = read_csv(path)
        owners[row["owner"]] = path.name
    assert owners == {
        "a/b": f"{DAY}_{STORE}_a_b_{short_hash('a/b')}.csv",
        "a_b": f"{DAY}_{STORE}_a_b.csv",
        "Wang": f"{DAY}_{STORE}_Wang_{short_hash('Wang')}.csv",  # one file on a case-insensitive disk too
        "wang": f"{DAY}_{STORE}_wang_{short_hash('wang')}.csv",
        "陈晨": f"{DAY}_{STORE}_陈晨.csv",
    }
    assert f"提示：负责人「a/b」的清单写入 {owners['a/b']}" in stderr
    assert "负责人「a_b」" not in stderr and "负责人「陈晨」" not in stderr


def test_one_owner_that_cannot_be_written_does_not_stop_the_others(tricky: Path, tmp_path: Path) -> None:
    out = tmp_path / "calls"
    blocked = out / f"{DAY}_{STORE}_a_b.csv"
    blocked.mkdir(parents=True)  # a folder already sits where a_b's file goes
    code, stdout, stderr = split(tricky, out)

    assert code == 1
    assert f"负责人「a_b」的清单未写入：{blocked} 已是一个文件夹" in stderr
    assert "1 位负责人的清单未写入（共 5 位），其余已写入" in stderr
    assert "Traceback" not in stderr
    written = sorted(p for p in out.iterdir() if p.is_file())
    assert [Path(line) for line in stdout.splitlines()] == written and len(written) == 4
    assert {read_csv(p)[0]["owner"] for p in written} == {"a/b", "Wang", "wang", "陈晨"}


def a_file(folder: Path) -> Path:
    (folder / "calls").write_text("x", encoding="utf-8")
    return folder / "calls"


def under_a_file(folder: Path) -> Path:
    (folder / "file").write_text("x", encoding="utf-8")
    return folder / "file" / "calls"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(a_file, "--out：{out} 是一个文件，不是文件夹", id="out-is-a-file"),
        pytest.param(under_a_file, "--out：无法创建文件夹 {out}：", id="out-under-a-file"),
    ],
)
def test_an_out_that_cannot_be_a_folder_is_refused_before_any_work(
    tricky: Path, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    out = make(tmp_path)
    code, stdout, stderr = split(tricky, out)

    assert code == 2
    assert stderr.startswith(message.format(out=out)), stderr
    assert stdout == "" and "Traceback" not in stderr and "lifecycle 出错" not in stderr


# --------------------------------------------------------------------------- Excel formulas


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("due", *SEVEN_DAY, "--format", "csv", "--english-headers"), id="due-stdout"),
        pytest.param(("vehicles", "--date", DAY, "--format", "csv", "--english-headers"), id="vehicles"),
    ],
)
def test_a_csv_keeps_a_formula_like_name_as_text_and_numbers_as_numbers(tricky: Path, args: tuple[str, ...]) -> None:
    stdout = run_ok(tricky, *args).stdout
    rows = list(csv.DictReader(stdout.lstrip("\ufeff").splitlines()))
    assert rows
    if "customer_name" in rows[0]:
        names = {r["customer_id"]: r["customer_name"] for r in rows}
        assert names == {cid: ("'" + name if name[0] in "=+-@" else name) for cid, name in NAMES.items()}
        assert all(r["task_id"].isdigit() and r["attempts"] == "0" for r in rows)
    else:
        assert [r["model"] for r in rows] == ["'+CX-5"] * len(NAMES)
        assert all(r["age_months"] == "0" and r["projected_km"].isdigit() for r in rows)


def test_split_files_keep_formula_like_names_as_text(tricky: Path, tmp_path: Path) -> None:
    code, stdout, _ = split(tricky, tmp_path / "calls")
    assert code == 0
    names = {row["customer_id"]: row["customer_name"] for p in stdout.splitlines() for row in read_csv(Path(p))}
    assert names["C1"] == "'" + NAMES["C1"] and names["C4"] == "'-3" and names["C2"] == NAMES["C2"]


def test_json_keeps_the_data_as_it_is(tricky: Path) -> None:
    import json

    lines = json.loads(run_ok(tricky, "due", *SEVEN_DAY, "--format", "json").stdout)
    assert {line["customer_id"]: line["name"] for line in lines} == NAMES


# --------------------------------------------------------------------------- terminal text


def test_the_piped_list_carries_no_escape_and_a_tab_does_not_shift_columns(db: Path, files: Files) -> None:
    customers = [customer("C1", "李\t静", 1), customer("C2", "张\x1b[31m伟\x07", 2)]
    vehicles = [vehicle(make_vin(601), "C1", "2026-11-16", sales="陈\u202e晨"),
                vehicle(make_vin(602), "C2", "2026-11-16", sales="陈晨")]
    run_ok(db, "import", files.customers(customers), files.vehicles(vehicles))
    make_the_24h_calls(db)
    stdout = run_ok(db, "due", *SEVEN_DAY).stdout

    lines = stdout.splitlines()
    header = lines[1].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[2:]]
    assert [(r["客户"], r["负责人"]) for r in rows] == [("李 静", "陈?晨"), ("张?[31m伟?", "陈晨")]
    assert "\x1b" not in stdout and "\x07" not in stdout and "\u202e" not in stdout


def test_an_import_message_quoting_a_cell_shows_no_escape(db: Path, files: Files) -> None:
    customers = [customer("C1", "张伟", 1)]
    vehicles = [vehicle(make_vin(701), "C1", "2026-11\x1b[2J-16")]
    result = run(db, "import", files.customers(customers), files.vehicles(vehicles))

    assert result.exit_code == 1
    assert "2026-11?[2J-16" in result.stderr and "\x1b" not in result.stderr
