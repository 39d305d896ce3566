"""Files written for people: exclusive temporary files, never following a planted symlink."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lifecycle_cli.files import OutputRefused, write_atomically


def test_writes_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "list.csv"
    write_atomically(target, lambda fh: fh.write("a,b\r\n"))
    assert target.read_bytes() == b"a,b\r\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["list.csv"]


def test_a_planted_symlink_at_the_old_temporary_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "list.csv"
    for planted in (f".{target.name}.tmp", f"{target.stem}.csv.tmp"):
        os.symlink(victim, tmp_path / planted)
    write_atomically(target, lambda fh: fh.write("new"))
    assert victim.read_text(encoding="utf-8") == "precious"
    assert target.read_text(encoding="utf-8") == "new"


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "list.csv"
    os.symlink(victim, target)
    write_atomically(target, lambda fh: fh.write("new"))
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "list.csv"
    target.write_text("old", encoding="utf-8")

    def boom(fh: object) -> None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(target, boom)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.csv"]


def test_a_folder_as_target_or_a_file_as_folder_is_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(OutputRefused, match="是一个文件夹"):
        write_atomically(tmp_path, lambda fh: fh.write("x"))
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(OutputRefused, match="是一个文件，不是文件夹"):
        write_atomically(blocker / "list.csv", lambda fh: fh.write("x"))


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_written_file_has_the_mode_a_plain_open_would_give(tmp_path: Path, umask: int, mode: int) -> None:
    """Not mkstemp's 0600: cron writes the sheets, the desk's own accounts read them."""
    old = os.umask(umask)
    try:
        target = write_atomically(tmp_path / "calls.csv", lambda fh: fh.write("a\n"))
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == mode
