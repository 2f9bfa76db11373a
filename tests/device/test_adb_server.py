"""The adb server's address as the user gives it, and adb servers that do not behave: every command
that uses adb ends with one `harness: ...` line naming what was wrong, never a traceback or a hang."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import cli
from harness.device import adb, adb_env
from harness.errors import ConfigError
from harness.virtual.manager import PhoneManager

BAD_PORTS = ["abc", "70000", "0", "-1", "", "5037 ", "٣"]


def _adb_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command that uses adb, with arguments that would otherwise be fine."""
    return {
        "devices": ["devices"],
        "device": ["device", "-s", "127.0.0.1:1", "facts"],
        "virtual start": ["virtual", "start", "--state", str(tmp_path / "state")],
        "trace --device": ["trace", "--device", "127.0.0.1:1", "--process", "x", "--out", str(tmp_path / "r.run")],
    }


def _one_line(stderr: str, *needles: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness: "), stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m harness.cli ARGS` with ``env`` set before anything is imported."""
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env={**os.environ, **env})


# -- ANDROID_ADB_SERVER_PORT ------------------------------------------------------------------
@pytest.mark.parametrize("value", BAD_PORTS)
def test_server_port_rejects_what_is_not_a_port(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", value)
    with pytest.raises(ConfigError) as caught:
        adb_env.server_port()
    message = str(caught.value)
    assert f"ANDROID_ADB_SERVER_PORT={value!r}" in message and "1 to 65535" in message


def test_server_port_default_and_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_ADB_SERVER_PORT")
    assert adb_env.server_port() == 5037
    for value, port in (("1", 1), ("65535", 65535), ("5038", 5038)):
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", value)
        assert adb_env.server_port() == port


@pytest.mark.parametrize("value", ["abc", "70000", "0", "-1", ""])
def test_harness_devices_with_a_bad_port_variable_before_import(value: str) -> None:
    # adbutils reads the variable when it is imported: "abc" used to be a traceback at start-up
    result = _cli({"ANDROID_ADB_SERVER_PORT": value}, "devices")
    assert result.returncode == 2, (result.stdout, result.stderr)
    _one_line(result.stderr, f"ANDROID_ADB_SERVER_PORT={value!r}", "1 to 65535")


def test_importing_the_device_layer_restores_the_variable() -> None:
    code = ("import os, harness.device.device, adbutils; "
            "print(os.environ['ANDROID_ADB_SERVER_PORT'], adbutils.adb.port)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "ANDROID_ADB_SERVER_PORT": "abc"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["abc", "5037"]


@pytest.mark.parametrize("value", ["abc", "70000", "0", "-1", ""])
def test_every_adb_command_names_a_bad_port_variable(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", value)
    before = PhoneManager().running()
    for name, args in _adb_commands(tmp_path).items():
        assert cli.main(args) == 2, name
        _one_line(capsys.readouterr().err, f"ANDROID_ADB_SERVER_PORT={value!r}", "1 to 65535")
    assert PhoneManager().running() == before
    assert not (tmp_path / "state").exists()


# -- a port held by something that is not an adb server ----------------------------------------
class _Listener:
    """A TCP listener on a free loopback port that accepts and then never writes (or writes
    ``greeting`` and hangs up)."""

    def __init__(self, greeting: bytes | None = None) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port: int = self._server.getsockname()[1]
        self._greeting = greeting
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._greeting is None:
                self._held.append(conn)
            else:
                conn.sendall(self._greeting)
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    listener = _Listener()
    yield listener.port
    listener.close()


def test_harness_devices_against_a_silent_port_ends_in_bounded_time(silent_port: int) -> None:
    started = time.monotonic()
    result = _cli({"ANDROID_ADB_SERVER_PORT": str(silent_port)}, "devices", timeout=adb.SERVER_TIMEOUT + 50)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, (result.stdout, result.stderr)
    _one_line(result.stderr, f"adb server at 127.0.0.1:{silent_port} did not answer within "
                             f"{adb.SERVER_TIMEOUT:g} s")
    assert elapsed < adb.SERVER_TIMEOUT + 30


def test_every_adb_command_gives_up_on_a_silent_port(silent_port: int, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(adb, "SERVER_TIMEOUT", 1.0)
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(silent_port))
    before = PhoneManager().running()
    for name, args in _adb_commands(tmp_path).items():
        started = time.monotonic()
        assert cli.main(args) == 2, name
        assert time.monotonic() - started < 10, name
        _one_line(capsys.readouterr().err, f"adb server at 127.0.0.1:{silent_port} did not answer within 1 s")
    assert PhoneManager().running() == before
    assert not (tmp_path / "state").exists()


def test_a_port_answering_something_else_is_named(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    listener = _Listener(b"HTTP/1.0 400 Bad Request\r\n\r\n")
    try:
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(listener.port))
        assert cli.main(["devices"]) == 2
        _one_line(capsys.readouterr().err, f"adb server at 127.0.0.1:{listener.port}", "HTTP")
    finally:
        listener.close()


def test_a_client_never_starts_a_server_behind_our_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # adbutils' own connection runs its bundled `adb start-server` (20 s, output on our stderr)
    # when nothing listens; the harness's client reports that instead
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(free))
    client = adb.AdbClient(timeout=1.0)
    with pytest.raises(Exception, match="adb server at") as caught, adb.server_errors("listing devices", 1.0):
        client.list()
    assert "is not running" in str(caught.value)
    time.sleep(0.2)
    with socket.socket() as check:
        assert check.connect_ex(("127.0.0.1", free)) != 0, "something started a server on the port"
