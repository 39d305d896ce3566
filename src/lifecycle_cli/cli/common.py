"""What every command shares: the global options, the database, the rules, today's date, exit codes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lifecycle_cli.core.rules import Rules

ENV_RULES = "LIFECYCLE_RULES"
# An ISO timestamp that stands in for the clock (replays, tests): LIFECYCLE_NOW=2026-11-22T17:00:00Z
ENV_NOW = "LIFECYCLE_NOW"

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2


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
            from lifecycle_cli.core.rules import RulesError, load_rules

            path = self.rules_path or (Path(os.environ[ENV_RULES]) if os.environ.get(ENV_RULES) else None)
            try:
                self._rules = load_rules(path)
            except RulesError as exc:
                fail(str(exc), EXIT_USAGE)
        rules: Rules = self._rules
        return rules

    def engine(self) -> Engine:
        """The database engine, with the schema created on first use and the stored state built
        with the rules in force (rebuilt first when it was built with other rules)."""
        if self._engine is None:
            from lifecycle_cli.store.db import SchemaError, mask_url, open_database

            rules = self.rules()  # a bad rules file stops the command before the database is touched
            try:
                self._url, self._engine = open_database(self.db)
            except SchemaError as exc:
                fail(str(exc), EXIT_USAGE)
            except Exception as exc:  # a URL or driver problem: say it without the password
                from lifecycle_cli.store.db import resolve_url

                fail(f"无法打开数据库 {mask_url(resolve_url(self.db))}：{exc}", EXIT_USAGE)
            self._state_follows(self._engine, rules)
        engine: Engine = self._engine
        return engine

    @staticmethod
    def _state_follows(engine: Engine, rules: Rules) -> None:
        """Rebuild the stored state and tasks when the rules in force are not those they were built with."""
        from lifecycle_cli.render.output import warn
        from lifecycle_cli.render.progress import progress_line
        from lifecycle_cli.store.rules_state import ensure_state_current

        with progress_line() as steps:
            rebuilt = ensure_state_current(engine, rules, today(rules), steps)
        if rebuilt is not None:
            t = rebuilt.tasks
            warn(f"规则与上次计算状态时不同：已按当前规则重算 {rebuilt.vehicles} 辆车、{rebuilt.customers} 位客户的状态"
                 f"并重新检索任务（新增 {t.created}，更新 {t.updated}，重新打开 {t.reopened}，"
                 f"因规则变更关闭 {t.cancelled + rebuilt.closed_ahead}）")

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
        value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def local_today(timezone: str, at: datetime) -> date:
    """The store's local date at an instant (2026-11-22T17:00Z is 2026-11-23 in Asia/Shanghai)."""
    return at.astimezone(ZoneInfo(timezone)).date()


def today(rules: Rules) -> date:
    """Today in the store's time zone."""
    return local_today(rules.timezone, now_utc())


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD option value, or a usage error naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: 无法识别的日期 \"{text}\"（格式：YYYY-MM-DD）", EXIT_USAGE)


def day_or_today(text: str | None, rules: Rules, option: str = "--date") -> date:
    """The date an option names, else today in the store's time zone."""
    return parse_day(text, option) if text else today(rules)


def fail(message: str, code: int = EXIT_PARTIAL) -> NoReturn:
    """Print a message on stderr and exit with the code."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


FORMATS = ("table", "csv", "json")

# Options several verbs share, declared once.
FormatOption = Annotated[str, typer.Option("--format", help="table / csv / json")]
EnglishHeadersOption = Annotated[bool, typer.Option("--english-headers", help="CSV 用英文表头")]
StoreOption = Annotated[str | None, typer.Option("--store", help="只看此门店")]


def check_format(fmt: str) -> str:
    """A --format value, or a usage error."""
    if fmt not in FORMATS:
        fail(f"--format 只能是 {' / '.join(FORMATS)}，不是 \"{fmt}\"", EXIT_USAGE)
    return fmt
