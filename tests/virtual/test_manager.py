"""`harness virtual start|stop|status` and the phone's life cycle: ports, persistence, locking."""

from __future__ import annotations

import json
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from harness.device.adb import adb_binary
from harness.device.device import Device
from harness.errors import CommandFailedError, VirtualPhoneError
from harness.virtual.manager import PhoneManager, RunningPhone
from tests.conftest import free_port


def test_explicit_port_and_state_survive_a_restart(adb_server: int, tmp_path: Path) -> None:
    manager = PhoneManager()
    port = free_port()
    phone = manager.start(port=port, state=tmp_path / "state")
    assert phone.serial == f"127.0.0.1:{port}"
    Device.connect(phone.serial).consent.put_setting("secure", "upload_log_pref", "1")
    manager.stop(phone.serial)
    assert phone.serial not in {p.serial for p in manager.running()}

    again = manager.start(port=port, state=tmp_path / "state")
    try:
        assert Device.connect(again.serial).consent.setting("secure", "upload_log_pref") == "1"
    finally:
        manager.stop(again.serial)


def test_two_phones_cannot_share_a_state_folder(phone: RunningPhone) -> None:
    with pytest.raises(VirtualPhoneError, match="in use by another running virtual phone"):
        PhoneManager().start(state=Path(phone.state))


def test_unknown_profile_is_a_clear_error(adb_server: int, tmp_path: Path) -> None:
    with pytest.raises(VirtualPhoneError, match="no-such-rom"):
        PhoneManager().start(state=tmp_path / "s", profile="no-such-rom")


def test_stop_unknown_serial(adb_server: int) -> None:
    with pytest.raises(VirtualPhoneError, match="no running virtual phone"):
        PhoneManager().stop("127.0.0.1:1")


def _apk(tmp_path: Path, package: str) -> Path:
    apk = tmp_path / "app.apk"
    with zipfile.ZipFile(apk, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
        archive.writestr("harness-package.json", json.dumps({
            "name": package, "label": "Installed", "version_code": 3, "version_name": "1.0.3",
            "target_sdk": 33, "permissions": ["android.permission.INTERNET", "android.permission.READ_CONTACTS"],
        }))
    return apk


def test_install_apk_through_device_layer(phone: RunningPhone, tmp_path: Path) -> None:
    device = Device.connect(phone.serial)
    device.apps.install(_apk(tmp_path, "org.example.installed"))
    assert device.apps.is_installed("org.example.installed")
    perms = device.consent.permissions("org.example.installed")
    assert perms["android.permission.READ_CONTACTS"].granted is False
    device.consent.grant("org.example.installed", "android.permission.READ_CONTACTS")
    device.apps.uninstall("org.example.installed")
    assert not device.apps.is_installed("org.example.installed")
    bad = tmp_path / "bad.apk"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CommandFailedError, match="INSTALL_PARSE_FAILED_NOT_APK"):
        device.apps.install(bad)


def test_exec_out_is_binary_clean(phone: RunningPhone) -> None:
    out = subprocess.run([adb_binary(), "-s", phone.serial, "exec-out", "screencap -p"], capture_output=True,
                         timeout=60, check=True)
    assert out.stdout[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", out.stdout[16:24])
    assert (width, height) == Device.connect(phone.serial).adb.window_size()


def test_adb_install_streams_the_apk(phone: RunningPhone, tmp_path: Path) -> None:
    apk = _apk(tmp_path, "org.example.streamed")
    result = subprocess.run([adb_binary(), "-s", phone.serial, "install", str(apk)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
    device = Device.connect(phone.serial)
    assert device.apps.is_installed("org.example.streamed")
    device.apps.uninstall("org.example.streamed")
