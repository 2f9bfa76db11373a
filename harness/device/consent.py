"""Consent primitives: runtime permissions, app-ops and settings — each read back and verified.

Every change is verified through a different command than the one that made it (a ``pm revoke``
is checked in ``dumpsys package``, an ``appops set`` with ``appops get``, a ``settings put`` with
``settings get``), and returns the previous state so a run can restore the phone afterwards.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from harness.device.apps import Apps, check_package_name
from harness.device.shell import Shell, ShellResult
from harness.errors import (
    CommandFailedError,
    ConfigError,
    PackageNotFoundError,
    UnknownPermissionError,
    VerificationError,
)

log = logging.getLogger(__name__)

NAMESPACES = ("system", "secure", "global")
APPOP_MODES = ("allow", "ignore", "deny", "default", "foreground")
_PERMISSION = re.compile(r"^[A-Za-z][\w.]*\.[A-Z0-9_]+$")
_PERM_LINE = re.compile(r"^\s+(?P<name>[\w.]+): granted=(?P<granted>true|false)(?:, flags=\[ ?(?P<flags>[^\]]*)\])?")
_APPOP_LINE = re.compile(r"^(?:Uid mode: )?(?P<op>[A-Z0-9_]+): (?P<mode>[a-z]+)")


@dataclass(frozen=True)
class PermissionState:
    name: str
    granted: bool
    runtime: bool
    flags: tuple[str, ...] = ()


def parse_dumpsys_permissions(text: str, package: str) -> dict[str, PermissionState]:
    """Install and runtime permission states of ``package`` from ``dumpsys package PKG``."""
    states: dict[str, PermissionState] = {}
    in_package = False
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Package ["):
            in_package = stripped.startswith(f"Package [{package}]")
            section = ""
            continue
        if not in_package:
            continue
        if stripped.endswith("permissions:"):
            section = stripped[:-1]
            continue
        match = _PERM_LINE.match(line)
        if match and section in ("install permissions", "runtime permissions"):
            flags = tuple(f for f in (match["flags"] or "").strip().split("|") if f)
            states[match["name"]] = PermissionState(
                match["name"], match["granted"] == "true", section == "runtime permissions", flags
            )
    return states


def normalize_op(op: str) -> str:
    """``android:read_contacts`` or ``READ_CONTACTS`` -> ``READ_CONTACTS`` (as appops prints it)."""
    name = op[len("android:"):] if op.startswith("android:") else op
    return name.upper()


class Consent:
    def __init__(self, device: Shell, apps: Apps) -> None:
        self._device = device
        self._apps = apps

    @property
    def _serial(self) -> str:
        return self._device.serial

    # -- runtime permissions ----------------------------------------------------------------
    def permissions(self, package: str) -> dict[str, PermissionState]:
        result = self._device.shell(["dumpsys", "package", check_package_name(package)])
        return parse_dumpsys_permissions(result.stdout, package)

    def grant(self, package: str, permission: str) -> bool:
        """Grant a runtime permission; returns whether it was granted before."""
        return self._set_permission(package, permission, True)

    def revoke(self, package: str, permission: str) -> bool:
        """Revoke a runtime permission; returns whether it was granted before."""
        return self._set_permission(package, permission, False)

    def _set_permission(self, package: str, permission: str, grant: bool) -> bool:
        check_package_name(package)
        if not _PERMISSION.match(permission):
            raise ConfigError(f"{permission!r} is not an Android permission name")
        self._apps.require(package)  # Android 14's pm is silent about unknown packages
        before = self.permissions(package).get(permission)
        verb = "grant" if grant else "revoke"
        result = self._device.shell(["pm", verb, package, permission], check=False)
        if result.exit_code != 0:
            raise self._permission_error(result, package, permission, verb)
        after = self.permissions(package).get(permission)
        if after is None or after.granted != grant:
            seen = "absent" if after is None else f"granted={str(after.granted).lower()}"
            raise VerificationError(
                self._serial, f"pm {verb} {package} {permission} succeeded but dumpsys package shows {seen}"
            )
        log.info("%s: %s %s %s", self._serial, verb, package, permission)
        return bool(before and before.granted)

    def _permission_error(self, result: ShellResult, package: str, permission: str, verb: str) -> Exception:
        text = result.output
        if "Unknown permission" in text:
            return UnknownPermissionError(self._serial, f"unknown permission {permission}")
        if "has not requested permission" in text:
            return UnknownPermissionError(self._serial, f"{package} has not requested {permission}")
        if "not a changeable permission type" in text:
            return UnknownPermissionError(
                self._serial, f"{permission} is not a runtime permission (install-time permissions cannot be "
                              f"{'granted' if verb == 'grant' else 'revoked'})")
        if "Unknown package" in text:
            return PackageNotFoundError(self._serial, f"package {package} is not installed")
        return CommandFailedError(self._serial, f"pm {verb} {package} {permission}", result.exit_code, text)

    # -- app-ops -------------------------------------------------------------------------------
    def appop(self, package: str, op: str) -> str:
        """The mode of one app-op (``appops get PKG OP``); 'default' when nothing is set."""
        name = normalize_op(op)
        result = self._device.shell(["appops", "get", check_package_name(package), name], check=False)
        if result.exit_code != 0:
            raise self._appop_error(result, package, name)
        for line in result.stdout.splitlines():
            match = _APPOP_LINE.match(line.strip())
            if match and match["op"] == name:
                return match["mode"]
        return "default"

    def set_appop(self, package: str, op: str, mode: str) -> str:
        """Set an app-op mode and verify it; returns the previous mode."""
        if mode not in APPOP_MODES:
            raise ConfigError(f"app-op mode {mode!r} is not one of {', '.join(APPOP_MODES)}")
        self._apps.require(package)
        name = normalize_op(op)
        before = self.appop(package, name)
        result = self._device.shell(["appops", "set", package, name, mode], check=False)
        if result.exit_code != 0:
            raise self._appop_error(result, package, name)
        after = self.appop(package, name)
        if after != mode:
            raise VerificationError(self._serial, f"appops set {package} {name} {mode} succeeded but "
                                                  f"appops get shows {after}")
        return before

    def _appop_error(self, result: ShellResult, package: str, op: str) -> Exception:
        text = result.output
        if "Unknown operation" in text:
            return UnknownPermissionError(self._serial, f"unknown app-op {op}")
        if "No UID for" in text:
            return PackageNotFoundError(self._serial, f"package {package} is not installed")
        return CommandFailedError(self._serial, f"appops {package} {op}", result.exit_code, text)

    # -- settings ------------------------------------------------------------------------------
    def setting(self, namespace: str, key: str) -> str | None:
        """A setting's value, None when it is not set (``settings get`` prints ``null``)."""
        value = self._device.shell(["settings", "get", _namespace(namespace), key]).stdout.rstrip("\n")
        return None if value == "null" else value

    def put_setting(self, namespace: str, key: str, value: str) -> str | None:
        """Put a setting and verify it; returns the previous value (None if it was unset)."""
        before = self.setting(namespace, key)
        self._device.shell(["settings", "put", _namespace(namespace), key, value])
        after = self.setting(namespace, key)
        if after != value:
            raise VerificationError(self._serial, f"settings put {namespace} {key} {value!r} succeeded but "
                                                  f"settings get shows {after!r}")
        return before

    def delete_setting(self, namespace: str, key: str) -> str | None:
        before = self.setting(namespace, key)
        self._device.shell(["settings", "delete", _namespace(namespace), key])
        if self.setting(namespace, key) is not None:
            raise VerificationError(self._serial, f"settings delete {namespace} {key} left a value behind")
        return before

    def restore_setting(self, namespace: str, key: str, previous: str | None) -> None:
        if previous is None:
            self.delete_setting(namespace, key)
        else:
            self.put_setting(namespace, key, previous)


def _namespace(namespace: str) -> str:
    if namespace.lower() not in NAMESPACES:
        raise ConfigError(f"settings namespace {namespace!r} is not one of {', '.join(NAMESPACES)}")
    return namespace.lower()
