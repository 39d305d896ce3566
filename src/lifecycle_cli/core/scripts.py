"""Call scripts (话术): what the caller says on a task's call, from the rules' [scripts]. Pure.

Every call opens with the identity check (核实身份) and the recording notice (录音提示); then the
code's purpose, its key points and the common objections with their answers. The fields are the
messages' (core/messages.py field_values), filled the same way. A code without a script (a new
touchpoint of an override) gets the two openings and its touchpoint's hint as the key point.
"""

from __future__ import annotations

from lifecycle_cli.core.messages import Recipient, TaskFacts, words
from lifecycle_cli.core.rules import Rules


def script_lines(who: Recipient, task: TaskFacts, rules: Rules) -> list[str]:
    """The script of a task's call, one line per part, for this customer and car."""
    scripts = rules.scripts
    lines = [f"核实身份：{words(scripts.identity_check, who, task, rules)}",
             f"录音提示：{words(scripts.recording_notice, who, task, rules)}"]
    script = scripts.codes.get(task.code)
    if script is None:
        tp = rules.touchpoints.get(task.code)
        if tp is not None and tp.hint:
            lines.append(f"要点：{tp.hint}")
        return lines
    if script.purpose:
        lines.append(f"来电目的：{words(script.purpose, who, task, rules)}")
    if script.points:
        lines.append("要点：" + "；".join(f"{i}. {words(p, who, task, rules)}" for i, p in enumerate(script.points, 1)))
    for o in script.objections:
        lines.append(f"客户：{words(o.objection, who, task, rules)} → 回答：{words(o.answer, who, task, rules)}")
    return lines


def script_text(who: Recipient, task: TaskFacts, rules: Rules) -> str:
    """The script as one text (a call sheet cell): its lines one under the other."""
    return "\n".join(script_lines(who, task, rules))
