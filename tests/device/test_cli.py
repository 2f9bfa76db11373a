"""`harness devices` and `harness device ...` as a user runs them: exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness import cli
from harness.device.device import Device
from harness.virtual.manager import RunningPhone
from harness.virtual.profile.buildprops import build_properties
from harness.virtual.profile.load import load_profile


def harness(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_devices_json_lists_two_phones_started_at_once(phone: RunningPhone, tmp_path: Path) -> None:
    started = harness("virtual", "start", "--state", str(tmp_path / "second"))
    assert started.returncode == 0, started.stderr
    second = started.stdout.strip().splitlines()[-1]
    try:
        assert second != phone.serial and second.startswith("127.0.0.1:")
        out = harness("devices", "--json")
        assert out.returncode == 0, out.stderr
        devices = {d["serial"]: d for d in json.loads(out.stdout)["devices"]}
        fingerprint = build_properties(load_profile("default"))["ro.build.fingerprint"]
        for serial in (phone.serial, second):
            assert devices[serial]["state"] == "device"
            assert devices[serial]["fingerprint"] == fingerprint
            assert devices[serial]["sdk"] == 34
        status = json.loads(harness("virtual", "status", "--json").stdout)
        assert {p["serial"] for p in status} >= {phone.serial, second}
    finally:
        stopped = harness("virtual", "stop", second)
        assert stopped.returncode == 0, stopped.stderr
    assert second not in harness("devices", "--json").stdout


def _one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_unknown_package_exits_2_with_one_line(phone: RunningPhone) -> None:
    result = harness("device", "-s", phone.serial, "grant", "com.nope.absent", "android.permission.READ_CONTACTS")
    _one_line_error(result, phone.serial, "com.nope.absent", "not installed")


def test_unknown_permission_exits_2_with_one_line(phone: RunningPhone) -> None:
    result = harness("device", "-s", phone.serial, "revoke", "com.example.messenger", "android.permission.BOGUS")
    _one_line_error(result, phone.serial, "android.permission.BOGUS")


def test_unknown_device_exits_2(phone: RunningPhone) -> None:
    _one_line_error(harness("device", "-s", "emulator-5554", "facts"), "emulator-5554")


def test_device_disappearing_mid_command(fresh_phone: RunningPhone) -> None:
    results: list[subprocess.CompletedProcess[str]] = []
    runner = threading.Thread(
        target=lambda: results.append(harness("device", "-s", fresh_phone.serial, "shell", "echo go; sleep 60"))
    )
    runner.start()
    time.sleep(2.0)  # the command is running on the phone now
    os.kill(fresh_phone.pid, signal.SIGTERM)  # like pulling the cable: adb is not told first
    runner.join(60)
    assert results, "harness did not return after the device went away"
    _one_line_error(results[0], fresh_phone.serial, "disconnected")


def test_setting_via_cli_verified(phone: RunningPhone) -> None:
    result = harness("device", "-s", phone.serial, "setting", "global", "harness_test_key", "42")
    assert result.returncode == 0, result.stderr
    assert "harness_test_key=42 (was unset)" in result.stdout


HOSTILE_VALUES = [
    "a b; rm -rf /data/local/tmp/*", "$(id)", "`id`", "'single'", '"double"', "back\\slash", "semi;colon",
    "pipe | cat /etc/passwd", "&& reboot", "> /sdcard/owned", "$HOME ${PATH}", "*", "--help", "-1",
    "tab\tinside", "multi\nline ünïcødé ✓",
]


def test_hostile_setting_values_are_stored_literally(phone: RunningPhone, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(HOSTILE_VALUES) == 16
    device = Device.connect(phone.serial)
    for index, value in enumerate(HOSTILE_VALUES):
        key = f"harness_hostile_{index}"
        args = ["device", "-s", phone.serial, "setting", "global", "--", key, value]  # "--": "--help" is a value
        assert cli.main(args) == 0, capsys.readouterr().err
        assert device.consent.setting("global", key) == value
    assert device.shell(["ls", "/sdcard/owned"], check=False).exit_code != 0
    assert "harness:" not in capsys.readouterr().err
