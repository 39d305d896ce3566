"""The `lifecycle` command: global options and the verbs. Heavy libraries load inside the verbs."""

from pathlib import Path

import typer

from lifecycle_cli.cli import (
    appointments,
    calls,
    database,
    events,
    fleet,
    importing,
    messages,
    outcomes,
    reports,
    rules,
)
from lifecycle_cli.cli.common import Context, LifecycleGroup

# The verbs, registered here rather than on `app`: typer would build every one of them (reading each
# function's parameters) on every run; the root group builds the one named (cli/helptext.py LazyVerbs).
verbs_app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)


class Lifecycle(LifecycleGroup):
    """The root command, `lifecycle`: its verbs are those of verbs_app."""

    verbs = verbs_app


app = typer.Typer(
    cls=Lifecycle,  # errors the user can fix: a Chinese message, exit 2 (cli/common.py explain)
    name="lifecycle",
    help="车辆生命周期管理：导入 DMS 数据，按生命周期阶段生成每日回访清单，记录回访结果，统计 KPI。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def show_version(value: bool) -> None:
    """`lifecycle --version`: the installed distribution's version, then exit."""
    if value:
        from importlib.metadata import version

        typer.echo(f"lifecycle {version('lifecycle-cli')}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", metavar="数据库",
                           help="数据库：文件路径或 URL（默认 LIFECYCLE_DB，或用户数据目录）"),
    rules: Path = typer.Option(None, "--rules", metavar="文件",
                               help="规则文件 TOML（默认 LIFECYCLE_RULES，或内置默认规则）"),
    version: bool = typer.Option(False, "--version", is_eager=True, expose_value=False, callback=show_version,
                                 help="显示版本并退出"),
) -> None:
    """车辆生命周期管理 (lifecycle)。"""
    ctx.obj = Context(db=db, rules_path=rules)
    ctx.call_on_close(ctx.obj.close)


importing.register(verbs_app)
fleet.register(verbs_app)
calls.register(verbs_app)
messages.register(verbs_app)
outcomes.register(verbs_app)
appointments.register(verbs_app)
reports.register(verbs_app)
rules.register(verbs_app)
verbs_app.add_typer(events.event_app, name="event")
verbs_app.add_typer(events.campaign_app, name="campaign")
verbs_app.add_typer(database.db_app, name="db")


def main() -> None:
    """Console entry point: unexpected errors become one clear line on stderr, never a traceback.

    Errors the user can fix were already said in Chinese with exit 2 (LifecycleGroup); what reaches
    this handler is a fault of the program: exit 70, its type only (the text may hold data or a
    password), and how to see the details.
    """
    import os
    import sys

    from lifecycle_cli.cli.common import EXIT_INTERNAL

    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("已中断\n")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("LIFECYCLE_DEBUG"):
            raise
        sys.stderr.write(f"lifecycle 内部错误（{type(exc).__name__}），请把命令和 LIFECYCLE_DEBUG=1 时的输出报告给维护者\n"
                         "（设置 LIFECYCLE_DEBUG=1 可查看详细信息）\n")
        sys.exit(EXIT_INTERNAL)
