"""`lifecycle db upgrade` (create or migrate the schema) and `lifecycle db status`."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from lifecycle_cli.cli.choices import FORMAT_NO_CSV
from lifecycle_cli.cli.common import EXIT_USAGE, EnglishHeadersOption, FormatOption, fail, get_context
from lifecycle_cli.cli.helptext import HelpGroup, LifecycleCommand

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

db_app = typer.Typer(cls=HelpGroup, help="数据库：创建或升级结构（迁移），查看状态。", no_args_is_help=True,
                     rich_markup_mode=None)


def _open(ctx: typer.Context, *, create: bool = False) -> "tuple[str, str, Engine]":
    """The URL, its masked form and an engine, without the schema check the other commands make;
    only `db upgrade` (create=True) makes a SQLite file that is not there."""
    from lifecycle_cli.store.db import make_engine, mask_url, resolve_url

    url = resolve_url(get_context(ctx).db)  # a DatabaseError (errors.DatabaseProblem): exit 2
    return url, mask_url(url), make_engine(url, create=create)


def _failure(exc: Exception, url: str, what: str) -> str:
    """A database error in words: the known ones in Chinese, else the driver's text (password masked)."""
    from lifecycle_cli.cli.common import explain_os_error
    from lifecycle_cli.store.db import explain_error, mask_text

    return explain_error(exc, url) or explain_os_error(exc) or f"{what}：{type(exc).__name__}: {mask_text(str(exc), url)}"


def _describe(version: int | None, revision: str | None, has_tables: bool) -> str:
    if revision is not None:
        return f"版本 {version}（revision {revision}）"
    if version is not None:
        return f"版本 {version}（迁移之前创建，无 revision）"
    return "已有表但无版本记录" if has_tables else "空数据库"


def _digest_text(stored: str | None, current: str) -> str:
    """The rules the stored state was built with (short digest), against the rules in force."""
    if stored == current:
        return f"{stored[:12]}（与当前规则一致）"
    shown = stored[:12] if stored else "未记录"
    return f"{shown}（当前规则为 {current[:12]}：下一个使用数据库的命令会先按当前规则重算状态与任务）"


@db_app.command("upgrade", cls=LifecycleCommand)
def upgrade_command(ctx: typer.Context) -> None:
    """创建或升级数据库结构到本程序的版本（SQLite 文件与 PostgreSQL 均可；不丢失数据）。"""
    from lifecycle_cli.render.output import say
    from lifecycle_cli.store.db import SchemaError, upgrade_schema

    url, where, engine = _open(ctx, create=True)
    try:
        before, after = upgrade_schema(engine)
    except SchemaError:  # errors.DatabaseProblem: the root group says it (exit 2)
        raise
    except Exception as exc:
        fail(_failure(exc, url, f"数据库 {where} 升级失败（未做任何修改）"), EXIT_USAGE)
    finally:
        engine.dispose()
    old = _describe(before.version, before.revision, before.has_tables)
    new = _describe(after.version, after.revision, after.has_tables)
    if before.revision == after.revision:
        say(f"数据库 {where} 已是最新结构：{new}")
    else:
        say(f"数据库 {where}：{old} → {new}")


@db_app.command("status", cls=LifecycleCommand)
def status_command(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=FORMAT_NO_CSV.parse,
                            help="输出格式：table / json"),
) -> None:
    """数据库状态：引擎、地址（隐藏密码）、结构版本、各表行数、各门店最近的交车与进厂日期。"""
    from lifecycle_cli.render.output import print_table, say, write_json
    from lifecycle_cli.service.database import status
    from lifecycle_cli.store.db import DatabaseError

    url, where, engine = _open(ctx)
    try:
        data = {"url": where, **status(engine, get_context(ctx).rules())}
    except DatabaseError:  # no tables (not initialised), or newer than this program: exit 2
        raise
    except Exception as exc:
        fail(_failure(exc, url, f"无法读取数据库 {where}"), EXIT_USAGE)
    finally:
        engine.dispose()
    current = data["rules_digest_current"]
    if fmt == "json":
        write_json(data)
        return
    engine_text = data["engine"] + (f" {data['server_version']}" if data["server_version"] else "")
    say(f"引擎：{engine_text}")
    say(f"数据库：{where}")
    say(f"结构：{_describe(data['schema_version'], data['alembic_revision'], bool(data['tables']))}；"
        f"本程序：版本 {data['code_schema_version']}（revision {data['head_revision']}）"
        + ("" if data["up_to_date"] else "，请运行 lifecycle db upgrade"))
    say(f"规则摘要：{_digest_text(data['rules_digest'], current)}")
    print_table(["表", "行数"], [[k, v] for k, v in data["tables"].items()], title="各表行数")
    print_table(["门店", "车辆", "最近交车", "最近进厂"],
                [[s["store"] or "-", s["vehicles"], s["last_delivery"], s["last_visit"]] for s in data["stores"]],
                title="各门店最近数据")
    if data["go_live"]:
        print_table(["门店", "上线日期"], [[store or "-", day] for store, day in data["go_live"].items()],
                    title="各门店上线日期（首次生成回访清单之日）")
    else:
        say("上线日期：尚未上线（首次运行 due / report / messages 或 db resync 之日即为上线日期）")
    say(_exports_text(data["exports"], get_context(ctx).rules().timezone))


def _exports_text(exports: dict[str, Any], timezone: str) -> str:
    """`db status`'s line on the export log."""
    last = exports["last"]
    if last is None:
        return "完整手机号导出：无（导出默认隐藏号码中间四位）"
    store = f"，门店 {last['store']}" if last["store"] else ""
    filters = f" {last['filters']}" if last["filters"] else ""
    return (f"完整手机号导出：共 {exports['count']} 次，最近一次 {_at_text(last['at'], timezone)} "
            f"lifecycle {last['command']}{filters}（{last['rows']} 行{store}）；明细见 lifecycle db exports")


def _at_text(at: datetime, timezone: str) -> str:
    """A logged instant for people: in the store's time zone, to the second."""
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


EXPORT_COLUMNS = {"at": "导出时间", "command": "命令", "filters": "选项", "rows": "行数", "store": "门店"}


@db_app.command("exports", cls=LifecycleCommand)
def exports_command(
    ctx: typer.Context,
    fmt: FormatOption = "table",
    english_headers: EnglishHeadersOption = False,
) -> None:
    """导出日志：每次带 --unmask 显示完整手机号的导出（时间、命令、选项、行数、门店），个人信息保护法留痕。"""
    from lifecycle_cli.render.output import write_records
    from lifecycle_cli.service.exports import exports

    context = get_context(ctx)
    records = exports(context.engine())
    if fmt != "json":
        timezone = context.rules().timezone
        for r in records:
            r["at"] = _at_text(r["at"], timezone)
    write_records(records, EXPORT_COLUMNS, fmt, english_headers=english_headers,
                  title=f"完整手机号导出日志（共 {len(records)} 次）")


@db_app.command("resync", cls=LifecycleCommand)
def resync_command(ctx: typer.Context) -> None:
    """重新检索全部客户的回访任务（修复：日期水位越过了未生成任务的日子）；已记录的结果不受影响。"""
    from lifecycle_cli.cli.common import today
    from lifecycle_cli.render.output import say
    from lifecycle_cli.render.progress import progress_line
    from lifecycle_cli.service.database import resync

    context = get_context(ctx)
    rules = context.rules()
    day = today(rules)
    with progress_line() as steps:
        done = resync(context.engine(), rules, day, steps)
    counts, through = done.counts, done.through
    say(f"已重新检索全部客户的任务（{day} 起，至 {through}）：新增 {counts.created}，更新 {counts.updated}，"
        f"因进厂关闭 {counts.closed_by_visit}，取消 {counts.cancelled}")
