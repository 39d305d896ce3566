"""`lifecycle import` and `lifecycle demo`."""

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lifecycle_cli.cli.choices import IMPORT_KIND, VISIT_KIND
from lifecycle_cli.cli.common import EXIT_USAGE, Context, fail, get_context, today
from lifecycle_cli.cli.helptext import LifecycleCommand
from lifecycle_cli.errors import RefusedInput

if TYPE_CHECKING:
    from lifecycle_cli.ingest.pipeline import ImportOptions, ImportReport


def print_import_report(report: "ImportReport", where: str) -> None:
    """Diagnostics on stderr (at most 100 of a kind, then a count), the per-file summary on stdout."""
    from lifecycle_cli.ingest.messages import SHOWN_PER_KIND, WARNINGS_FILE
    from lifecycle_cli.ingest.pipeline import KIND_LABELS
    from lifecycle_cli.render.output import print_table, say, warn

    order = {f.shown: i for i, f in enumerate(report.files)}
    for message in sorted(report.messages, key=lambda m: (order.get(m.file, 0), m.line or 0)):
        prefix = "警告 " if message.level == "warning" else ""
        warn(f"{prefix}{message}")
    for kind in report.hidden:
        if kind.level == "warning":
            full = (f"完整清单见 {report.rejects_dir / WARNINGS_FILE}" if report.rejects_dir is not None
                    else "用 --rejects 目录 可得到完整清单")
        else:
            full = (f"被拒绝的行见 {report.rejects_dir} 中的 .rejects.csv 文件" if report.rejects_dir is not None
                    else "用 --rejects 目录 可得到被拒绝的行")
        warn(f"{kind.label} 共 {kind.count:,} 条（仅显示前 {SHOWN_PER_KIND} 条；{full}）")
    names = [f.path.name for f in report.files]
    # The table names a file by its name, by the path given when two inputs share a name.
    label = {id(f): f.path.name if names.count(f.path.name) == 1 else f.shown for f in report.files}
    rows = []
    for f in report.files:
        rows.append([label[id(f)], KIND_LABELS.get(f.kind or "", f.kind or "-"), f.read, f.inserted, f.updated,
                     f.unchanged, f.rejected, f.warnings, "整个文件未导入" if f.refused else "完成"])
        if f.owners is not None:  # a combined customer + vehicle sheet: its owners, a line of their own
            o = f.owners
            rows.append([f"{label[id(f)]}（车主）", KIND_LABELS["customers"], o.read, o.inserted, o.updated,
                         o.unchanged, o.rejected, o.warnings, "完成"])
    title = "导入结果（演练，未写入数据库）" if report.dry_run else "导入结果"
    print_table(["文件", "类型", "读取", "新增", "更新", "未变", "拒绝", "警告", "状态"], rows, title=title)
    for f in report.files:
        for part, suffix in ((f, ""), (f.owners, "（车主）")):
            if part is not None and part.kept:
                say(f"{label[id(f)]}{suffix}：{part.kept:,} 行保留了已有值（文件未提供）")
        if f.advisors_set:
            say(f"{label[id(f)]}：{f.advisors_set:,} 辆车原来没有服务顾问，已取其最近一张工单的顾问")
    for f in report.files:
        if f.rejects_file is not None:
            say(f"{f.shown} 被拒绝的行已写入 {f.rejects_file}（修改后可重新导入）")
    if report.warnings_file is not None:
        say(f"全部警告已写入 {report.warnings_file}")
    if not report.dry_run:
        say(f"数据库：{where}")


def import_command(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="文件", help="客户、车辆、进厂记录、事件、人员文件（CSV 或 xlsx，顺序不限）"),
    kind: str = typer.Option(None, "--kind", metavar="类型", callback=IMPORT_KIND.parse,
                             help="强制文件类型：customers 客户 / vehicles 车辆 / visits 进厂记录 / events 事件 /"
                                  " staff 人员"),
    encoding: str = typer.Option(None, "--encoding", metavar="编码", help="强制 CSV 编码，如 gb18030、utf-8"),
    sheet: str = typer.Option(None, "--sheet", metavar="工作表", help="xlsx 工作表名称（默认第一个）"),
    date_format: str = typer.Option(None, "--date-format", metavar="格式", help="非年在前的日期格式，如 %m/%d/%Y"),
    visit_kind: str = typer.Option(None, "--visit-kind", metavar="类型", callback=VISIT_KIND.parse,
                                   help="没有维修类型列的工单文件的类型：maintenance 保养 / repair 维修 / "
                                        "warranty 保修 / accident 事故 / other 其他"),
    rejects: Path = typer.Option(None, "--rejects", metavar="目录", help="把被拒绝的行写入此目录，修改后可重新导入"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查文件，不写入数据库"),
    max_unpacked_mb: int = typer.Option(200, "--max-unpacked-mb", min=1, max=100_000, metavar="MB",
                                        help="xlsx 解压后的大小上限（MB，默认 200），防止压缩炸弹耗尽内存"),
) -> None:
    """导入客户、车辆和进厂记录（一次导入为一个事务）。"""
    from lifecycle_cli.ingest.pipeline import ImportOptions
    from lifecycle_cli.service.importing import outcome

    context = get_context(ctx)
    options = ImportOptions(kind=kind, encoding=encoding, sheet=sheet, date_format=date_format,
                            visit_kind=visit_kind, rejects_dir=rejects, dry_run=dry_run,
                            today=today(context.rules()), max_unpacked_bytes=max_unpacked_mb * 1024 * 1024)
    report = _run_import(context, files, options)
    print_import_report(report, context.url())
    ending = outcome(report)  # rows rejected: 1, a file refused: 2 (the report said which)
    if ending is not None:
        raise ending


def demo_command(ctx: typer.Context) -> None:
    """把内置示例门店导入临时数据库，并打印今天的回访清单。"""
    import tempfile  # only demo needs it: --help starts ~2 ms sooner

    from lifecycle_cli.render.calllist import render_call_list
    from lifecycle_cli.render.output import say
    from lifecycle_cli.service.importing import demo

    folder = sample_data_dir()
    outer = get_context(ctx)
    with tempfile.TemporaryDirectory(prefix="lifecycle-demo-") as scratch:
        context = Context(db=str(Path(scratch) / "demo.db"), rules_path=outer.rules_path)
        rules = context.rules()
        done = demo(context.engine(create=True), rules, today(rules), folder)
        counts = done.inserted
        say(f"示例门店已导入临时数据库：人员 {counts.get('staff', 0)}，客户 {counts.get('customers', 0)}，"
            f"车辆 {counts.get('vehicles', 0)}，进厂记录 {counts.get('visits', 0)}")
        render_call_list(done.calls, "table")
        context.close()


def register(app: typer.Typer) -> None:
    """Add the import verbs to the app."""
    app.command("import", cls=LifecycleCommand)(import_command)
    app.command("demo", cls=LifecycleCommand)(demo_command)


def _run_import(context: Context, files: list[Path], options: "ImportOptions") -> "ImportReport":
    """The import (service/importing.py) with its progress on a terminal; a --rejects folder that
    cannot be written refuses the import (nothing lands)."""
    from lifecycle_cli.files import OutputRefused
    from lifecycle_cli.render.progress import progress_line
    from lifecycle_cli.service.importing import import_files

    engine, rules = context.engine(create=True), context.rules()
    with progress_line() as steps:  # the rows of each file, then state, indexes, care anchors
        progress = steps.file_rows if steps is not None else None
        try:
            return import_files(engine, rules, files, options, progress=progress, steps=steps)
        except OutputRefused as exc:
            raise RefusedInput(f"--rejects: {exc}（数据库保持导入前的状态）") from None


def sample_data_dir() -> Path:
    """The bundled sample store (the repository's sample_data/ beside the source tree)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "sample_data"
        if (candidate / "customers.csv").exists():
            return candidate
    fail("找不到示例数据 sample_data/（请在源码目录中用 pip install -e . 安装）", EXIT_USAGE)
