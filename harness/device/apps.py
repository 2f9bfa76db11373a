"""Installed apps: list, install, clear, force-stop, launch and find their processes."""

from __future__ import annotations

import logging
import posixpath
import re
import time
from dataclasses import dataclass
from pathlib import Path

from harness.device.shell import Shell
from harness.errors import CommandFailedError, ConfigError, PackageNotFoundError

log = logging.getLogger(__name__)

_PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
_SYSTEM_PREFIXES = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/")
_STAGING_DIR = "/data/local/tmp"


@dataclass(frozen=True)
class InstalledPackage:
    name: str
    path: str
    system: bool


def check_package_name(package: str) -> str:
    """Reject what cannot be an Android package name before it reaches a device."""
    if not _PACKAGE_NAME.match(package):
        raise ConfigError(f"{package!r} is not an Android package name")
    return package


def parse_package_list(text: str) -> list[tuple[str, str]]:
    """``pm list packages -f`` lines -> [(name, apk path)]; paths may contain '='."""
    out = []
    for line in text.splitlines():
        if not line.startswith("package:"):
            continue
        body = line[len("package:"):].split(" versionCode:")[0].split("  installer=")[0].split(" uid:")[0]
        path, sep, name = body.rpartition("=")
        out.append((name.strip(), path if sep else ""))
    return out


class Apps:
    def __init__(self, device: Shell) -> None:
        self._device = device

    def installed(self, third_party_only: bool = False, system_only: bool = False) -> list[InstalledPackage]:
        """Installed packages with their APK paths (``pm list packages -f [-3|-s]``)."""
        args = ["pm", "list", "packages", "-f"]
        if third_party_only:
            args.append("-3")
        if system_only:
            args.append("-s")
        entries = parse_package_list(self._device.shell(args).stdout)
        return [InstalledPackage(name, path, path.startswith(_SYSTEM_PREFIXES)) for name, path in entries]

    def paths(self, package: str) -> list[str]:
        """The package's APK paths; [] when it is not installed."""
        result = self._device.shell(["pm", "path", check_package_name(package)], check=False)
        return [line[len("package:"):] for line in result.stdout.splitlines() if line.startswith("package:")]

    def is_installed(self, package: str) -> bool:
        return bool(self.paths(package))

    def require(self, package: str) -> None:
        if not self.is_installed(package):
            raise PackageNotFoundError(self._device.serial, f"package {package} is not installed")

    def install(self, apk: Path, *, replace: bool = True, grant_all: bool = False) -> None:
        """Push an APK and install it with ``pm install``."""
        if not apk.is_file():
            raise ConfigError(f"{apk}: no such APK file")
        staged = posixpath.join(_STAGING_DIR, f"harness-install-{int(time.time() * 1000)}.apk")
        self._device.push(str(apk), staged)
        try:
            args = ["pm", "install"] + (["-r"] if replace else []) + (["-g"] if grant_all else []) + [staged]
            result = self._device.shell(args, check=False)
            if "Success" not in result.stdout:
                raise CommandFailedError(self._device.serial, " ".join(args), result.exit_code,
                                         result.output or "no output")
        finally:
            self._device.shell(["rm", "-f", staged], check=False)
        log.info("%s: installed %s", self._device.serial, apk.name)

    def uninstall(self, package: str) -> None:
        result = self._device.shell(["pm", "uninstall", check_package_name(package)], check=False)
        if "Success" not in result.stdout:
            if "not installed" in result.output:
                raise PackageNotFoundError(self._device.serial, f"package {package} is not installed")
            raise CommandFailedError(self._device.serial, f"pm uninstall {package}", result.exit_code, result.output)

    def clear(self, package: str) -> None:
        """Erase the app's data (``pm clear``), as a fresh install would have it."""
        self.require(package)
        result = self._device.shell(["pm", "clear", package], check=False)
        if "Success" not in result.stdout:
            raise CommandFailedError(self._device.serial, f"pm clear {package}", result.exit_code, result.output)

    def force_stop(self, package: str) -> None:
        self.require(package)
        self._device.shell(["am", "force-stop", package])

    def launch(self, package: str, activity: str | None = None, wait_for_pid: float = 10.0) -> int | None:
        """Start the app (its launcher activity unless ``activity`` is given); return its pid."""
        self.require(package)
        if activity:
            component = activity if "/" in activity else f"{package}/{activity}"
            result = self._device.shell(["am", "start", "-W", "-n", component], check=False)
            if "Error" in result.output or result.exit_code != 0:
                raise CommandFailedError(self._device.serial, f"am start -n {component}", result.exit_code,
                                         result.output)
        else:
            result = self._device.shell(
                ["monkey", "-p", package, "-c", "android.intent.category.LAUNCHER", "1"], check=False
            )
            if "No activities found" in result.output or "Events injected: 1" not in result.output:
                raise CommandFailedError(self._device.serial, f"monkey -p {package}", result.exit_code,
                                         result.output)
        deadline = time.monotonic() + wait_for_pid
        while True:
            pid = self.pid(package)
            if pid is not None or time.monotonic() >= deadline:
                return pid
            time.sleep(0.1)

    def pids(self, process_name: str) -> list[int]:
        """Pids of processes with that name (``pidof``)."""
        result = self._device.shell(["pidof", process_name], check=False)
        return [int(p) for p in result.stdout.split() if p.isdigit()]

    def pid(self, process_name: str) -> int | None:
        pids = self.pids(process_name)
        return pids[0] if pids else None
