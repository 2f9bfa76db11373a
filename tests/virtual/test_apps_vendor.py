"""The vendor-telemetry case: one phone in two ROM builds whose analytics service differs.

Build A (vendor-a) sends its usage report only while the user is in the "user experience program"
(secure ``upload_log_pref=1``); build B (vendor-b, the OTA after it) also sends crash diagnostics
with the IMEI and the installed-app list when the switch is off.  The collectors' log shows it.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.device.device import Device
from harness.errors import ProfileError
from harness.virtual.manager import PhoneManager, RunningPhone
from harness.virtual.profile.buildprops import build_properties
from harness.virtual.profile.load import load_profile
from harness.virtual.profile.spec import Profile
from tests.virtual.apps_support import body, collected, wait_for_log

VENDOR_APP = "com.vendor.analytics"
TELEMETRY = "telemetry.vendor.example"
#: Properties a firmware OTA changes (all derived from build id, incremental and security patch).
OTA_PROPERTY = re.compile(r"ro\.(\w+\.)?build\.(fingerprint|id|version\.incremental|display\.id|description|"
                          r"date|date\.utc|(version\.)?security_patch)|gsm\.version\.baseband")


def _telemetry(phone: RunningPhone, path: str, since: float) -> list[dict[str, Any]]:
    return [r for r in collected(phone) if r.get("sni") == TELEMETRY and float(r["ts"]) >= since
            and urlsplit(str(r["path"])).path == path]


def _wait_for(phone: RunningPhone, path: str, since: float, count: int = 1,
              timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = _telemetry(phone, path, since)
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"{count} request(s) to {path} expected, got {len(found)}: {collected(phone)}"
            return found
        time.sleep(0.1)


def _run_service(phone: RunningPhone, upload_log_pref: str) -> tuple[Device, float]:
    """Set the switch and make sure the analytics service runs; returns the device and the time.

    A running service is left running: it reads the switch every round, as it would on a phone.
    """
    device = Device.connect(phone.serial)
    device.consent.put_setting("secure", "upload_log_pref", upload_log_pref)
    since = time.time()
    if device.apps.pid(VENDOR_APP) is None:
        assert device.apps.launch(VENDOR_APP, ".UserExperienceActivity") is not None
    return device, since


def _package_names(profile: Profile) -> set[str]:
    return {p.name for p in profile.packages}


@pytest.fixture(scope="module")
def builds(adb_server: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningPhone]]:
    """A phone of each build, shared by this module's tests."""
    phones: dict[str, RunningPhone] = {}
    try:
        for name in ("vendor-a", "vendor-b"):
            phones[name] = PhoneManager().start(state=tmp_path_factory.mktemp(name) / "state", profile=name)
        yield phones
    finally:
        for phone in phones.values():
            PhoneManager().stop(phone.serial)


def test_the_two_builds_differ_only_in_build_properties() -> None:
    a, b = load_profile("vendor-a"), load_profile("vendor-b")
    fields = [f.name for f in dataclasses.fields(a.build)]
    changed = {f for f in fields if getattr(a.build, f) != getattr(b.build, f)}
    assert changed == {"build_id", "incremental", "security_patch", "extra_props"}
    assert a.build.extra_props.keys() == b.build.extra_props.keys() == {"ro.build.display.id"}
    assert (a.build.incremental, b.build.incremental) == ("V10.3.1.0", "V10.3.2.0")
    assert a.build.fingerprint != b.build.fingerprint
    props_a, props_b = build_properties(a), build_properties(b)
    assert props_a.keys() == props_b.keys()
    differing = {k for k in props_a if props_a[k] != props_b[k]}
    assert "ro.build.display.id" in differing and "ro.build.fingerprint" in differing
    assert sorted(k for k in differing if not OTA_PROPERTY.fullmatch(k)) == []
    # nothing else: identifiers, screen, root, packages (with their app sections)
    assert dataclasses.replace(a, name=b.name, description=b.description, build=b.build) == b
    assert [p.to_dict() for p in a.packages] == [p.to_dict() for p in b.packages]


def test_vendor_profiles_ship_the_analytics_service_as_a_privileged_system_app() -> None:
    for name in ("vendor-a", "vendor-b"):
        profile = load_profile(name)
        assert (profile.build.sdk, profile.build.release) == (28, "9")
        app = profile.package(VENDOR_APP)
        assert app is not None and app.system and app.uid == 1000
        assert app.apk_path.startswith("/system/priv-app/")
        assert {"android.permission.READ_PRIVILEGED_PHONE_STATE", "android.permission.QUERY_ALL_PACKAGES"} \
            <= set(app.granted)
        messenger = profile.package("com.example.messenger")
        assert messenger is not None and messenger.target_sdk == 28
        assert "android.permission.READ_PHONE_STATE" in messenger.granted
        assert {"com.example.messenger", "com.example.smsbackup"} <= {p.name for p in profile.packages if p.app}


def test_app_section_is_validated_strictly(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "harness/virtual/profile/profiles/vendor-a.yaml").read_text()
    for old, new, field in (("sources: vendoranalytics", "source: vendoranalytics", "app.source"),
                            ("main: com.vendor.analytics.AnalyticsService", "main: AnalyticsService", "app.main"),
                            ("hosts: [telemetry.vendor.example]", "hosts: [telemetry vendor]", "app.hosts"),
                            ("sources: vendoranalytics", "sources: ../vendoranalytics", "app.sources")):
        path = tmp_path / "bad.yaml"
        path.write_text(text.replace(old, new, 1))
        with pytest.raises(ProfileError, match=re.escape(f"packages.{VENDOR_APP}.{field}")):
            load_profile(str(path))


def test_switch_off_build_a_sends_nothing_build_b_leaks_imei_and_apps(builds: dict[str, RunningPhone]) -> None:
    phone_a, phone_b = builds["vendor-a"], builds["vendor-b"]
    device_a, since_a = _run_service(phone_a, "0")
    assert VENDOR_APP in {p.name for p in device_a.apps.installed(system_only=True)}
    _, since_b = _run_service(phone_b, "0")

    # B: the crash-diagnostics path sends the IMEI (query) and the package list (gzip body)
    diag = _wait_for(phone_b, "/v2/diag", since_b)[0]
    assert diag["method"] == "POST" and diag["collector"] == "https"
    profile_b = load_profile("vendor-b")
    assert parse_qs(urlsplit(str(diag["path"])).query)["imei"] == [profile_b.identifiers.imei]
    assert ["Content-Encoding", "gzip"] in diag["headers"]
    crash_context = json.loads(gzip.decompress(body(diag)))
    assert set(crash_context["packages"]) == _package_names(profile_b)
    assert _telemetry(phone_b, "/v2/report", since_b) == []  # the usage report itself honours the switch

    # A: ran its rounds and decided to send nothing
    wait_for_log(device_a, "VendorAnalytics", "user experience program off")
    time.sleep(max(0.0, since_a + 6.0 - time.time()))
    assert [r for r in collected(phone_a) if r.get("sni") == TELEMETRY] == []

    # B repeats every ~5 s, so a harness that attaches late still sees it
    _wait_for(phone_b, "/v2/diag", since_b, count=2, timeout=10.0)


def test_switch_on_build_a_sends_its_usage_report(builds: dict[str, RunningPhone]) -> None:
    phone_a = builds["vendor-a"]
    _, since = _run_service(phone_a, "1")  # the user joins the program while the service runs
    report = _wait_for(phone_a, "/v2/report", since)[0]
    profile_a = load_profile("vendor-a")
    document = json.loads(body(report))
    assert (document["model"], document["firmware"]) == ("Vendor X1", "V10.3.1.0")
    assert document["imei"] == profile_a.identifiers.imei
    assert set(document["packages"]) == _package_names(profile_a)
    assert _telemetry(phone_a, "/v2/diag", since) == []
