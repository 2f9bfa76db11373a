"""Frida errors become actionable InstrumentErrors; frida-server version checks."""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import frida
import pytest

from harness.cli import main
from harness.errors import (
    AttachRefusedError,
    InstrumentError,
    NoAnswerError,
    ProcessGoneError,
    ServerMissingError,
    ServerVersionError,
    SpawnNotSupportedError,
    UnsupportedError,
)
from harness.instrument.devices import DeviceKind, FridaBackedDevice, ProcessInfo
from harness.instrument.frida_errors import frida_errors, translate
from harness.instrument.versions import (
    CLIENT_VERSION,
    check_server,
    parse_server_version,
    probe_server_version,
    server_asset,
)


class FakeDevice:
    def __init__(self, params: dict[str, Any], kind: DeviceKind = "usb") -> None:
        self.params = params
        self.kind: DeviceKind = kind
        self.label = "usb device FAKE123"
        self.serial: str | None = "FAKE123"

    def system_parameters(self) -> dict[str, Any]:
        return self.params

    def enumerate_processes(self) -> list[ProcessInfo]:
        raise NotImplementedError

    def spawn(self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None) -> int:
        raise NotImplementedError

    def resume(self, pid: int) -> None:
        raise NotImplementedError

    def kill(self, pid: int) -> None:
        raise NotImplementedError

    def attach(self, pid: int) -> frida.Session:
        raise NotImplementedError


ANDROID = {"os": {"id": "android", "version": "14"}, "arch": "arm64", "access": "full", "api-level": 34}


@pytest.mark.parametrize(("exc", "advice"), [
    (frida.ServerNotRunningError("Unable to connect to remote frida-server"), "frida-server -D"),
    (frida.ProcessNotFoundError("unable to find process with pid 4"), "not running"),
    (frida.PermissionDeniedError("unable to access process"), "must run as root"),
    (frida.TransportError("connection closed"), "adb devices"),
    (frida.InvalidOperationError("session is gone"), "session or script is gone"),
    (frida.ProtocolError("Incompatible frida-server version"), f"install frida-server {CLIENT_VERSION}"),
])
def test_frida_errors_name_the_device_and_say_what_to_do(exc: Exception, advice: str) -> None:
    with pytest.raises(InstrumentError) as info, frida_errors("usb device R58M", "attaching to pid 4"):
        raise exc
    message = str(info.value)
    assert message.startswith("usb device R58M: attaching to pid 4 failed: ")
    assert advice in message
    assert info.value.__cause__ is exc
    assert translate(exc, "x", "y").args[0].startswith("x: y failed")


def test_server_check_accepts_full_access_and_same_major() -> None:
    info = check_server(FakeDevice(ANDROID), server_version=CLIENT_VERSION)
    assert (info.access, info.arch, info.api_level, info.server_version) == ("full", "arm64", 34, CLIENT_VERSION)


def test_no_server_answering_says_which_server_to_install() -> None:
    with pytest.raises(InstrumentError) as info:
        check_server(FakeDevice({**ANDROID, "access": "jailed"}))
    assert f"frida-server {CLIENT_VERSION} for android-arm64" in str(info.value)
    assert "usb device FAKE123" in str(info.value)


def test_other_major_is_refused_with_the_exact_server_to_install() -> None:
    with pytest.raises(InstrumentError) as info:
        check_server(FakeDevice({**ANDROID, "arch": "ia32"}), server_version="16.1.4")
    assert "frida-server 16.1.4 does not match" in str(info.value)
    assert str(info.value).endswith(f"install frida-server {CLIENT_VERSION} for android-x86")


def test_version_helpers() -> None:
    assert parse_server_version("17.26.2\n") == "17.26.2"
    assert parse_server_version("garbage") is None
    assert server_asset("x64", "17.1.0") == "frida-server 17.1.0 for android-x86_64"


def test_local_device_needs_no_server(local_device: FridaBackedDevice) -> None:
    assert check_server(local_device).client_version == frida.__version__



def test_probe_server_version_over_a_shell() -> None:
    seen: list[str] = []

    def shell(command: str) -> str:
        seen.append(command)
        return "/system/bin/sh: su: not found" if command.startswith("su") else "17.26.2\n"

    assert probe_server_version(shell, "/data/local/tmp/frida server") == "17.26.2"
    assert seen == ["su -c ''\"'\"'/data/local/tmp/frida server'\"'\"' --version'",
                    "'/data/local/tmp/frida server' --version"]


def test_a_silent_frida_server_is_an_error_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A TCP port that accepts and never answers (a wedged frida-server, a wrong port): every frida
    call is bounded, so `trace --remote` ends with the reason instead of hanging forever."""
    monkeypatch.setattr("harness.instrument.devices.CALL_TIMEOUT", 1.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        code = main(["trace", "--remote", f"127.0.0.1:{port}", "--pid", "1", "--out", str(tmp_path / "r.run")])
        elapsed = time.monotonic() - started
    assert code == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "got no answer within 1 s" in err
    assert elapsed < 30  # bounded (a hang check, not a speed goal)
    assert not (tmp_path / "r.run").exists()


@pytest.mark.parametrize(("exc", "expected"), [
    (frida.ServerNotRunningError("unable to connect"), ServerMissingError),
    (frida.ProcessNotFoundError("unable to find process with pid 1234"), ProcessGoneError),
    (frida.InvalidOperationError("session is gone"), ProcessGoneError),
    (frida.PermissionDeniedError("unable to access process"), AttachRefusedError),
    (frida.ProtocolError("incompatible"), ServerVersionError),
    (frida.NotSupportedError("not supported"), UnsupportedError),
    (frida.TimedOutError("timeout"), NoAnswerError),
    (frida.TransportError("closed"), InstrumentError),
])
def test_one_table_chooses_the_error_class(exc: Exception, expected: type[InstrumentError]) -> None:
    with pytest.raises(expected) as raised, frida_errors("usb device S", "doing it"):
        raise exc
    assert type(raised.value) is expected and raised.value.__cause__ is exc


def test_spawn_that_a_device_cannot_do_is_its_own_class() -> None:
    class Portal:
        def spawn(self, *args: object, **kwargs: object) -> int:
            raise frida.NotSupportedError("not supported by this portal")

    device = FridaBackedDevice(Portal(), "remote", "remote portal")  # type: ignore[arg-type]
    with pytest.raises(SpawnNotSupportedError, match="remote portal: spawning 'prog' failed"):
        device.spawn(["prog"])
    assert issubclass(SpawnNotSupportedError, UnsupportedError)
