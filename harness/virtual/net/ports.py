"""The phone's ports: where each network service of the phone really listens, and its loopback.

The phone's own network services (the uiautomator2 server, frida's portal, apps' listening
sockets) listen on ephemeral host ports, registered here under the device port they stand for
(``tcp:9008``, ``tcp:27042``), so several phones never clash.  The adbd's ``tcp:N`` service
(``harness.virtual.adb.services``) connects to ``address(N)``.

The phone's loopback (what ``127.0.0.1`` is to the phone's apps and its shell) is an address of
its own on the host, ``127.101.X.Y`` (``loopback_address``, from the adbd port as the internet's
``127.100.X.Y``): ``adb reverse`` listens there on the very port the phone asked for, and the
apps' runtime and the shell's ``nc`` translate ``127.0.0.1``/``localhost`` to it, so the reverse
port of one phone never meets another phone's.
"""

from __future__ import annotations

import threading

HOST_LOOPBACK = "127.0.0.1"
#: What the phone's programs call their loopback; each stands for the phone's own address.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "ip6-localhost"})


def loopback_address(adbd_port: int) -> str:
    """The phone's loopback on the host: 127.101.<port high byte>.<port low byte>."""
    return f"127.101.{adbd_port >> 8 & 0xFF}.{adbd_port & 0xFF}"


class PortMap:
    """Device port -> (host address, host port) for services that live on the phone."""

    def __init__(self) -> None:
        self._ports: dict[int, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def register(self, device_port: int, host_port: int, host: str = HOST_LOOPBACK) -> None:
        with self._lock:
            self._ports[device_port] = (host, host_port)

    def unregister(self, device_port: int) -> None:
        with self._lock:
            self._ports.pop(device_port, None)

    def registered(self, device_port: int) -> bool:
        with self._lock:
            return device_port in self._ports

    def address(self, device_port: int) -> tuple[str, int]:
        """Where ``tcp:device_port`` is served; an unknown port is the host loopback's own port."""
        with self._lock:
            return self._ports.get(device_port, (HOST_LOOPBACK, device_port))

    def host_port(self, device_port: int) -> int:
        return self.address(device_port)[1]
