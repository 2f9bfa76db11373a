"""The Android names a scenario writes, checked and put in the form the device layer takes.

- permissions: ``READ_CONTACTS`` means ``android.permission.READ_CONTACTS``; a full name
  (``com.google.android.gms.permission.AD_ID``) is kept as written;
- app-ops: ``android:read_contacts`` or ``read_contacts`` -> ``READ_CONTACTS`` (as ``appops``
  prints it, ``harness.device.consent.normalize_op``); modes as ``appops set`` takes them;
- settings: ``namespace.key`` with namespace ``system``, ``secure`` or ``global``;
- packages: Android package names; targets: packages, process names (``system_server``,
  ``com.android.phone:ui``) and globs of them (``com.vendor.*``); domains for ``first_party``.

Each check returns the normal form or raises ``ValueError`` with the message to show.
"""

from __future__ import annotations

import re

from harness.device.consent import APPOP_MODES, NAMESPACES, normalize_op

__all__ = ["APPOP_MODES", "NAMESPACES", "app_op", "domain", "package", "permission", "setting_key", "target"]

_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
_FULL_PERMISSION = re.compile(r"^[A-Za-z][\w.]*\.[A-Z0-9_]+$")
_SHORT_PERMISSION = re.compile(r"^[A-Z][A-Z0-9_]*$")
_OP = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SETTING_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-:]*$")
_TARGET = re.compile(r"^[A-Za-z0-9_.:/*?\[\]\-]+$")
_DOMAIN = re.compile(r"^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")


def package(name: str) -> str:
    if not _PACKAGE.match(name):
        raise ValueError(f"{name!r} is not an Android package name (like com.example.app)")
    return name


def permission(name: str) -> str:
    if _SHORT_PERMISSION.match(name):
        return f"android.permission.{name}"
    if not _FULL_PERMISSION.match(name):
        raise ValueError(f"{name!r} is not an Android permission name "
                         "(like READ_CONTACTS or android.permission.READ_CONTACTS)")
    return name


def app_op(name: str) -> str:
    op = normalize_op(name)
    if not _OP.match(op):
        raise ValueError(f"{name!r} is not an app-op name (like READ_CONTACTS or android:read_contacts)")
    return op


def setting_key(name: str) -> str:
    """``"Secure.upload_log_pref"`` -> ``"secure.upload_log_pref"``."""
    namespace, dot, key = name.partition(".")
    if not dot or namespace.lower() not in NAMESPACES:
        raise ValueError(f"setting {name!r}: expected NAMESPACE.KEY with NAMESPACE one of {', '.join(NAMESPACES)}")
    if not _SETTING_KEY.match(key):
        raise ValueError(f"setting {name!r}: {key!r} is not a settings key")
    return f"{namespace.lower()}.{key}"


def target(name: str) -> str:
    if not _TARGET.match(name):
        raise ValueError(f"target {name!r}: expected a package, a process name or a glob (like com.vendor.*)")
    return name


def domain(name: str) -> str:
    if not _DOMAIN.match(name):
        raise ValueError(f"{name!r} is not a domain name (like example.com)")
    return name.rstrip(".").lower()
