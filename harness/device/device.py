"""``Device``: one Android device over adbutils, the same on a real phone and the virtual one.

It only uses documented Android shell commands.  Every argument is quoted before it reaches the
device shell.  adbutils' failures are turned into ``DeviceError``s that name the device:
``DeviceNotFoundError`` when the serial is unknown, ``DeviceGoneError`` when the device vanished
while a command ran, ``CommandFailedError`` when a command failed (or printed nothing for its
timeout); an adb server that does not answer is an ``AdbServerError``.  Every adb call has a timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import adbutils

from harness.device.adb import AdbClient, adb_client, server_errors
from harness.device.shell import DEFAULT_TIMEOUT, ShellResult, quote_command
from harness.errors import (
    AdbServerError,
    AdbServerSilentError,
    CommandFailedError,
    DeviceGoneError,
    DeviceNotFoundError,
)

if TYPE_CHECKING:
    from harness.device.apps import Apps
    from harness.device.consent import Consent
    from harness.device.facts import DeviceFacts
    from harness.device.seed import Seeder

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_TIMEOUT", "Device", "ShellResult", "quote_command"]



class Device:
    """A connected Android device."""

    def __init__(self, adb_device: adbutils.AdbDevice, client: AdbClient) -> None:
        self._adb = adb_device
        self._client = client
        self.serial: str = adb_device.serial

    @classmethod
    def connect(cls, serial: str | None = None, client: AdbClient | None = None) -> Device:
        """The device with ``serial`` (or the only one connected)."""
        client = client or adb_client()
        with server_errors("listing devices", client.timeout):
            devices = {d.serial: d for d in client.list() if d.state == "device"}
        if serial is None:
            if len(devices) != 1:
                found = ", ".join(sorted(devices)) or "none"
                raise DeviceNotFoundError("adb", f"say which device to use (--device); connected: {found}")
            serial = next(iter(devices))
        if serial not in devices:
            raise DeviceNotFoundError(serial, "no such device connected (see `harness devices`)")
        return cls(client.device(serial), client)

    @property
    def adb(self) -> adbutils.AdbDevice:
        """The underlying adbutils device, for what the harness does not wrap."""
        return self._adb

    # -- commands ----------------------------------------------------------------------------
    @cached_property
    def _shell_v2(self) -> bool:
        try:
            return "shell_v2" in self._adb.get_features()
        except (adbutils.AdbError, OSError) as exc:
            raise self._gone_or_missing(exc) from exc

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ShellResult:
        """Run argv on the device; each argument is quoted. ``check`` raises on a non-zero exit."""
        return self.shell_line(quote_command(args), check=check, timeout=timeout)

    def shell_line(self, command: str, *, check: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ShellResult:
        """Run a device shell command line as given (the caller quoted what needs quoting)."""
        try:
            raw = self._adb.shell2(command, timeout=timeout, v2=self._shell_v2)
        except (adbutils.AdbTimeout, TimeoutError) as exc:
            raise CommandFailedError(self.serial, command, None,
                                     f"timed out: no answer for {timeout:g} s") from exc
        except (adbutils.AdbError, OSError, EOFError) as exc:
            raise self._gone_or_missing(exc) from exc
        result = ShellResult(command, raw.returncode, raw.stdout or "", raw.stderr or "")
        if check and result.exit_code != 0:
            raise CommandFailedError(self.serial, command, result.exit_code, result.output)
        return result

    def stream(self, command: str, poll: float = 1.0) -> adbutils.AdbConnection:
        """A device shell command whose output is read as it comes (``logcat``); a read that sees
        no output for ``poll`` seconds raises ``adbutils.AdbTimeout`` so the reader can decide
        whether to go on (the connection stays usable)."""
        try:
            connection: adbutils.AdbConnection = self._adb.shell(command, stream=True)
            connection.conn.settimeout(poll)
        except (adbutils.AdbError, OSError, EOFError) as exc:
            raise self._gone_or_missing(exc) from exc
        return connection

    def _gone_or_missing(self, exc: BaseException) -> Exception:
        try:
            with server_errors(f"checking on {self.serial}", self._client.timeout):
                present = any(d.serial == self.serial and d.state == "device" for d in self._client.list())
        except AdbServerSilentError as server_error:
            return server_error  # the server hangs: that, not the device, is the problem
        except AdbServerError:
            present = False
        if present:
            return CommandFailedError(self.serial, "adb", None, f"adb connection failed: {exc}")
        return DeviceGoneError(self.serial, f"device disconnected during the command ({exc or type(exc).__name__})")

    def push(self, local: str, remote: str, verify: bool = False) -> int:
        """Copy a host file to the device; returns the bytes written.

        ``verify`` stats the file afterwards and compares its size (one more connection, about a
        fifth of a 20 MB push's time on the virtual phone).
        """
        try:
            return int(self._adb.sync.push(local, remote, check=verify))
        except (adbutils.AdbError, OSError, EOFError) as exc:
            raise self._gone_or_missing(exc) from exc

    def pull(self, remote: str, local: str) -> int:
        """Copy a device file to the host; returns the bytes read."""
        try:
            return int(self._adb.sync.pull(remote, local))
        except (adbutils.AdbError, OSError, EOFError) as exc:
            raise self._gone_or_missing(exc) from exc

    # -- the capability groups ----------------------------------------------------------------
    def facts(self, refresh: bool = False) -> DeviceFacts:
        from harness.device.facts import read_facts

        if refresh or "_facts" not in self.__dict__:
            self.__dict__["_facts"] = read_facts(self)
        facts: DeviceFacts = self.__dict__["_facts"]
        return facts

    @cached_property
    def apps(self) -> Apps:
        from harness.device.apps import Apps

        return Apps(self)

    @cached_property
    def consent(self) -> Consent:
        from harness.device.consent import Consent

        return Consent(self, self.apps)

    @cached_property
    def seed(self) -> Seeder:
        from harness.device.seed import Seeder

        return Seeder(self, lambda: self.facts().sdk)

    def __repr__(self) -> str:
        return f"Device({self.serial!r})"
