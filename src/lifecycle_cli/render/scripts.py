"""Call scripts (话术) for people: `show` prints those of a customer's open calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def print_scripts(scripts: Sequence[dict[str, Any]]) -> None:
    """Each open call's script under its task: 核实身份, 录音提示, 来电目的, 要点, objections."""
    from lifecycle_cli.render.output import say

    if not scripts:
        return
    say("")
    say("待办电话任务的话术")
    for s in scripts:
        say(f"  #{s['task_id']} {s['name']}（应办 {s['due_date']}）")
        for line in s["lines"]:
            say(f"    {line}")
