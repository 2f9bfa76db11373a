"""The services the virtual phone's adbd offers, resolved from OPEN destinations.

``shell:``/``exec:`` run in the sandboxed shell, ``sync:`` maps into the state folder, ``tcp:N``
connects to port N on the phone: the phone's own network services (and its ``adb reverse``
listeners) are found in its ``PortMap`` (``harness.virtual.net.ports``); any other port is the
host loopback, which stands for the phone's view of the local network.  ``reverse:`` manages the
phone's reverse listeners (``reverse``).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path

from harness.virtual.adb.adbd import Service, Stream
from harness.virtual.adb.reverse import ReverseForwards, bridge
from harness.virtual.adb.shell_service import ShellRequest, ShellSession
from harness.virtual.adb.sync_service import PathMapper, SyncSession, WritePolicy
from harness.virtual.net.ports import HOST_LOOPBACK, PortMap

log = logging.getLogger(__name__)

#: Builds the sandboxed argv for a device command: (argv, pty) -> host argv.
CommandBuilder = Callable[[list[str], bool], list[str]]

FEATURES = ("shell_v2", "cmd")


class PhoneServices:
    """The ``ServiceResolver`` of one virtual phone."""

    def __init__(self, banner_props: dict[str, str], build_command: CommandBuilder, map_path: PathMapper,
                 read_only_root: Path, ports: PortMap, *, loopback: str = HOST_LOOPBACK,
                 write_policy: WritePolicy | None = None) -> None:
        self._banner_props = banner_props
        self._build_command = build_command
        self._map_path = map_path
        self._read_only_root = read_only_root
        self._write_policy = write_policy
        self.ports = ports
        self.reverse = ReverseForwards(loopback, ports)

    def banner(self) -> str:
        props = ";".join(f"{k}={v}" for k, v in self._banner_props.items())
        return f"device::{props};features={','.join(FEATURES)}"

    def resolve(self, destination: str) -> Service | None:
        if destination.startswith(("shell:", "shell,", "exec:")):
            request = ShellRequest.parse(destination)
            return lambda stream: ShellSession(stream, request, self._build_command).run()
        if destination == "sync:":
            return lambda stream: SyncSession(stream, self._map_path, self._read_only_root, self._write_policy).run()
        if destination.startswith("reverse:"):
            command = destination[len("reverse:"):]
            return lambda stream: self.reverse.serve(stream, command)
        if destination.startswith("tcp:"):
            port_text = destination.split(":")[1]
            if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
                return None
            return lambda stream: self._relay(stream, int(port_text))
        reply = _FIXED_REPLIES.get(destination.rstrip(":") + ":")
        if reply is not None:
            return lambda stream: stream.write(reply)
        return None

    def _relay(self, stream: Stream, device_port: int) -> None:
        host, port = self.ports.address(device_port)
        try:
            conn = socket.create_connection((host, port), timeout=5)
        except OSError as exc:
            log.info("tcp:%d (%s:%d) refused: %s", device_port, host, port, exc)
            return  # closing the stream tells the host the connection failed
        conn.settimeout(None)
        bridge(stream, conn)


_FIXED_REPLIES = {
    "root:": b"adbd cannot run as root in production builds\n",
    "unroot:": b"adbd not running as root\n",
    "remount:": b"remount is only supported in userdebug builds\n",
}
