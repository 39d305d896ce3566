"""Writing files people asked for (`--out`, split files, rejects files) without surprises.

A file is written to a temporary file created exclusively (O_CREAT | O_EXCL, a random name) in
the target's own folder, then renamed over the target: a reader never sees half a file, an
interrupted write leaves the old file as it was, and a symlink planted under a predictable
temporary name (a shared folder written by root's cron) is never followed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lifecycle_cli.errors import RefusedInput


class OutputRefused(RefusedInput):
    """A file we were asked to write cannot be written; str(exc) says why, in Chinese."""


def check_directory(directory: Path) -> None:
    """Create a folder for output files, or say why it cannot be one (it is a file, no permission)."""
    if directory.exists() and not directory.is_dir():
        raise OutputRefused(f"{directory} 是一个文件，不是文件夹")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputRefused(f"无法创建文件夹 {directory}：{exc.strerror or exc}") from None


def write_atomically(target: Path, write: Callable[[IO[Any]], None], *, binary: bool = False,
                     encoding: str = "utf-8", newline: str | None = "") -> Path:
    """Write a file through `write(fh)` into an exclusive temporary file, then rename it over the
    target (a symlink at the target is replaced, never followed). Returns the target."""
    if target.is_dir():
        raise OutputRefused(f"{target} 是一个文件夹，请给出文件名")
    check_directory(target.parent)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputRefused(f"无法写入 {target}：{exc.strerror or exc}") from None
    tmp = Path(name)
    try:
        if binary:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
                write(fh)
        os.chmod(tmp, _new_file_mode())  # mkstemp's 0600 would hide a sheet from the desk's own accounts
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputRefused(f"无法写入 {target}：{exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def _new_file_mode() -> int:
    """The mode a plain open() gives a new file: 0666 less the process's umask (usually 0644)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def save_workbook(target: Path, workbook: Any) -> Path:
    """Save an openpyxl workbook atomically (same guarantees as write_atomically)."""
    return write_atomically(target, workbook.save, binary=True)
