"""`--unmask` (个人信息保护法, care-desk §7): exports other than the caller's own list show phones as
138****1234; `--unmask` shows them in full and writes the export to the export log first."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lifecycle_cli.cli.common import get_context, now_utc
from lifecycle_cli.cli.helptext import TYPED_ARGS

UnmaskOption = Annotated[bool, typer.Option(
    "--unmask", help="显示完整手机号（默认显示为 138****1234）；此次导出记入导出日志（db exports）")]


def command_of(ctx: typer.Context) -> str:
    """The verb as typed under `lifecycle` ("churn", "campaign show")."""
    names = []
    at: Any = ctx
    while at.parent is not None:
        names.append(at.info_name or "")
        at = at.parent
    return " ".join(reversed(names))


def phones_for_export(ctx: typer.Context, records: list[dict[str, Any]], unmask: bool, *,
                      store: str | None = None) -> list[dict[str, Any]]:
    """The records as the export shows them: phones masked, or (`--unmask`) in full once the export
    is in the log (when, command, the options as typed, rows, store) — logged before anything is shown."""
    from lifecycle_cli.render.privacy import mask_phone, masked

    if not unmask:
        return masked(records)
    from lifecycle_cli.service.exports import record_export

    # The log itself keeps no number: a phone typed as the key (`show 13812345678`) is masked.
    typed = [mask_phone(a) or a if a.isdigit() and len(a) >= 7 else a
             for a in ctx.meta.get(TYPED_ARGS, []) if a != "--unmask"]
    record_export(get_context(ctx).engine(), at=now_utc(), command=command_of(ctx), filters=_joined(typed),
                  rows=len(records), store=store)
    return records


def _joined(args: list[str]) -> str:
    """The arguments on one line, an argument with spaces (or none at all) in quotes."""
    return " ".join(f'"{a}"' if not a or any(c.isspace() for c in a) else a for a in args)
