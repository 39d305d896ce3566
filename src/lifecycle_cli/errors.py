"""Errors the user can fix: each carries its message (Chinese) and its exit code.

Raised anywhere below the CLI; the CLI's root group (`cli/common.py` LifecycleGroup) prints the
message on stderr and exits with the code, so no module below the CLI decides how a run ends.
"""

from __future__ import annotations


class UserError(Exception):
    """A usage error or a refused input: str(exc) is the whole message; exit 2."""

    exit_code = 2
