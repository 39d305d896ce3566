"""What every command shares: the global options, the database, the rules, today's date, exit codes."""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from lifecycle_cli.cli.choices import FORMAT
from lifecycle_cli.cli.helptext import HelpGroup
from lifecycle_cli.errors import BY_EXIT_CODE, DatabaseProblem, Interrupted, UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules

ENV_RULES = "LIFECYCLE_RULES"
# An ISO timestamp that stands in for the clock (replays, tests): LIFECYCLE_NOW=2026-11-22T17:00:00Z
ENV_NOW = "LIFECYCLE_NOW"

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70

# The dates any option may name: the dates the program (holidays, lunar festivals, ages) knows about.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2099, 12, 31)


@dataclass
class Context:
    """The global options, with the database and rules opened on first use."""

    db: str | None = None
    rules_path: Path | None = None
    _engine: Any = field(default=None, repr=False)
    _url: str | None = None
    _rules: Any = field(default=None, repr=False)

    def rules(self) -> Rules:
        """The effective rules (defaults, merged with --rules / LIFECYCLE_RULES)."""
        if self._rules is None:
            from lifecycle_cli.core.rules import load_rules

            path = self.rules_path or (Path(os.environ[ENV_RULES]) if os.environ.get(ENV_RULES) else None)
            self._rules = load_rules(path)  # RulesError (errors.RefusedInput): the root group says it
        rules: Rules = self._rules
        return rules

    def engine(self, *, create: bool = False, mapped: bool = False) -> Engine:
        """The database engine of an existing database; create=True (import, demo) makes a new
        one and its schema. Otherwise a missing database is a usage error and nothing is created.
        The stored state is the one of the rules in force (rebuilt first when it was built with
        other rules). `mapped`: SQLite reads the file memory-mapped (store/db.make_engine)."""
        if self._engine is None:
            from lifecycle_cli.store.db import (
                DatabaseError,
                explain_error,
                location,
                mask_text,
                open_database,
                resolve_url,
            )
            from lifecycle_cli.store.stamps import stamped

            rules = self.rules()  # a bad rules file stops the command before the database is touched
            try:
                self._url = resolve_url(self.db)
                self._url, opened = open_database(self._url, create=create, mapped=mapped)
                self._engine = stamped(opened, now_utc())  # rows stamped with the command's instant
            except DatabaseError:  # errors.DatabaseProblem: the root group says it
                raise
            except Exception as exc:  # a URL or driver problem: say it without the password
                url = self._url or ""
                message = explain_error(exc, url) or explain_os_error(exc)
                raise DatabaseProblem(message or f"无法打开数据库 {location(url)}：{mask_text(str(exc), url)}") from exc
            self._state_follows(self._engine, rules)
        engine: Engine = self._engine
        return engine

    @staticmethod
    def _state_follows(engine: Engine, rules: Rules) -> None:
        """Rebuild the stored state and tasks when the rules in force are not those they were built with."""
        from lifecycle_cli.render.output import warn
        from lifecycle_cli.render.progress import progress_line
        from lifecycle_cli.service.database import follow_rules

        with progress_line() as steps:
            rebuilt = follow_rules(engine, rules, today(rules), steps)
        if rebuilt is not None:
            t = rebuilt.tasks
            warn(f"规则与上次计算状态时不同：已按当前规则重算 {rebuilt.vehicles} 辆车、{rebuilt.customers} 位客户的状态"
                 f"并重新检索任务（新增 {t.created}，更新 {t.updated}，重新打开 {t.reopened}，"
                 f"因规则变更关闭 {t.cancelled + rebuilt.closed_ahead}）")

    def where(self) -> str | None:
        """The database's URL as resolved (unmasked; for messages pass it through location())."""
        return self._url

    def url(self) -> str:
        """The database URL in use (password masked)."""
        from lifecycle_cli.store.db import mask_url

        self.engine()
        return mask_url(self._url or "")

    def close(self) -> None:
        """Release the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()


def get_context(ctx: typer.Context) -> Context:
    """The Context the global callback stored."""
    obj = ctx.find_root().obj
    if not isinstance(obj, Context):
        obj = Context()
        ctx.find_root().obj = obj
    return obj


def now_utc() -> datetime:
    """The current time (LIFECYCLE_NOW stands in for the clock when set)."""
    stamp = os.environ.get(ENV_NOW)
    if stamp:
        try:
            value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            fail(f"{ENV_NOW}: 无法识别的时间 \"{stamp}\"（格式：2026-11-22T17:00:00Z）", EXIT_USAGE)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def local_today(timezone: str, at: datetime) -> date:
    """The store's local date at an instant (2026-11-22T17:00Z is 2026-11-23 in Asia/Shanghai)."""
    from zoneinfo import ZoneInfo  # only a command that needs today: --help starts ~4 ms sooner

    return at.astimezone(ZoneInfo(timezone)).date()


def today(rules: Rules) -> date:
    """Today in the store's time zone."""
    return local_today(rules.timezone, now_utc())


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD option value between 1900 and 2099, or a usage error naming the option."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: 无法识别的日期 \"{text}\"（格式：YYYY-MM-DD）", EXIT_USAGE)
    check_day_range(day, option)
    return day


def check_day_range(day: date, option: str) -> None:
    """A usage error naming the option when a date is outside 1900-01-01 .. 2099-12-31."""
    if not FIRST_DAY <= day <= LAST_DAY:
        fail(f"{option}: 日期 {day.isoformat()} 超出范围（{FIRST_DAY} 至 {LAST_DAY}）", EXIT_USAGE)


def parse_month(text: str, option: str = "--month") -> tuple[date, date]:
    """A YYYY-MM option value between 1900 and 2099: its first and last day, or a usage error."""
    import re

    from lifecycle_cli.core.kpi import month_bounds

    match = re.fullmatch(r"(\d{1,4})-(\d{1,2})", text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        fail(f"{option}: 无法识别的月份 \"{text}\"（格式：YYYY-MM）", EXIT_USAGE)
    if not FIRST_DAY.year <= int(match[1]) <= LAST_DAY.year:
        fail(f"{option}: 月份 {text} 超出范围（{FIRST_DAY:%Y-%m} 至 {LAST_DAY:%Y-%m}）", EXIT_USAGE)
    return month_bounds(text.strip())


def within_a_year(day: date, now: date, option: str, *, not_before: date | None = None,
                  before_what: str = "") -> None:
    """A usage error naming the option when a date is more than a year after `now` (a typo of the
    year), or before `not_before` (with what that date is)."""
    if day > now + timedelta(days=366):
        fail(f"{option}: 日期 {day} 比今天（{now}）晚一年以上，请检查年份", EXIT_USAGE)
    if not_before is not None and day < not_before:
        fail(f"{option}: 日期 {day} 早于{before_what}（{not_before}）", EXIT_USAGE)


def day_or_today(text: str | None, rules: Rules, option: str = "--date") -> date:
    """The date an option names, else today in the store's time zone."""
    return parse_day(text, option) if text else today(rules)


def fail(message: str, code: int = EXIT_PARTIAL) -> NoReturn:
    """End the command with a message on stderr and the exit code (2 usage, 1 not done, 130
    interrupted): raises the errors.py class of that code, which the root group prints."""
    raise BY_EXIT_CODE[code](message)


# Options several verbs share, declared once.
FormatOption = Annotated[str, typer.Option("--format", metavar="格式", callback=FORMAT.parse,
                                           help="输出格式：table / csv / json")]
EnglishHeadersOption = Annotated[bool, typer.Option("--english-headers", help="CSV 用英文表头")]
StoreOption = Annotated[str | None, typer.Option("--store", metavar="门店", help="只看此门店")]


def explain_os_error(exc: BaseException) -> str | None:
    """A Chinese message for a file-system error on a named file (no permission, disk full,
    read-only file system, a file where a folder should be), or None."""
    if not isinstance(exc, OSError) or not exc.filename:
        return None
    reasons = {
        errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "文件系统只读",
        errno.ENOSPC: "磁盘已满", errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
        errno.EEXIST: "已有同名文件", errno.EISDIR: "这是一个文件夹", errno.ENOENT: "不存在",
    }
    reason = reasons.get(exc.errno or 0)
    return f"无法访问 {exc.filename}：{reason}" if reason else None


def explain(exc: BaseException, context: Context | None) -> str | None:
    """The one place that turns an error the user (or the machine) can fix into a Chinese message:
    our own database errors, the driver's read-only / locked / disk-full / no-connection errors,
    file-system errors. None for a program error (the entry point reports those, exit 70)."""
    from lifecycle_cli.store.db import explain_error

    url = context.where() if context is not None else None
    return explain_error(exc, url) or explain_os_error(exc)


INTERRUPTED = "已中断"


class LifecycleGroup(HelpGroup):
    """The root command: the one place where an error becomes a message and an exit code, for every
    verb (also under CliRunner): ours (errors.py) with their class's code, the driver's and the file
    system's that the user can fix with 2, Ctrl-C with 130; anything else goes on to the entry
    point's last resort."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except Exception as exc:  # the root's own options (`lifecycle --bogus`)
            self._usage(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException) as exc:  # the command's own exits and usage errors
            self._usage(exc)
            raise
        except KeyboardInterrupt as exc:
            return self._end(Interrupted(INTERRUPTED), exc)
        except UserError as exc:  # said where it was found, with its class's exit code (errors.py)
            return self._end(exc, exc)
        except Exception as exc:
            if os.environ.get("LIFECYCLE_DEBUG"):
                raise
            obj = ctx.obj if isinstance(ctx.obj, Context) else None
            message = explain(exc, obj)
            if message is None:
                raise
            typer.echo(message, err=True)
            raise typer.Exit(EXIT_USAGE) from exc

    @staticmethod
    def _usage(exc: BaseException) -> None:
        """A usage error of the command line said in Chinese (exit 2); any other exception goes on."""
        if isinstance(exc, (typer.Exit, typer.Abort)):  # `--help` and the verbs' own exits: no usage error
            return
        from lifecycle_cli.cli.usage_errors import is_usage_error, usage_message

        if is_usage_error(exc) and type(exc).__name__ != "NoArgsIsHelpError":  # bare `lifecycle`: the help
            typer.echo(usage_message(exc), err=True)
            raise typer.Exit(EXIT_USAGE) from exc

    @staticmethod
    def _end(error: UserError, cause: BaseException) -> NoReturn:
        if str(error):
            typer.echo(str(error), err=True)
        raise typer.Exit(error.exit_code) from cause



def write_records_workbook(out: Path, rows: Sequence[Mapping[str, object]], columns: Mapping[str, str],
                           english_headers: bool, title: str) -> None:
    """Records as an xlsx sheet in the given columns (key -> Chinese header), then the path on stdout;
    a file that cannot be written is a usage error (exit 2)."""
    from lifecycle_cli.files import OutputRefused
    from lifecycle_cli.render.callsheet import write_sheet_workbook
    from lifecycle_cli.render.output import say

    headers = list(columns) if english_headers else list(columns.values())
    try:
        write_sheet_workbook(out, headers, [[r[k] for k in columns] for r in rows], title=title, dropdown=False)
    except OutputRefused as exc:
        fail(f"--out：{exc}", EXIT_USAGE)
    say(str(out))
