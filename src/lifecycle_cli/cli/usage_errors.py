"""Typer's own usage errors (an unknown option or command, a value that is not a number, a missing
value) said in Chinese, like every other message of the tool: the parser's exception is read by its
class and fields (the same names in click and in the click that typer carries), never by its English
text except for the two errors click has no class for (an unknown command, extra arguments)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# The parameter types click names, as a person would say what the value should be.
TYPE_WORDS = {"integer": "整数", "float": "数字", "boolean": "是或否（yes / no）", "path": "路径",
              "file": "文件", "directory": "文件夹", "choice": "可选值之一", "datetime": "日期"}
_NO_COMMAND = re.compile(r"No such command '(.+)'\.")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)")
_NEEDS_VALUE = re.compile(r"requires (an argument|\d+ arguments)")


def is_usage_error(exc: BaseException) -> bool:
    """Whether the exception is the command-line parser's usage error (exit 2, shown with a usage line)."""
    return any(c.__name__ == "UsageError" for c in type(exc).__mro__) and hasattr(exc, "ctx")


def _hint(exc: Any) -> str:
    """The option or argument the error is about, as the command line spells it (`--days`, `FILES`)."""
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        hint = opts or [str(getattr(param, "metavar", None) or param.name).upper()]
    if isinstance(hint, Sequence) and not isinstance(hint, str):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "").strip("'\"")


def _expected(exc: Any) -> str | None:
    """What the value should have been, from the parameter's type and range (None: no word for it)."""
    param = getattr(exc, "param", None)
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)  # typer >= 0.20
    name = getattr(annotation, "__name__", None) or getattr(getattr(param, "type", None), "name", "")
    word = TYPE_WORDS.get({"int": "integer", "float": "float", "bool": "boolean"}.get(str(name), str(name).lower()))
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if word and low is not None and high is not None:
        return f"{low}–{high} 之间的{word}"
    if word and low is not None:
        return f"不小于 {low} 的{word}"
    return word


def usage_message(exc: Any) -> str:
    """The Chinese message of a usage error, with where to read the command's help."""
    kinds = {c.__name__ for c in type(exc).__mro__}
    text = str(getattr(exc, "message", "") or "")
    if "NoSuchOption" in kinds:
        said = f"没有选项 {exc.option_name}"
        near = sorted(getattr(exc, "possibilities", None) or [])
        said += f"（相近的：{'、'.join(near)}）" if near else ""
    elif "MissingParameter" in kinds:
        said = f"缺少 {_hint(exc)}"
    elif "BadParameter" in kinds:
        expected = _expected(exc)
        space = " " if expected and expected[0].isdigit() else ""
        said = f"{_hint(exc)} 的值不对：" + (f"应为{space}{expected}" if expected else text)
    elif "BadOptionUsage" in kinds and _NEEDS_VALUE.search(text):
        said = f"选项 {exc.option_name} 后面要跟一个值"
    elif match := _NO_COMMAND.fullmatch(text):
        said = f"没有命令 {match.group(1)}"
    elif match := _EXTRA.fullmatch(text):
        said = f"多余的参数：{match.group(1)}"
    elif text == "Missing command.":
        said = "缺少命令"
    else:
        said = text
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or "lifecycle"
    return f"{said}（用法见 {path} --help）"
