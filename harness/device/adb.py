"""The adb server the harness talks to: the one adbutils finds (its bundled adb by default).

The server's address is ``ANDROID_ADB_SERVER_HOST``:``ANDROID_ADB_SERVER_PORT`` (checked in
``adb_env``; tests use a private port, never 5037).  Every exchange with it has a timeout: a
client from ``adb_client()`` gives up after ``IO_TIMEOUT`` seconds of silence on any of its
sockets (adbutils' own default is to wait forever), and it never starts a server by itself (adbutils
would run its bundled adb, not ``$ADB``, with its output on our stderr).  ``ensure_server`` starts
one with ``adb start-server`` when nothing listens on the port, and reports a port held by something
that does not answer as an adb server within ``SERVER_TIMEOUT`` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import subprocess
import time
from collections.abc import Iterator

import adbutils
from adbutils.errors import AdbConnectionError

from harness import config
from harness.device.adb_env import is_local_server, server_address, server_host, server_port
from harness.errors import (
    AdbServerDownError,
    AdbServerError,
    AdbServerSilentError,
    DeviceNotFoundError,
    ToolMissingError,
)

__all__ = ["IO_TIMEOUT", "SERVER_TIMEOUT", "AdbClient", "adb_binary", "adb_client", "ensure_connected",
           "ensure_server", "server_errors", "server_port"]

log = logging.getLogger(__name__)

#: Seconds the adb server may take to answer the version request that proves it is one.
SERVER_TIMEOUT = 10.0
#: Seconds of silence after which any other socket of a harness client gives up.
IO_TIMEOUT = 60.0
#: Seconds ``adb start-server`` may take.
START_TIMEOUT = 30.0


def adb_binary() -> str:
    """The adb executable: $ADB if set, else the one bundled with adbutils (or on PATH)."""
    explicit = config.adb_executable()
    if explicit:
        return explicit
    try:
        return str(adbutils.adb_path())
    except adbutils.AdbError as exc:
        raise ToolMissingError("no adb executable found: install the Debian package `adb` "
                               "(or set $ADB to one)") from exc


class _Connection(adbutils.AdbConnection):  # type: ignore[misc]  # adbutils has no type hints
    """A connection to the adb server that fails, instead of starting a server, when none listens."""

    def _safe_connect(self) -> socket.socket:
        sock: socket.socket = self._create_socket()
        return sock


class AdbClient(adbutils.AdbClient):  # type: ignore[misc]  # adbutils has no type hints
    """An adbutils client whose every socket has a timeout and that never starts a server."""

    def __init__(self, timeout: float = IO_TIMEOUT) -> None:
        super().__init__(host=server_host(), port=server_port(), socket_timeout=timeout)
        self.timeout = timeout

    def make_connection(self, timeout: float | None = None) -> adbutils.AdbConnection:
        connection = _Connection(self.host, self.port)
        connection.conn.settimeout(timeout or self.timeout)
        return connection


@contextlib.contextmanager
def server_errors(doing: str, timeout: float = IO_TIMEOUT) -> Iterator[None]:
    """adbutils' failures while ``doing`` something with the adb server, as ``AdbServerError``."""
    address = server_address()
    try:
        yield
    except (adbutils.AdbTimeout, TimeoutError) as exc:
        raise AdbServerSilentError(f"adb server at {address} did not answer within {timeout:g} s ({doing}); "
                             f"is something else listening on port {server_port()}?") from exc
    except AdbConnectionError as exc:
        raise AdbServerDownError(f"adb server at {address} is not running ({doing}): {exc}") from exc
    except (adbutils.AdbError, OSError, EOFError, ValueError) as exc:
        raise AdbServerError(f"adb server at {address}: {doing} failed: {exc or type(exc).__name__}") from exc


def _check_version(timeout: float) -> int:
    with server_errors("asking its version", timeout):
        version: int = AdbClient(timeout).server_version()
    return version


def ensure_server(timeout: float | None = None) -> None:
    """Make sure an adb server answers on the configured port; start one if nothing listens there.

    Raises ``ConfigError`` for a malformed ANDROID_ADB_SERVER_PORT, ``AdbServerError`` when the port
    is held by something that does not answer as an adb server within ``timeout`` seconds (default
    ``SERVER_TIMEOUT``) or the server cannot be started, ``ToolMissingError`` when there is no adb.
    """
    timeout = SERVER_TIMEOUT if timeout is None else timeout
    try:
        _check_version(timeout)
        return
    except AdbServerDownError:
        if not is_local_server():  # a lab's server is theirs to start: never one of ours in its place
            raise AdbServerDownError(f"adb server at {server_address()} is not reachable; is it running and "
                                     "listening beyond localhost (`adb -a nodaemon server`)?") from None
    port = server_port()
    binary = adb_binary()
    log.info("starting the adb server on port %d (%s)", port, binary)
    try:
        result = subprocess.run([binary, "start-server"], capture_output=True, text=True, timeout=START_TIMEOUT,
                                stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AdbServerError(f"`{binary} start-server` did not finish within {START_TIMEOUT:g} s "
                             f"(port {port})") from exc
    except OSError as exc:
        raise ToolMissingError(f"cannot run adb ({binary}): {exc.strerror or exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise AdbServerError(f"cannot start the adb server on port {port}: "
                             f"{detail[-1] if detail else f'exit {result.returncode}'}")
    _check_version(timeout)


def adb_client(timeout: float = IO_TIMEOUT) -> AdbClient:
    """A client of the running adb server (started if needed); its sockets time out after
    ``timeout`` seconds of silence."""
    ensure_server()
    return AdbClient(timeout)


#: A serial that names a phone reached over TCP (``adb connect``): a DeviceFarmer/STF provider's
#: address, a phone in TCP mode, an emulator or the virtual phone.
_TCP_SERIAL = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$")
CONNECT_TIMEOUT = 20.0


def ensure_connected(serial: str) -> None:
    """``adb connect SERIAL`` when ``serial`` is HOST:PORT and the adb server does not list it ready,
    as labs expose phones (STF providers, TCP mode); a refusal is a ``DeviceNotFoundError`` with
    adb's own words.  Other serials are left alone (USB phones are found, never connected)."""
    if not _TCP_SERIAL.match(serial):
        return
    client = adb_client()
    with server_errors("listing devices"):
        ready = {str(d.serial) for d in client.device_list()}
    if serial in ready:
        return
    log.info("adb connect %s", serial)
    with server_errors(f"connecting to {serial}", CONNECT_TIMEOUT):
        answer = str(client.connect(serial, timeout=CONNECT_TIMEOUT))
    refused = answer.strip().lower().startswith(("unable", "failed", "cannot", "error"))
    deadline = time.monotonic() + (0 if refused else CONNECT_TIMEOUT)
    while time.monotonic() < deadline:  # "connected to" comes before the device is authorised and ready
        with server_errors("listing devices"):
            if serial in {str(d.serial) for d in client.device_list()}:
                return
        time.sleep(0.25)
    raise DeviceNotFoundError(serial, f"`adb connect {serial}` did not give a ready device: {answer.strip()!r} "
                                      "(is the phone in TCP mode, or the STF provider's address right, and is "
                                      "this host's key authorised on it?)")
