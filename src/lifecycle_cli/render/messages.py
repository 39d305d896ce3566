"""A message batch (`lifecycle messages`): a table for people, CSV for an SMS gateway (UTF-8 with BOM, or
GBK for older gateways), JSON for a WeChat / API integration; the total of SMS parts."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lifecycle_cli.errors import UsageError

if TYPE_CHECKING:
    from lifecycle_cli.core.messages import Message
    from lifecycle_cli.service.messages import MessageBatch

# The gateway's columns first (phone, text), then what ties a row back to the customer and the tasks.
COLUMNS = {"phone": "手机", "text": "短信内容", "parts": "计费条数", "customer_id": "客户编号", "name": "姓名",
           "code": "任务代码", "vin": "车架号", "task_ids": "任务号", "date": "发送日期"}
# On a narrow terminal the table keeps phone, text, parts and name (the day is in its title): the columns
# that tie a row back leave it below these widths (render/output.print_table); files and pipes keep all.
_WIDE_ONLY = {3: 100, 7: 100, 8: 120, 5: 140, 6: 160}


class EncodingRefused(UsageError):
    """A text the chosen encoding cannot hold (exit 2, nothing written)."""


def _row(message: Message) -> list[Any]:
    record = message.record()
    record["task_ids"] = " ".join(str(i) for i in message.task_ids)
    return [record[key] for key in COLUMNS]


def csv_bytes(messages: Sequence[Message], encoding: str, english_headers: bool = False) -> bytes:
    """The batch as CSV bytes: UTF-8 with BOM, or GBK (EncodingRefused naming the customer and the
    character when GBK cannot hold one)."""
    from lifecycle_cli.render.output import csv_text

    headers = list(COLUMNS) if english_headers else list(COLUMNS.values())
    if encoding == "utf-8":
        return ("\ufeff" + csv_text(headers, [_row(m) for m in messages])).encode("utf-8")
    for line, message in enumerate(messages, start=2):
        for value in (message.text, message.name, message.customer_id, message.vin):
            try:
                value.encode(encoding)
            except UnicodeEncodeError as exc:
                bad = value[exc.start:exc.end]
                raise EncodingRefused(
                    f"--encoding gbk：第 {line} 行（客户 {message.customer_id}）含有 GBK 无法表示的字符"
                    f"「{bad}」（U+{ord(bad[0]):04X}），未写出任何内容；请改用 --encoding utf-8 或修改规则文件中的模板"
                ) from None
    return csv_text(headers, [_row(m) for m in messages]).encode(encoding)


def json_text(messages: Sequence[Message]) -> str:
    """The batch as JSON: a list of {customer_id, name, phone, code, vin, text, parts, task_ids, date}."""
    import json

    return json.dumps([m.record() for m in messages], ensure_ascii=False) + "\n"


def write_batch(batch: MessageBatch, fmt: str, *, encoding: str, out: Path | None, english_headers: bool,
                title: str) -> None:
    """Print or write the batch; the summary (messages, parts, what was left out) on stdout for a table
    or a file, on stderr when the batch itself goes to stdout (pipes stay clean)."""
    from lifecycle_cli.files import write_atomically
    from lifecycle_cli.render.output import print_table, say, warn

    messages = batch.messages
    data: bytes | None = None
    if fmt == "csv":
        data = csv_bytes(messages, encoding, english_headers)
    elif fmt == "json":
        data = json_text(messages).encode("utf-8")
    if data is None:
        days = sorted({m.day for m in messages})
        if len(days) <= 1:
            print_table(list(COLUMNS.values()), [_row(m) for m in messages], title=title, whole=(0, 4),
                        wide_only=_WIDE_ONLY)
        for day in days if len(days) > 1 else ():  # a batch of several days (`--days N`): one table a day
            of_day = [m for m in messages if m.day == day]
            print_table(list(COLUMNS.values()), [_row(m) for m in of_day], title=f"短信（{day}：{len(of_day)} 条）",
                        whole=(0, 4), wide_only=_WIDE_ONLY)
    elif out is not None:
        payload = data

        def write(fh: IO[bytes]) -> None:
            fh.write(payload)

        write_atomically(out, write, binary=True)
    elif hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(data.decode(encoding))
    report = say if data is None or out is not None else warn
    if out is not None:
        say(str(out))
    for line in summary(batch):
        report(line)


def summary(batch: MessageBatch) -> list[str]:
    """What the run sent or left out, for people."""
    lines = [f"共 {len(batch.messages)} 条短信，计费 {batch.parts} 条（70 字以内 1 条，超过按每 67 字 1 条）"]
    if batch.recorded:
        lines.append(f"已记录为已发送：{batch.recorded} 个任务")
    if batch.closed_opt_out:
        lines.append(f"{batch.closed_opt_out} 个短信任务的客户已退订短信或要求免打扰，任务已关闭")
    if batch.no_phone:
        lines.append(f"{batch.no_phone} 位客户没有有效手机号，未生成短信")
    for code, count in sorted(batch.no_template.items()):
        lines.append(f"{count} 个 {code} 任务没有短信模板，未生成短信：在规则文件 [messages.templates] 中添加 {code}")
    return lines
