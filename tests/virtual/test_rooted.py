"""The rooted profile: Magisk's su, frida-server and the x86_64 ABI, as root probes see them."""

from __future__ import annotations

from pathlib import Path

import adbutils
import frida
import pytest

from harness.virtual.manager import PhoneManager, RunningPhone
from harness.virtual.profile.load import PROFILES_DIR
from tests.conftest import adb


@pytest.fixture
def device(rooted_phone: RunningPhone) -> adbutils.AdbDevice:
    return adbutils.AdbClient().device(rooted_phone.serial)


def test_su_gives_root_in_the_probes_forms(device: adbutils.AdbDevice) -> None:
    for probe in ("su -c id", "su root id", "su 0 id", "su -c 'id -u'"):
        result = device.shell2(probe, v2=True)
        assert result.returncode == 0 and result.stdout.startswith(("uid=0(root)", "0\n")), (probe, result)
    assert device.shell2("su 0 sh -c 'echo $USER:$VPHONE_UID; exit 3'", v2=True).stdout == "root:0\n"
    assert device.shell2("su 0 sh -c 'exit 3'", v2=True).returncode == 3
    assert device.shell("id -u") == "2000"  # su is per command: the shell stays the shell
    assert device.shell2("echo 'id -un' | su", v2=True).stdout == "root\n"  # su reads its stdin
    assert device.shell("su -v") == "26.4:MAGISKSU"
    assert device.shell2("su -c 'ls -d /data/adb/magisk'", v2=True).stdout == "/data/adb/magisk\n"


def test_build_is_an_x86_64_userdebug_image(device: adbutils.AdbDevice) -> None:
    props = {name: device.getprop(name) for name in ("ro.product.cpu.abi", "ro.build.type", "ro.debuggable")}
    assert props == {"ro.product.cpu.abi": "x86_64", "ro.build.type": "userdebug", "ro.debuggable": "1"}


def test_frida_server_is_the_portal(device: adbutils.AdbDevice, rooted_phone: RunningPhone) -> None:
    assert device.shell("/data/local/tmp/frida-server --version") == frida.__version__
    assert device.shell2("su -c '/data/local/tmp/frida-server -D'", v2=True).returncode == 0
    pids = device.shell2("pgrep frida-server", v2=True)
    assert pids.returncode == 0 and pids.stdout.strip() == device.shell("pidof frida-server")
    assert device.shell2("pgrep -x no-such-process", v2=True).returncode == 1
    # frida's own USB backend reaches the server on the phone's tcp:27042
    assert isinstance(frida.get_device(rooted_phone.serial, timeout=10).enumerate_processes(), list)


def test_a_pushed_frida_server_runs_as_what_it_is(device: adbutils.AdbDevice, rooted_phone: RunningPhone) -> None:
    original = device.sync.read_bytes("/data/local/tmp/frida-server")
    try:
        device.sync.push(b"#!/system/bin/sh\necho 16.0.0\n", "/data/local/tmp/frida-server", mode=0o755)
        assert device.shell("/data/local/tmp/frida-server --version") == "16.0.0"
        assert device.shell2("pgrep frida-server", v2=True).returncode == 0  # the portal still serves
        assert isinstance(frida.get_device(rooted_phone.serial, timeout=10).enumerate_processes(), list)
    finally:
        device.sync.push(original, "/data/local/tmp/frida-server", mode=0o755)


def test_a_profile_without_root_has_no_su(adb_server: int, tmp_path: Path) -> None:
    text = (PROFILES_DIR / "default.yaml").read_text(encoding="utf-8")
    profile = tmp_path / "stock.yaml"
    profile.write_text(text.replace("name: default", "name: stock").replace("rooted: true", "rooted: false"))
    phone = PhoneManager().start(state=tmp_path / "state", profile=str(profile))
    try:
        result = adb("shell", "su -c id", serial=phone.serial, check=False)
        assert result.returncode == 127 and "uid=" not in result.stdout, result  # not even the host's su
        assert adb("shell", "command -v su || echo none", serial=phone.serial).stdout == "none\n"
        assert adb("shell", "ls /system/xbin", serial=phone.serial).stdout.strip() == ""
        assert adb("shell", "ls /data/local/tmp/frida-server", serial=phone.serial, check=False).returncode != 0
    finally:
        PhoneManager().stop(phone.serial)
