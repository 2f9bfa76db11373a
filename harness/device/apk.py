"""An APK file's identity (package, version) and making sure a phone has that version installed.

``apk_manifest(path)`` reads the binary AndroidManifest.xml inside the APK (``axml``).
``ensure_installed(device, apk, package)`` installs the APK when the package is missing or
installed at another version code (``dumpsys package``'s ``versionCode=``), and says which it did.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path
from typing import Any

from harness.device.axml import AxmlError, parse_manifest
from harness.device.device import Device
from harness.errors import ConfigError

log = logging.getLogger(__name__)

_VERSION_CODE = re.compile(r"^\s+versionCode=(\d+)", re.M)
#: An AndroidManifest.xml is a few KiB; refuse to read a huge one out of a hostile archive.
_MAX_MANIFEST = 4 << 20


def apk_manifest(path: Path) -> dict[str, Any]:
    """``{"name": package, "version_code": ..., ...}`` of the APK at ``path``; ConfigError naming it."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("AndroidManifest.xml")
            if info.file_size > _MAX_MANIFEST:
                raise ConfigError(f"{path}: AndroidManifest.xml is {info.file_size} bytes; not an APK this reads")
            data = archive.read(info)
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ConfigError(f"{path}: not a readable APK ({exc})") from exc
    try:
        return parse_manifest(data)
    except AxmlError as exc:
        raise ConfigError(f"{path}: its AndroidManifest.xml cannot be read: {exc}") from exc


def installed_version(device: Device, package: str) -> int | None:
    """The installed version code of ``package``, None when it is not installed."""
    if not device.apps.is_installed(package):
        return None
    match = _VERSION_CODE.search(device.shell(["dumpsys", "package", package]).stdout)
    return int(match[1]) if match else None


def ensure_installed(device: Device, apk: Path, package: str) -> str:
    """Install ``apk`` when ``package`` is missing or at another version; what was done, in words."""
    manifest = apk_manifest(apk)
    if manifest.get("name") != package:
        raise ConfigError(f"{apk}: this APK is {manifest.get('name')!r}, not the scenario's app {package!r}")
    wanted = manifest.get("version_code")
    have = installed_version(device, package)
    if have is not None and have == wanted:
        return f"{package} {have} is installed"
    device.apps.install(apk, replace=True)
    log.info("%s: installed %s (version %s, was %s)", device.serial, apk.name, wanted, have)
    return f"installed {apk.name} ({package} {wanted}{f', replacing {have}' if have is not None else ''})"
