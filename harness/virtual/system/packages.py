"""APK files of the virtual phone and what installing one grants.

The phone's own APKs are small zip files that carry their package description as
``harness-package.json`` (the same fields as a profile's package entry), so ``adb pull`` of a
``pm path`` result can be reinstalled with ``pm install``.  A real APK without it is read from its
binary AndroidManifest.xml (``harness.device.axml``); a file with neither is rejected with
``INSTALL_PARSE_FAILED_NOT_APK``, as Android rejects a file it cannot parse.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from harness.device.axml import AxmlError, parse_manifest
from harness.virtual.profile.spec import FIRST_APP_UID, PackageSpec
from harness.virtual.system.permissions import permission

PACKAGE_JSON = "harness-package.json"
_ZIP_DATE = (2023, 10, 5, 0, 0, 0)
# A dex header: real tools recognise the file type, nothing here runs it.
_DEX_STUB = b"dex\n035\x00" + bytes(104)


class InstallError(Exception):
    """An install failure: ``code`` is the ``INSTALL_...`` constant, ``detail`` the message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def pm_message(self) -> str:
        return f"Failure [{self.code}{': ' + self.detail if self.detail else ''}]"


def apk_bytes(spec: PackageSpec) -> bytes:
    """A small, valid zip standing in for ``spec``'s APK (deterministic per spec)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, _ZIP_DATE), data)
        add("AndroidManifest.xml", b"\x03\x00\x08\x00" + spec.name.encode("utf-16-le"))
        add("classes.dex", _DEX_STUB)
        add("resources.arsc", b"\x02\x00\x0c\x00")
        add("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nCreated-By: harness virtual phone\r\n\r\n")
        description = {k: v for k, v in spec.to_dict().items() if k not in ("apk", "uid")}
        add(PACKAGE_JSON, json.dumps(description, indent=1, sort_keys=True).encode("utf-8"))
    return buffer.getvalue()


def read_package_description(data: bytes, origin: str) -> dict[str, Any]:
    """The package description of an APK: its ``harness-package.json``, else what its binary
    AndroidManifest.xml says; InstallError when it has neither."""
    not_apk = InstallError("INSTALL_PARSE_FAILED_NOT_APK",
                           f"Failed to parse {origin}: neither {PACKAGE_JSON} nor a readable binary "
                           "AndroidManifest.xml")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if PACKAGE_JSON not in names:
                if "AndroidManifest.xml" not in names:
                    raise not_apk
                try:
                    return parse_manifest(archive.read("AndroidManifest.xml"))
                except AxmlError:
                    raise not_apk from None
            raw = archive.read(PACKAGE_JSON)
    except (zipfile.BadZipFile, OSError):
        raise not_apk from None
    try:
        description = json.loads(raw)
    except ValueError:
        raise InstallError("INSTALL_PARSE_FAILED_MANIFEST_MALFORMED", f"{PACKAGE_JSON} is not JSON") from None
    if not isinstance(description, dict):
        raise InstallError("INSTALL_PARSE_FAILED_MANIFEST_MALFORMED", f"{PACKAGE_JSON} is not an object")
    return description


def next_app_uid(used: set[int]) -> int:
    """The next free application uid, as the package manager allocates them."""
    return max([uid for uid in used if uid >= FIRST_APP_UID] + [FIRST_APP_UID + 99]) + 1


def default_grants(spec: PackageSpec, grant_all_runtime: bool) -> dict[str, dict[str, Any]]:
    """The changeable permissions of a freshly installed ``spec``: granted state and flags.

    Platform apps (uid < 10000) get their runtime permissions system-fixed and granted by default
    and hold signature permissions, other preinstalled apps get theirs granted by default,
    third-party apps as if the user granted the ones the profile lists (USER_SET).  Apps targeting
    SDK < 23 hold every runtime permission.
    """
    grants: dict[str, dict[str, Any]] = {}
    for name in spec.permissions:
        info = permission(name)
        if info is None or not info.is_changeable:
            continue
        legacy = info.is_runtime and spec.target_sdk < 23
        granted = (name in spec.granted or legacy or (grant_all_runtime and info.is_runtime)
                   or (info.development and is_platform_app(spec)))
        flags: list[str] = []
        if granted and info.is_runtime and not legacy:
            if is_platform_app(spec):
                flags = ["SYSTEM_FIXED", "GRANTED_BY_DEFAULT"]
            elif spec.system:
                flags = ["GRANTED_BY_DEFAULT"]
            elif name in spec.granted:
                flags = ["USER_SET"]
        grants[name] = {"granted": granted, "flags": flags}
    return grants


def is_platform_app(spec: PackageSpec) -> bool:
    """A system app with a system uid: signed with the platform key, so it holds signature permissions."""
    return spec.system and spec.uid < FIRST_APP_UID


def install_permissions(spec: PackageSpec) -> list[str]:
    """Granted install-time permissions that ``pm`` cannot change: normal ones, names the platform
    does not define (other apps' permissions) and, for platform apps, signature permissions."""
    names = []
    for name in spec.permissions:
        info = permission(name)
        if info is None or info.protection == "normal" or (
                info.protection == "signature" and not info.development and is_platform_app(spec)):
            names.append(name)
    return names
