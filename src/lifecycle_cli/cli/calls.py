"""`lifecycle due` (the call list) and `lifecycle done` (record a call's outcome)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import typer

from lifecycle_cli.cli.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    Context,
    EnglishHeadersOption,
    FormatOption,
    StoreOption,
    check_format,
    day_or_today,
    fail,
    get_context,
    parse_day,
    today,
    within_a_year,
)

if TYPE_CHECKING:
    from lifecycle_cli.core.calllist import CustomerLine
    from lifecycle_cli.core.rules import Rules
    from lifecycle_cli.store.tasks import TaskView

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
    "stage": "生命周期阶段",
    "channel": "方式",
    "role": "岗位",
    "owner": "负责人",
    "attempts": "已尝试次数",
    "hint": "话术要点",
}


def _task_json(view: TaskView, rules: Rules) -> dict[str, Any]:
    t = view.task
    tp = rules.touchpoints.get(t.code)
    return {
        "task_id": t.task_id,
        "code": t.code,
        "name": tp.name if tp else t.code,
        "vin": view.vin,
        "plate": view.plate or "",
        "due_date": t.due_date,
        "original_due_date": t.rule_date if t.rule_date != t.due_date else None,
        "stage": view.stage,
        "channel": t.channel,
        "role": t.role,
        "owner": t.owner,
        "attempts": t.attempts,
        "hint": tp.hint if tp else "",
    }


def line_json(line: CustomerLine, views: dict[int, TaskView], rules: Rules) -> dict[str, Any]:
    """The JSON contract of one customer's line."""
    first = views[line.tasks[0].task.task_id]
    return {
        "date": line.day,
        "customer_id": first.customer_id,
        "name": first.name or "",
        "phone": first.phone or "",
        "owner": line.owner,
        "overdue_days": line.overdue_days,
        "tasks": [
            {**_task_json(views[lt.task.task_id], rules), "overdue_days": lt.overdue_days} for lt in line.tasks
        ],
    }


class CallListLines(Sequence[dict[str, Any]]):
    """A call list's lines as their JSON-contract dicts, each made when it is read: a million-car
    list is held once (as its tasks), not a second time as dicts while it is written out."""

    def __init__(self, lines: list[CustomerLine], views: dict[int, TaskView], rules: Rules) -> None:
        self._lines, self._views, self._rules = lines, views, rules

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [line_json(line, self._views, self._rules) for line in self._lines[index]]
        return line_json(self._lines[index], self._views, self._rules)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (line_json(line, self._views, self._rules) for line in self._lines)


def task_rows(lines: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """One CSV row per task, in the columns of TASK_COLUMNS."""
    rows = []
    for line in lines:
        for task in line["tasks"]:
            values = {**task, "day": line["date"], "customer_id": line["customer_id"],
                      "customer_name": line["name"], "phone": line["phone"]}
            rows.append([values[k] for k in TASK_COLUMNS])
    return rows


def compute_call_list(
    context: Context,
    *,
    start: date,
    days: int,
    owner: str | None = None,
    role: str | None = None,
    store: str | None = None,
    code: str | None = None,
    include_overdue: bool = True,
) -> CallListLines:
    """Materialise the window's tasks and build its lines, saying once on stderr which years lack holiday data."""
    from lifecycle_cli.core.calendar import HolidayCalendar
    from lifecycle_cli.core.calllist import build_call_list
    from lifecycle_cli.render.output import warn
    from lifecycle_cli.render.progress import progress_line
    from lifecycle_cli.store.tasks import open_tasks, sync_window

    rules = context.rules()
    end = start + timedelta(days=days - 1)
    calendar = HolidayCalendar()
    now = today(rules)
    # Facts up to the real today: a look at a past day must not close tasks later facts made.
    # The first list after a big import builds many customers' tasks: a progress line on a terminal.
    with progress_line() as steps, context.engine().begin() as conn:
        sync_window(conn, rules, max(start, now), start, end, calendar, now=now, steps=steps)
        selected = open_tasks(conn, start, end, owner=owner, role=role, store=store, code=code)
    by_id = {v.task.task_id: v for v in selected}
    lines = build_call_list([v.task for v in selected], start, end, rules, include_overdue=include_overdue)
    # Asked of the window's years, not of what this run happened to schedule: stored tasks count too.
    for year in (y for y in range(start.year, end.year + 1) if not calendar.has_data(y)):
        warn(f"提示：法定节假日数据不包含 {year} 年，该年的电话任务未按节假日顺延")
    return CallListLines(lines, by_id, rules)


def render_call_list(lines: Sequence[dict[str, Any]], rules: Rules, start: date, days: int, fmt: str,
                     english_headers: bool = False) -> None:
    """Print the call list as a table (grouped by day), CSV or JSON."""
    from lifecycle_cli.render.output import print_table, say, write_csv, write_json

    if fmt == "json":
        write_json(lines)
        return
    if fmt == "csv":
        headers = list(TASK_COLUMNS) if english_headers else list(TASK_COLUMNS.values())
        write_csv(headers, task_rows(lines))
        return
    if not lines:
        say(f"{start} 起 {days} 天内没有待办回访。" if days > 1 else f"{start} 没有待办回访。")
        return
    by_day: dict[date, list[dict[str, Any]]] = {}
    for line in lines:
        by_day.setdefault(line["date"], []).append(line)
    for day, day_lines in by_day.items():
        rows = []
        styles = []
        for number, line in enumerate(day_lines, 1):
            tasks = line["tasks"]
            names = "；".join(
                f"{t['name']}#{t['task_id']}" + (f"(逾期{t['overdue_days']}天)" if t["overdue_days"] else "")
                + ("(短信)" if t["channel"] == "sms" else "")
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
        )


def show_call_list(context: Context, *, start: date, days: int, fmt: str, english_headers: bool = False,
                   **filters: Any) -> None:
    """Compute and print a call list."""
    lines = compute_call_list(context, start=start, days=days, **filters)
    render_call_list(lines, context.rules(), start, days, fmt, english_headers)


def split_call_list(context: Context, out: Path, *, start: date, days: int, english_headers: bool = False,
                    **filters: Any) -> None:
    """One CSV per owner in the folder `out`, each path printed on stdout. Two owners never share a
    file (render.filenames); a file that cannot be written is reported and the others are still
    written (exit 1); an `out` that cannot be a folder is refused before any work (exit 2)."""
    from lifecycle_cli.files import OutputRefused, check_directory
    from lifecycle_cli.render.filenames import unique_file_names
    from lifecycle_cli.render.output import say, warn, write_csv_file

    try:
        check_directory(out)
    except OutputRefused as exc:
        fail(f"--out：{exc}", EXIT_USAGE)
    lines = compute_call_list(context, start=start, days=days, **filters)
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_owner.setdefault(line["owner"] or "", []).append(line)
    headers = list(TASK_COLUMNS) if english_headers else list(TASK_COLUMNS.values())
    suffix = start.isoformat() if days == 1 else f"{start.isoformat()}_{days}d"
    names = unique_file_names(by_owner, prefix=f"{suffix}_", empty=UNASSIGNED)
    failed = 0
    for owner_name, owner_lines in sorted(by_owner.items()):
        path = out / names[owner_name]
        shown = owner_name or UNASSIGNED
        try:
            if path.is_dir():
                raise OutputRefused(f"{path} 已是一个文件夹")
            write_csv_file(path, headers, task_rows(owner_lines))
        except OutputRefused as exc:
            failed += 1
            warn(f"负责人「{shown}」的清单未写入：{exc}")
            continue
        say(str(path))
        if path.name != f"{suffix}_{shown}.csv":
            warn(f"提示：负责人「{shown}」的清单写入 {path.name}（原名含文件名不能用的字符、过长，"
                 "或与其他负责人只差大小写 / 特殊字符，文件名已改写并加编号）")
    if failed:
        fail(f"{failed} 位负责人的清单未写入（共 {len(by_owner)} 位），其余已写入 {out}", EXIT_PARTIAL)


def register(app: typer.Typer) -> None:
    """Add the call-list verbs to the app."""

    @app.command("due")
    def due_command(
        ctx: typer.Context,
        use_today: bool = typer.Option(False, "--today", help="今天（门店时区；不给日期时的默认值）"),
        on: str = typer.Option(None, "--date", help="清单日期 YYYY-MM-DD"),
        days: int = typer.Option(1, "--days", min=1, max=366, help="往后几天（按天分组）"),
        owner: str = typer.Option(None, "--owner", help="只看此负责人的任务"),
        role: str = typer.Option(None, "--role", help="只看此岗位：sales_manager / sales_consultant / "
                                                       "service_advisor / customer_care"),
        store: StoreOption = None,
        code: str = typer.Option(None, "--code", help="只看此任务代码，如 first_service_invite"),
        no_overdue: bool = typer.Option(False, "--no-overdue", help="不显示逾期任务"),
        fmt: FormatOption = "table",
        english_headers: EnglishHeadersOption = False,
        split_by: str = typer.Option(None, "--split-by", help="owner：每位负责人一个 CSV 文件"),
        out: Path = typer.Option(None, "--out", help="--split-by 的输出目录"),
    ) -> None:
        """回访清单：每位客户每天一行，合并当天所有任务，按优先级排序。"""
        check_format(fmt)
        context = get_context(ctx)
        rules = context.rules()
        if use_today and on:
            fail("--today 和 --date 只能给一个", EXIT_USAGE)
        if code is not None and code not in rules.touchpoints:
            fail(f"--code 不认识 \"{code}\"，可用：{', '.join(rules.touchpoints)}", EXIT_USAGE)
        if role is not None and role not in rules.roles:
            fail(f"--role 不认识 \"{role}\"，可用：{', '.join(rules.roles)}", EXIT_USAGE)
        if split_by is not None and split_by != "owner":
            fail("--split-by 目前只支持 owner", EXIT_USAGE)
        if (split_by is None) != (out is None):
            fail("--split-by owner 需要和 --out DIR 一起使用", EXIT_USAGE)
        start = day_or_today(on, rules)
        filters: dict[str, Any] = {"owner": owner, "role": role, "store": store, "code": code, "include_overdue": not no_overdue}
        if split_by is None:
            show_call_list(context, start=start, days=days, fmt=fmt, english_headers=english_headers, **filters)
            return
        split_call_list(context, out, start=start, days=days, english_headers=english_headers, **filters)

    @app.command("done")
    def done_command(
        ctx: typer.Context,
        task_id: int = typer.Argument(..., help="任务号（清单中 # 后的数字）"),
        result: str = typer.Option(..., "--result", help="reached 接通 / no_answer 未接通 / booked 已预约 / "
                                                           "declined 拒绝 / wrong_number 号码错误"),
        note: str = typer.Option(None, "--note", help="备注"),
        booked_for: str = typer.Option(None, "--booked-for", help="预约到店日期 YYYY-MM-DD（booked 时）"),
        on: str = typer.Option(None, "--date", help="尝试日期（默认今天）"),
    ) -> None:
        """记录一次回访结果。"""
        from lifecycle_cli.core.calllist import OUTCOME_LABELS, OUTCOMES
        from lifecycle_cli.render.output import say
        from lifecycle_cli.store.tasks import OutcomeRefused, record_outcome

        if result not in OUTCOMES:
            fail(f"--result 只能是 {' / '.join(OUTCOMES)}，不是 \"{result}\"", EXIT_USAGE)
        context = get_context(ctx)
        rules = context.rules()
        now = today(rules)
        day = day_or_today(on, rules)
        within_a_year(day, now, "--date")
        booked = parse_day(booked_for, "--booked-for") if booked_for else None
        if booked is not None and result != "booked":
            fail("--booked-for 只用于 --result booked", EXIT_USAGE)
        if booked is not None:
            within_a_year(booked, now, "--booked-for", not_before=day, before_what="尝试日期")
        try:
            with context.engine().begin() as conn:
                task = record_outcome(conn, rules, task_id, result, day, note=note, booked_for=booked, today=now)
        except OutcomeRefused as exc:
            fail(str(exc), exc.code)
        tp = rules.touchpoints.get(task["code"])
        name = tp.name if tp else task["code"]
        label = OUTCOME_LABELS[result]
        if task["status"] == "open":
            left = rules.max_attempts - task["attempts"]
            say(f"已记录：任务 {task_id}（{name}）{label}，第 {task['attempts']} 次尝试；"
                f"明天再回访（还可尝试 {left} 次）")
        elif task["closed_reason"] == "unreachable":
            say(f"已记录：任务 {task_id}（{name}）{label}，已尝试 {task['attempts']} 次，任务关闭（无法联系）")
        else:
            extra = f"，预约 {booked}" if booked else ""
            say(f"已记录：任务 {task_id}（{name}）{label}{extra}，任务完成")
