"""``setup_device``: put the right frida-server on a phone, start it as root, and say what the phone is.

With a file: its ABI (ELF header) must be the phone's ``ro.product.cpu.abi`` and the version it
prints on the phone (``FILE --version``, pushed to a staging path first) must match the harness's
frida (``harness.instrument.versions``: another major version is refused, naming both versions).
Then, unless a frida-server of that version already answers (left alone: the command is
idempotent), the running server is stopped, the file goes to ``/data/local/tmp/frida-server``
(``chmod 755``) and is started as root (``su -c '... -D'``, or directly under ``adb root``), and
the command waits until frida answers through USB with that version.

Without a file it verifies what is there, and starts a matching ``/data/local/tmp/frida-server``
that does not run.  The report names the root manager, SELinux mode, Android version, security
patch and the ART module's version (``pm list packages --apex-only --show-versioncode``), which a
Play system update can change without an OS update.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.device.device import Device
from harness.doctor.context import FridaOpener
from harness.doctor.frida_server import (
    RELEASES_URL,
    SERVER_PATH,
    abi_mismatch,
    as_root,
    asset_name,
    compare,
    file_version,
    mismatch_text,
    read_root,
    read_server_file,
    running_server_version,
    scratch_dir,
    server_pids,
    start_command,
)
from harness.errors import (
    CommandFailedError,
    ConfigError,
    DeviceError,
    InstrumentError,
    ServerMissingError,
    ServerVersionError,
)
from harness.instrument.devices import open_usb
from harness.instrument.versions import CLIENT_VERSION, ServerInfo, check_server

log = logging.getLogger(__name__)

STAGING_PATH = "/data/local/tmp/frida-server.harness-new"
_ART = re.compile(r"^package:com\.(?:google\.)?android\.art versionCode:(\d+)", re.MULTILINE)


@dataclass
class SetupReport:
    """What ``setup_device`` did (``action``: left-alone, installed, started, verified) and found."""

    serial: str
    action: str
    message: str
    server_version: str | None
    server_path: str | None
    access: str | None
    root: str
    selinux: str
    android: str
    security_patch: str
    art_version: str
    abi: str
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"client_version": CLIENT_VERSION, **asdict(self)}


def art_version(device: Device) -> str:
    """The ART module's versionCode, or "unknown" (before Android 10, or a shell without the flag)."""
    try:
        out = device.shell(["pm", "list", "packages", "--apex-only", "--show-versioncode"], check=False,
                           timeout=30).stdout
    except DeviceError:
        return "unknown"
    match = _ART.search(out)
    return match[1] if match else "unknown"


def _answers(open_frida: FridaOpener, serial: str) -> ServerInfo | None:
    """What frida says over USB; None when no frida-server answers, or one that cannot talk to this
    frida (an old major version's ``Incompatible frida-server version``)."""
    try:
        return check_server(open_frida(serial), None)
    except InstrumentError as exc:
        log.debug("%s: frida-server: %s", serial, exc)
        return None


def _staged_version(device: Device, local: Path, given: Path) -> str:
    """Push ``local`` to the staging path and read its version there; refuse (and remove it) when
    it prints none or another major version than the harness's frida."""
    device.push(str(local), STAGING_PATH)
    device.shell(["chmod", "755", STAGING_PATH])
    version = file_version(device, STAGING_PATH)
    refusal: Exception | None = None
    if version is None:
        refusal = ConfigError(f"{given}: `--version` prints no version on the phone: not a frida-server?")
    elif compare(version) == "other-major":
        refusal = ServerVersionError(f"{mismatch_text(version, str(given))}: refused; download "
                                     f"{asset_name(_abi(device))} from {RELEASES_URL}")
    if refusal is not None:
        device.shell(["rm", "-f", STAGING_PATH], check=False)
        raise refusal
    assert version is not None
    return version


def _abi(device: Device) -> str:
    return device.facts().abi


def _stop_running(device: Device, method: str | None) -> None:
    pids = server_pids(device)
    if not pids:
        return
    device.shell(as_root(method, "kill " + " ".join(map(str, pids))), check=False, timeout=15)
    deadline = time.monotonic() + 5
    while server_pids(device) and time.monotonic() < deadline:
        time.sleep(0.2)


def _start(device: Device, method: str | None, expected: str, open_frida: FridaOpener,
           wait: float) -> tuple[ServerInfo, str]:
    """Start ``SERVER_PATH`` as root; wait until frida answers and it is version ``expected``."""
    command = as_root(method, start_command())
    try:
        said = device.shell(command, check=False, timeout=20).output.strip()
    except CommandFailedError as exc:   # a server that kept the shell's output open: see if it answers
        said = str(exc)
    deadline = time.monotonic() + wait
    while True:
        info = _answers(open_frida, device.serial)
        version, path = running_server_version(device)
        if info is not None and version == expected:
            return info, path or SERVER_PATH
        if time.monotonic() >= deadline:
            raise ServerMissingError(
                f"{device.serial}: started `{' '.join(command)}` but frida got no answer from frida-server "
                f"{expected} within {wait:g} s{': ' + said[-300:] if said else ''} -- look for \"Unable to load "
                "SELinux policy\" in `adb logcat`, and run it by hand to see its errors")
        time.sleep(0.5)


def setup_device(device: Device, server_file: Path | None = None, *, open_frida: FridaOpener = open_usb,
                 wait: float = 20.0) -> SetupReport:
    """Place, start and verify frida-server on ``device`` (see the module docstring)."""
    facts = device.facts(refresh=True)
    root = read_root(device, facts.root_method)
    notes: list[str] = []
    with scratch_dir() as scratch:
        wanted: str | None = None
        if server_file is not None:
            local = read_server_file(server_file, Path(scratch))
            problem = abi_mismatch(local.abi, facts.abi, str(server_file))
            if problem is not None:
                raise ConfigError(problem)
            wanted = _staged_version(device, local.path, server_file)
            if compare(wanted) == "same-major":
                notes.append(f"{server_file} is frida-server {wanted}, the harness's frida {CLIENT_VERSION}: same "
                             "major, accepted; the same version is safest")
        try:
            running, path = running_server_version(device)
            info = _answers(open_frida, device.serial)
            action, message = _decide(device, server_file, wanted, (running, path), info)
            if action in ("installed", "started"):
                if facts.root_method is None:
                    raise DeviceError(device.serial, "frida-server must run as root and this phone has no root "
                                                     "(`su -c id` does not print uid=0): root it first (README "
                                                     "\"Real phones\")")
                if action == "installed":
                    _stop_running(device, facts.root_method)
                    device.shell(["mv", "-f", STAGING_PATH, SERVER_PATH])
                    device.shell(["chmod", "755", SERVER_PATH])
                expected = wanted or running or CLIENT_VERSION
                info, path = _start(device, facts.root_method, expected, open_frida, wait)
                running = expected
        finally:
            if server_file is not None:   # nothing staged stays behind, whatever happened
                device.shell(["rm", "-f", STAGING_PATH], check=False)
    if running is not None and compare(running) == "same-major" and server_file is None:
        notes.append(f"frida-server {running} differs from the harness's frida {CLIENT_VERSION} (same major); "
                     f"{asset_name(facts.abi)} is safest")
    return SetupReport(
        serial=device.serial, action=action, message=message, server_version=running, server_path=path,
        access=info.access if info is not None else None, root=root.describe(), selinux=facts.selinux,
        android=f"{facts.release} (SDK {facts.sdk})", security_patch=facts.security_patch,
        art_version=art_version(device), abi=facts.abi, notes=notes)


def _decide(device: Device, server_file: Path | None, wanted: str | None, installed: tuple[str | None, str | None],
            info: ServerInfo | None) -> tuple[str, str]:
    """(action, message): what to do given the (version, path) ``installed`` and whether frida answers."""
    running, path = installed
    answering = info is not None
    if server_file is not None:
        if answering and running == wanted:
            return "left-alone", f"frida-server {running} already answers: left alone ({server_file} not installed)"
        return "installed", f"{server_file} (frida-server {wanted}) installed as {SERVER_PATH} and started as root"
    if running is not None and compare(running) == "other-major":
        where = path or "the running server"
        raise ServerVersionError(f"{device.serial}: {mismatch_text(running, where)}: give the right one with "
                                 f"--frida-server {asset_name(_abi(device))} ({RELEASES_URL})")
    if answering and running is not None:
        return "verified", f"frida-server {running} answers: nothing to do"
    if answering:
        return "verified", ("frida answers, but no frida-server binary prints its version: give --frida-server "
                            "FILE to place a known one")
    if running is not None:
        return "started", f"{SERVER_PATH} (frida-server {running}) was not running: started as root"
    have = f" ({SERVER_PATH} is frida-server {running})" if running else ""
    raise ServerMissingError(f"{device.serial}: no frida-server answers{have}: give one with --frida-server "
                             f"{asset_name(_abi(device))} (from {RELEASES_URL})")
