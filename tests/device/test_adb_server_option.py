"""`harness --adb HOST:PORT`: every command talks to that adb server (a lab's remote one), and a
server that is not there is said plainly, never replaced by one of ours.  The remote server that
works end to end is in tests/scenario/test_fleet.py (a second adb server on another port)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.cli import _adb_server_option
from harness.device.adb import ensure_connected
from harness.device.adb_env import parse_server
from harness.errors import ConfigError, DeviceNotFoundError
from harness.virtual.manager import RunningPhone
from tests.conftest import adb


def harness(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANDROID_ADB_SERVER", "ADB_SERVER"))}
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


@pytest.mark.parametrize(("text", "expected"), [
    ("10.0.0.5:5037", ("10.0.0.5", 5037)), ("lab-host:15037", ("lab-host", 15037)), ("[::1]:5037", ("::1", 5037)),
])
def test_parse_server(text: str, expected: tuple[str, int]) -> None:
    assert parse_server(text) == expected


@pytest.mark.parametrize("text", ["", "host", "host:", ":5037", "host:0", "host:65536", "host:port", "a b:1",
                                  "serial@host:1"])
def test_parse_server_refuses(text: str) -> None:
    with pytest.raises(ConfigError, match="expected HOST:PORT"):
        parse_server(text)


def test_the_option_is_read_before_the_command() -> None:
    assert _adb_server_option(["--adb", "h:1", "devices"]) == "h:1"
    assert _adb_server_option(["-v", "--adb=h:2", "run", "x"]) == "h:2"
    assert _adb_server_option(["run", "x.yaml", "--adb", "h:3"]) is None  # a command's own arguments
    assert _adb_server_option(["devices"]) is None


def test_a_remote_server_that_is_not_there_is_said_plainly() -> None:
    # 127.0.0.2 is this host's loopback but not "the local server": nothing listens on port 1 there
    result = harness("--adb", "127.0.0.2:1", "devices")
    assert result.returncode == 2
    assert "adb server at 127.0.0.2:1 is not reachable" in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_value_is_refused() -> None:
    result = harness("--adb", "nope", "devices")
    assert result.returncode == 2 and "--adb 'nope': expected HOST:PORT" in result.stderr


def test_a_tcp_phone_is_adb_connected_when_asked_for(fresh_phone: RunningPhone) -> None:
    """A phone named HOST:PORT (an STF provider, TCP mode; the virtual phone is one) that the adb
    server has dropped is connected again with `adb connect`, as a lab's user would."""
    adb("disconnect", fresh_phone.serial)
    assert fresh_phone.serial not in adb("devices").stdout
    ensure_connected(fresh_phone.serial)
    assert f"{fresh_phone.serial}\tdevice" in adb("devices").stdout


def test_a_tcp_phone_that_is_not_there_is_said_plainly(adb_server: int) -> None:
    with pytest.raises(DeviceNotFoundError, match=r"`adb connect 127\.0\.0\.1:1` did not give a ready device"):
        ensure_connected("127.0.0.1:1")
    ensure_connected("emulator-5554-not-tcp")  # a USB serial: left alone, nothing to connect
