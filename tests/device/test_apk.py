"""An APK's identity read from its binary manifest, and the app installed at that version."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from harness.device.apk import apk_manifest, ensure_installed, installed_version
from harness.device.device import Device
from harness.errors import ConfigError
from harness.virtual.manager import RunningPhone

uiautomator2 = pytest.importorskip("uiautomator2")
U2_APK = Path(uiautomator2.__file__).parent / "assets" / "app-uiautomator.apk"  # a real APK with a binary manifest


@pytest.fixture
def real_apk(tmp_path: Path) -> Path:
    if not U2_APK.exists():
        pytest.skip("uiautomator2's bundled APK is not there")
    return Path(shutil.copy2(U2_APK, tmp_path / "u2.apk"))


def test_the_manifest_of_a_real_apk(real_apk: Path, tmp_path: Path) -> None:
    manifest = apk_manifest(real_apk)
    assert manifest["name"] == "com.github.uiautomator" and manifest["version_name"] == "2.4.0"
    assert isinstance(manifest["version_code"], int)
    junk = tmp_path / "junk.apk"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match=r"junk\.apk: not a readable APK"):
        apk_manifest(junk)
    empty = tmp_path / "empty.apk"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
    with pytest.raises(ConfigError, match=r"empty\.apk: its AndroidManifest\.xml cannot be read"):
        apk_manifest(empty)


def test_installed_when_missing_then_left_alone(fresh_phone: RunningPhone, real_apk: Path) -> None:
    device = Device.connect(fresh_phone.serial)
    package = "com.github.uiautomator"
    if device.apps.is_installed(package):
        device.apps.uninstall(package)
    assert installed_version(device, package) is None
    assert ensure_installed(device, real_apk, package).startswith("installed u2.apk")
    assert installed_version(device, package) == apk_manifest(real_apk)["version_code"]
    assert ensure_installed(device, real_apk, package).endswith("is installed")
    with pytest.raises(ConfigError, match=r"not the scenario's app 'com\.example\.other'"):
        ensure_installed(device, real_apk, "com.example.other")
