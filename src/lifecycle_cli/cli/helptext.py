"""How `--help` lays out a command for people reading Chinese.

Click measures text in characters; a Chinese character takes two columns of a terminal, so its
columns drift and its lines run past the edge. These classes lay the help out by display width
(a line breaks between two Chinese characters, or at a space, never before a closing mark), and
name each argument by its placeholder word alone (任务号; 文件… for several), where Typer adds the
Python type (`<int>`, `<list[Path]>`). LifecycleCommand for every verb, HelpGroup for the groups.

Both also defer typer's conversion of an option's value (a pydantic TypeAdapter per parameter, built on
its first value, even None) until a value is given: `lifecycle due --help` passes the root's --db and
--rules unset and would otherwise import pydantic for them (~90 ms of its ~190 ms).

A HelpGroup subclass with `verbs` (the root, cli/app.py) has its sub-commands built by typer one by one,
when named (LazyVerbs): typer builds a command by reading its function's parameters, ~0.4 ms each, and
`lifecycle due` needs `due` alone, `lifecycle --help` none of them (it lists their first lines).
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, ClassVar

from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_command_name, get_group_from_info, solve_typer_info_defaults
from typer.models import CommandInfo, TyperInfo

if TYPE_CHECKING:
    import typer

COL_MAX = 30  # the widest first column (option and placeholder) before the help goes to the next line
SPACING = 2
TYPED_ARGS = "lifecycle.typed_args"
# A run of printable ASCII, a run of spaces, or one other character with the closing marks after it.
_CHUNK = re.compile(r"[\x21-\x7e]+| +|.[，。、；：！？）》」』,.;:!?)]*", re.DOTALL)


def width(text: str) -> int:
    """The columns a terminal gives the text (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """The text in lines of at most `columns` display columns (a longer word stands alone)."""
    lines: list[str] = []
    line, used = "", 0
    for chunk in _CHUNK.findall(" ".join(text.split())):
        size = width(chunk)
        if chunk.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        if line.strip() and used + size > columns:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + chunk, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def write_rows(formatter: Any, rows: list[tuple[str, str]]) -> None:
    """A definition list (option → help) aligned and wrapped by display width."""
    if not rows:
        return
    first_col = min(max(width(first) for first, _ in rows), COL_MAX) + SPACING
    indent = " " * formatter.current_indent
    hang = " " * (formatter.current_indent + first_col)
    columns = max(formatter.width - first_col - formatter.current_indent, 20)
    for first, second in rows:
        head = indent + first
        lines = wrap(second, columns)
        if not lines:
            formatter.write(head + "\n")
            continue
        if width(first) <= first_col - SPACING:
            head += " " * (first_col - width(first))
        else:
            head += "\n" + hang
        formatter.write(head + lines[0] + "\n")
        for line in lines[1:]:
            formatter.write(hang + line + "\n")


def write_help_text(command: Any, formatter: Any) -> None:
    """The command's description, wrapped by display width."""
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    if not text:
        return
    formatter.write_paragraph()
    columns = max(formatter.width - formatter.current_indent - formatter.indent_increment, 20)
    pad = " " * (formatter.current_indent + formatter.indent_increment)
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            formatter.write("\n")
        for line in wrap(paragraph, columns):
            formatter.write(pad + line + "\n")


def _param_rows(command: Any, ctx: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if param.param_type_name == "argument":
            word = param.metavar or str(param.name).upper()
            arguments.append((word + ("…" if param.nargs != 1 else ""), record[1]))
        else:
            options.append(record)
    return arguments, options


def _write_sections(formatter: Any, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
    for title, rows in sections:
        if rows:
            with formatter.section(title):
                write_rows(formatter, rows)


def _deferred_kind() -> type | None:
    """The deferred conversion's class over typer's private RuntimeParam (typer 0.2x); None where a typer
    has no such module: then every parameter keeps typer's own conversion (slower to start, the same)."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:
        return None

    class Deferred(RuntimeParam):
        """typer's conversion of one parameter, built when the parameter first has a value: None (an
        option not given) is typer's own RuntimeParam.coerce (None, or () for several), which needs no
        TypeAdapter; a value builds typer's runtime parameter for it and converts as it does."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            real = build_runtime_param(param.type_descriptor)
            param._runtime_param = real
            return real._coerce_value(value, param=param, ctx=ctx)

    return Deferred


_DEFERRED = _deferred_kind()


def defer_coercion(params: list[Any]) -> None:
    """Give each typer parameter whose conversion is not built yet the deferred one (_DEFERRED)."""
    if _DEFERRED is None:
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _DEFERRED(parameter_info=descriptor.parameter_info,
                                             annotation=descriptor.annotation)


class LifecycleCommand(TyperCommand):
    """A verb: its help laid out by display width, its arguments named by their placeholder words.
    The arguments as the person typed them stay in `ctx.meta[TYPED_ARGS]` (the export log's filters)."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        typed = list(args)
        ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[TYPED_ARGS] = typed
        return ctx

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer_coercion(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        write_help_text(self, formatter)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = _param_rows(self, ctx)
        _write_sections(formatter, [("Arguments", arguments), ("Options", options)])


class LazyVerbs(MutableMapping[str, Any]):
    """The sub-commands of a group by name, in typer's order (the commands registered on `verbs`, then
    its groups), each built by typer (get_command_from_info / get_group_from_info, as typer's own
    get_command does) the first time it is looked up."""

    def __init__(self, verbs: typer.Typer, group: TyperGroup) -> None:
        self._infos: dict[str, CommandInfo | TyperInfo | None] = {}
        for info in verbs.registered_commands:
            assert info.callback is not None
            self._infos[info.name or get_command_name(info.callback.__name__)] = info
        for group_info in verbs.registered_groups:
            name = solve_typer_info_defaults(group_info).name
            assert name, "a group of verbs has a name"
            self._infos[name] = group_info
        self._built: dict[str, Any] = {}
        # as typer builds a group's commands: the root's settings (the group keeps all but one)
        self._pretty_exceptions_short = verbs.pretty_exceptions_short
        self._rich_markup_mode = group.rich_markup_mode
        self._suggest_commands = group.suggest_commands

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            info = self._infos[name]
            if isinstance(info, CommandInfo):
                self._built[name] = get_command_from_info(
                    info, pretty_exceptions_short=self._pretty_exceptions_short,
                    rich_markup_mode=self._rich_markup_mode)
            else:
                assert info is not None
                self._built[name] = get_group_from_info(
                    info, pretty_exceptions_short=self._pretty_exceptions_short,
                    rich_markup_mode=self._rich_markup_mode, suggest_commands=self._suggest_commands)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._infos.setdefault(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._infos[name]
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def header(self, name: str) -> Any:
        """The sub-command as its group's help lists it (hidden or not, its first line), without its
        parameters: the command if it is built, else one of its class with its name and help text
        made from the typer info as get_command_from_info / get_group_from_info make them."""
        if name in self._built:
            return self._built[name]
        info = self._infos[name]
        if isinstance(info, CommandInfo):
            text = inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
            return (info.cls or TyperCommand)(name=name, help=text, short_help=info.short_help,
                                              hidden=info.hidden, deprecated=info.deprecated)
        assert info is not None
        solved = solve_typer_info_defaults(info)
        return (solved.cls or TyperGroup)(name=name, help=solved.help, short_help=solved.short_help,
                                          hidden=solved.hidden, deprecated=solved.deprecated)


class HelpGroup(TyperGroup):
    """A group of verbs (lifecycle, event, campaign, db, vehicle): its help laid out by display width,
    each sub-command with its whole first line of help. A subclass that names `verbs` (a typer app
    holding the verbs) has them built when named (LazyVerbs)."""

    verbs: ClassVar[typer.Typer | None] = None

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        if self.verbs is not None:
            given = self.commands
            self.commands = LazyVerbs(self.verbs, self)
            self.commands.update(given)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # typer's order, as TyperGroup's, without building them

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        defer_coercion(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        write_help_text(self, formatter)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _, options = _param_rows(self, ctx)
        commands = []
        header = self.commands.header if isinstance(self.commands, LazyVerbs) else self.commands.get
        for name in self.list_commands(ctx):
            sub = header(name)
            if sub is not None and not sub.hidden:
                commands.append((name, sub.get_short_help_str(limit=1000)))
        _write_sections(formatter, [("Options", options), ("Commands", commands)])
