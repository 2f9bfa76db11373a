"""Fixtures for the session-layer tests: real Frida on the local system, small C programs."""

from __future__ import annotations

import importlib
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.instrument.devices import FridaBackedDevice, open_local
from harness.instrument.session import Decoder
from harness.testing.agents import CONTRACT_AGENT, decode_contract_batch
from harness.testing.processes import ChildProcess
from harness.testing.programs import UDP_SENDER_C, compile_c


@pytest.fixture(scope="session")
def agent() -> tuple[str, Decoder]:
    """The real compiled agent and decoder as soon as they exist, else the contract test agent
    (and decoder): both speak the batch contract of frida_hooks/src/envelope.ts."""
    try:
        decode: Decoder = importlib.import_module("harness.instrument.messages").decode_batch
    except ModuleNotFoundError:
        decode = decode_contract_batch
    try:
        source = str(importlib.import_module("harness.instrument.agent").agent_source())
    except ModuleNotFoundError:
        source = CONTRACT_AGENT
    return source, decode


@pytest.fixture(scope="session")
def udp_sender_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_c(UDP_SENDER_C, tmp_path_factory.mktemp("cprog"), "udp_sender")


@pytest.fixture
def unique_sender(udp_sender_exe: Path, tmp_path: Path) -> Path:
    """The sender under a name no other process has (process names come from the file name)."""
    exe = tmp_path / f"usnd_{uuid.uuid4().hex[:8]}"
    shutil.copy2(udp_sender_exe, exe)
    return exe


@pytest.fixture
def udp_port() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture
def local_device() -> FridaBackedDevice:
    return open_local()


@pytest.fixture
def popen() -> Iterator[Callable[..., ChildProcess]]:
    """Start programs that are killed at teardown (not children of the test process: see ChildProcess)."""
    procs: list[ChildProcess] = []

    def start(*argv: str | Path) -> ChildProcess:
        proc = ChildProcess([str(a) for a in argv])
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
