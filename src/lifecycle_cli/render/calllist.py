"""The call list for people and machines: tables grouped by day, CSV, JSON, one CSV per owner."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecycle_cli.core.outcomes import DESK_COLUMNS
from lifecycle_cli.render.output import print_table, say, warn, write_csv, write_csv_file, write_json

if TYPE_CHECKING:
    from lifecycle_cli.service.calllist import CallList

UNASSIGNED = "未分配"  # the owner of tasks nobody owns, in split file names

TASK_COLUMNS = {
    "day": "清单日期",
    "customer_id": "客户编号",
    "customer_name": "客户姓名",
    "phone": "电话",
    "task_id": "任务号",
    "code": "任务代码",
    "name": "任务",
    "vin": "车架号",
    "plate": "车牌号",
    "due_date": "应办日期",
    "original_due_date": "原定日期",
    "overdue_days": "逾期天数",
    "deferred_days": "顺延次数",
    "stage": "生命周期阶段",
    "channel": "方式",
    "role": "岗位",
    "owner": "负责人",
    "task_owner": "任务负责人",
    "attempts": "已尝试次数",
    "hint": "话术要点",
}


# The call sheet (CSV, xlsx, split files): every task column, then the empty columns the desk fills
# in and `done --from` reads back (core/outcomes.py DESK_COLUMNS), with one column per question of the
# rules' questionnaire ([survey] questions, headed by the question in both languages) after 满意度.
SHEET_COLUMNS = {**TASK_COLUMNS, **DESK_COLUMNS}


# The workbook's column after the desk's: each task's call script (话术, core/scripts.py).
SCRIPT_COLUMN = ("script", "话术")


def sheet_headers(english_headers: bool, questions: Sequence[str] = (), *, script: bool = False) -> list[str]:
    """The call sheet's headers, Chinese or English; the questionnaire's columns after 满意度 / score;
    with the 话术 column last (the workbook)."""
    headers = list(TASK_COLUMNS) if english_headers else list(TASK_COLUMNS.values())
    for key, name in DESK_COLUMNS.items():
        headers.append(key if english_headers else name)
        if key == "score":
            headers.extend(questions)
    return [*headers, SCRIPT_COLUMN[0 if english_headers else 1]] if script else headers


def task_rows(lines: Iterable[dict[str, Any]], questions: Sequence[str] = (),
              scripts: Mapping[int, str] | None = None) -> list[list[Any]]:
    """One call-sheet row per task, in the columns of sheet_headers: 负责人 is the line's owner (who
    makes the call), 任务负责人 the task's; the desk's columns (and the questionnaire's) are empty; with
    `scripts`, each task's script last (话术)."""
    rows = []
    blank = [""] * (len(DESK_COLUMNS) + len(questions))
    for line in lines:
        for task in line["tasks"]:
            values = {**task, "day": line["date"], "customer_id": line["customer_id"],
                      "customer_name": line["name"], "phone": line["phone"], "owner": line["owner"],
                      "task_owner": task["owner"], "deferred_days": task.get("deferred_days", 0)}
            row = [values[k] for k in TASK_COLUMNS] + blank
            if scripts is not None:
                row.append(scripts.get(task["task_id"], ""))
            rows.append(row)
    return rows


def holiday_notes(calls: CallList) -> None:
    """Say once on stderr which years of the window lack holiday data."""
    for year in calls.years_without_holidays:
        warn(f"提示：法定节假日数据不包含 {year} 年，该年的电话任务未按节假日顺延")


def render_call_list(calls: CallList, fmt: str, english_headers: bool = False) -> None:
    """Print the call list as a table (grouped by day), CSV or JSON."""
    holiday_notes(calls)
    lines, start, days = calls.lines, calls.options.day, calls.options.days
    if fmt == "json":
        write_json(lines)
        return
    if fmt == "csv":
        write_csv(sheet_headers(english_headers, calls.questions), task_rows(lines, calls.questions))
        return
    if not lines:
        say(f"{start} 起 {days} 天内没有待办回访。" if days > 1 else f"{start} 没有待办回访。")
        return
    by_day: dict[date, list[dict[str, Any]]] = {}
    for line in lines:
        by_day.setdefault(line["date"], []).append(line)
    for day, day_lines in by_day.items():
        _day_table(day, day_lines)


def _day_table(day: date, day_lines: Sequence[dict[str, Any]]) -> None:
    rows = []
    styles = []
    for number, line in enumerate(day_lines, 1):
        tasks = line["tasks"]
        # A space before each "#id" and after each "；": a narrow terminal wraps there, so an id is
        # never split across lines (print_table folds, never cuts).
        names = "； ".join(
            f"{t['name']} #{t['task_id']}" + (f"(逾期{t['overdue_days']}天)" if t["overdue_days"] else "")
            + (f"(顺延{t['deferred_days']}次)" if t.get("deferred_days") else "")
            for t in tasks
        )
        plates = "、".join(sorted({t["plate"] for t in tasks if t["plate"]}))
        stages = "、".join(sorted({t["stage"] for t in tasks if t["stage"]}))
        rows.append([number, line["name"], line["phone"], line["owner"], names, plates, stages,
                     line["overdue_days"] or "", tasks[0]["hint"]])
        styles.append("red" if line["overdue_days"] else None)
    task_count = sum(len(line["tasks"]) for line in day_lines)
    print_table(
        ["序号", "客户", "电话", "负责人", "任务（任务号）", "车牌", "阶段", "逾期天数", "话术要点"],
        rows,
        title=f"回访清单 {day}：{len(day_lines)} 位客户，{task_count} 项任务",
        styles=styles,
        # The phone is dialled, the name read out, the plate matched: never wrapped or cut; the task
        # ids wrap, never cut. A narrow terminal leaves out the hint (120 columns), the days overdue (in
        # the task's text too; 160) and the stage (100), so a row stays a line or two at 80 columns.
        whole=(1, 2, 3, 5),
        wide_only={8: 120, 7: 160, 6: 100},
    )


def write_split_files(calls: CallList, out: Path, english_headers: bool = False,
                      fmt: str = "csv", scripts: Mapping[int, str] | None = None) -> tuple[int, int]:
    """One call sheet (CSV, or xlsx with fmt="xlsx") per owner in the folder `out` (checked before),
    named `{date}_{store}_{owner}`, each path printed on stdout. Two owners never share a file
    (render.filenames); a file that cannot be written is reported and the others are still written.
    `scripts`: each task's call script, a 话术 column of the workbooks. Returns (owners whose file was not
    written, owners)."""
    from lifecycle_cli.files import OutputRefused
    from lifecycle_cli.render.callsheet import write_sheet_workbook
    from lifecycle_cli.render.filenames import safe_part, unique_file_names

    holiday_notes(calls)
    start, days = calls.options.day, calls.options.days
    by_owner: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for line in calls.lines:
        by_owner.setdefault((line.get("store") or "", line["owner"] or ""), []).append(line)
    headers = sheet_headers(english_headers, calls.questions, script=fmt == "xlsx" and scripts is not None)
    day_part = start.isoformat() if days == 1 else f"{start.isoformat()}_{days}d"
    suffix = f".{fmt}"
    names: dict[tuple[str, str], str] = {}
    for store in sorted({store for store, _ in by_owner}):
        prefix = f"{day_part}_{safe_part(store)}_" if store else f"{day_part}_"
        of_store = unique_file_names([o for s, o in by_owner if s == store], prefix=prefix, suffix=suffix,
                                     empty=UNASSIGNED)
        names.update({(store, o): name for o, name in of_store.items()})
    failed = 0
    for (store, owner_name), owner_lines in sorted(by_owner.items()):
        path = out / names[(store, owner_name)]
        shown = owner_name or UNASSIGNED
        try:
            if path.is_dir():
                raise OutputRefused(f"{path} 已是一个文件夹")
            if fmt == "xlsx":
                write_sheet_workbook(path, headers, task_rows(owner_lines, calls.questions, scripts),
                                     title=f"{day_part} {shown}")
            else:
                write_csv_file(path, headers, task_rows(owner_lines, calls.questions))
        except OutputRefused as exc:
            failed += 1
            warn(f"负责人「{shown}」的清单未写入：{exc}")
            continue
        say(str(path))
        plain = f"{day_part}_{store}_{shown}{suffix}" if store else f"{day_part}_{shown}{suffix}"
        if path.name != plain:
            warn(f"提示：负责人「{shown}」的清单写入 {path.name}（原名含文件名不能用的字符、过长，"
                 "或与其他负责人只差大小写 / 特殊字符，文件名已改写并加编号）")
    return failed, len(by_owner)
