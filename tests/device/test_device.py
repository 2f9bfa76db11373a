"""The Device layer against the virtual phone through the real adb server and adbutils."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from harness.device.device import Device
from harness.device.logcat import LogcatCapture
from harness.errors import (
    DeviceNotFoundError,
    PackageNotFoundError,
    UnknownPermissionError,
)
from harness.virtual.manager import RunningPhone
from harness.virtual.profile.buildprops import build_properties
from harness.virtual.profile.load import load_profile

MESSENGER = "com.example.messenger"


@pytest.fixture
def device(phone: RunningPhone) -> Device:
    return Device.connect(phone.serial)


def test_facts_match_the_profile(device: Device) -> None:
    profile = load_profile("default")
    props = build_properties(profile)
    facts = device.facts()
    assert facts.fingerprint == props["ro.build.fingerprint"] == profile.build.fingerprint
    assert facts.model == props["ro.product.model"]
    assert facts.sdk == int(props["ro.build.version.sdk"])
    assert facts.security_patch == props["ro.build.version.security_patch"]
    assert facts.selinux == "Enforcing"
    assert facts.rooted is profile.rooted
    assert facts.root_method == ("su" if profile.rooted else None)
    assert facts.serial == device.serial


def test_quoting_keeps_hostile_arguments_intact(device: Device) -> None:
    hostile = "a b; rm -rf /data/local/tmp/* $(id) `id` 'q' \"dq\" \\ \n end"
    result = device.shell(["printf", "%s", hostile])
    assert result.stdout == hostile


def test_revoke_and_grant_seen_in_dumpsys_package(device: Device) -> None:
    perm = "android.permission.READ_CONTACTS"
    device.consent.revoke(MESSENGER, perm)
    dump = device.shell(["dumpsys", "package", MESSENGER]).stdout
    assert re.search(rf"^\s+{re.escape(perm)}: granted=false", dump, re.M)
    was = device.consent.grant(MESSENGER, perm)
    assert was is False
    dump = device.shell(["dumpsys", "package", MESSENGER]).stdout
    assert re.search(rf"^\s+{re.escape(perm)}: granted=true", dump, re.M)


def test_appop_seen_in_appops_get(device: Device) -> None:
    device.consent.set_appop(MESSENGER, "android:read_contacts", "ignore")
    out = device.shell(["appops", "get", MESSENGER]).stdout
    assert re.search(r"^READ_CONTACTS: ignore", out, re.M)
    assert device.consent.set_appop(MESSENGER, "READ_CONTACTS", "allow") == "ignore"


def test_setting_seen_through_the_settings_provider(device: Device) -> None:
    previous = device.consent.put_setting("secure", "upload_log_pref", "0")
    out = device.shell(["content", "query", "--uri", "content://settings/secure",
                        "--projection", "name:value", "--where", "name='upload_log_pref'"]).stdout
    assert "name=upload_log_pref, value=0" in out
    device.consent.restore_setting("secure", "upload_log_pref", previous)
    assert device.consent.setting("secure", "upload_log_pref") == previous


def test_unknown_package_names_the_device(device: Device) -> None:
    with pytest.raises(PackageNotFoundError, match=re.escape(device.serial)):
        device.consent.grant("com.nope.absent", "android.permission.READ_CONTACTS")


def test_unknown_permission_names_the_device(device: Device) -> None:
    with pytest.raises(UnknownPermissionError, match=re.escape(device.serial) + r".*unknown permission"):
        device.consent.grant(MESSENGER, "android.permission.NO_SUCH_THING")


def test_permission_not_requested(device: Device) -> None:
    with pytest.raises(UnknownPermissionError, match="has not requested"):
        device.consent.grant(MESSENGER, "android.permission.READ_SMS")


def test_unknown_serial(phone: RunningPhone) -> None:
    with pytest.raises(DeviceNotFoundError, match=re.escape("127.0.0.1:1")):
        Device.connect("127.0.0.1:1")


def test_apps_list_launch_pid_force_stop_clear(device: Device, phone: RunningPhone) -> None:
    names = {p.name for p in device.apps.installed(third_party_only=True)}
    assert MESSENGER in names
    assert all(not p.system for p in device.apps.installed(third_party_only=True))
    assert any(p.system for p in device.apps.installed(system_only=True))
    pid = device.apps.launch("com.example.weather")
    assert pid is not None and device.apps.pid("com.example.weather") == pid
    device.apps.force_stop("com.example.weather")
    assert device.apps.pid("com.example.weather") is None
    device.shell(["sh", "-c", "mkdir -p /data/data/com.example.weather/files && echo x > "
                              "/data/data/com.example.weather/files/prefs.xml"])
    device.apps.clear("com.example.weather")
    gone = device.shell(["ls", "/data/data/com.example.weather/files/prefs.xml"], check=False)
    assert gone.exit_code != 0
    with pytest.raises(PackageNotFoundError):
        device.apps.launch("com.nope.absent")


def test_seed_contacts_sms_calls_and_remove_them(device: Device) -> None:
    contact = device.seed.add_contact("Canary Person", phones=["+353 87 123 4567"], emails=["canary@example.org"])
    out = device.shell(["content", "query", "--uri", "content://com.android.contacts/data",
                        "--projection", "raw_contact_id:mimetype:data1",
                        "--where", f"raw_contact_id={contact.raw_contact_id}"]).stdout
    assert "data1=Canary Person" in out and "data1=+353 87 123 4567" in out and "canary@example.org" in out
    sms_id = device.seed.add_sms("+15550001111", "canary body: 7f3a, with colons")
    out = device.shell(["content", "query", "--uri", "content://sms/inbox", "--where", f"_id={sms_id}"]).stdout
    assert "body=canary body: 7f3a, with colons" in out
    call_id = device.seed.add_call("+15550002222", "missed", duration_s=0)
    out = device.shell(["content", "query", "--uri", "content://call_log/calls", "--where", f"_id={call_id}"]).stdout
    assert "number=+15550002222" in out and "type=3" in out
    device.seed.remove_contact(contact)
    device.seed.remove_sms(sms_id)
    device.seed.remove_call(call_id)
    for uri, where in (("content://com.android.contacts/raw_contacts", f"_id={contact.raw_contact_id}"),
                       ("content://sms", f"_id={sms_id}"), ("content://call_log/calls", f"_id={call_id}")):
        assert "No result found." in device.shell(["content", "query", "--uri", uri, "--where", where]).stdout


def test_logcat_capture_to_file(device: Device, tmp_path: Path) -> None:

    with LogcatCapture(device, tmp_path / "logcat.txt"):
        device.apps.launch("com.example.weather")
        device.apps.force_stop("com.example.weather")
        deadline = time.time() + 10
        while "com.example.weather" not in (tmp_path / "logcat.txt").read_text() and time.time() < deadline:
            time.sleep(0.1)
    text = (tmp_path / "logcat.txt").read_text()
    assert "com.example.weather" in text
    assert re.search(r"^\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +\d+ +\d+ [VDIWEF] ", text, re.M)


def test_logcat_capture_outlasts_a_quiet_device_and_stops_promptly(device: Device, tmp_path: Path) -> None:
    out = tmp_path / "logcat.txt"
    capture = LogcatCapture(device, out, poll=0.3).start()
    try:
        time.sleep(1.5)  # several polls without new output
        device.apps.launch("com.example.weather")
        device.apps.force_stop("com.example.weather")
        deadline = time.time() + 10
        while out.read_text().count("com.example.weather") == 0 and time.time() < deadline:
            time.sleep(0.1)
        assert "com.example.weather" in out.read_text()
    finally:
        started = time.monotonic()
        capture.stop()
        assert time.monotonic() - started < 3
    assert capture.lines > 0
