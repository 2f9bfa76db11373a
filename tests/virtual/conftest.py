"""Fixtures of the virtual-phone tests (the phones themselves are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import adbutils
import pytest

from harness.testing.virtual import ToolShell, tool_shell
from harness.virtual.manager import PhoneManager, RunningPhone


@pytest.fixture
def sh(tmp_path: Path) -> Iterator[ToolShell]:
    """The shell tools of a new default-profile phone, run in-process (no daemon, no sandbox)."""
    with tool_shell(tmp_path / "state") as shell:
        yield shell


@pytest.fixture(scope="module")
def adb_at_private_server(adb_server: int) -> Iterator[None]:
    """adbutils' module-level client (the one uiautomator2 uses) on the private adb server."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adbutils, "adb", adbutils.AdbClient())
        yield


@pytest.fixture(scope="session")
def rooted_phone(adb_server: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPhone]:
    """One phone of the rooted profile (Magisk su, frida-server, x86_64) for the session's tests."""
    running = PhoneManager().start(state=tmp_path_factory.mktemp("rooted") / "state", profile="rooted")
    yield running
    PhoneManager().stop(running.serial)
