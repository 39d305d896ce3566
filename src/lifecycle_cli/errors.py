"""Errors that end a command, each with its message (Chinese) and its exit code.

Raised anywhere (core, store, ingest, service, cli); the CLI's root group (`cli/common.py`
LifecycleGroup) is the one place that prints the message on stderr and exits with the class's
code, so no module decides how a run ends. Pure: no imports, so every layer may raise them.

    UserError            2   the base: something the user can fix
    ├── UsageError       2   an option or argument that cannot be used
    ├── RefusedInput     2   a file, rules file, task or event refused whole; nothing changed
    ├── DatabaseProblem  2   the database cannot be used (missing, schema, URL)
    ├── NotDone          1   what was asked was (partly) not done: a closed task, nothing found
    │   └── RowsRejected 1   an import's bad rows were rejected; the good rows landed
    └── Interrupted    130   Ctrl-C: the open transaction rolled back

An empty message prints nothing (the command already said why, e.g. the import's report).
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user can fix: str(exc) is the whole message; exit 2."""

    exit_code = 2


class UsageError(UserError):
    """An option or argument that cannot be used (wrong value, wrong combination); exit 2."""


class RefusedInput(UserError):
    """An input refused whole (a file, the rules, a task id, an event date); nothing changed; exit 2."""


class DatabaseProblem(UserError):
    """The database cannot be used as it is (missing, another schema, a bad URL); exit 2."""


class NotDone(UserError):
    """What was asked was not (all) done, for a reason the message gives; the rest stands; exit 1."""

    exit_code = 1


class RowsRejected(NotDone):
    """Some rows of an import were rejected (said in its report); the good rows landed; exit 1."""


class Interrupted(UserError):
    """The user interrupted the command (Ctrl-C); what it was writing rolled back; exit 130."""

    exit_code = 130


# The exit codes `cli.common.fail` accepts, and the class each means.
BY_EXIT_CODE: dict[int, type[UserError]] = {2: UsageError, 1: NotDone, 130: Interrupted}
