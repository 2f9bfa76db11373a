"""The second capture path on the virtual phone: a host proxy reached through ``adb reverse`` and
the global ``http_proxy`` setting, and the CA stores that decide whose TLS the proxy can read.

The rooted profile's messenger trusts user CAs (its network security config says so); its vendor
analytics service, a system app, trusts system CAs only.  A tiny recording proxy (mitm_support)
stands in for mitmproxy: it decrypts with a CA of its own and notes every certificate refused.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import adbutils
import pytest

from harness.device.device import Device
from harness.virtual.manager import RunningPhone
from tests.conftest import adb
from tests.virtual.apps_support import body, collected, tap_text, wait_for_request
from tests.virtual.mitm_support import RecordingProxy, Seen, TestCA

MESSENGER = "com.example.messenger"
VENDOR = "com.vendor.analytics"
USER_STORE = "/data/misc/user/0/cacerts-added"
SYSTEM_STORE = "/system/etc/security/cacerts"


@pytest.fixture
def mitm(rooted_phone: RunningPhone) -> Iterator[tuple[adbutils.AdbDevice, RecordingProxy, str]]:
    """The rooted phone, a recording proxy reversed to its tcp:8080, and the proxy CA's file name;
    afterwards the phone is left as found (no proxy, no reverse, no CA of ours, apps stopped)."""
    device = adbutils.AdbClient().device(rooted_phone.serial)
    ca = TestCA()
    proxy = RecordingProxy(ca)
    device.reverse("tcp:8080", f"tcp:{proxy.port}")
    name = f"{ca.subject_hash_old()}.0"
    device.sync.push(ca.pem, "/data/local/tmp/proxy-ca.pem")
    yield device, proxy, name
    device.shell(f"settings put global http_proxy :0; am force-stop {MESSENGER}; am force-stop {VENDOR}")
    device.shell(f"su -c 'rm -f {USER_STORE}/{name} {SYSTEM_STORE}/{name} /data/local/tmp/proxy-ca.pem'")
    device.reverse_remove_all()
    proxy.close()


def _launch(device: adbutils.AdbDevice, package: str) -> None:
    device.shell(f"am force-stop {package}; monkey -p {package} -c android.intent.category.LAUNCHER 1")


def _tls_from(proxy: RecordingProxy, host: str) -> Seen:
    return proxy.wait_for(lambda s: s.host == host and s.kind in ("https", "tls-failed"))


def test_the_shell_cannot_write_the_user_store_root_can(mitm: tuple[adbutils.AdbDevice, RecordingProxy, str],
                                                        rooted_phone: RunningPhone, tmp_path: Path) -> None:
    device, proxy, name = mitm
    (tmp_path / name).write_bytes(proxy.ca.pem)
    pushed = adb("push", str(tmp_path / name), f"{USER_STORE}/{name}", serial=rooted_phone.serial, check=False)
    assert pushed.returncode == 1 and "Permission denied" in pushed.stderr
    with pytest.raises(adbutils.AdbError):
        device.sync.push(b"x", f"{USER_STORE}/{name}", check=True)
    copied = device.shell2(f"mkdir -p {USER_STORE}; cp /data/local/tmp/proxy-ca.pem {USER_STORE}/{name}", v2=True)
    assert copied.returncode != 0
    assert device.shell2(f"cp /data/local/tmp/proxy-ca.pem {SYSTEM_STORE}/{name}", v2=True).returncode != 0
    as_root = f"su -c 'mkdir -p {USER_STORE} && cp /data/local/tmp/proxy-ca.pem {USER_STORE}/{name}'"
    assert device.shell2(as_root, v2=True).returncode == 0
    assert device.shell(f"ls {USER_STORE}") == name  # apps read it; the shell may list it


def test_app_requests_follow_the_global_proxy_set_and_cleared_mid_run(
        mitm: tuple[adbutils.AdbDevice, RecordingProxy, str], rooted_phone: RunningPhone) -> None:
    device, proxy, name = mitm
    phone = Device.connect(rooted_phone.serial)
    device.shell(f"su -c 'mkdir -p {USER_STORE} && cp /data/local/tmp/proxy-ca.pem {USER_STORE}/{name}'")
    android_id = device.shell("settings get secure android_id")
    before = len([r for r in collected(rooted_phone) if r.get("path") == "/v1/init"])
    _launch(device, MESSENGER)  # no proxy set: the SDK's first beacon goes straight to its server
    wait_for_request(rooted_phone, "/v1/init")
    assert len([r for r in collected(rooted_phone) if r.get("path") == "/v1/init"]) == before + 1
    assert proxy.records() == []

    device.shell("settings put global http_proxy 127.0.0.1:8080")  # while the app runs
    tap_text(phone, "Reject")
    ping = proxy.wait_for(lambda s: s.kind == "https" and s.target == "/v1/ping")
    assert ping.host == "analytics.tracker.example" and ping.headers["x-device-id"] == android_id
    # the SDK's raw socket went around the proxy, straight to its server
    beacon = next(r for r in _wait_collected(rooted_phone, "tcp", android_id.encode()))
    assert body(beacon) == f"BEACON v1 id={android_id}\n".encode()
    assert not [r for r in collected(rooted_phone) if r.get("path") == "/v1/ping"]

    device.shell("settings put global http_proxy :0")
    _launch(device, MESSENGER)
    _wait_count(rooted_phone, "/v1/init", before + 2)
    assert not proxy.records(lambda s: s.target == "/v1/init")


def test_user_ca_for_the_messenger_only_system_ca_for_both(
        mitm: tuple[adbutils.AdbDevice, RecordingProxy, str]) -> None:
    device, proxy, name = mitm
    device.shell(f"su -c 'mkdir -p {USER_STORE} && cp /data/local/tmp/proxy-ca.pem {USER_STORE}/{name}'")
    device.shell("settings put secure upload_log_pref 1; settings put global http_proxy 127.0.0.1:8080")
    _launch(device, MESSENGER)
    _launch(device, VENDOR)
    assert _tls_from(proxy, "analytics.tracker.example").kind == "https"  # user CA: trusted by its config
    refused = _tls_from(proxy, "telemetry.vendor.example")
    assert refused.kind == "tls-failed", refused  # a system app without that config: not trusted
    assert "PKIX path building failed" in device.shell("logcat -d -s VendorAnalytics")

    # the CA as a system CA (root only), and gone from the user store: both apps trust it
    device.shell(f"su -c 'rm {USER_STORE}/{name}; cp /data/local/tmp/proxy-ca.pem {SYSTEM_STORE}/{name}; "
                 f"chmod 644 {SYSTEM_STORE}/{name}'")
    proxy.seen.clear()
    _launch(device, MESSENGER)
    _launch(device, VENDOR)
    assert _tls_from(proxy, "analytics.tracker.example").kind == "https"
    report = proxy.wait_for(lambda s: s.host == "telemetry.vendor.example" and s.kind == "https")
    assert report.method == "POST" and report.target == "/v2/report"
    device.shell("settings put secure upload_log_pref 0")


def _wait_collected(phone: RunningPhone, collector: str, needle: bytes,
                    timeout: float = 30.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in collected(phone)
                 if r.get("collector") == collector and needle in base64.b64decode(str(r.get("body", "")))]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {collector} record with {needle!r} in {timeout:g} s")


def _wait_count(phone: RunningPhone, path: str, count: int, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len([r for r in collected(phone) if r.get("path") == path]) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} requests to {path} reached the collectors in {timeout:g} s")
