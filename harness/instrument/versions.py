"""Frida versions: the client (this harness's ``frida``) and the server it talks to.

A USB or remote device answers ``query_system_parameters()`` with ``access: "full"`` only when a
frida-server (or portal) is there; without one, frida builds the parameters from ``getprop`` and
says ``access: "jailed"``.  The server's version is not in those parameters: when the caller knows
it (e.g. ``frida-server --version`` over adb, see ``parse_server_version``), ``check_server``
refuses a different major version and names exactly the frida-server to install.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import frida

from harness.errors import HarnessError, InstrumentError, ServerMissingError, ServerVersionError, UnsupportedError
from harness.instrument.devices import FridaDevice

log = logging.getLogger(__name__)

CLIENT_VERSION: str = frida.__version__

# frida's arch names -> the suffix of the frida-server release asset for Android
_ANDROID_ARCH = {"arm64": "arm64", "arm": "arm", "ia32": "x86", "x64": "x86_64"}


@dataclass(frozen=True)
class ServerInfo:
    """What the device said about itself and its frida-server."""

    client_version: str
    server_version: str | None   # None when the caller could not tell
    access: str | None           # "full": a frida-server answered; "portal": a frida portal did
    os_id: str | None
    os_version: str | None
    arch: str | None
    api_level: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "client_version": self.client_version, "server_version": self.server_version,
            "access": self.access, "os_id": self.os_id, "os_version": self.os_version,
            "arch": self.arch, "api_level": self.api_level,
        }


def server_asset(arch: str | None, version: str = CLIENT_VERSION, os_id: str | None = "android") -> str:
    """E.g. ``"frida-server 17.26.2 for android-arm64"``."""
    if os_id in (None, "android"):
        return f"frida-server {version} for android-{_ANDROID_ARCH.get(arch or '', arch or 'ARCH')}"
    return f"frida-server {version} for {os_id}-{arch or 'ARCH'}"


def parse_server_version(output: str) -> str | None:
    """The version in ``frida-server --version`` output (``"17.26.2\\n"``), or None."""
    match = re.search(r"\b(\d+)\.(\d+)\.(\d+)\b", output)
    return match.group(0) if match else None


def probe_server_version(shell: Callable[[str], str],
                         path: str = "/data/local/tmp/frida-server") -> str | None:
    """``frida-server --version`` through ``shell`` (e.g. the device layer's adb shell), as root
    first, then as the shell user; None when neither prints a version."""
    quoted = shlex.quote(path)
    for command in (f"su -c {shlex.quote(f'{quoted} --version')}", f"{quoted} --version"):
        try:
            version = parse_server_version(shell(command))
        except HarnessError as exc:
            log.debug("%s: %s", command, exc)
            continue
        if version is not None:
            return version
    return None


def major_version(version: str) -> int:
    head = version.strip().split(".", 1)[0]
    if not head.isdigit():
        raise InstrumentError(f"cannot read a frida version from {version!r}")
    return int(head)


def check_server(device: FridaDevice, server_version: str | None = None) -> ServerInfo:
    """Check that a compatible frida-server answers on ``device``; raise ``InstrumentError`` if not."""
    try:
        params = device.system_parameters()
    except UnsupportedError:
        # A frida PortalService (e.g. the virtual phone) answers but has no system parameters.
        device.enumerate_processes()  # raises when nothing answers at all
        params = {"access": "portal"}
    os_info = params.get("os") or {}
    api = params.get("api-level")
    info = ServerInfo(
        client_version=CLIENT_VERSION,
        server_version=server_version,
        access=params.get("access"),
        os_id=os_info.get("id"),
        os_version=os_info.get("version"),
        arch=params.get("arch"),
        api_level=int(api) if api is not None else None,
    )
    asset = server_asset(info.arch, CLIENT_VERSION, info.os_id)
    if device.kind != "local" and info.access not in ("full", "portal"):
        raise ServerMissingError(
            f"{device.label}: no frida-server answered (access: {info.access or 'unknown'}); install "
            f"{asset} as /data/local/tmp/frida-server and start it as root "
            "(`adb shell su -c '/data/local/tmp/frida-server -D'`)")
    if server_version is not None and major_version(server_version) != major_version(CLIENT_VERSION):
        raise ServerVersionError(
            f"{device.label}: frida-server {server_version} does not match the harness's frida "
            f"{CLIENT_VERSION} (major {major_version(server_version)} vs {major_version(CLIENT_VERSION)}); "
            f"install {asset}")
    if server_version is not None and server_version != CLIENT_VERSION:
        log.warning("%s: frida-server %s differs from frida %s (same major; %s recommended)",
                    device.label, server_version, CLIENT_VERSION, asset)
    return info
