"""`lifecycle rules`: print the effective rules, or check a rules file without opening a database."""

from pathlib import Path

import typer

from lifecycle_cli.cli.common import get_context
from lifecycle_cli.cli.helptext import LifecycleCommand
from lifecycle_cli.errors import RefusedInput


def register(app: typer.Typer) -> None:
    """Add the rules verb to the app."""

    @app.command("rules", cls=LifecycleCommand)
    def rules_command(
        ctx: typer.Context,
        check: Path = typer.Option(None, "--check", metavar="文件", help="只检查这个规则文件（不打开数据库）：有效则退出码 0，否则列出每个问题，退出码 2"),
    ) -> None:
        """打印生效的规则（TOML）；--check FILE 检查规则文件。"""
        if check is not None:
            from lifecycle_cli.core.rules import check_file

            errors = check_file(check)
            if errors:
                raise RefusedInput("\n".join(errors))
            typer.echo(f"规则文件有效：{check}")
            return
        import tomli_w

        typer.echo(tomli_w.dumps(get_context(ctx).rules().raw), nl=False)
