"""What a virtual-phone profile describes: the build, the identifiers, the screen, the packages.

Plain frozen dataclasses (``load`` reads them from a profile's YAML), plus the rules Android uses
for app uids and APK paths.  Everything that needs a ``PackageSpec`` or a ``Profile`` imports this
module only, not the YAML loader.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

FIRST_APP_UID = 10000


@dataclass(frozen=True)
class ReceiverSpec:
    """One ``<receiver>`` of a package's manifest with one intent filter: the ``action`` it
    receives and its class (``.Name`` or a full class name, as ``android:name`` gives it)."""

    action: str
    name: str
    exported: bool

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "class": self.name, "exported": self.exported}


@dataclass(frozen=True)
class PackageSpec:
    """One installed package as the package manager sees it."""

    name: str
    label: str
    system: bool
    apk_path: str
    uid: int
    version_code: int
    version_name: str
    target_sdk: int
    min_sdk: int
    permissions: tuple[str, ...]          # requested, in manifest order
    granted: tuple[str, ...]              # runtime permissions granted at install
    launcher_activity: str | None         # ".MainActivity" or a full class name
    installer: str | None = None
    receivers: tuple[ReceiverSpec, ...] = ()  # manifest receivers, in manifest order
    app: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # see parse_app

    @property
    def code_path(self) -> str:
        """The folder holding the APK (dumpsys ``codePath=``)."""
        return self.apk_path.rsplit("/", 1)[0]

    @property
    def data_dir(self) -> str:
        return f"/data/data/{self.name}"

    def full_class(self, activity: str) -> str:
        """``.Main`` -> ``com.x.Main``; a full class name stays as it is."""
        return self.name + activity if activity.startswith(".") else activity

    def short_class(self, activity: str) -> str:
        """``com.x.Main`` -> ``.Main`` (ComponentName.flattenToShortString)."""
        full = self.full_class(activity)
        prefix = self.name + "."
        return full[len(self.name):] if full.startswith(prefix) else full

    def to_dict(self) -> dict[str, Any]:
        """The YAML/JSON form ``parse_package`` reads back."""
        return {
            "name": self.name, "label": self.label, "system": self.system, "apk": self.apk_path,
            "uid": self.uid, "version_code": self.version_code, "version_name": self.version_name,
            "target_sdk": self.target_sdk, "min_sdk": self.min_sdk,
            "permissions": list(self.permissions), "granted": list(self.granted),
            "launcher": self.launcher_activity, "installer": self.installer,
            "receivers": [r.to_dict() for r in self.receivers], "app": dict(self.app),
        }


@dataclass(frozen=True)
class BuildInfo:
    brand: str
    manufacturer: str
    model: str
    device: str
    product: str
    release: str
    sdk: int
    security_patch: str
    build_id: str
    incremental: str
    type: str
    tags: str
    abi: str
    hardware: str
    extra_props: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def fingerprint(self) -> str:
        return (f"{self.brand}/{self.product}/{self.device}:{self.release}/{self.build_id}/"
                f"{self.incremental}:{self.type}/{self.tags}")


@dataclass(frozen=True)
class Identifiers:
    imei: str
    imsi: str
    iccid: str
    serial: str
    android_id: str
    wifi_mac: str
    phone_number: str
    advertising_id: str


@dataclass(frozen=True)
class ScreenSpec:
    width: int
    height: int
    density: int


@dataclass(frozen=True)
class Profile:
    """A whole virtual-phone profile; ``source`` is the YAML text it was loaded from."""

    name: str
    description: str
    build: BuildInfo
    identifiers: Identifiers
    rooted: bool
    screen: ScreenSpec
    packages: tuple[PackageSpec, ...]
    launcher_package: str
    source: str = field(default="", compare=False, repr=False)
    #: frida-server is installed (/data/local/tmp/frida-server) and running, as on a prepared
    #: test phone: the phone's frida portal shows as the process "frida-server".
    frida_server: bool = False

    def package(self, name: str) -> PackageSpec | None:
        return next((p for p in self.packages if p.name == name), None)


def third_party_apk_path(package: str) -> str:
    """An Android-11+-style install path, deterministic per package name."""
    def token(salt: str) -> str:
        digest = hashlib.sha256(f"{salt}:{package}".encode()).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode("ascii")     # 22 chars + "=="
    return f"/data/app/~~{token('session')}/{package}-{token('package')}/base.apk"


def system_apk_path(package: str, privileged: bool) -> str:
    folder = "".join(part.capitalize() for part in package.rsplit(".", maxsplit=1)[-1].split("_"))
    return f"/system/{'priv-app' if privileged else 'app'}/{folder}/{folder}.apk"
