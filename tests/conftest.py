"""Shared fixtures: a private adb server and virtual phones behind it.

The adb server runs on a free port (ANDROID_ADB_SERVER_PORT), never the user's 5037; the harness
home (registry of running virtual phones) is a temporary folder.  Both are set for the whole
session, so every adbutils client and every `harness` command in the tests use them.

They are set here, before anything imports adbutils or frida: adbutils builds its module-level
client (which uiautomator2 uses) from the environment at import, and frida's device manager looks
for the adb server once, when it is first used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Test modules import helpers with `from tests.conftest import ...`; without this alias that would
# run this module a second time, switching the session to a second port and HARNESS_HOME midway
# (and leaving the first adb server running after the session).
sys.modules.setdefault("tests.conftest", sys.modules[__name__])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


os.environ["ANDROID_ADB_SERVER_PORT"] = str(free_port())
os.environ["HARNESS_HOME"] = tempfile.mkdtemp(prefix="harness-home-")

import pytest  # noqa: E402

from harness.device.adb import adb_binary  # noqa: E402
from harness.virtual.manager import PhoneManager, RunningPhone  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    """Start the private adb server before any test can use adb (or frida's USB backend)."""
    subprocess.run([adb_binary(), "start-server"], check=True, capture_output=True, timeout=60)


def pytest_unconfigure(config: pytest.Config) -> None:
    PhoneManager().stop_all()
    subprocess.run([adb_binary(), "kill-server"], capture_output=True, timeout=60, check=False)


@pytest.fixture(scope="session")
def adb_server() -> int:
    """The private adb server's port (started in pytest_configure)."""
    return int(os.environ["ANDROID_ADB_SERVER_PORT"])


@pytest.fixture(scope="session")
def phone(adb_server: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPhone]:
    """One virtual phone (default profile) shared by the session's tests."""
    state = tmp_path_factory.mktemp("phone") / "state"
    running = PhoneManager().start(state=state)
    yield running
    PhoneManager().stop(running.serial)


@pytest.fixture
def fresh_phone(adb_server: int, tmp_path: Path) -> Iterator[RunningPhone]:
    """A virtual phone of its own, for tests that break or stop it."""
    running = PhoneManager().start(state=tmp_path / "state")
    yield running
    if running.alive:
        PhoneManager().stop(running.serial)


def adb(*args: str, serial: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The `adb` command line against the private server."""
    command = [adb_binary(), *(["-s", serial] if serial else []), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check)


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def rom_builds(adb_server: int, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The vendor ROM audit (scenarios/rom_audit_vendor.yaml) run as the demo runs it, on firmware
    build A (profile vendor-a) and build B (vendor-b): two run folders, shared by the session's tests
    (read them; never write into them)."""
    from harness.cli import main

    folder = tmp_path_factory.mktemp("rom")
    runs = []
    for profile in ("vendor-a", "vendor-b"):
        out = folder / profile
        code = main(["run", str(ROOT / "scenarios" / "rom_audit_vendor.yaml"), "--virtual", profile,
                     "--out", str(out)])
        assert code in (0, 1), f"{profile}: harness run exited {code}"
        runs.append(out)
    return runs[0], runs[1]
