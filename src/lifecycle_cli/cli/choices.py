"""The values a choice option accepts (格式、岗位、回访结果、事件类型……), each declared once here.

An option or argument declared with `callback=SOMETHING.parse` accepts a value's code or its
Chinese name (`--role 服务顾问` = `--role service_advisor`, `--result 接通` = `--result reached`;
spaces and case do not matter) and hands the verb the code; anything else is a usage error in
Chinese that names the option and lists what it accepts (exit 2, said by the root group).

Choices of the rules (roles, task codes, event and campaign kinds, channels, stages, age bands)
are read from the rules in force when the option is parsed: the root callback has stored
--rules / LIFECYCLE_RULES by then, and the rules load on the first such option (never for
`--help`). Every read of the rules' tables for a choice is in this module.

The help texts list the accepted values themselves (written out in the declarations, so `--help`
loads nothing); tests/cli/test_choices_cli.py checks that each lists every value of the defaults.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from lifecycle_cli.errors import UsageError

if TYPE_CHECKING:
    from lifecycle_cli.core.rules import Rules


@dataclass(frozen=True)
class Entry:
    """One accepted value: what the verb gets, its Chinese name, other words that name it."""

    value: str
    name: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """'reached 接通' (the name after the code), or the value alone when it has no other name."""
        return f"{self.value} {self.name}" if self.name and self.name != self.value else self.value

    def words(self) -> set[str]:
        """Every spelling that names this value, normalised."""
        return {_norm(w) for w in (self.value, self.name, *self.aliases) if w}


def _norm(text: str) -> str:
    return "".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Choice:
    """The values one kind of option accepts: fixed by the program, or read from the rules."""

    fixed: Callable[[], Iterable[Entry]] | None = None
    from_rules: "Callable[[Rules], Iterable[Entry]] | None" = None

    def entries(self, rules: "Rules | None") -> tuple[Entry, ...]:
        """The accepted values (those of `rules` for a choice of the rules)."""
        if self.from_rules is not None:
            assert rules is not None
            return tuple(self.from_rules(rules))
        assert self.fixed is not None
        return tuple(self.fixed())

    def resolve(self, text: str, entries: Iterable[Entry]) -> str | None:
        """The value a code, a name or an alias names (the first that matches), or None."""
        wanted = _norm(text)
        return next((e.value for e in entries if wanted in e.words()), None)

    def parse(self, ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        """The option's callback: the code of each value given (None / [] when none was given)."""
        if value is None or ctx.resilient_parsing:
            return value
        entries = self.entries(_rules(ctx) if self.from_rules is not None else None)
        if isinstance(value, (list, tuple)):
            return [self._one(str(v), entries, param) for v in value]
        return self._one(str(value), entries, param)

    def _one(self, text: str, entries: tuple[Entry, ...], param: typer.CallbackParam) -> str:
        found = self.resolve(text, entries)
        if found is None:
            raise UsageError(f"{label(param)}: 不认识 \"{text}\"，可用：{accepted_text(entries)}")
        return found


def label(param: typer.CallbackParam) -> str:
    """How a message names the parameter: the option ('--role'), or the argument's placeholder."""
    if param.param_type_name == "option" and param.opts:
        return str(param.opts[0])
    return str(param.metavar or param.name)


def accepted_text(entries: Iterable[Entry]) -> str:
    """'reached 接通 / no_answer 未接通 / ...' for messages."""
    return " / ".join(e.shown for e in entries)


def _rules(ctx: typer.Context) -> "Rules":
    from lifecycle_cli.cli.common import get_context

    return get_context(ctx).rules()  # a bad rules file: RulesError, said by the root group (exit 2)


def _of_rules(read: "Callable[[Rules], Iterable[Entry]]") -> "Callable[[Rules], Iterable[Entry]]":
    """A reader of the rules whose errors (a kind naming a task code that is not there) are the
    user's: a usage error naming the rules file's problem."""

    def entries(rules: "Rules") -> tuple[Entry, ...]:
        try:
            return tuple(read(rules))
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"规则文件中事件/活动的设置无效：{exc}") from exc

    return entries


# --------------------------------------------------------------------------- fixed by the program


def _formats(*codes: str) -> Choice:
    return Choice(fixed=lambda: (Entry(c) for c in codes))


FORMAT = _formats("table", "csv", "json")
DUE_FORMAT = _formats("table", "csv", "json", "xlsx")  # due: the call sheet as a workbook too
REPORT_FORMAT = _formats("table", "csv", "json", "html", "xlsx")  # report: the manager's page and workbook
FORMAT_NO_CSV = _formats("table", "json")  # show, db status: no table of rows to write as CSV
ENCODING = _formats("utf-8", "gbk")  # messages: the CSV for an SMS gateway (older ones read GBK)


def _outcomes() -> Iterable[Entry]:
    from lifecycle_cli.core.calllist import OUTCOME_LABELS, OUTCOMES

    return (Entry(code, OUTCOME_LABELS[code]) for code in OUTCOMES)


def _event_statuses() -> Iterable[Entry]:
    from lifecycle_cli.core.events import STATUSES

    names = {"open": ("处理中", ()), "satisfied": ("满意", ("已解决（满意）",)),
             "unsatisfied": ("不满意", ("已解决（不满意）",))}
    return (Entry(code, names[code][0], names[code][1]) for code in STATUSES)


def _churn_categories() -> Iterable[Entry]:
    from lifecycle_cli.core.kpi import CHURN_CATEGORIES, CHURN_CODES

    return (Entry(name, "", (CHURN_CODES[name],)) for name in CHURN_CATEGORIES)


def _complaint_levels() -> Iterable[Entry]:
    from lifecycle_cli.core.complaints import LEVELS

    return (Entry(code, name) for code, name in LEVELS.items())


def _vehicle_statuses() -> Iterable[Entry]:
    from lifecycle_cli.core.facts import VEHICLE_STATUS_LABELS

    return (Entry(code, name) for code, name in VEHICLE_STATUS_LABELS.items())


RESULT = Choice(fixed=_outcomes)
VEHICLE_STATUS = Choice(fixed=_vehicle_statuses)
EVENT_STATUS = Choice(fixed=_event_statuses)
COMPLAINT_LEVEL = Choice(fixed=_complaint_levels)
CHURN_CATEGORY = Choice(fixed=_churn_categories)  # the verbs take the Chinese name; the code is accepted
# The kinds of file an import may be told (ingest/registry.py; detected from the headers otherwise).
def _import_kinds() -> Iterable[Entry]:
    from lifecycle_cli.ingest.registry import KIND_LABELS  # the registry of import kinds (ingest/kinds)

    return (Entry(code, label) for code, label in KIND_LABELS.items())


IMPORT_KIND = Choice(fixed=_import_kinds)
# The visit kinds of ingest/values.py VISIT_KINDS, with the words of the vehicle page.
VISIT_KIND = Choice(fixed=lambda: (Entry("maintenance", "保养"), Entry("repair", "维修"),
                                   Entry("warranty", "保修"), Entry("accident", "事故"),
                                   Entry("other", "其他")))
SPLIT_BY = Choice(fixed=lambda: (Entry("owner", "负责人"),))
YES_NO = Choice(fixed=lambda: (Entry("yes", "是"), Entry("no", "否")))


# --------------------------------------------------------------------------- from the rules


def _roles(rules: "Rules") -> Iterable[Entry]:
    return (Entry(code, name) for code, name in rules.roles.items())


def _task_codes(rules: "Rules") -> Iterable[Entry]:
    return (Entry(code, tp.name) for code, tp in rules.touchpoints.items())


def _channels(rules: "Rules") -> Iterable[Entry]:
    return (Entry(code, name) for code, name in rules.channels.items())


def _stages(rules: "Rules") -> Iterable[Entry]:
    return (Entry(name) for name in rules.stages.names)


def _event_kinds(rules: "Rules") -> Iterable[Entry]:
    return (Entry(k.code, k.name, k.aliases) for k in rules.events.kinds.values())


def _campaign_kinds(rules: "Rules") -> Iterable[Entry]:
    return (Entry(code, rules.touchpoints[code].name) for code in rules.campaigns.kinds)


def _age_bands(rules: "Rules") -> Iterable[Entry]:
    return (Entry(b.code, b.name, b.aliases) for b in rules.campaigns.age_bands)


ROLE = Choice(from_rules=_roles)
TASK_CODE = Choice(from_rules=_task_codes)
CHANNEL = Choice(from_rules=_channels)
STAGE = Choice(from_rules=_stages)
EVENT_KIND = Choice(from_rules=_of_rules(_event_kinds))
CAMPAIGN_KIND = Choice(from_rules=_of_rules(_campaign_kinds))
AGE_BAND = Choice(from_rules=_of_rules(_age_bands))
