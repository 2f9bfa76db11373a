from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zlib

import brotlicffi as brotli
import zstandard
from detect_support import CANARIES, DETECTOR, http_request

from harness.detect import Detector, Finding, Limits, Notice
from harness.detect.items import EgressItem, EgressPart, Source
from harness.events import Dest
from harness.testing import make_event
from harness.testing.findings import make_finding

IMEI = "352099001761481"


def _scan(data: bytes) -> list[Finding]:
    return list(DETECTOR.detect([make_event(data=data)]))


def _summary(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.type, f.encoding, f.where, f.confidence) for f in findings}


def test_request_parts_and_encodings() -> None:
    body = json.dumps({"h": base64.b64encode(gzip.compress(hashlib.sha256(IMEI.encode()).hexdigest().encode()))
                       .decode(), "loc": "53.34381,-6.25461"}).encode()
    cookie = base64.b64encode(b"id=" + IMEI.encode()).decode()
    data = http_request("/c?aid=9774D56D682E549C", {"Cookie": f"uid={cookie}; a=1",
                                                     "X-Acct": "seeded.user%40gmail.com"}, body)
    found = _summary(_scan(data))
    assert found == {
        ("android_id", "uppercase", "url", "canary"),
        ("imei", "base64>plain", "cookie:uid", "canary"),
        ("account", "urlencode>plain", "header:x-acct", "canary"),
        ("imei", "base64>gzip>sha256", "body", "canary"),
        ("location", "plain", "body", "canary"),
    }


def test_finding_json_shape_and_destination() -> None:
    (finding,) = _scan(http_request(body=b"imei=" + IMEI.encode()))
    assert finding.to_json() == {
        "source": {"event_id": finding.source.index}, "type": "imei", "canary": IMEI, "encoding": "plain",
        "where": "body", "host": "analytics.tracker.example", "confidence": "canary",
    }
    assert finding.registrable_domain == "tracker.example" and finding.party == "third"
    assert finding == make_finding(source=finding.source, process="com.example.app",
                                   tracker=finding.tracker)


def test_compressions_and_nesting() -> None:
    inner = b'{"imei":"' + IMEI.encode() + b'"}'
    for blob, chain in [
        (zlib.compress(inner), "zlib"), (zstandard.ZstdCompressor().compress(inner), "zstd"),
        (gzip.compress(inner), "gzip"),
    ]:
        assert _summary(_scan(http_request(body=blob))) == {("imei", f"{chain}>plain", "body", "canary")}
    brotli_body = http_request(headers={"Content-Encoding": "br"}, body=brotli.compress(inner))
    assert _summary(_scan(brotli_body)) == {("imei", "br>plain", "body", "canary")}
    raw_deflate = zlib.compressobj(wbits=-15)
    blob = raw_deflate.compress(inner) + raw_deflate.flush()
    assert _summary(_scan(http_request(body=b"d=" + base64.b64encode(blob)))) == {
        ("imei", "base64>deflate>plain", "body", "canary")}


def test_protobuf_multipart_hex_and_json_escapes() -> None:
    name = b"Aoife Byrne"
    nested = b"\x0a" + bytes([len(name)]) + name
    message = b"\x08\x96\x01\x12" + bytes([len(nested)]) + nested
    # nested messages flatten into one layer of their text fields
    assert _summary(_scan(http_request(body=message))) == {("contact.name", "protobuf>plain", "body", "canary")}
    blob = gzip.compress(b"imei=" + IMEI.encode())
    with_blob = message + b"\x1a" + bytes([len(blob)]) + blob
    assert ("imei", "protobuf>gzip>plain", "body", "canary") in _summary(_scan(http_request(body=with_blob)))
    multipart = (b"--xyz\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                 + base64.b64encode(b"sms=Meet me at the usual place at 7") + b"\r\n--xyz--\r\n")
    assert _summary(_scan(http_request(body=multipart))) == {("sms.body", "multipart>base64>plain", "body",
                                                              "canary")}
    assert _summary(_scan(http_request(body=b"x=" + IMEI.encode().hex().encode()))) == {
        ("imei", "hex>plain", "body", "canary")}
    escaped = "".join(f"\\u{ord(c):04x}" for c in "aoife.byrne@example.org").encode()
    assert _summary(_scan(http_request(body=b'{"e":"' + escaped + b'"}'))) == {
        ("contact.email", "json>plain", "body", "canary")}


def test_structural_is_reported_once_and_never_over_a_canary() -> None:
    data = http_request(body=f"a={IMEI}&b=490154203237518&c=+353861112222&d=+14155550123".encode())
    assert _summary(_scan(data)) == {
        ("imei", "plain", "body", "canary"),
        ("imei", "plain", "body", "structural"),
        ("contact.phone", "plain", "body", "canary"),
        ("phone_number", "plain", "body", "structural"),
    }
    structural = [f for f in _scan(data) if f.confidence == "structural"]
    assert {f.canary for f in structural} == {"490154203237518", "+14155550123"}


def test_sms_and_non_egress_events() -> None:
    findings = list(DETECTOR.detect([
        make_event("sms.send", data=b"Meet me at the usual place at 7", dest=Dest(address="+15550001111")),
        make_event("id.read", value=IMEI, data=None, dest=None),
    ]))
    assert [(f.type, f.where, f.host, f.party) for f in findings] == [("sms.body", "sms", "+15550001111", None)]


def test_limits_are_reported_and_the_rest_is_analysed() -> None:
    detector = Detector(CANARIES, limits=Limits(max_layer_bytes=1 << 20, max_depth=6))
    bomb = gzip.compress(b"\0" * (64 << 20), 9)
    nested = IMEI.encode()
    for _ in range(12):
        nested = base64.b64encode(nested)
    notices: list[Notice] = []
    findings = list(detector.detect([
        make_event(data=http_request(body=bomb)),
        make_event(data=http_request(body=nested)),
        make_event(data=http_request(body=b"imei=" + IMEI.encode())),
    ], notices.append))
    assert len(bomb) < 100_000
    messages = [n.message for n in notices]
    assert any("possible compression bomb" in m for m in messages)
    assert any("not decoded beyond depth 6" in m for m in messages)
    assert [f.encoding for f in findings if f.type == "imei"] == ["plain"]


def test_large_body_is_scanned_to_the_end() -> None:
    filler = b'{"k":"value","n":12345,"t":"some ordinary telemetry text"},' * 900_000
    body = b"[" + filler + b'{"imei":"' + IMEI.encode() + b'"}]'
    assert len(body) > 50_000_000
    item = EgressItem(Source("event_id", 7), "x.example", (EgressPart("body", body),))
    assert _summary(DETECTOR.scan_item(item)) == {("imei", "plain", "body", "canary")}
    notices: list[Notice] = []
    small = Detector(CANARIES, limits=Limits(max_input_bytes=1 << 20))  # 50 windows: the last one holds it
    assert _summary(small.scan_item(item, notices.append)) == {("imei", "plain", "body", "canary")}
    assert notices == []
