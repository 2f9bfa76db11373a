"""TargetWatcher: targets running at the start, processes that appear later, and spawn gating.

Spawn gating cannot run here (frida's local backend and the virtual phone's portal refuse it), so
the gating test wraps the real local device in a stand-in that only replaces frida's
``spawn-added`` signal: the processes are real, really held at their first instruction (frida's
local spawn), really instrumented and resumed; only who announces them is the test.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.instrument.config import AgentConfig, Decoder
from harness.instrument.devices import FridaBackedDevice
from harness.instrument.tracer import Tracer
from harness.instrument.watch import TargetWatcher
from harness.testing.processes import ChildProcess
from harness.testing.sinks import ListSink


class GatingDevice:
    """The local device, with spawn gating announced by the test instead of by frida."""

    def __init__(self, local: FridaBackedDevice) -> None:
        self._local = local
        self.on_spawn: Callable[[int, str], None] | None = None
        self.resumed: list[int] = []
        self.gating_disabled = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._local, name)

    def enable_spawn_gating(self, on_spawn: Callable[[int, str], None]) -> bool:
        self.on_spawn = on_spawn
        return True

    def disable_spawn_gating(self) -> None:
        self.gating_disabled = True

    def resume(self, pid: int) -> None:
        self.resumed.append(pid)
        self._local.resume(pid)


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    yield sock
    sock.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)


def test_spawn_gating_instruments_matching_processes_before_they_run(
        local_device: FridaBackedDevice, agent: tuple[str, Decoder], unique_sender: Path,
        receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    device = GatingDevice(local_device)
    sink = ListSink()
    tracer = Tracer(device, source=agent[0], config=AgentConfig(modules=("native_net",), flush_ms=20),  # type: ignore[arg-type]
                    sink=sink, decode=agent[1])
    watcher = TargetWatcher(tracer, [unique_sender.name]).start()
    try:
        assert watcher.gated and device.on_spawn is not None
        # a matching process, held at its first instruction: its very first send is recorded
        matching = local_device.spawn([str(unique_sender), str(port), "first-words", "1", "0", "3000"])
        device.on_spawn(matching, unique_sender.name)
        events = sink.wait_for(1)
        assert [e.data for e in events] == [b"first-words"]
        assert [(s.pid, s.mode) for s in tracer.sessions] == [(matching, "spawn")]
        # another one is resumed at once and left alone
        other = local_device.spawn(["/bin/sh", "-c", "exit 0"])
        device.on_spawn(other, "sh")
        wait_for(lambda: other in device.resumed)
        assert matching in device.resumed and len(tracer.sessions) == 1
    finally:
        watcher.stop()
        tracer.stop()
    assert device.gating_disabled


def test_targets_running_and_appearing_later(local_device: FridaBackedDevice, agent: tuple[str, Decoder],
                                             unique_sender: Path, receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    sink = ListSink()
    tracer = Tracer(local_device, source=agent[0], config=AgentConfig(modules=("native_net",), flush_ms=20),
                    sink=sink, decode=agent[1])
    running = ChildProcess([str(unique_sender), str(port), "running", "-1", "100"])
    watcher = TargetWatcher(tracer, [unique_sender.name], poll=0.1).start()
    later: ChildProcess | None = None
    try:
        assert not watcher.gated  # frida's local backend cannot gate spawns: polling
        wait_for(lambda: any(s.pid == running.pid for s in tracer.sessions))
        wait_for(lambda: b"running" in {e.data for e in sink.events})
        running.kill()
        running.wait(5)
        later = ChildProcess([str(unique_sender), str(port), "later", "-1", "100"])  # it came back
        wait_for(lambda: any(s.pid == later.pid for s in tracer.sessions))
        modes = {s.pid: s.mode for s in tracer.sessions}
        assert modes[running.pid] == "attach" and modes[later.pid] == "reattach"
        wait_for(lambda: b"later" in {e.data for e in sink.events})
    finally:
        watcher.stop()
        tracer.stop()
        for proc in (running, later):
            if proc is not None:
                proc.kill()
                proc.wait(5)
