"""The messenger and its tracker SDK on the virtual phone: real JVM, real HTTPS, the stock clients."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
from pathlib import Path

import uiautomator2 as u2

from harness.device.device import Device
from harness.instrument.agent import agent_source
from harness.instrument.devices import open_usb
from harness.instrument.messages import batch_size, decode_batch
from harness.instrument.session import AgentConfig
from harness.instrument.tracer import Tracer
from harness.testing.sinks import ListSink
from harness.virtual.manager import PhoneManager, RunningPhone
from harness.virtual.profile.load import load_profile
from tests.virtual.apps_support import body, collected, tap_text, wait_for_log, wait_for_request

MESSENGER = "com.example.messenger"
NUMBERS = ["+353 87 123 4567", "+1 (415) 555-0199"]


def _normalized_hash(number: str) -> str:
    return hashlib.sha256("".join(c for c in number if c.isdigit() or c == "+").encode()).hexdigest()


def test_accept_uploads_hashed_contacts(fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    device.seed.add_contact("Alice Canary", phones=[NUMBERS[0]])
    device.seed.add_contact("Bob Canary", phones=[NUMBERS[1]])
    device.apps.launch(MESSENGER)
    beacon = wait_for_request(fresh_phone, "/v1/init")  # the SDK's pre-consent beacon
    assert json.loads(body(beacon))["aid"] == device.consent.setting("secure", "android_id")
    # the app requests com.google.android.gms.permission.AD_ID, so the SDK gets the real advertising ID
    assert json.loads(body(beacon))["adid"] == load_profile("default").identifiers.advertising_id
    ui = u2.connect(fresh_phone.serial)  # the stock uiautomator2 client
    ui(text="Accept").click(timeout=20)
    assert ui(text="Chats").wait(timeout=10)
    upload = wait_for_request(fresh_phone, "/v1/match")
    assert upload["collector"] == "https" and upload["sni"] == "analytics.tracker.example"
    payload = json.loads(body(upload))["payload"]
    hashes = json.loads(gzip.decompress(base64.b64decode(payload)))["hashes"]
    assert sorted(hashes) == sorted(_normalized_hash(n) for n in NUMBERS)


def test_revoked_contacts_permission_stops_the_upload(fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    device.seed.add_contact("Alice Canary", phones=[NUMBERS[0]])
    device.consent.revoke(MESSENGER, "android.permission.READ_CONTACTS")
    device.apps.launch(MESSENGER)
    wait_for_request(fresh_phone, "/v1/init")
    tap_text(device, "Accept")
    log = wait_for_log(device, "TrackerSDK", "contacts not readable")
    assert "SecurityException" in log or "Permission Denial" in log
    time.sleep(1.0)  # the SDK gave up (logged above); nothing may follow
    assert not any(str(r["path"]).startswith("/v1/match") for r in collected(fresh_phone))


def test_attach_after_launch_catches_the_first_beacon(fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    sink = ListSink()
    tracer = Tracer(open_usb(fresh_phone.serial), source=agent_source(),
                    config=AgentConfig(modules=("network", "identifiers"), app_package=MESSENGER),
                    sink=sink, decode=decode_batch, size=batch_size)
    try:
        session = tracer.attach_after_launch(MESSENGER, launch=lambda: device.apps.launch(MESSENGER))
        assert session.mode == "attach-after-launch"
        wait_for_request(fresh_phone, "/v1/init")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                e.kind == "http.request" and e.dest and "/v1/init" in (e.dest.url or "") for e in sink.events):
            session.flush(2.0)
            time.sleep(0.2)
    finally:
        tracer.stop()
    requests = [e for e in sink.events if e.kind == "http.request" and e.dest and "/v1/init" in (e.dest.url or "")]
    assert requests, [(e.kind, e.api) for e in sink.events]
    first = requests[0]
    assert first.dest is not None and first.dest.host == "analytics.tracker.example"
    assert first.sdk == "com.tracker.sdk"
    android_id = device.consent.setting("secure", "android_id")
    assert android_id is not None and android_id.encode() in (first.data or b"")
    assert any(e.kind == "id.read" and e.value == android_id for e in sink.events)


def test_two_phones_run_the_app_at_once(fresh_phone: RunningPhone, tmp_path: Path) -> None:
    other = PhoneManager().start(state=tmp_path / "other")
    try:
        Device.connect(other.serial).consent.put_setting("secure", "android_id", "00aa11bb22cc33dd")
        for phone in (fresh_phone, other):
            Device.connect(phone.serial).apps.launch(MESSENGER)
        first = json.loads(body(wait_for_request(fresh_phone, "/v1/init")))
        second = json.loads(body(wait_for_request(other, "/v1/init")))
        assert first["aid"] == Device.connect(fresh_phone.serial).consent.setting("secure", "android_id")
        assert second["aid"] == "00aa11bb22cc33dd"  # each phone's app reached its own collectors
        assert len([r for r in collected(other) if r["path"] == "/v1/init"]) == 1
    finally:
        PhoneManager().stop(other.serial)
