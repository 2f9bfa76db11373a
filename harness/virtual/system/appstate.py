"""The package manager's and AppOps' part of a phone's state: installed apps, grants, app-op modes.

Three JSON files under ``vphone/``: ``packages.json`` (installed package descriptions and the
system packages hidden for user 0), ``permissions.json`` (per package, each changeable permission's
granted state and flags) and ``appops.json`` (per package, op modes and last accesses).  Every
change is read-modify-write under the phone's lock and durable before the call returns.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.virtual.profile.fields import FieldReader
from harness.virtual.profile.load import parse_package
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.system.jsonfile import read_json, write_json
from harness.virtual.system.packages import apk_bytes, default_grants
from harness.virtual.system.permissions import permission


@dataclass(frozen=True)
class PermissionGrant:
    """One runtime (or development) permission of one package, as dumpsys shows it."""

    name: str
    granted: bool
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppOpEntry:
    """One app-op of one package: its mode (None = default) and when it was last used."""

    op: str
    mode: str | None
    time: float | None = None
    reject_time: float | None = None
    duration_ms: int | None = None


class AppStore:
    """Installed packages, their permission grants and app-op modes, kept in ``folder``."""

    def __init__(self, folder: Path, lock: threading.RLock, device_path: Callable[[str], Path]) -> None:
        self._packages_file = folder / "packages.json"
        self._grants_file = folder / "permissions.json"
        self._ops_file = folder / "appops.json"
        self._lock = lock
        self._device_path = device_path

    def install_initial(self, specs: tuple[PackageSpec, ...]) -> None:
        """A new phone's packages (``install`` for each, with one write of each store)."""
        grants = {}
        for spec in specs:
            self._write_files(spec, apk_bytes(spec))
            grants[spec.name] = default_grants(spec, grant_all_runtime=False)
        with self._lock:
            write_json(self._grants_file, grants)
            write_json(self._ops_file, {})
            write_json(self._packages_file, {"packages": [s.to_dict() for s in specs], "hidden": []})

    def _write_files(self, spec: PackageSpec, apk: bytes) -> None:
        apk_file = self._device_path(spec.apk_path)
        apk_file.parent.mkdir(parents=True, exist_ok=True)
        apk_file.write_bytes(apk)
        self._device_path(spec.data_dir).mkdir(parents=True, exist_ok=True)

    # --- packages -----------------------------------------------------------------------------

    def packages(self) -> list[PackageSpec]:
        """Packages installed for user 0, in install order."""
        with self._lock:
            data = read_json(self._packages_file)
        reader = FieldReader(str(self._packages_file), ("packages",))
        hidden = set(data["hidden"])
        return [parse_package(item, reader, 0) for item in data["packages"] if item["name"] not in hidden]

    def package(self, name: str) -> PackageSpec | None:
        return next((p for p in self.packages() if p.name == name), None)

    def all_uids(self) -> set[int]:
        """Uids of every package, hidden ones included (uids are never reused)."""
        with self._lock:
            return {int(item["uid"]) for item in read_json(self._packages_file)["packages"]}

    def install(self, spec: PackageSpec, apk: bytes, grant_all_runtime: bool = False) -> None:
        """Install or replace ``spec``; a replaced package keeps the grants it had."""
        with self._lock:
            data = read_json(self._packages_file)
            replacing = any(p["name"] == spec.name for p in data["packages"])
            data["packages"] = [p for p in data["packages"] if p["name"] != spec.name] + [spec.to_dict()]
            data["hidden"] = [name for name in data["hidden"] if name != spec.name]
            self._write_files(spec, apk)
            grants = read_json(self._grants_file)
            previous = grants.get(spec.name, {}) if replacing else {}
            fresh = default_grants(spec, grant_all_runtime)
            grants[spec.name] = {perm: previous.get(perm, state) for perm, state in fresh.items()}
            write_json(self._grants_file, grants)
            write_json(self._packages_file, data)

    def uninstall(self, name: str, keep_data: bool = False) -> None:
        """Remove a package entirely (its APK folder, data, grants and app-ops)."""
        with self._lock:
            spec = self.package(name)
            data = read_json(self._packages_file)
            data["packages"] = [p for p in data["packages"] if p["name"] != name]
            write_json(self._packages_file, data)
            for store in (self._grants_file, self._ops_file):
                values = read_json(store)
                values.pop(name, None)
                write_json(store, values)
            if spec is not None and not spec.system:
                shutil.rmtree(self._device_path(spec.code_path).parent, ignore_errors=True)
            if not keep_data:
                shutil.rmtree(self._device_path(f"/data/data/{name}"), ignore_errors=True)

    def hide(self, name: str) -> None:
        """``pm uninstall --user 0`` of a system package: gone for the user, APK kept."""
        with self._lock:
            data = read_json(self._packages_file)
            if name not in data["hidden"]:
                data["hidden"].append(name)
            write_json(self._packages_file, data)

    # --- permissions ----------------------------------------------------------------------------

    def permission_grants(self, package: str) -> dict[str, PermissionGrant]:
        """The changeable (runtime and development) permissions of ``package``."""
        with self._lock:
            stored = read_json(self._grants_file).get(package, {})
        return {perm: PermissionGrant(perm, bool(s["granted"]), tuple(s["flags"])) for perm, s in stored.items()}

    def set_permission(self, package: str, permission: str, granted: bool, flags: tuple[str, ...]) -> None:
        with self._lock:
            grants = read_json(self._grants_file)
            if permission not in grants.get(package, {}):
                raise KeyError(f"{package} has no changeable permission {permission}")
            grants[package][permission] = {"granted": granted, "flags": list(flags)}
            write_json(self._grants_file, grants)

    def reset_runtime_permissions(self, package: str) -> None:
        """PermissionManager.resetRuntimePermissions, which ``pm clear`` runs: user choices go away.

        System- and policy-fixed permissions stay as they are, permissions granted by default are
        granted again, every other runtime permission is revoked with its flags cleared; install
        and development permissions are not runtime state and are left alone.
        """
        with self._lock:
            grants = read_json(self._grants_file)
            for name, state in grants.get(package, {}).items():
                info = permission(name)
                flags = set(state["flags"])
                if info is None or not info.is_runtime or flags & {"SYSTEM_FIXED", "POLICY_FIXED"}:
                    continue
                by_default = "GRANTED_BY_DEFAULT" in flags
                state["granted"], state["flags"] = by_default, ["GRANTED_BY_DEFAULT"] if by_default else []
            write_json(self._grants_file, grants)

    # --- app-ops --------------------------------------------------------------------------------

    def app_ops(self, package: str) -> list[AppOpEntry]:
        with self._lock:
            stored = read_json(self._ops_file).get(package, {})
        return [AppOpEntry(op, e.get("mode"), e.get("time"), e.get("reject_time"), e.get("duration_ms"))
                for op, e in stored.items()]

    def update_op(self, package: str, op: str, **fields: Any) -> None:
        with self._lock:
            ops = read_json(self._ops_file)
            ops.setdefault(package, {}).setdefault(op, {}).update(fields)
            write_json(self._ops_file, ops)

    def note_op(self, package: str, op: str, rejected: bool = False, duration_ms: int | None = None) -> None:
        fields: dict[str, Any] = {"reject_time" if rejected else "time": time.time()}
        if duration_ms is not None:
            fields["duration_ms"] = duration_ms
        self.update_op(package, op, **fields)

    def reset_ops(self, package: str | None = None) -> None:
        """Forget modes set by ``appops set`` (access times stay, as on Android)."""
        with self._lock:
            ops = read_json(self._ops_file)
            for name, entries in ops.items():
                if package is None or name == package:
                    for entry in entries.values():
                        entry.pop("mode", None)
                    ops[name] = {op: e for op, e in entries.items() if e}
            write_json(self._ops_file, ops)
