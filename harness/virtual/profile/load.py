"""Virtual-phone profiles: one YAML file per "ROM build" (build properties, identifiers, apps).

A profile is what makes one virtual phone differ from another: the build fingerprint and
properties ``getprop`` reports, the identifiers apps can read, the screen, and the installed
packages (``spec``).  Profiles ship in ``harness/virtual/profile/profiles/<name>.yaml``;
``load_profile`` also accepts a path.  Loading validates strictly and raises ``ProfileError``
naming the file and field.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ProfileError
from harness.virtual.profile.fields import FieldReader, luhn_valid
from harness.virtual.profile.spec import (
    FIRST_APP_UID,
    BuildInfo,
    Identifiers,
    PackageSpec,
    Profile,
    ReceiverSpec,
    ScreenSpec,
    system_apk_path,
    third_party_apk_path,
)

PROFILES_DIR = Path(__file__).parent / "profiles"

_JAVA_CLASS_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)+$")
_FOLDER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_ACTION_RE = re.compile(r"^[A-Za-z0-9_$.:-]{1,256}$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def parse_app(package: FieldReader) -> dict[str, Any]:
    """A package's ``app:`` section: its program on the virtual phone (see ``runtime.launcher.JvmPrograms``).

    ``main`` (the class whose ``main`` runs), ``sources`` (a folder of
    ``harness/virtual/runtime/apps``, default: the package name), ``hosts`` (names the phone's
    internet must resolve) and ``trust_anchors`` (its network security config's
    ``<trust-anchors>``: ``[system]`` or ``[system, user]``; absent: Android's default for its
    target SDK, see ``harness.virtual.net.trust``).
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
            raise a.error("sources", f"not a folder name under harness/virtual/runtime/apps: {sources!r}")
        app["sources"] = sources
    hosts = a.text_list("hosts")
    bad = [h for h in hosts if not _HOST_RE.match(h)]
    if bad:
        raise a.error("hosts", f"not a host name: {bad[0]!r}")
    if hosts:
        app["hosts"] = hosts
    anchors = a.text_list("trust_anchors")
    if any(anchor not in ("system", "user") for anchor in anchors):
        raise a.error("trust_anchors", f"not system or user: {anchors!r}")
    if anchors:
        app["trust_anchors"] = anchors
    a.done()
    return app


def parse_receivers(package: FieldReader, name: str, target_sdk: int) -> tuple[ReceiverSpec, ...]:
    """A package's ``receivers:`` (its manifest's ``<receiver>`` elements, one intent filter each).

    Each is ``{action: ACTION, class: .Name|full.Class, exported: true|false}``; one class may be
    listed for several actions, always with the same ``exported``.  As Android 12 requires, an app
    targeting API 31+ must say whether a receiver is exported; before, one with a filter is.
    """
    receivers: list[ReceiverSpec] = []
    for r in package.mappings("receivers"):
        action = r.text("action")
        if not _ACTION_RE.match(action):
            raise r.error("action", f"not an intent action: {action!r}")
        cls = r.text("class")
        full = name + cls if cls.startswith(".") else cls
        if not _JAVA_CLASS_RE.match(full):
            raise r.error("class", f"not a receiver class name (.Name or a full class name): {cls!r}")
        same_class = [x for x in receivers if (name + x.name if x.name.startswith(".") else x.name) == full]
        if not r.has("exported") and target_sdk >= 31:
            raise r.error("exported", "missing: apps targeting API 31+ must say whether a receiver with an "
                                      "intent filter is exported")
        exported = r.flag("exported", default=True)
        if any(x.action == action for x in same_class):
            raise r.error("action", f"{action!r} is already declared for {cls}")
        if same_class and same_class[0].exported != exported:
            raise r.error("exported", f"{cls} is declared with exported: {str(same_class[0].exported).lower()} "
                                      "before (one receiver, one value)")
        r.done()
        receivers.append(ReceiverSpec(action, cls, exported))
    return tuple(receivers)


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
    target_sdk = r.integer("target_sdk", default=34, minimum=1)
    spec = PackageSpec(
        name=name, label=r.text("label", default=name), system=system, apk_path=apk, uid=uid,
        version_code=r.integer("version_code", default=1, minimum=1),
        version_name=r.text("version_name", default="1.0"),
        target_sdk=target_sdk,
        min_sdk=r.integer("min_sdk", default=24, minimum=1),
        permissions=permissions, granted=granted, launcher_activity=launcher,
        installer=r.optional_text("installer") or (None if system else "com.android.vending"),
        receivers=parse_receivers(r, name, target_sdk), app=parse_app(r),
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
        frida_server=root.flag("frida_server", default=False),
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


def check_identifiers(ids: Identifiers, reader: FieldReader) -> None:
    """Identifiers must look real: Luhn-valid IMEI and ICCID, hex android_id, a UUID AAID..."""
    if not (re.fullmatch(r"\d{15}", ids.imei) and luhn_valid(ids.imei)):
        raise reader.error("imei", "must be 15 digits with a valid Luhn check digit")
    if not re.fullmatch(r"\d{15}", ids.imsi):
        raise reader.error("imsi", "must be 15 digits")
    if not (re.fullmatch(r"89\d{16,18}", ids.iccid) and luhn_valid(ids.iccid)):
        raise reader.error("iccid", "must be 18-20 digits starting 89 with a valid Luhn check digit")
    if not re.fullmatch(r"[A-Za-z0-9]{6,20}", ids.serial):
        raise reader.error("serial", "must be 6-20 letters or digits")
    if not re.fullmatch(r"[0-9a-f]{16}", ids.android_id):
        raise reader.error("android_id", "must be 16 lowercase hex digits")
    if not re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", ids.wifi_mac):
        raise reader.error("wifi_mac", "must be six lowercase hex pairs separated by ':'")
    if not re.fullmatch(r"\+[1-9]\d{6,14}", ids.phone_number):
        raise reader.error("phone_number", "must be an E.164 number (+ and up to 15 digits)")
    try:
        if str(uuid.UUID(ids.advertising_id)) != ids.advertising_id:
            raise ValueError
    except ValueError:
        raise reader.error("advertising_id", "must be a lowercase UUID") from None
