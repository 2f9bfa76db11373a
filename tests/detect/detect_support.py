"""Shared canaries and helpers for the detector tests (imported by the test modules)."""

from __future__ import annotations

from harness.detect import CanarySet, Detector
from harness.detect.structural import luhn_valid

CANARY_DATA = {
    "identifiers": {
        "imei": "352099001761481",
        "android_id": "9774d56d682e549c",
        "advertising_id": "38400000-8cf0-11bd-b23e-10b96e40000d",
        "serial": "R58M42XKQ7B",
        "imsi": "272031234567890",
        "iccid": "8935301234567890124",
        "wifi_mac": "02:1a:11:f0:3c:5e",
        "phone_number": "+353 87 123 4567",
    },
    "contacts": [{"name": "Aoife Byrne", "phones": ["+353861112222"], "emails": ["aoife.byrne@example.org"]}],
    "sms": [{"address": "+353869998888", "body": "Meet me at the usual place at 7"}],
    "location": {"lat": 53.3438, "lon": -6.2546},
    "accounts": ["seeded.user@gmail.com"],
}
assert luhn_valid("352099001761481") and luhn_valid("8935301234567890124")

CANARY_YAML = """\
identifiers:
  imei: "352099001761481"
  android_id: "9774d56d682e549c"
  advertising_id: "38400000-8cf0-11bd-b23e-10b96e40000d"
  serial: "R58M42XKQ7B"
  imsi: "272031234567890"
  iccid: "8935301234567890124"
  wifi_mac: "02:1a:11:f0:3c:5e"
  phone_number: "+353 87 123 4567"
contacts:
  - name: "Aoife Byrne"
    phones: ["+353861112222"]
    emails: ["aoife.byrne@example.org"]
sms:
  - address: "+353869998888"
    body: "Meet me at the usual place at 7"
location: {lat: 53.3438, lon: -6.2546}
accounts: ["seeded.user@gmail.com"]
"""

CANARIES = CanarySet.from_mapping(CANARY_DATA)
#: Built once: the automaton is immutable, so sharing it across tests (and hypothesis examples) is safe.
DETECTOR = Detector(CANARIES)


def http_request(target: str = "/v1/collect", headers: dict[str, str] | None = None, body: bytes = b"",
                 host: str = "analytics.tracker.example") -> bytes:
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
