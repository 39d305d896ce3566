"""`lifecycle messages`: the day's sms tasks as one message per customer, for an SMS gateway (CSV) or
WeChat / an API (JSON); `--mark-sent` records them sent. Options here, the work in service/messages.py,
the output in render/messages.py."""

from pathlib import Path

import typer

from lifecycle_cli.cli.choices import ENCODING, FORMAT
from lifecycle_cli.cli.common import (
    EXIT_USAGE,
    EnglishHeadersOption,
    StoreOption,
    day_or_today,
    fail,
    get_context,
    today,
)
from lifecycle_cli.cli.helptext import LifecycleCommand


def messages_command(
    ctx: typer.Context,
    on: str = typer.Option(None, "--date", metavar="日期", help="短信日期 YYYY-MM-DD（默认门店时区的今天）"),
    days: int = typer.Option(1, "--days", min=1, max=366, metavar="天数", help="往后几天"),
    store: StoreOption = None,
    fmt: str = typer.Option("table", "--format", metavar="格式", callback=FORMAT.parse,
                            help="输出格式：table / csv（短信平台上传）/ json（微信、接口）"),
    encoding: str = typer.Option("utf-8", "--encoding", metavar="编码", callback=ENCODING.parse,
                                 help="CSV 的编码：utf-8 / gbk（较老的短信平台）"),
    english_headers: EnglishHeadersOption = False,
    out: Path = typer.Option(None, "--out", metavar="文件", help="写入文件（csv / json）"),
    mark_sent: bool = typer.Option(False, "--mark-sent",
                                   help="把这些短信的任务记录为 已发送（重复执行不会重复记录）"),
) -> None:
    """当天要发的短信：每位客户每天一条（合并当天的生日、节日、周年、预约提醒等），附计费条数合计。"""
    from lifecycle_cli.render.messages import write_batch
    from lifecycle_cli.render.progress import progress_line
    from lifecycle_cli.service.messages import MessageBatch, MessagesOptions, message_batch

    if encoding != "utf-8" and fmt != "csv":
        fail("--encoding 只用于 --format csv（JSON 总是 UTF-8）", EXIT_USAGE)
    if out is not None and fmt == "table":
        fail("--out 只用于 --format csv 或 json", EXIT_USAGE)
    if out is not None and out.is_dir():
        fail(f"--out：{out} 是一个文件夹，请给出文件名", EXIT_USAGE)
    context = get_context(ctx)
    rules = context.rules()
    options = MessagesOptions(day=day_or_today(on, rules), days=days, store=store, mark_sent=mark_sent)
    title = f"短信（{options.day}" + (f" 至 {options.end}" if days > 1 else "") + "）"

    def deliver(batch: MessageBatch) -> None:
        write_batch(batch, fmt, encoding=encoding, out=out, english_headers=english_headers, title=title)

    with progress_line() as steps:
        message_batch(context.engine(), rules, today(rules), options, deliver, steps)


def register(app: typer.Typer) -> None:
    """Add `messages` to the app."""
    app.command("messages", cls=LifecycleCommand)(messages_command)
