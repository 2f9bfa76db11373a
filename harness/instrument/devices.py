"""Reaching a device that frida can instrument: the seam between the harness and frida's devices.

``FridaDevice`` is the Protocol the session layer talks to; ``open_usb(serial)`` (frida's own USB
backend, which finds Android devices through the adb server), ``open_remote("host:port")`` and
``open_local()`` return the frida-backed implementation.  Each carries a ``label`` used in every
error message ("usb device emulator-5554", "remote frida-server 10.0.0.2:27042", "local system").
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import frida

from harness.device.adb import ensure_server
from harness.errors import DeviceNotFoundError, InstrumentError, SpawnNotSupportedError, UnsupportedError
from harness.instrument.frida_errors import FRIDA_ERRORS, frida_errors

log = logging.getLogger(__name__)

DeviceKind = Literal["usb", "remote", "local"]

#: Longest wait for a frida call that answers at once on a healthy device (list, kill, resume...).
CALL_TIMEOUT = 10.0
#: ... and for one that does real work on the device (spawn, attach: injecting the agent).
SLOW_CALL_TIMEOUT = 60.0


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    name: str


class FridaDevice(Protocol):
    """What the session layer needs from a device frida can instrument."""

    @property
    def label(self) -> str: ...

    @property
    def kind(self) -> DeviceKind: ...

    @property
    def serial(self) -> str | None: ...

    def enumerate_processes(self) -> list[ProcessInfo]: ...

    def spawn(self, argv: Sequence[str], env: Mapping[str, str] | None = None,
              cwd: str | None = None) -> int: ...

    def resume(self, pid: int) -> None: ...

    def kill(self, pid: int) -> None: ...

    def attach(self, pid: int) -> frida.Session: ...

    def system_parameters(self) -> dict[str, Any]: ...

    def enable_spawn_gating(self, on_spawn: Callable[[int, str], None]) -> bool:
        """Hold every new process at its first instruction and report ``(pid, identifier)`` (on
        frida's thread: do not block); the caller must ``resume`` each.  False when the device
        cannot gate spawns (frida's local and portal backends)."""
        ...

    def disable_spawn_gating(self) -> None: ...


class FridaBackedDevice:
    """A ``FridaDevice`` over a ``frida.Device``; every call translates frida's errors."""

    def __init__(self, device: frida.Device, kind: DeviceKind, label: str,
                 serial: str | None = None) -> None:
        self._device = device
        self._kind: DeviceKind = kind
        self._label = label
        self._serial = serial
        self._cannot_spawn: str | None = None
        self._gating: Callable[[Any], None] | None = None

    @property
    def label(self) -> str:
        return self._label

    @property
    def kind(self) -> DeviceKind:
        return self._kind

    @property
    def serial(self) -> str | None:
        return self._serial

    @property
    def frida_device(self) -> frida.Device:
        return self._device

    def enumerate_processes(self) -> list[ProcessInfo]:
        with frida_errors(self._label, "listing processes", CALL_TIMEOUT):
            return [ProcessInfo(p.pid, p.name) for p in self._device.enumerate_processes()]

    def spawn(self, argv: Sequence[str], env: Mapping[str, str] | None = None,
              cwd: str | None = None) -> int:
        if self._cannot_spawn is not None:  # asked once: a device that cannot spawn never will
            raise SpawnNotSupportedError(self._cannot_spawn)
        try:
            with frida_errors(self._label, f"spawning {argv[0]!r}", SLOW_CALL_TIMEOUT,
                              overrides={UnsupportedError: SpawnNotSupportedError}):
                return self._device.spawn(list(argv), env=env, cwd=cwd)
        except SpawnNotSupportedError as exc:
            self._cannot_spawn = str(exc)
            raise

    def resume(self, pid: int) -> None:
        with frida_errors(self._label, f"resuming pid {pid}", CALL_TIMEOUT):
            self._device.resume(pid)

    def kill(self, pid: int) -> None:
        with frida_errors(self._label, f"killing pid {pid}", CALL_TIMEOUT):
            self._device.kill(pid)

    def attach(self, pid: int) -> frida.Session:
        with frida_errors(self._label, f"attaching to pid {pid}", SLOW_CALL_TIMEOUT):
            return self._device.attach(pid)

    def system_parameters(self) -> dict[str, Any]:
        with frida_errors(self._label, "querying system parameters", CALL_TIMEOUT):
            return dict(self._device.query_system_parameters())

    def enable_spawn_gating(self, on_spawn: Callable[[int, str], None]) -> bool:
        def handler(spawn: Any) -> None:
            on_spawn(int(spawn.pid), str(spawn.identifier))

        try:
            with frida_errors(self._label, "enabling spawn gating", CALL_TIMEOUT):
                self._device.enable_spawn_gating()
        except InstrumentError as exc:
            log.info("%s: no spawn gating (%s); new processes are found by polling", self._label, exc)
            return False
        self._device.on("spawn-added", handler)
        self._gating = handler
        return True

    def disable_spawn_gating(self) -> None:
        handler, self._gating = self._gating, None
        if handler is None:
            return
        with contextlib.suppress(*FRIDA_ERRORS, ValueError):
            self._device.off("spawn-added", handler)
        with contextlib.suppress(InstrumentError), frida_errors(self._label, "disabling spawn gating", CALL_TIMEOUT):
            self._device.disable_spawn_gating()


def open_usb(serial: str, manager: frida.DeviceManager | None = None,
             timeout: float = 5.0) -> FridaBackedDevice:
    """The Android device ``serial`` as frida's USB backend sees it (through the adb server)."""
    label = f"usb device {serial}"
    # frida looks for the adb server once, when its device manager starts: make sure it is up
    ensure_server()
    mgr = manager or frida.get_device_manager()
    with frida_errors(label, "finding the device"):
        try:
            device = mgr.get_device(serial, timeout=timeout)
        except (frida.InvalidArgumentError, frida.TimedOutError) as exc:  # get_device's "no such device"
            raise DeviceNotFoundError(
                serial, f"frida cannot see this device ({exc}); check that `adb devices` lists it (frida "
                "reaches Android devices through the adb server; set ANDROID_ADB_SERVER_PORT if that server "
                "is not on 5037)") from exc
    return FridaBackedDevice(device, "usb", label, serial=serial)


def open_remote(address: str, manager: frida.DeviceManager | None = None) -> FridaBackedDevice:
    """A frida-server (or portal) listening on ``host:port``."""
    label = f"remote frida-server {address}"
    mgr = manager or frida.get_device_manager()
    with frida_errors(label, "connecting", CALL_TIMEOUT):
        device = mgr.add_remote_device(address)
    return FridaBackedDevice(device, "remote", label, serial=address)


def open_local() -> FridaBackedDevice:
    """This host, for tests and ``--local``."""
    return FridaBackedDevice(frida.get_local_device(), "local", "local system")
