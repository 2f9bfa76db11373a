"""The hook catalogue against the Android API stubs, the JDK and the Android SDK index.

Every Java target the agent hooks must exist with the listed overloads in the virtual phone's
stubs (or the JDK, for java.*/sun.* classes), and for classes of the Android SDK the overloads
and the stubs' static/final/abstract modifiers must match the SDK index
(shared/reference/android-sdk-index.json.gz; the classes this catalogue uses are kept in
data/sdk-index-subset.json so the test runs anywhere).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.instrument.agent import Target, catalogue
from harness.virtual.runtime.javac import java_executable

HERE = Path(__file__).resolve().parent
SUBSET = HERE / "data" / "sdk-index-subset.json"
Sigs = dict[str, list[tuple[str, set[str], tuple[str, ...]]]]
FULL_INDEX = Path(os.environ.get("HARNESS_SDK_INDEX", "/work/shared/reference/android-sdk-index.json.gz"))


def _java_targets() -> list[Target]:
    return [t for m in catalogue() for t in m.targets if t.kind == "java"]


def _simple(java_name: str) -> str:
    """A Frida/JNI type name as the index writes it: "[Ljava.lang.String;" -> "String[]"."""
    dims = 0
    while java_name.startswith("["):
        dims += 1
        java_name = java_name[1:]
    prims = {"B": "byte", "C": "char", "S": "short", "I": "int", "J": "long", "F": "float", "D": "double",
             "Z": "boolean"}
    if dims and java_name in prims:
        base = prims[java_name]
    else:
        base = java_name.removeprefix("L").removesuffix(";")
        base = base.rsplit(".", 1)[-1].rsplit("$", 1)[-1]
    return base + "[]" * dims


@pytest.fixture(scope="module")
def sigs(jvm_classpath: str) -> Sigs:
    """For every "cls#method" target: (declaring class, modifiers, parameter types) per overload."""
    keys = sorted({f"{t.cls}#{t.method}" for t in _java_targets()})
    out = subprocess.run([java_executable(), "-cp", jvm_classpath, "SigDump", *keys],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    table: dict[str, list[tuple[str, set[str], tuple[str, ...]]]] = {k: [] for k in keys}
    for line in out.splitlines():
        key, rest = line.split("|", 1)
        if rest in ("MISSING", "NOMETHOD"):
            continue
        decl, mods, params = rest.split("|")
        table[key].append((decl, set(mods.split()), tuple(p for p in params.split(",") if p)))
    return table


@pytest.fixture(scope="module")
def sdk_index() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(SUBSET.read_text())
    return data


def test_catalogue_shape() -> None:
    mods = catalogue()
    names = [m.name for m in mods]
    assert names == ["network", "native_net", "sms", "contacts", "identifiers", "location", "clipboard",
                     "accounts", "packages"]
    for m in mods:
        assert m.description and m.targets
        for t in m.targets:
            assert t.kind in ("java", "native")
            if t.kind == "java":
                assert t.cls and t.method and t.overloads, t
            else:
                assert t.module and t.symbol, t


def test_every_java_target_exists_with_its_overloads(sigs: Sigs) -> None:
    problems = []
    for t in _java_targets():
        found = sigs[f"{t.cls}#{t.method}"]
        if t.optional or t.runtime == "android":
            continue  # another library version / Android-only internals: absent here by design
        have = {params for _decl, _mods, params in found}
        for ov in t.overloads:
            if tuple(ov) not in have:
                problems.append(f"{t.name}({', '.join(ov)}) not in the stubs/JDK (have {sorted(have)})")
    assert not problems, "\n".join(problems)


def test_android_only_and_optional_targets_are_absent_on_hotspot(
        sigs: Sigs) -> None:
    for t in _java_targets():
        if t.runtime == "android" or t.optional:
            assert not sigs[f"{t.cls}#{t.method}"], f"{t.name} unexpectedly present: the skip test relies on it"


def test_sdk_targets_match_the_index(sdk_index: dict[str, dict[str, object]],
                                     sigs: Sigs) -> None:
    problems = []
    for t in _java_targets():
        entry = sdk_index.get(str(t.cls))
        if entry is None:
            continue
        methods = entry["methods"]
        assert isinstance(methods, dict)
        known = methods.get(str(t.method), {})
        for ov in t.overloads:
            sig = ",".join(_simple(p) for p in ov)
            if sig not in known:
                problems.append(f"{t.name}({sig}) is not in the SDK index (index has {sorted(known)})")
                continue
            flags = set(known[sig]["flags"]) & {"static", "final", "abstract"}
            stub = [mods for decl, mods, params in sigs[f"{t.cls}#{t.method}"]
                    if decl == t.cls and params == tuple(ov)]
            if stub and not t.cls.startswith("java."):
                mods = stub[0] & {"static", "final", "abstract"}
                if mods != flags:
                    problems.append(f"stub {t.name}({sig}) is {sorted(mods)}, Android has {sorted(flags)}")
    assert not problems, "\n".join(problems)


def test_index_subset_covers_the_catalogue() -> None:
    if not FULL_INDEX.is_file():
        pytest.skip(f"full SDK index not available at {FULL_INDEX}")
    full = json.loads(gzip.decompress(FULL_INDEX.read_bytes()))
    subset = json.loads(SUBSET.read_text())
    for t in _java_targets():
        if t.cls in full:
            assert t.cls in subset, f"regenerate data/sdk-index-subset.json: {t.cls} missing"
            assert subset[t.cls]["methods"].get(t.method) == full[t.cls]["methods"].get(t.method), t.name


def test_hooks_list_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    assert main(["hooks", "list", "--module", "sms"]) == 0
    out = capsys.readouterr().out
    assert "android.telephony.SmsManager.sendTextMessage (3 overloads)" in out
    assert main(["hooks", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {m["name"] for m in data} >= {"network", "native_net", "sms"}
    assert main(["hooks", "list", "--module", "nope"]) == 2


# Class modifiers of the stubs as shared/reference/android-api-signatures.md lists them
# (nested classes: the modifiers Class.getModifiers() reports, which include "static").
CLASS_MODIFIERS = {
    "android.telephony.SmsManager": "public final",
    "android.telephony.TelephonyManager": "public",
    "android.provider.Settings": "public final",
    "android.provider.Settings$Secure": "public static final",
    "android.provider.Settings$Global": "public static final",
    "android.provider.Settings$System": "public static final",
    "android.content.ContentResolver": "public abstract",
    "android.provider.ContactsContract": "public final",
    "android.provider.ContactsContract$Contacts": "public static",
    "android.provider.ContactsContract$RawContacts": "public static final",
    "android.provider.ContactsContract$Data": "public static final",
    "android.provider.ContactsContract$CommonDataKinds$Phone": "public static final",
    "android.provider.ContactsContract$CommonDataKinds$Email": "public static final",
    "android.provider.Telephony": "public final",
    "android.provider.Telephony$Sms": "public static final",
    "android.provider.Telephony$Sms$Inbox": "public static final",
    "android.provider.CallLog$Calls": "public static",
    "android.location.LocationManager": "public",
    "android.location.Location": "public",
    "android.content.ClipboardManager": "public",
    "android.accounts.AccountManager": "public",
    "android.content.pm.PackageManager": "public abstract",
    "android.content.pm.PackageManager$PackageInfoFlags": "public static final",
    "android.app.ApplicationPackageManager": "public",
    "android.os.Build": "public",
    "android.net.wifi.WifiInfo": "public",
    "android.media.MediaDrm": "public final",
    "android.webkit.WebView": "public",
    "android.app.PendingIntent": "public final",
    "android.os.Bundle": "public final",
    "android.os.Looper": "public final",
    "android.os.CancellationSignal": "public final",
    "android.net.Uri": "public abstract",
    "android.content.Context": "public abstract",
    "android.database.Cursor": "public abstract interface",
    "com.google.android.gms.ads.identifier.AdvertisingIdClient$Info": "public static final",
    "okhttp3.RealCall": "final",
    "okhttp3.Request": "public final",
    "okhttp3.RequestBody": "public abstract",
    "okhttp3.Response": "public final",
    "okhttp3.Call": "public abstract interface",
}


def test_stub_class_modifiers(jvm_classpath: str) -> None:
    out = subprocess.run([java_executable(), "-cp", jvm_classpath, "SigDump", *CLASS_MODIFIERS],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    got = {line.split("|")[0]: line.split("|")[2] for line in out.splitlines() if "|CLASS|" in line}
    wrong = {c: (got.get(c), want) for c, want in CLASS_MODIFIERS.items() if got.get(c) != want}
    assert not wrong, wrong
