"""The device's own identifiers as canaries: read over adb (the virtual phone against its profile;
a fake shell speaking Android's ``service call`` parcels), the values apps were handed in a run,
and the run's canary document that combines them with what was seeded."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from canary_support import FakeShell, parcel

from harness.detect.canaries import load_canaries_text
from harness.device.device import Device
from harness.record.store import RunStore
from harness.scenario.canaries import run_canaries
from harness.scenario.canary_identifiers import (
    DeviceIdentifiers,
    identifiers_from_run,
    parse_parcel_string,
    read_device_identifiers,
)
from harness.scenario.canary_seed import SeededCanaries
from harness.testing import make_event
from harness.virtual.manager import RunningPhone
from harness.virtual.profile.load import load_profile

IMEI, IMEI2, IMSI = "358752114029584", "490154203237518", "310260481739205"
ICCID, NUMBER = "8901260842118736520", "+14155550132"
ADID = "6f1e2c4a-8b3d-4e7f-9a21-5c0d8e3b7f42"
SU = "su -c"   # FakeShell joins argv with spaces: su, -c, then the command as one word


def test_parcels_as_service_call_prints_them() -> None:
    assert parse_parcel_string(parcel(IMEI)) == IMEI
    assert parse_parcel_string(parcel("+4915112345678")) == "+4915112345678"
    assert parse_parcel_string(parcel("Zoë")) == "Zoë"
    assert parse_parcel_string(parcel(None)) is None, "a null string"
    assert parse_parcel_string(parcel("Requires READ_PHONE_STATE", status=0xFFFFFFFF)) is None, "an exception"
    assert parse_parcel_string("service: Service iphonesubinfo does not exist\n") is None
    real = ("Result: Parcel(\n  0x00000000: 00000000 0000000f 00350033 00370038 '........3.5.8.7.'\n"
            "  0x00000010: 00320035 00310031 00300034 00390032 '5.2.1.1.4.0.2.9.'\n"
            "  0x00000020: 00380035 00000034                   '5.8.4...        ')\n")
    assert parse_parcel_string(real) == IMEI


def test_the_virtual_phone_gives_what_adb_can_read_of_its_profile(phone: RunningPhone,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    device = Device.connect(phone.serial)
    facts = device.facts()
    with caplog.at_level(logging.INFO):
        ids = read_device_identifiers(device, sdk=facts.sdk, root_method=facts.root_method)
    profile = load_profile("default").identifiers       # test ground truth
    assert ids.values == {"android_id": [profile.android_id], "serial": [profile.serial],
                          "wifi_mac": [profile.wifi_mac]}
    assert set(ids.skipped) == {"imei", "imsi", "iccid", "phone_number", "advertising_id"}
    assert "identifier imei not readable over adb" in caplog.text


def _android_14_rooted(shell_allowed: bool) -> FakeShell:
    """A rooted Android 14 phone: the shell gets SecurityException parcels unless ``shell_allowed``."""
    denied = parcel("getDeviceId: The uid 2000 does not meet the requirements", status=0xFFFFFFFF)
    calls = {"1 s16 com.android.shell": IMEI, "4 i32 0 s16 com.android.shell": IMEI,
             "4 i32 1 s16 com.android.shell": IMEI2, "8 s16 com.android.shell": IMSI,
             "12 s16 com.android.shell": ICCID, "15 s16 com.android.shell": NUMBER}
    answers: dict[str, str | tuple[int, str]] = {
        "settings get secure android_id": "3f1c9a7be2d04c51\n", "getprop ro.serialno": "28161FDH2000GT\n",
        "cat /sys/class/net/wlan0/address": "F4:F5:E8:2A:91:3C\n",
        f"{SU} cat /data/data/com.google.android.gms/shared_prefs/adid_settings.xml":
            f"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n"
            f"    <string name=\"adid_key\">{ADID}</string>\n"
            "    <int name=\"adid_reset_count\" value=\"0\" />\n</map>\n",
        "dumpsys account": "User UserInfo{0:Owner:c13}:\n  Accounts: 1\n"
                           "    Account {name=aoife.byrne@gmail.com, type=com.google}\n",
    }
    for args, value in calls.items():
        answers[f"service call iphonesubinfo {args}"] = parcel(value) if shell_allowed else denied
        answers[f"{SU} service call iphonesubinfo {args}"] = parcel(value)
    return FakeShell(answers)


@pytest.mark.parametrize("shell_allowed", [True, False])
def test_telephony_identifiers_from_service_call_as_shell_or_root(shell_allowed: bool) -> None:
    ids = read_device_identifiers(_android_14_rooted(shell_allowed), sdk=34, root_method="su")
    assert ids.values == {"android_id": ["3f1c9a7be2d04c51"], "serial": ["28161FDH2000GT"],
                          "wifi_mac": ["f4:f5:e8:2a:91:3c"], "imei": [IMEI, IMEI2], "imsi": [IMSI],
                          "iccid": [ICCID], "phone_number": [NUMBER], "advertising_id": [ADID]}
    assert ids.accounts == ["aoife.byrne@gmail.com"] and ids.skipped == {}


def test_without_root_the_privileged_identifiers_are_skipped() -> None:
    shell = _android_14_rooted(shell_allowed=False)
    ids = read_device_identifiers(shell, sdk=34, root_method=None)
    assert set(ids.values) == {"android_id", "serial", "wifi_mac"}
    assert set(ids.skipped) == {"imei", "imsi", "iccid", "phone_number", "advertising_id"}
    assert not any(c[0] == "su" for c in shell.commands), "no su without root"


def test_wrong_shapes_and_placeholders_are_no_identifiers() -> None:
    shell = FakeShell({
        "settings get secure android_id": "null\n", "getprop ro.serialno": "unknown\n",
        "getprop ro.boot.serialno": "R58N1234ABC\n", "cat /sys/class/net/wlan0/address": "02:00:00:00:00:00\n",
        "ifconfig wlan0": "wlan0     Link encap:UNSPEC    Driver icnss\n",
        "ip link show wlan0": "3: wlan0: <BROADCAST> mtu 1500\n"
                              "    link/ether 3c:28:6d:01:02:03 brd ff:ff:ff:ff:ff:ff\n",
        "service call iphonesubinfo 1 s16 com.android.shell": parcel("358752114029585"),   # Luhn digit wrong
        "service call iphonesubinfo 8 s16 com.android.shell": parcel(ICCID),               # not an IMSI's shape
    })
    ids = read_device_identifiers(shell, sdk=34, root_method=None)
    assert ids.values == {"serial": ["R58N1234ABC"], "wifi_mac": ["3c:28:6d:01:02:03"]}


def test_an_older_android_uses_its_own_transaction_codes() -> None:
    shell = FakeShell({"service call iphonesubinfo 1 s16 com.android.shell": parcel(IMEI),
                       "service call iphonesubinfo 7 s16 com.android.shell": parcel(IMSI),
                       "service call iphonesubinfo 10 s16 com.android.shell": parcel(None),
                       "service call iphonesubinfo 11 s16 com.android.shell": parcel(ICCID),
                       "dumpsys iphonesubinfo": "Phone Subscriber Info:\n  Phone Type = GSM\n  Device ID = x\n"})
    ids = read_device_identifiers(shell, sdk=28, root_method=None)
    assert (ids.values["imei"], ids.values["imsi"], ids.values["iccid"]) == ([IMEI], [IMSI], [ICCID])


def _run_with_id_reads(path: Path) -> Path:
    events = [
        make_event("id.read", api="android.telephony.TelephonyManager.getImei", value=IMEI, data=None, dest=None),
        make_event("id.read", api="android.telephony.TelephonyManager.getDeviceId", value=IMEI, data=None, dest=None),
        make_event("id.read", api="android.provider.Settings$Secure.getString", value="9774d56d682e549c",
                   data=None, dest=None),
        make_event("id.read", api="com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo",
                   value=ADID, data=None, dest=None),
        make_event("id.read", api="android.net.wifi.WifiInfo.getMacAddress", value="02:00:00:00:00:00",
                   data=None, dest=None),
        make_event("id.read", api="java.net.NetworkInterface.getHardwareAddress", value="f4:f5:e8:2a:91:3c",
                   data=None, dest=None),
        make_event("id.read", api="android.telephony.TelephonyManager.getLine1Number", value=None, data=None,
                   dest=None),
        make_event("id.read", api="android.media.MediaDrm.getPropertyByteArray", value="deadbeefcafe0042",
                   data=None, dest=None),
        make_event("id.read", api="TelephonyManager.getSubscriberId", value=IMSI, data=None, dest=None),
        make_event("contacts.read", api="android.content.ContentResolver.query", value="Aoife", data=None,
                   dest=None),
    ]
    with RunStore.create(path) as store:
        store.writer().put(events)
    return path


def test_identifier_values_handed_to_apps_in_a_run(tmp_path: Path) -> None:
    run = _run_with_id_reads(tmp_path / "ids.run")
    assert identifiers_from_run(run) == {"imei": [IMEI], "android_id": ["9774d56d682e549c"],
                                         "advertising_id": [ADID], "wifi_mac": ["f4:f5:e8:2a:91:3c"],
                                         "imsi": [IMSI]}


def test_the_runs_canaries_hold_seeded_device_and_run_identifiers(tmp_path: Path) -> None:
    run = _run_with_id_reads(tmp_path / "ids.run")
    seeded = SeededCanaries("fake", canaries={"sms": [{"address": "+14155550150", "body": "seeded K7Q2MX"}],
                                              "location": {"lat": 53.344123, "lon": -6.254612}})
    device_ids = DeviceIdentifiers(values={"android_id": ["3f1c9a7be2d04c51"], "imei": ["490154203237518"]},
                                   accounts=["aoife.byrne@gmail.com"])
    text = run_canaries(None, run, seeded, identifiers=device_ids)
    doc = yaml.safe_load(text)
    assert doc["identifiers"]["android_id"] == ["3f1c9a7be2d04c51", "9774d56d682e549c"]
    assert doc["identifiers"]["imei"] == ["490154203237518", IMEI], "the device's first, then the run's"
    assert doc["identifiers"]["advertising_id"] == ADID and doc["accounts"] == ["aoife.byrne@gmail.com"]
    assert doc["sms"] == seeded.canaries["sms"] and doc["location"] == seeded.canaries["location"]
    loaded = load_canaries_text(text, "run")
    assert {(c.type, c.value) for c in loaded.values} >= {("imei", IMEI), ("imsi", IMSI), ("sms.body", "seeded K7Q2MX"),
                                                           ("wifi_mac", "f4:f5:e8:2a:91:3c")}


def test_the_runs_canaries_read_the_device_itself(phone: RunningPhone, tmp_path: Path) -> None:
    run = _run_with_id_reads(tmp_path / "ids.run")
    doc = yaml.safe_load(run_canaries(Device.connect(phone.serial), run, None))
    profile = load_profile("default").identifiers
    assert doc["identifiers"]["serial"] == profile.serial
    assert doc["identifiers"]["android_id"] == [profile.android_id, "9774d56d682e549c"]
    assert doc["identifiers"]["imei"] == IMEI, "from the run only: adb cannot read it on the virtual phone"
    assert set(doc["installed_apps"]) >= {p.name for p in load_profile("default").packages}, "pm list packages"


def test_a_run_that_cannot_be_read_still_gives_the_seeded_canaries(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    seeded = SeededCanaries("fake", canaries={"accounts": ["aoife.byrne@example.com"]})
    (tmp_path / "broken.run").write_text("not a run", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        text = run_canaries(None, tmp_path / "broken.run", seeded)
    assert yaml.safe_load(text) == {"accounts": ["aoife.byrne@example.com"]}
    assert "the identifiers apps were handed could not be read" in caplog.text
