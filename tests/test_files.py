"""``harness.files.write_atomic``: the whole new content or the old, never a part; no leftovers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from harness.files import write_atomic


def test_creates_and_replaces_with_the_umask_applied(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    old_mask = os.umask(0o022)
    try:
        write_atomic(target, b"one")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        write_atomic(target, b"two", mode=0o755)
        assert stat.S_IMODE(target.stat().st_mode) == 0o755
    finally:
        os.umask(old_mask)
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "state.json"
    target.write_bytes(b"old")

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_missing_folder_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "such" / "file", b"x")
