"""The messages table as a person sees it on a terminal: at 80 columns the gateway's columns (phone, text,
parts) and the name, each phone and name whole; at 120 also the customer, the tasks and the day; files
and pipes keep every column (tests/cli/test_messages_cli.py)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from rich.cells import cell_len

from lifecycle_cli.core.messages import Message
from lifecycle_cli.render.messages import write_batch
from lifecycle_cli.service.messages import MessageBatch

TEXT = "【广州天河店】尊敬的张伟先生：您已预约11月27日到广州天河店为粤A12345做保养维修，王强恭候您的光临；如需改约请回电。"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("width", "shown"), [
    (80, ["手机", "短信内容", "计费条数", "姓名"]),
    (120, ["手机", "短信内容", "计费条数", "客户编号", "姓名", "任务号", "发送日期"]),
])
def test_a_narrow_terminal_keeps_phone_text_and_name(width: int, shown: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [Message(day=date(2026, 11, 26 + i), customer_id=f"C00020{i}", name=name, phone=f"1515441782{i}",
                        store="广州天河店", code="appointment_reminder", vin=f"LVRHDA2B6NN31149{i}", text=TEXT,
                        parts=2, task_ids=(158 + i,))
                for i, name in enumerate(("张伟", "欧阳明月"))]
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Tty()
    monkeypatch.setattr("sys.stdout", out)
    write_batch(MessageBatch(messages=messages), "table", encoding="utf-8", out=None, english_headers=False,
                title="短信（2026-11-26 至 2026-11-27）")
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert max(cell_len(line) for line in text.splitlines()) <= width
    headers = [line for line in text.splitlines() if line.startswith("┃")]
    found = [h for h in ("手机", "短信内容", "计费条数", "客户编号", "姓名", "任务代码", "车架号", "任务号", "发送日期")
             if any(h in line for line in headers)]
    assert found == shown
    words = set(re.split(r"[\s│┃]+", text))
    for m in messages:
        assert m.phone in words and m.name in words  # whole, on one line
    assert "短信（2026-11-26：1 条）" in text and "短信（2026-11-27：1 条）" in text  # one table a day
