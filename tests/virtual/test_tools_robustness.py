"""No argv may make a tool raise: the daemon would turn that into a broken shell stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from harness.testing.virtual import run_tool
from harness.virtual.profile.load import load_profile
from harness.virtual.runtime.processes import ProcessTable
from harness.virtual.shell.tools import TOOLS
from harness.virtual.system.state import PhoneState

ODD_ARGVS = [[], ["--bogus"], ["-"], ["x", "y", "z"], ["help"], ["--user"], ["get"], ["set"], ["start", "-n"],
             ["list"], ["query", "--uri"], ["tap", "1"], ["size", "axb"], ["dump", "/etc/x"], ["-p", "/"],
             ["grant", "com.example.weather"], ["install", "/nonexistent"], ["-v"], ["-b", "nope"],
             ["package"], ["text", ""], ["keyevent"], ["density", "-1"], ["-t", "x"], ["é", "\x00"]]


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PhoneState, ProcessTable]]:
    state = PhoneState.create(tmp_path_factory.mktemp("robust") / "state", load_profile("default"))
    processes = ProcessTable(state)
    yield state, processes
    processes.shutdown()


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_odd_arguments_never_raise(phone: tuple[PhoneState, ProcessTable], name: str) -> None:
    stopped = threading.Event()
    stopped.set()   # streaming tools (logcat) must return at once
    for argv in ODD_ARGVS:
        result = run_tool(TOOLS[name], *phone, argv, cancelled=stopped)
        assert 0 <= result.status <= 255, (name, argv)
