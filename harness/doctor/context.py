"""What the checks share about one phone: its adb state, ``Device``, facts, root, frida.

Everything is read once, when a check first asks, so the fast subset costs only what its checks
use.  The collaborators (adb client, frida's device opener, the host clock) are given to the
constructor, so a test can replace any of them.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from functools import cached_property

from harness.device.adb import AdbClient, adb_client, server_errors
from harness.device.device import Device
from harness.device.facts import DeviceFacts
from harness.doctor.frida_server import running_server_version
from harness.errors import DeviceNotFoundError
from harness.instrument.devices import FridaDevice, open_usb

FridaOpener = Callable[[str], FridaDevice]


class Context:
    """The phone ``serial`` as the checks see it."""

    def __init__(self, serial: str, *, client: AdbClient | None = None, open_frida: FridaOpener = open_usb,
                 now: Callable[[], float] = time.time, needs_root: bool = True,
                 device: Device | None = None) -> None:
        self.serial = serial
        self._device = device
        self._client = client
        self._open_frida = open_frida
        self.now = now
        #: whether root is required (the full doctor: yes; before a run: when it has system targets)
        self.needs_root = needs_root

    @cached_property
    def client(self) -> AdbClient:
        return self._client or adb_client()

    @cached_property
    def adb_states(self) -> dict[str, str]:
        """serial -> adb state (``device``, ``unauthorized``, ``offline``...) of every device listed."""
        with server_errors("listing devices", self.client.timeout):
            return {str(d.serial): str(d.state) for d in self.client.list()}

    @property
    def state(self) -> str | None:
        return self.adb_states.get(self.serial)

    @cached_property
    def device(self) -> Device:
        if self._device is not None:
            return self._device
        if self.state != "device":
            raise DeviceNotFoundError(self.serial, f"not ready over adb (state: {self.state or 'not listed'})")
        return Device(self.client.device(self.serial), self.client)

    @cached_property
    def facts(self) -> DeviceFacts:
        return self.device.facts()

    @cached_property
    def abi(self) -> str:
        """``ro.product.cpu.abi`` (from the facts when they were read)."""
        if "facts" in self.__dict__:
            return self.facts.abi
        return self.device.shell(["getprop", "ro.product.cpu.abi"], timeout=15).stdout.strip()

    @cached_property
    def frida(self) -> FridaDevice:
        return self._open_frida(self.serial)

    @cached_property
    def server(self) -> tuple[str | None, str | None]:
        """(version, path) of the frida-server binary that runs, else of the one placed."""
        return running_server_version(self.device)

    def adb(self, command: str) -> str:
        """``adb -s SERIAL shell COMMAND`` for a fix line (COMMAND as the device shell reads it)."""
        return f"adb -s {shlex.quote(self.serial)} shell {shlex.quote(command)}"
