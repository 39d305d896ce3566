"""`lifecycle customer set`: a customer's do-not-contact (免打扰) and sms opt-out (短信退订) by hand."""

import typer

from lifecycle_cli.cli.choices import YES_NO
from lifecycle_cli.cli.common import EXIT_USAGE, fail, get_context, today
from lifecycle_cli.cli.helptext import HelpGroup, LifecycleCommand

FLAG_LABELS = {"do_not_contact": "免打扰", "sms_opt_out": "短信退订"}


def set_command(
    ctx: typer.Context,
    customer_id: str = typer.Argument(..., metavar="客户编号", help="客户编号"),
    do_not_contact: str = typer.Option(None, "--do-not-contact", metavar="是否", callback=YES_NO.parse,
                                       help="免打扰：yes 是（不再出现在任何回访、短信、流失、活动名单）/ no 否"),
    sms_opt_out: str = typer.Option(None, "--sms-opt-out", metavar="是否", callback=YES_NO.parse,
                                    help="短信退订：yes 是（不再发任何短信）/ no 否"),
) -> None:
    """设置客户的免打扰或短信退订；之后的导入只有在文件中的值变化时才会改动它。"""
    from lifecycle_cli.render.output import say
    from lifecycle_cli.service.fleet import set_customer

    values = {flag: text == "yes" for flag, text in (("do_not_contact", do_not_contact),
                                                    ("sms_opt_out", sms_opt_out)) if text is not None}
    if not values:
        fail("请至少给出一项：--do-not-contact yes|no / --sms-opt-out yes|no", EXIT_USAGE)
    context = get_context(ctx)
    rules = context.rules()
    done = set_customer(context.engine(), rules, today(rules), customer_id.strip(), values)
    shown = "，".join(f"{FLAG_LABELS[f]} {_yes_no(done.before[f])} → {_yes_no(done.after[f])}" for f in values)
    tasks = [text for n, text in ((done.closed, f"关闭 {done.closed} 项待办任务"),
                                  (done.opened, f"恢复 {done.opened} 项任务")) if n]
    tail = f"，{'，'.join(tasks)}" if tasks else ""
    say(f"已更新客户 {done.customer_id}{f'（{done.name}）' if done.name else ''}：{shown}{tail}")


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def customer_app() -> typer.Typer:
    """`lifecycle customer set`."""
    sub = typer.Typer(cls=HelpGroup, help="修改一位客户的联系偏好（免打扰、短信退订）。", no_args_is_help=True,
                      rich_markup_mode=None)
    sub.command("set", cls=LifecycleCommand)(set_command)
    return sub
