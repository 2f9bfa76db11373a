"""Spawn, attach (pid, name, after launch), SIGKILL mid-trace and relaunch, on real local processes."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.errors import InstrumentError
from harness.instrument.devices import FridaBackedDevice
from harness.instrument.session import AgentConfig, Decoder
from harness.instrument.tracer import Tracer
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.testing.agents import CONTRACT_AGENT, decode_contract_batch
from harness.testing.processes import ChildProcess
from harness.testing.sinks import ListSink

NATIVE = AgentConfig(modules=("native_net",), flush_ms=20)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def make_tracer(device: FridaBackedDevice, agent: tuple[str, Decoder], sink: object,
                store: RunStore | None = None) -> Tracer:
    source, decode = agent
    return Tracer(device, source=source, config=NATIVE, sink=sink, decode=decode,  # type: ignore[arg-type]
                  listener=store, poll_interval=0.05)


def test_spawn_catches_the_very_first_udp_send(local_device: FridaBackedDevice, agent: tuple[str, Decoder],
                                               udp_sender_exe: Path, udp_port: int, tmp_path: Path) -> None:
    store = RunStore.create(tmp_path / "spawn.run")
    tracer = make_tracer(local_device, agent, store.writer(), store)
    session = tracer.spawn([str(udp_sender_exe), str(udp_port), "first-packet", "1", "0", "300"])
    assert tracer.wait(10)
    tracer.stop()
    store.close()
    events = list(iter_events(tmp_path / "spawn.run"))
    assert [e.data for e in events] == [b"first-packet"]
    assert events[0].kind == "net.send"
    assert events[0].pid == session.pid and events[0].process == "udp_sender"
    assert events[0].dest is not None and events[0].dest.port == udp_port
    [target] = RunStore.open(tmp_path / "spawn.run").targets()
    assert (target.mode, target.detach_reason) == ("spawn", "process-terminated")


def test_attach_by_pid(local_device: FridaBackedDevice, agent: tuple[str, Decoder], unique_sender: Path,
                       udp_port: int, popen: Callable[..., ChildProcess]) -> None:
    proc = popen(unique_sender, udp_port, "tick", -1, 20)
    sink = ListSink()
    tracer = make_tracer(local_device, agent, sink)
    session = tracer.attach(pid=proc.pid)
    wait_for(lambda: len(sink.events) >= 3)
    tracer.stop()
    assert session.mode == "attach" and session.detach_reason == "application-requested"
    assert {e.data for e in sink.events} == {b"tick"}
    assert {e.pid for e in sink.events} == {proc.pid}


def test_attach_by_name_and_ambiguous_name(local_device: FridaBackedDevice, agent: tuple[str, Decoder],
                                           unique_sender: Path, udp_port: int,
                                           popen: Callable[..., ChildProcess]) -> None:
    first = popen(unique_sender, udp_port, "by-name", -1, 20)
    wait_for(lambda: any(p.name == unique_sender.name for p in local_device.enumerate_processes()))
    sink = ListSink()
    tracer = make_tracer(local_device, agent, sink)
    session = tracer.attach(name=unique_sender.name)
    assert session.pid == first.pid
    wait_for(lambda: len(sink.events) >= 2)
    tracer.stop()
    second = popen(unique_sender, udp_port, "twin", -1, 20)
    wait_for(lambda: len([p for p in local_device.enumerate_processes()
                          if p.name == unique_sender.name]) == 2)
    with pytest.raises(InstrumentError) as info:
        tracer.attach(name=unique_sender.name)
    message = str(info.value)
    assert "2 processes are named" in message
    assert str(first.pid) in message and str(second.pid) in message


def test_unknown_pid_and_name_are_clear_errors(local_device: FridaBackedDevice,
                                               agent: tuple[str, Decoder]) -> None:
    tracer = make_tracer(local_device, agent, ListSink())
    with pytest.raises(InstrumentError, match="no running process with pid 999999"):
        tracer.attach(pid=999999)
    with pytest.raises(InstrumentError, match="no running process named 'no-such-proc-xyz'"):
        tracer.attach(name="no-such-proc-xyz")


def test_sigkill_mid_trace_keeps_what_was_received(local_device: FridaBackedDevice,
                                                   agent: tuple[str, Decoder], unique_sender: Path,
                                                   udp_port: int, popen: Callable[..., ChildProcess],
                                                   tmp_path: Path) -> None:
    proc = popen(unique_sender, udp_port, "before-the-kill", -1, 5)
    run = tmp_path / "killed.run"
    store = RunStore.create(run)
    tracer = make_tracer(local_device, agent, store.writer(), store)
    session = tracer.attach(pid=proc.pid)
    wait_for(lambda: session.received >= 20)
    os.kill(proc.pid, signal.SIGKILL)
    assert session.detached.wait(10)
    assert tracer.wait(5)
    tracer.stop()
    store.close()
    stored = list(iter_events(run))
    assert len(stored) == session.received >= 20
    assert {e.data for e in stored} == {b"before-the-kill"}
    [target] = RunStore.open(run).targets()
    assert target.detach_reason == "process-terminated" and target.detached is not None


def test_attach_after_launch_is_recorded_as_such(local_device: FridaBackedDevice,
                                                 agent: tuple[str, Decoder], unique_sender: Path,
                                                 udp_port: int, popen: Callable[..., ChildProcess],
                                                 tmp_path: Path) -> None:
    store = RunStore.create(tmp_path / "aal.run")
    tracer = make_tracer(local_device, agent, store.writer(), store)
    session = tracer.attach_after_launch(
        unique_sender.name, lambda: popen(unique_sender, udp_port, "late", -1, 20), timeout=10)
    wait_for(lambda: session.received >= 1)
    tracer.stop()
    store.close()
    [target] = RunStore.open(tmp_path / "aal.run").targets()
    assert target.mode == "attach-after-launch"
    assert target.detach_reason == "application-requested"


def test_relaunch_watch_reattaches(local_device: FridaBackedDevice, agent: tuple[str, Decoder],
                                   unique_sender: Path, udp_port: int,
                                   popen: Callable[..., ChildProcess], tmp_path: Path) -> None:
    first = popen(unique_sender, udp_port, "one", -1, 20)
    wait_for(lambda: any(p.name == unique_sender.name for p in local_device.enumerate_processes()))
    store = RunStore.create(tmp_path / "relaunch.run")
    tracer = make_tracer(local_device, agent, store.writer(), store)
    tracer.attach(name=unique_sender.name, watch_relaunch=True)
    os.kill(first.pid, signal.SIGKILL)
    wait_for(lambda: all(p.pid != first.pid for p in local_device.enumerate_processes()))
    assert tracer.active()  # still watching for the relaunch
    second = popen(unique_sender, udp_port, "two", -1, 20)
    wait_for(lambda: any(s.mode == "reattach" and s.received > 0 for s in tracer.sessions))
    tracer.stop()
    store.close()
    targets = RunStore.open(tmp_path / "relaunch.run").targets()
    assert [(t.pid, t.mode, t.detach_reason) for t in targets] == [
        (first.pid, "attach", "process-terminated"),
        (second.pid, "reattach", "application-requested"),
    ]
    assert b"two" in {e.data for e in iter_events(tmp_path / "relaunch.run")}


def test_events_sent_right_before_exit_are_kept_when_the_agent_drains_in_dispose(
        local_device: FridaBackedDevice, udp_sender_exe: Path, udp_port: int) -> None:
    """frida calls rpc.exports.dispose() when the process exits: an agent that flushes there loses
    nothing (the contract test agent does; this is the behaviour the real agent needs too)."""
    sink = ListSink()
    tracer = Tracer(local_device, source=CONTRACT_AGENT, config=AgentConfig(modules=("native_net",)),
                    sink=sink, decode=decode_contract_batch, poll_interval=0.05)
    tracer.spawn([str(udp_sender_exe), str(udp_port), "last-words", "3", "0", "0"])
    assert tracer.wait(10)
    assert [e.data for e in sink.events] == [b"last-words"] * 3
