"""The virtual phone's internet: names resolve to the phone's own collectors, which log what arrives."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from harness.device.device import Device
from harness.virtual.manager import PhoneManager, RunningPhone
from harness.virtual.net.internet import internet_address


def _collected(phone: RunningPhone, timeout: float = 5.0) -> list[dict[str, object]]:
    path = Path(phone.state) / "vphone" / "collectors.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return [json.loads(line) for line in path.read_text().splitlines()]
        time.sleep(0.05)
    return []


def test_https_by_name_reaches_the_phones_collector(fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    # the phone's CA is a system CA: <subject_hash_old>.0 in the store the apps of Android 14 read
    (ca_file,) = device.shell(["ls", "/apex/com.android.conscrypt/cacerts"]).stdout.split()
    assert device.shell(["ls", "/system/etc/security/cacerts"]).stdout.split() == [ca_file]
    result = device.shell(["curl", "-s", "--cacert", f"/apex/com.android.conscrypt/cacerts/{ca_file}",
                           "-H", "X-Imei: 358752114029584", "-d", "id=3f1c9a7be2d04c51",
                           "https://analytics.tracker.example/v1/collect?app=weather"])
    assert result.stdout == '{"status":"ok"}'
    (record,) = _collected(fresh_phone)
    assert record["collector"] == "https" and record["sni"] == "analytics.tracker.example"
    assert record["path"] == "/v1/collect?app=weather"
    assert ["X-Imei", "358752114029584"] in record["headers"]
    assert base64.b64decode(str(record["body"])) == b"id=3f1c9a7be2d04c51"
    udp = device.shell(["sh", "-c", "printf canary-udp > /dev/udp/telemetry.vendor.example/9000 || "
                                    "python3 -c \"import socket;socket.socket(2,2).sendto(b'canary-udp',"
                                    "('telemetry.vendor.example',9000))\""], check=False)
    assert udp.exit_code == 0, udp.output
    deadline = time.monotonic() + 5
    while not any(r["collector"] == "udp" for r in _collected(fresh_phone)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(r["collector"] == "udp" and base64.b64decode(str(r["body"])) == b"canary-udp"
               for r in _collected(fresh_phone))


def test_two_phones_have_separate_internets(fresh_phone: RunningPhone, tmp_path: Path) -> None:
    other = PhoneManager().start(state=tmp_path / "other")
    try:
        assert internet_address(other.port) != internet_address(fresh_phone.port)
        for phone, marker in ((fresh_phone, "first"), (other, "second")):
            Device.connect(phone.serial).shell(["curl", "-s", "-d", marker, "http://sdk.tracker.example/p"])
        for phone, marker in ((fresh_phone, "first"), (other, "second")):
            bodies = [base64.b64decode(str(r["body"])).decode() for r in _collected(phone)]
            assert bodies == [marker]
    finally:
        PhoneManager().stop(other.serial)
