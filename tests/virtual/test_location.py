"""``cmd location`` on the virtual phone: the master switch and test providers, as on Android 14.

The commands are checked in-process for their outputs and errors, then end to end: a location
set over adb is what the messenger's LocationManager returns, and with location off it gets none.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import uiautomator2 as u2

from harness.testing.virtual import ToolShell
from harness.virtual.manager import RunningPhone
from harness.virtual.system.location import REAL_WHEREABOUTS
from tests.conftest import adb

MESSENGER = "com.example.messenger"
ALLOW_MOCK = "appops set com.android.shell android:mock_location allow"
EIFFEL = (48.8584, 2.2945)


def provider(sh: ToolShell, name: str) -> dict[str, Any]:
    """What an app's LocationManager gets for ``name`` (the binder snapshot's location section)."""
    state: dict[str, Any] = sh.phone.location.app_view()["providers"][name]
    return state


def silent(sh: ToolShell, command: str) -> None:
    result = sh(command)
    assert (result.status, result.stdout, result.stderr) == (0, "", ""), command


def test_master_switch(sh: ToolShell) -> None:
    assert sh("cmd location is-location-enabled").stdout == "true\n"
    silent(sh, "cmd location set-location-enabled false")
    assert sh("cmd location is-location-enabled --user 0").stdout == "false\n"
    assert sh("settings get secure location_mode").stdout == "0\n", "the switch is the location_mode setting"
    assert sh.phone.location.app_view() == {"enabled": False, "providers": {
        name: {"enabled": False, "fix": None} for name in ("passive", "network", "fused", "gps")}}
    silent(sh, "settings put secure location_mode 3")
    assert sh("cmd location is-location-enabled").stdout == "true\n"
    silent(sh, "cmd location set-location-enabled TRUE --user current")   # Boolean.parseBoolean
    assert provider(sh, "gps")["fix"]["latitude"] == REAL_WHEREABOUTS.latitude


def test_test_providers_need_the_shells_mock_location_op(sh: ToolShell) -> None:
    silent(sh, "cmd location providers add-test-provider gps")
    silent(sh, f"cmd location providers set-test-provider-location gps --location {EIFFEL[0]},{EIFFEL[1]}")
    assert provider(sh, "gps")["fix"]["mock"] is False, "without MOCK_LOCATION both calls were ignored"
    assert sh("appops get com.android.shell MOCK_LOCATION").stdout.startswith("MOCK_LOCATION: deny; rejectTime=")
    silent(sh, ALLOW_MOCK)
    silent(sh, "cmd location providers add-test-provider gps --requiresSatellite --powerRequirement 2")
    assert provider(sh, "gps") == {"enabled": False, "fix": None}, "a new test provider starts disabled"
    silent(sh, "cmd location providers set-test-provider-enabled gps true")
    silent(sh, f"cmd location providers set-test-provider-location gps --location {EIFFEL[0]},{EIFFEL[1]} "
               "--accuracy 5 --time 1700000000000")
    fix = {"latitude": EIFFEL[0], "longitude": EIFFEL[1], "accuracy": 5.0, "time": 1700000000000, "mock": True}
    assert provider(sh, "gps") == {"enabled": True, "fix": fix}
    assert provider(sh, "passive")["fix"] == fix, "every location reaches the passive provider"
    assert provider(sh, "network")["fix"]["mock"] is False
    silent(sh, "cmd location providers remove-test-provider gps")
    assert provider(sh, "gps")["fix"]["latitude"] == REAL_WHEREABOUTS.latitude
    assert provider(sh, "passive")["fix"]["mock"] is False
    silent(sh, "cmd location providers remove-test-provider gps")                     # none left: silent


def test_a_new_provider_and_the_switch_clearing_its_location(sh: ToolShell) -> None:
    silent(sh, ALLOW_MOCK)
    silent(sh, "cmd location providers add-test-provider mock_gps")
    silent(sh, "cmd location providers set-test-provider-enabled mock_gps true")
    silent(sh, "cmd location providers set-test-provider-location mock_gps --location -33.8568,151.2153")
    assert provider(sh, "mock_gps")["fix"]["longitude"] == 151.2153
    silent(sh, "cmd location set-location-enabled false")
    silent(sh, "cmd location set-location-enabled true")
    assert provider(sh, "mock_gps") == {"enabled": True, "fix": None}, "turning location off drops last locations"


@pytest.mark.parametrize(("command", "verb", "error"), [
    ("set-location-enabled", "set-location-enabled",
     'java.lang.IllegalArgumentException: Argument expected after "set-location-enabled"'),
    ("is-location-enabled --bogus", "is-location-enabled",
     "java.lang.IllegalArgumentException: Unknown option: --bogus"),
    ("is-location-enabled --user x", "is-location-enabled", 'java.lang.NumberFormatException: For input string: "x"'),
    ("providers", "providers", 'java.lang.IllegalArgumentException: Argument expected after "providers"'),
    ("providers add-test-provider", "providers",
     'java.lang.IllegalArgumentException: Argument expected after "add-test-provider"'),
    ("providers add-test-provider gps --bogus", "providers",
     "java.lang.IllegalArgumentException: Received unexpected option: --bogus"),
    ("providers add-test-provider gps --powerRequirement 0", "providers",
     "java.lang.IllegalArgumentException: powerUsage is out of range of [1, 3] (too low)"),
    ("providers set-test-provider-location gps", "providers",
     'java.lang.IllegalArgumentException: Option "--location" is required'),
    ("providers set-test-provider-location gps --location 1,2,3", "providers",
     'java.lang.IllegalArgumentException: Location argument must be in the form of "<LATITUDE>,<LONGITUDE>", '
     "not [1, 2, 3]"),
    ("providers set-test-provider-location gps --location north,2", "providers",
     'java.lang.NumberFormatException: For input string: "north"'),
    ("providers set-test-provider-location gps --location 1,2 --speed 3", "providers",
     "java.lang.IllegalArgumentException: Unknown option: --speed"),
    ("providers set-test-provider-location nosuch --location 1,2", "providers",
     "java.lang.IllegalArgumentException: provider doesn't exist: nosuch"),
    ("providers set-test-provider-location network --location 1,2", "providers",
     "java.lang.IllegalArgumentException: network provider is not a test provider"),
    ("providers set-test-provider-enabled fused true", "providers",
     "java.lang.IllegalArgumentException: fused provider is not a test provider"),
    ("set-adas-gnss-location-enabled true", "set-adas-gnss-location-enabled",
     "java.lang.IllegalStateException: command only recognized on automotive devices"),
])
def test_bad_arguments_throw_as_on_android(sh: ToolShell, command: str, verb: str, error: str) -> None:
    silent(sh, ALLOW_MOCK)
    result = sh(f"cmd location {command}")
    assert (result.status, result.stdout) == (255, "")
    lines = result.stderr.splitlines()
    assert lines[:3] == ["", f"Exception occurred while executing '{verb}':", error]
    assert lines[3].startswith("\tat ")


def test_unknown_commands_and_help(sh: ToolShell) -> None:
    for command, verb in (("cmd location frobnicate", "frobnicate"), ("cmd location providers list", "list")):
        result = sh(command)
        assert (result.status, result.stdout, result.stderr) == (255, f"Unknown command: {verb}\n", "")
    usage = sh("cmd location")
    assert usage.status == 255 and usage.stdout.startswith("Location service commands:\n")
    assert "    set-test-provider-location <PROVIDER> --location <LATITUDE>,<LONGITUDE>\n" in usage.stdout
    assert "location" in sh("cmd -l").stdout.split()


# --- end to end: the messenger's "Share location" -----------------------------------------------------


def shared_location(d: u2.Device) -> str:
    """Tap "Share location"; what the app shows once it has looked (each step here expects a change)."""
    shown = d(resourceId=f"{MESSENGER}:id/location")
    before = shown.get_text()
    d(text="Share location").click()
    deadline = time.monotonic() + 20
    while (now := str(shown.get_text())) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    return now


def test_the_messenger_sees_the_location_set_over_adb(fresh_phone: RunningPhone,
                                                     adb_at_private_server: None) -> None:
    serial = fresh_phone.serial

    def shell(command: str) -> None:
        result = adb("shell", command, serial=serial)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), command

    shell(f"pm grant {MESSENGER} android.permission.ACCESS_FINE_LOCATION")
    shell(ALLOW_MOCK)
    shell("cmd location providers add-test-provider gps")
    shell("cmd location providers set-test-provider-enabled gps true")
    shell(f"cmd location providers set-test-provider-location gps --location {EIFFEL[0]},{EIFFEL[1]}")
    d = u2.connect(serial)
    d.app_start(MESSENGER)
    d(text="Accept").click(timeout=60)
    assert d(text="Chats").wait(timeout=20)
    assert shared_location(d) == f"{EIFFEL[0]},{EIFFEL[1]}"
    assert f"location {EIFFEL[0]},{EIFFEL[1]}" in adb("logcat", "-d", "-s", "Messenger", serial=serial).stdout

    shell("cmd location set-location-enabled false")
    assert shared_location(d) == "unavailable", "location off: no provider gives a location"

    shell("cmd location set-location-enabled true")   # the test location went with the switch:
    real = f"{REAL_WHEREABOUTS.latitude},{REAL_WHEREABOUTS.longitude}"
    assert shared_location(d) == real, "gps has no fix yet; the network provider's real one is there"

    shell("cmd location providers set-test-provider-location gps --location -33.8568,151.2153")
    assert shared_location(d) == "-33.8568,151.2153", "read live, like permissions"
    d.stop_uiautomator()
