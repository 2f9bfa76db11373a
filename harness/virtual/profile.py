"""Virtual-phone profiles: one YAML file per "ROM build" (build properties, identifiers, apps).

A profile is what makes one virtual phone differ from another: the build fingerprint and
properties ``getprop`` reports, the identifiers apps can read, the screen, and the installed
packages.  Profiles ship in ``harness/virtual/profiles/<name>.yaml``; ``load_profile`` also
accepts a path.  Loading validates strictly and raises ``ProfileError`` naming the file and field.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ProfileError
from harness.virtual.profile_fields import FieldReader, check_identifiers

PROFILES_DIR = Path(__file__).parent / "profiles"
FIRST_APP_UID = 10000


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
            "launcher": self.launcher_activity, "installer": self.installer, "app": dict(self.app),
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


_JAVA_CLASS_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)+$")
_FOLDER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def parse_app(package: FieldReader) -> dict[str, Any]:
    """A package's ``app:`` section: its program on the virtual phone (see launcher.JvmPrograms).

    ``main`` (the class whose ``main`` runs), ``sources`` (a folder of ``harness/virtual/apps``,
    default: the package name) and ``hosts`` (names the phone's internet must resolve).
    """
    data = package.opaque("app")
    if not data:
        return {}
    a = package.child("app").mapping(data)
    main = a.text("main")
    if not _JAVA_CLASS_RE.match(main):
        raise a.error("main", f"not a fully qualified Java class name: {main!r}")
    app: dict[str, Any] = {"main": main}
    sources = a.optional_text("sources")
    if sources is not None:
        if not _FOLDER_RE.match(sources):
            raise a.error("sources", f"not a folder name under harness/virtual/apps: {sources!r}")
        app["sources"] = sources
    hosts = a.text_list("hosts")
    bad = [h for h in hosts if not _HOST_RE.match(h)]
    if bad:
        raise a.error("hosts", f"not a host name: {bad[0]!r}")
    if hosts:
        app["hosts"] = hosts
    a.done()
    return app


def parse_package(data: Any, reader: FieldReader, next_uid: int) -> PackageSpec:
    """Validate one package mapping (from a profile or a ``harness-package.json``)."""
    r = reader.mapping(data)
    name = r.package_name("name")
    r = r.named(name)
    system = r.flag("system", default=False)
    privileged = r.flag("privileged", default=False)
    apk = r.optional_text("apk")
    if apk is None:
        apk = system_apk_path(name, privileged) if system \
            else third_party_apk_path(name)
    elif not apk.startswith(("/system/", "/data/app/")) or not apk.endswith(".apk"):
        raise r.error("apk", f"not an APK path under /system or /data/app (the folders a shell can pull from): {apk!r}")
    permissions = tuple(r.text_list("permissions"))
    granted = tuple(r.text_list("granted"))
    not_requested = [p for p in granted if p not in permissions]
    if not_requested:
        raise r.error("granted", f"not in permissions: {', '.join(not_requested)}")
    uid = r.integer("uid", default=next_uid, minimum=1000)
    launcher = r.optional_text("launcher")
    if launcher is not None and not (launcher.startswith(".") or "." in launcher):
        raise r.error("launcher", f"not an activity class name: {launcher!r}")
    spec = PackageSpec(
        name=name, label=r.text("label", default=name), system=system, apk_path=apk, uid=uid,
        version_code=r.integer("version_code", default=1, minimum=1),
        version_name=r.text("version_name", default="1.0"),
        target_sdk=r.integer("target_sdk", default=34, minimum=1),
        min_sdk=r.integer("min_sdk", default=24, minimum=1),
        permissions=permissions, granted=granted, launcher_activity=launcher,
        installer=r.optional_text("installer") or (None if system else "com.android.vending"),
        app=parse_app(r),
    )
    r.done()
    return spec


def _parse_profile(text: str, origin: str) -> Profile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{origin}: not valid YAML: {exc}") from None
    root = FieldReader(origin).mapping(data)
    b = root.child("build").mapping(root.raw("build"))
    build = BuildInfo(
        brand=b.text("brand"), manufacturer=b.text("manufacturer"), model=b.text("model"),
        device=b.text("device"), product=b.text("product"), release=b.text("release"),
        sdk=b.integer("sdk", minimum=21), security_patch=b.date("security_patch"),
        build_id=b.text("id"), incremental=b.text("incremental"),
        type=b.choice("type", ("user", "userdebug", "eng")), tags=b.text("tags"),
        abi=b.text("abi", default="arm64-v8a"), hardware=b.text("hardware", default=b.text("device")),
        extra_props=b.text_map("extra_props"),
    )
    stated = b.optional_text("fingerprint")
    b.done()
    if stated is not None and stated != build.fingerprint:
        raise b.error("fingerprint", f"{stated!r} disagrees with the build fields ({build.fingerprint!r})")
    i = root.child("identifiers").mapping(root.raw("identifiers"))
    identifiers = Identifiers(**{f: i.text(f) for f in Identifiers.__dataclass_fields__})
    i.done()
    check_identifiers(identifiers, i)
    s = root.child("screen").mapping(root.raw("screen"))
    screen = ScreenSpec(s.integer("width", minimum=100), s.integer("height", minimum=100),
                        s.integer("density", minimum=80))
    s.done()
    packages: list[PackageSpec] = []
    pkg_reader = root.child("packages")
    for item in pkg_reader.items(root.raw("packages")):
        used = {p.uid for p in packages}
        next_uid = max([u for u in used if u >= FIRST_APP_UID] + [FIRST_APP_UID + 99]) + 1
        spec = parse_package(item, pkg_reader, next_uid)
        if any(p.name == spec.name for p in packages):
            raise pkg_reader.error(spec.name, "package listed twice")
        if spec.uid >= FIRST_APP_UID and spec.uid in used:
            raise pkg_reader.child(spec.name).error("uid", f"{spec.uid} is already used by another app")
        packages.append(spec)
    launcher = root.text("launcher_package", default="com.android.launcher3")
    if not any(p.name == launcher for p in packages):
        raise root.error("launcher_package", f"{launcher!r} is not among the packages")
    profile = Profile(
        name=root.text("name"), description=root.text("description", default=""), build=build,
        identifiers=identifiers, rooted=root.flag("rooted", default=False), screen=screen,
        packages=tuple(packages), launcher_package=launcher, source=text,
    )
    root.done()
    return profile


def list_profiles() -> list[str]:
    """Names of the profiles that ship with the harness."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (``default``) or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = PROFILES_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise ProfileError(f"no profile named {name_or_path!r} (known: {', '.join(list_profiles())})")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror}") from None
    return _parse_profile(text, str(path))


def profile_from_text(text: str, origin: str) -> Profile:
    """A profile from YAML text (the copy a phone's state keeps); ``origin`` names it in errors."""
    return _parse_profile(text, origin)
