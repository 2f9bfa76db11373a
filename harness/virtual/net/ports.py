"""The phone's ports: which host port each network service of the phone really listens on.

The phone's own network services (the uiautomator2 server, frida's portal, apps' listening
sockets) listen on ephemeral host ports, registered here under the device port they stand for
(``tcp:9008``, ``tcp:27042``), so several phones never clash.  The adbd's ``tcp:N`` service
(``harness.virtual.adb.services``) connects to ``host_port(N)``.
"""

from __future__ import annotations

import threading


class PortMap:
    """Device port -> host port for services that live on the phone."""

    def __init__(self) -> None:
        self._ports: dict[int, int] = {}
        self._lock = threading.Lock()

    def register(self, device_port: int, host_port: int) -> None:
        with self._lock:
            self._ports[device_port] = host_port

    def unregister(self, device_port: int) -> None:
        with self._lock:
            self._ports.pop(device_port, None)

    def host_port(self, device_port: int) -> int:
        with self._lock:
            return self._ports.get(device_port, device_port)
