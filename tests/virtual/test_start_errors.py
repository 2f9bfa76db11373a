"""`harness virtual start` with a port or state folder it cannot use: one line that names it, exit 2,
and nothing left running (no daemon, no registry entry)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import cli
from harness.virtual.manager import PhoneManager


def _daemons() -> list[str]:
    """Command lines of every virtual-phone daemon on this host."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError):
                line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if "harness.virtual.daemon" in line:
                    found.append(line)
    return found


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.fixture
def nothing_left(adb_server: int) -> Iterator[None]:
    """Fails the test if it leaves a daemon or a registry entry behind."""
    manager = PhoneManager()
    before_phones, before_daemons = manager.running(), set(_daemons())
    yield
    assert manager.running() == before_phones
    assert set(_daemons()) <= before_daemons
    assert not list(manager.running_dir.glob(".starting-*"))


def _one_line(stderr: str, *needles: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness: "), stderr
    assert "Traceback" not in stderr and " | " not in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_start_on_a_port_in_use(held_port: int, tmp_path: Path, nothing_left: None,
                                capsys: pytest.CaptureFixture[str]) -> None:
    args = ["virtual", "start", "--port", str(held_port), "--state", str(tmp_path / "state")]
    assert cli.main(args) == 2
    _one_line(capsys.readouterr().err, f"port {held_port} is in use")


def test_daemon_on_a_port_in_use_reports_it_and_sets_nothing_up(held_port: int, tmp_path: Path,
                                                                nothing_left: None) -> None:
    # the daemon's own check, for a port taken between the manager's check and the daemon's start
    state = tmp_path / "state"
    result = subprocess.run([sys.executable, "-m", "harness.virtual.daemon", "--state", str(state),
                             "--port", str(held_port), "--ready", str(tmp_path / "ready")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    _one_line(result.stderr, f"port {held_port} is in use")
    assert not (tmp_path / "ready").exists()
    assert sorted(p.name for p in state.iterdir()) == [".daemon.lock"]  # no phone state was created


def test_start_with_a_file_as_state(tmp_path: Path, nothing_left: None, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("not a folder")
    assert cli.main(["virtual", "start", "--state", str(plain)]) == 2
    _one_line(capsys.readouterr().err, f"--state {plain}: is a file, not a folder")
    assert plain.read_text() == "not a folder"


def test_start_with_a_state_under_a_file(tmp_path: Path, nothing_left: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("")
    assert cli.main(["virtual", "start", "--state", str(plain / "phone")]) == 2
    _one_line(capsys.readouterr().err, f"--state {plain / 'phone'}: is under {plain}, which is a file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_start_with_an_unwritable_state(tmp_path: Path, nothing_left: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert cli.main(["virtual", "start", "--state", str(locked / "phone")]) == 2
        _one_line(capsys.readouterr().err, f"--state {locked / 'phone'}: cannot create it in {locked}")
    finally:
        locked.chmod(0o700)


def test_start_with_a_port_out_of_range(tmp_path: Path, nothing_left: None,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["virtual", "start", "--port", "70000", "--state", str(tmp_path / "s")]) == 2
    _one_line(capsys.readouterr().err, "--port 70000: not a TCP port")
    assert not (tmp_path / "s").exists()


def test_a_daemon_that_fails_to_start_is_one_line_without_the_log(tmp_path: Path, nothing_left: None,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # a failure inside the daemon (here: an unknown profile) used to be the last log lines, joined
    assert cli.main(["virtual", "start", "--state", str(tmp_path / "s"), "--profile", "no-such-rom"]) == 2
    err = capsys.readouterr().err
    _one_line(err, "the virtual phone did not start", "no-such-rom")
    assert "harness: " not in err.removeprefix("harness: ")
