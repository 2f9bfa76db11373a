"""A device that cannot spawn (a frida PortalService, as the virtual phone has): the server check
passes as "portal", and spawn_or_launch falls back to attach-after-launch."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import frida
import pytest

from harness.instrument.devices import FridaBackedDevice, open_remote
from harness.instrument.session import AgentConfig, Decoder
from harness.instrument.tracer import Tracer
from harness.instrument.versions import check_server
from harness.testing.processes import ChildProcess
from harness.testing.sinks import ListSink


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def portal() -> Iterator[tuple[str, FridaBackedDevice]]:
    cluster, control = free_port(), free_port()
    service = frida.PortalService(  # type: ignore[no-untyped-call]
        frida.EndpointParameters(address="127.0.0.1", port=cluster),
        frida.EndpointParameters(address="127.0.0.1", port=control))
    service.start()
    try:
        yield f"127.0.0.1:{cluster}", open_remote(f"127.0.0.1:{control}")
    finally:
        service.stop()
        frida.get_device_manager().remove_remote_device(f"127.0.0.1:{control}")


def test_portal_device_falls_back_to_attach_after_launch(portal: tuple[str, FridaBackedDevice],
                                                         agent: tuple[str, Decoder], unique_sender: Path,
                                                         udp_port: int) -> None:
    cluster, device = portal
    assert check_server(device).access == "portal"
    launched: list[ChildProcess] = []
    joined: list[frida.Session] = []

    def launch() -> None:  # what the virtual phone's `am start` does: start the app, join the portal
        proc = ChildProcess([str(unique_sender), str(udp_port), "via-portal", "-1", "20"])
        launched.append(proc)
        session = frida.get_local_device().attach(proc.pid)
        session.join_portal(cluster)
        joined.append(session)

    sink = ListSink()
    source, decode = agent
    tracer = Tracer(device, source=source, config=AgentConfig(modules=("native_net",)), sink=sink,
                    decode=decode, poll_interval=0.05)
    try:
        session = tracer.spawn_or_launch([str(unique_sender)], launch, timeout=10)
        assert (session.mode, session.pid, session.process) == (
            "attach-after-launch", launched[0].pid, unique_sender.name)
        deadline = time.monotonic() + 10
        while not sink.events and time.monotonic() < deadline:
            time.sleep(0.02)
        tracer.stop()
        assert sink.events and sink.events[0].data == b"via-portal"
    finally:
        for proc in launched:
            proc.kill()
            proc.wait(5)


def test_trace_remote_through_the_cli(portal: tuple[str, FridaBackedDevice], unique_sender: Path,
                                      udp_port: int, tmp_path: Path, agent: tuple[str, Decoder],
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main
    from harness.record.reader import iter_events
    from harness.run import trace as trace_module
    from harness.testing.agents import CONTRACT_AGENT

    extra: list[str] = []
    if agent[0] == CONTRACT_AGENT:
        script = tmp_path / "agent.js"
        script.write_text(CONTRACT_AGENT)
        monkeypatch.setattr(trace_module, "default_decoder", lambda: agent[1])
        extra = ["--agent-script", str(script)]
    cluster, device = portal
    proc = ChildProcess([str(unique_sender), str(udp_port), "remote", "-1", "20"])
    try:
        frida.get_local_device().attach(proc.pid).join_portal(cluster)
        run = tmp_path / "remote.run"
        control = device.label.rsplit(" ", 1)[1]
        assert main(["trace", "--remote", control, "--process", unique_sender.name, "--hooks", "native_net",
                     "--duration", "0.5", "--out", str(run), *extra]) == 0
        assert "stopped: duration" in capsys.readouterr().out
        assert {e.data for e in iter_events(run)} == {b"remote"}
    finally:
        proc.kill()
        proc.wait(5)
