"""frida's USB backend + the real frida-java-bridge (in the harness's agent) inside a virtual-phone app."""

from __future__ import annotations

import time
from pathlib import Path

import frida
import uiautomator2 as u2

from harness.device.device import Device
from harness.events import Event
from harness.instrument.agent import agent_source
from harness.instrument.messages import decode_batch
from harness.virtual.manager import PhoneManager
from harness.virtual.profile.load import load_profile
from tests.virtual.apps_support import wait_for_request

MESSENGER = "com.example.messenger"


def test_java_bridge_hook_sees_the_profiles_imei(adb_server: int, tmp_path: Path) -> None:
    # vendor-a is an Android 9 build: READ_PHONE_STATE still gives apps the IMEI there
    phone = PhoneManager().start(state=tmp_path / "vendor-a", profile="vendor-a")
    try:
        device = Device.connect(phone.serial)
        pid = device.apps.launch(MESSENGER)
        usb = frida.get_device(phone.serial, timeout=10)  # frida's own USB backend, via the adb server
        deadline = time.monotonic() + 30
        while pid not in {p.pid for p in usb.enumerate_processes()} and time.monotonic() < deadline:
            time.sleep(0.1)
        session = usb.attach(pid)
        events: list[Event] = []
        script = session.create_script(agent_source())
        script.on("message", lambda message, data: events.extend(
            decode_batch(message["payload"], data, pid=pid, process=MESSENGER)
            if message.get("type") == "send" and message["payload"].get("type") == "harness:batch" else []))
        script.load()
        report = script.exports_sync.init({"modules": ["identifiers"], "options": {"appPackage": MESSENGER}})
        assert any("TelephonyManager.getDeviceId" in hooked for hooked in report["hooked"]), report
        wait_for_request(phone, "/v1/init")
        u2.connect(phone.serial)(text="Reject").click(timeout=20)  # the SDK now reads the device ID
        ping = wait_for_request(phone, "/v1/ping")
        deadline = time.monotonic() + 10
        while not any(e.api.endswith("getDeviceId") for e in events) and time.monotonic() < deadline:
            script.exports_sync.flush()
            time.sleep(0.1)
        session.detach()
        imei = load_profile("vendor-a").identifiers.imei
        reads = [e for e in events if e.kind == "id.read" and e.api.endswith("getDeviceId")]
        assert reads and reads[0].value == imei, [(e.kind, e.api, e.value) for e in events]
        assert reads[0].sdk == "com.tracker.sdk"
        assert ["X-Device-Id", imei] in ping["headers"]  # and the IMEI left in a request header
    finally:
        PhoneManager().stop(phone.serial)
