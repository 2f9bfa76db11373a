from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.errors import VirtualPhoneError
from harness.virtual.profile.load import load_profile
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.runtime.processes import ProcessTable
from harness.virtual.system.state import PhoneState


@pytest.fixture
def state(tmp_path: Path) -> PhoneState:
    return PhoneState.create(tmp_path / "state", load_profile("default"))


@pytest.fixture
def table(state: PhoneState) -> Iterator[ProcessTable]:
    processes = ProcessTable(state)
    yield processes
    processes.shutdown()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_start_gives_a_live_pid_and_stop_kills_it(table: ProcessTable) -> None:
    pid = table.start("com.example.messenger", ".MainActivity")
    assert alive(pid)
    assert table.pids("com.example.messenger") == [pid]
    assert table.foreground() == "com.example.messenger"
    assert table.start("com.example.messenger") == pid   # already running: same process
    info = next(p for p in table.processes() if p.pid == pid)
    assert (info.name, info.uid) == ("com.example.messenger", 10190)
    assert table.stop("com.example.messenger")
    assert not alive(pid)
    assert table.pids("com.example.messenger") == []
    assert table.foreground() is None
    assert not table.stop("com.example.messenger")


def test_start_logs_like_activity_manager(state: PhoneState, table: ProcessTable) -> None:
    pid = table.start("com.example.weather")
    lines = [e.message for e in state.logbuffer.entries() if e.tag == "ActivityManager"]
    assert (f"Start proc {pid}:com.example.weather/u0a192 for next-top-activity "
            "{com.example.weather/com.example.weather.MainActivity}") in lines


def test_exited_process_disappears(state: PhoneState) -> None:
    def short_lived(spec: PackageSpec, phone: PhoneState) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-c", "pass"])
    table = ProcessTable(state, launcher=short_lived)
    pid = table.start("com.example.weather")
    deadline = time.monotonic() + 10
    while table.pids("com.example.weather") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert table.pids("com.example.weather") == []
    assert table.foreground() is None
    assert not alive(pid)


def test_foreground_and_home(table: ProcessTable) -> None:
    table.start("com.example.messenger")
    table.start("com.example.weather")
    assert table.foreground() == "com.example.weather"
    assert table.foreground_activity() == ("com.example.weather", "com.example.weather.MainActivity")
    table.go_home()
    assert table.foreground() is None
    assert table.foreground_activity() == ("com.android.launcher3", "com.android.launcher3.Launcher")
    assert table.is_running("com.example.messenger")


def test_system_processes_and_shutdown(table: ProcessTable) -> None:
    assert table.pids("system_server") == [1423]
    names = {p.name for p in table.all_processes()}
    assert {"init", "zygote64", "com.android.systemui"} <= names
    pids = [table.start("com.example.messenger"), table.start("com.example.smsbackup")]
    table.shutdown()
    assert not any(alive(pid) for pid in pids)
    assert table.processes() == []


def test_unknown_package_cannot_start(table: ProcessTable) -> None:
    with pytest.raises(VirtualPhoneError, match="not installed"):
        table.start("com.nope")


def test_service_processes_show_while_alive(table: ProcessTable) -> None:
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        table.add_service("frida-server", helper.pid)
        assert table.pids("frida-server") == [helper.pid]
    finally:
        helper.kill()
        helper.wait()
    assert table.pids("frida-server") == []


def test_a_failing_launcher_is_reported(state: PhoneState) -> None:
    def broken(spec: PackageSpec, phone: PhoneState) -> subprocess.Popen[bytes]:
        raise OSError("no java here")
    table = ProcessTable(state, launcher=broken)
    with pytest.raises(VirtualPhoneError, match="no java here"):
        table.start("com.example.weather")
    assert table.foreground() is None
    assert "Failure starting process com.example.weather: no java here" in [
        e.message for e in state.logbuffer.entries()]
