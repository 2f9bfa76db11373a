"""frida-server on the phone: which file, which version, which ABI, and running it as root.

The pinned client version and the rule for a match are ``harness.instrument.versions``'s
(``CLIENT_VERSION``; another major version is refused, the same major with another minor is
accepted with a warning).  A supplied file's ABI is read from its ELF header (``EI_CLASS`` and
``e_machine``) and compared with the phone's ``ro.product.cpu.abi``; frida's release assets come
xz-compressed, and such a file is unpacked first.

Root is reached the way root managers offer it: ``su -c 'COMMAND'`` (Magisk, KernelSU, APatch;
also ``su 0``) or, on userdebug builds after ``adb root``, adbd itself.
"""

from __future__ import annotations

import logging
import lzma
import re
import shlex
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.device.shell import Shell
from harness.errors import ConfigError, HarnessError
from harness.instrument.versions import CLIENT_VERSION, major_version, parse_server_version, probe_server_version

log = logging.getLogger(__name__)

SERVER_PATH = "/data/local/tmp/frida-server"
RELEASES_URL = f"https://github.com/frida/frida/releases/tag/{CLIENT_VERSION}"
_ROOT_TIMEOUT = 15.0

#: (e_machine, EI_CLASS) -> Android ABI (``ro.product.cpu.abi``)
_ELF_ABI = {(183, 2): "arm64-v8a", (40, 1): "armeabi-v7a", (3, 1): "x86", (62, 2): "x86_64"}
#: Android ABI -> the arch in frida's release asset names
FRIDA_ARCH = {"arm64-v8a": "arm64", "armeabi-v7a": "arm", "armeabi": "arm", "x86": "x86", "x86_64": "x86_64"}
_XZ_MAGIC = b"\xfd7zXZ\x00"

Match = Literal["same", "same-major", "other-major"]


def asset_name(abi: str) -> str:
    """frida's release asset for the phone's ABI: ``frida-server-17.26.2-android-arm64.xz``."""
    return f"frida-server-{CLIENT_VERSION}-android-{FRIDA_ARCH.get(abi, abi or 'ARCH')}.xz"


def compare(server_version: str) -> Match:
    """How ``server_version`` matches the harness's frida (``versions``' rule: the major decides)."""
    if server_version == CLIENT_VERSION:
        return "same"
    return "same-major" if major_version(server_version) == major_version(CLIENT_VERSION) else "other-major"


def mismatch_text(server_version: str, where: str) -> str:
    return (f"{where} is frida-server {server_version}, but the harness's frida is {CLIENT_VERSION} "
            f"(major {major_version(server_version)} vs {major_version(CLIENT_VERSION)})")


# ---- the file the user gives ----------------------------------------------------------------

def elf_abi(head: bytes, name: str) -> str:
    """The Android ABI of an ELF executable from its first 20 bytes; ``ConfigError`` otherwise."""
    if head[:4] != b"\x7fELF":
        raise ConfigError(f"{name}: not an ELF executable (it starts with {head[:4]!r}); give the frida-server "
                          "binary from frida's releases (frida-server-VERSION-android-ARCH.xz, unpacked or not)")
    if len(head) < 20 or head[5] not in (1, 2):
        raise ConfigError(f"{name}: a truncated or malformed ELF header")
    machine = struct.unpack("<H" if head[5] == 1 else ">H", head[18:20])[0]
    abi = _ELF_ABI.get((machine, head[4]))
    if abi is None:
        bits = {1: "32", 2: "64"}.get(head[4], "?")
        raise ConfigError(f"{name}: an ELF executable for machine {machine} ({bits}-bit), not an Android ABI "
                          f"({', '.join(sorted(set(_ELF_ABI.values())))})")
    return abi


@dataclass(frozen=True)
class ServerFile:
    """A frida-server binary ready to push: ``path`` (unpacked when it came xz-compressed)."""

    path: Path
    abi: str
    given: Path


def read_server_file(given: Path, scratch: Path) -> ServerFile:
    """Check ``given`` is an ELF executable (unpacking ``.xz`` into ``scratch``) and read its ABI."""
    try:
        with given.open("rb") as handle:
            head = handle.read(32)
    except OSError as exc:
        raise ConfigError(f"{given}: cannot read the frida-server file: {exc.strerror or exc}") from exc
    path = given
    if head.startswith(_XZ_MAGIC):
        path = scratch / "frida-server"
        try:
            with lzma.open(given) as packed, path.open("wb") as out:
                while chunk := packed.read(1 << 20):
                    out.write(chunk)
        except (lzma.LZMAError, OSError, EOFError) as exc:
            raise ConfigError(f"{given}: cannot unpack it (xz): {exc}") from exc
        with path.open("rb") as handle:
            head = handle.read(32)
    return ServerFile(path=path, abi=elf_abi(head, str(given)), given=given)


def abi_mismatch(server_abi: str, phone_abi: str, name: str) -> str | None:
    """Why a frida-server for ``server_abi`` cannot serve a phone whose primary ABI is ``phone_abi``."""
    if server_abi == phone_abi:
        return None
    return (f"{name} is a frida-server for {server_abi}, but the phone's ABI (ro.product.cpu.abi) is "
            f"{phone_abi}: use {asset_name(phone_abi)}")


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="harness-frida-server-")


# ---- root -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RootAccess:
    """How this phone gives root: ``method`` as ``DeviceFacts.root_method`` says (``su``,
    ``adb-root`` or None) and, for su, which root manager provides it (when it tells)."""

    method: str | None
    manager: str | None = None

    def describe(self) -> str:
        if self.method is None:
            return "no root"
        if self.method == "adb-root":
            return "adbd runs as root (adb root)"
        return f"su ({self.manager})" if self.manager else "su (root manager unknown)"


def as_root(method: str | None, command: str) -> list[str]:
    """argv running the shell line ``command`` as root with ``method``."""
    if method == "adb-root":
        return ["sh", "-c", command]
    return ["su", "-c", command]


_SU_VERSION = re.compile(r"^(?P<version>[^:\s]+):(?P<name>MAGISK|KernelSU|APatch)(?:SU)?\b",
                         re.IGNORECASE | re.MULTILINE)
_MANAGER_DIRS = {"/data/adb/magisk": "Magisk", "/data/adb/ksu": "KernelSU", "/data/adb/ap": "APatch"}


def read_root(device: Shell, method: str | None) -> RootAccess:
    """Which root manager gives ``su``: ``su -v`` (Magisk prints ``27.0:MAGISKSU``), else the folder
    each manager keeps in ``/data/adb``."""
    if method != "su":
        return RootAccess(method)
    try:
        version = device.shell(["su", "-v"], check=False, timeout=_ROOT_TIMEOUT).stdout
        match = _SU_VERSION.search(version)
        if match:
            name = {"magisk": "Magisk", "kernelsu": "KernelSU", "apatch": "APatch"}[match["name"].lower()]
            return RootAccess(method, f"{name} {match['version']}")
        listing = device.shell(as_root(method, "ls -d " + " ".join(_MANAGER_DIRS) + " 2>/dev/null; id"),
                               check=False, timeout=_ROOT_TIMEOUT).stdout
    except HarnessError as exc:
        log.debug("%s: reading the root manager: %s", device.serial, exc)
        return RootAccess(method)
    found = [name for folder, name in _MANAGER_DIRS.items() if folder in listing.split()]
    if not found and "context=u:r:magisk:s0" in listing:   # Magisk's su runs in its own SELinux domain
        found = ["Magisk"]
    return RootAccess(method, found[0] if found else None)


# ---- the server on the phone ------------------------------------------------------------------

def server_pids(device: Shell) -> list[int]:
    result = device.shell(["pidof", "frida-server"], check=False, timeout=_ROOT_TIMEOUT)
    return [int(p) for p in result.stdout.split() if p.isdigit()]


def running_server_version(device: Shell) -> tuple[str | None, str | None]:
    """(version, path) of the frida-server that runs (its ``/proc/PID/exe``, read as root when
    possible), else of the one at ``SERVER_PATH``; (None, None) when no binary prints a version."""
    paths: list[str] = []
    for pid in server_pids(device):
        for argv in (["su", "-c", f"readlink /proc/{pid}/exe"], ["readlink", f"/proc/{pid}/exe"]):
            try:
                exe = device.shell(argv, check=False, timeout=_ROOT_TIMEOUT).stdout.strip()
            except HarnessError:
                continue
            exe = exe.removesuffix(" (deleted)")
            if exe.startswith("/"):
                if exe not in paths:
                    paths.append(exe)
                break
    if SERVER_PATH not in paths:
        paths.append(SERVER_PATH)

    def shell(command: str) -> str:
        return device.shell(["sh", "-c", command], check=False, timeout=_ROOT_TIMEOUT).output

    for path in paths:
        version = probe_server_version(shell, path)
        if version is not None:
            return version, path
    return None, None


def file_version(device: Shell, path: str) -> str | None:
    """What ``PATH --version`` prints, run as the shell user (the user's file must print it)."""
    result = device.shell([path, "--version"], check=False, timeout=_ROOT_TIMEOUT)
    return parse_server_version(result.stdout) if result.exit_code == 0 else None


def start_command(path: str = SERVER_PATH) -> str:
    return f"{shlex.quote(path)} -D"
