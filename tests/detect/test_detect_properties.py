"""Property tests: any chain of up to three encodings of any canary, anywhere in a request, is found;
look-alikes (one digit changed, Luhn-invalid, hashes of other values) are not."""

from __future__ import annotations

import base64
import gzip
import hashlib
import zlib
from collections.abc import Callable
from urllib.parse import quote_from_bytes

import brotlicffi as brotli
import zstandard
from detect_support import CANARIES, DETECTOR, http_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.detect import Finding
from harness.detect.items import EgressItem, EgressPart, Source
from harness.detect.structural import luhn_valid
from harness.events import Dest
from harness.testing import make_event

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


def _json_escape(data: bytes) -> bytes:
    return "".join(f"\\u{b:04x}" for b in data).encode()


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "urlencode": lambda b: quote_from_bytes(b, safe="").encode(),
    "base64": base64.b64encode,
    "base64url": lambda b: base64.urlsafe_b64encode(b).rstrip(b"="),
    "hex": lambda b: b.hex().encode(),
    "gzip": gzip.compress,
    "zlib": zlib.compress,
    "deflate": _raw_deflate,
    "br": brotli.compress,
    "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
    "json": _json_escape,
}
BINARY_OUTPUT = frozenset({"gzip", "zlib", "deflate", "br", "zstd"})
NO_MAGIC = frozenset({"deflate", "br"})
TRANSFORMS: dict[str, Callable[[str], bytes]] = {
    "plain": str.encode,
    "md5": lambda v: hashlib.md5(v.encode()).hexdigest().encode(),
    "sha1": lambda v: hashlib.sha1(v.encode()).hexdigest().upper().encode(),
    "sha256": lambda v: hashlib.sha256(v.encode()).hexdigest().encode(),
    "sha512": lambda v: hashlib.sha512(v.encode()).hexdigest().encode(),
    "base64>sha256": lambda v: base64.b64encode(hashlib.sha256(v.encode()).digest()),
    "sha256/128": lambda v: hashlib.sha256(v.encode()).hexdigest()[:32].encode(),
}
PLACES = ("url", "header", "cookie", "body")
VALUES = [(c.type, c.value) for c in CANARIES.values]
assert CANARIES.location is not None
LOCATION = ("location", CANARIES.location.label)


def _encode(payload: bytes, chain: list[str], place: str) -> tuple[bytes, str | None]:
    """Apply ``chain`` (innermost first); make the result fit ``place``; return it and a Content-Encoding."""
    for name in chain:
        if name == "json" and not payload.isascii():
            payload = base64.b64encode(payload)
        elif name in NO_MAGIC and chain.index(name) == len(chain) - 1 and place != "body":
            payload = ENCODINGS[name](payload)
            payload = base64.b64encode(payload)  # brotli/raw deflate in text: carried as base64
            continue
        payload = ENCODINGS[name](payload)
    content_encoding = chain[-1] if chain and chain[-1] in NO_MAGIC and place == "body" else None
    if place != "body" and not all(0x21 <= b < 0x7F and b not in b";,%\"\\" for b in payload):
        payload = quote_from_bytes(payload, safe="").encode()
    return payload, content_encoding


def _request(payload: bytes, place: str, content_encoding: str | None) -> bytes:
    if place == "url":
        return http_request(f"/v1/collect?d={payload.decode()}")
    if place == "header":
        return http_request(headers={"X-Data": payload.decode()})
    if place == "cookie":
        return http_request(headers={"Cookie": f"sid={payload.decode()}; lang=en"})
    headers = {"Content-Encoding": content_encoding} if content_encoding else {}
    return http_request(headers=headers, body=payload)


def _findings(request: bytes) -> list[Finding]:
    return list(DETECTOR.detect([make_event(data=request, dest=Dest(host="analytics.tracker.example"))]))


WHERE = {"url": "url", "header": "header:x-data", "cookie": "cookie:sid", "body": "body"}


@SETTINGS
@given(
    canary=st.sampled_from(VALUES),
    transform=st.sampled_from(sorted(TRANSFORMS)),
    chain=st.lists(st.sampled_from(sorted(ENCODINGS)), max_size=3),
    place=st.sampled_from(PLACES),
)
def test_every_encoded_canary_is_found(canary: tuple[str, str], transform: str, chain: list[str],
                                       place: str) -> None:
    kind, value = canary
    payload, content_encoding = _encode(TRANSFORMS[transform](value), chain, place)
    findings = _findings(_request(payload, place, content_encoding))
    assert any(
        f.type == kind and f.canary == value and f.where == WHERE[place] and f.confidence == "canary"
        for f in findings
    ), (chain, transform, place, findings)


@SETTINGS
@given(chain=st.lists(st.sampled_from(sorted(ENCODINGS)), max_size=3), place=st.sampled_from(PLACES),
       separator=st.sampled_from([",", ", ", ";", "&lon="]))
def test_location_is_found_when_both_coordinates_appear(chain: list[str], place: str, separator: str) -> None:
    text = f"lat=53.34381{separator}-6.25462".encode()
    payload, content_encoding = _encode(text, chain, place)
    findings = _findings(_request(payload, place, content_encoding))
    assert any(f.type == "location" and f.confidence == "canary" for f in findings), (chain, findings)


def _change_one_digit(value: str, position: int, delta: int) -> str:
    index = position % len(value)
    digit = (int(value[index]) + delta) % 10
    return value[:index] + str(digit) + value[index + 1:]


@SETTINGS
@given(position=st.integers(0, 14), delta=st.integers(1, 9),
       chain=st.lists(st.sampled_from(sorted(ENCODINGS)), max_size=2), place=st.sampled_from(PLACES))
def test_one_digit_changed_imei_is_not_found(position: int, delta: int, chain: list[str], place: str) -> None:
    changed = _change_one_digit("352099001761481", position, delta)
    assert not luhn_valid(changed)  # the Luhn check catches every single-digit change
    payload, content_encoding = _encode(changed.encode(), chain, place)
    findings = _findings(_request(payload, place, content_encoding))
    assert not [f for f in findings if f.type == "imei" and (f.confidence == "canary" or f.canary == changed)]


@SETTINGS
@given(digits=st.text("0123456789", min_size=14, max_size=14), length=st.sampled_from([15, 19]))
def test_luhn_invalid_numbers_are_not_reported(digits: str, length: int) -> None:
    body = ("89" + digits + "123")[:length - 1] if length == 19 else digits
    number = next(body + d for d in "0123456789" if not luhn_valid(body + d))
    findings = _findings(http_request(body=f'{{"n":"{number}"}}'.encode()))
    assert not [f for f in findings if f.type in ("imei", "iccid")], findings


@SETTINGS
@given(other=st.text(min_size=4, max_size=40), transform=st.sampled_from(sorted(set(TRANSFORMS) - {"plain"})),
       place=st.sampled_from(PLACES))
def test_hashes_of_other_values_are_not_canaries(other: str, transform: str, place: str) -> None:
    if any(other.strip() and other.strip().lower() in value.lower() for _, value in VALUES):
        return
    payload, content_encoding = _encode(TRANSFORMS[transform](other), [], place)
    findings = _findings(_request(payload, place, content_encoding))
    assert not [f for f in findings if f.confidence == "canary"], findings


@settings(max_examples=200, deadline=None)
@given(noise=st.binary(max_size=2000), prefix=st.sampled_from([b"", b"POST /x HTTP/1.1\r\n", b"\x1f\x8b\x08",
                                                                b"(\xb5/\xfd", b"x\x9c", b"--b\r\n", b"\x0a\x05"]))
def test_hostile_bytes_never_break_the_analysis(noise: bytes, prefix: bytes) -> None:
    data = prefix + noise
    events = [make_event(data=data), make_event(data=base64.b64encode(data)),
              make_event(data=http_request(body=b"imei=352099001761481"))]
    findings = list(DETECTOR.detect(events))
    assert any(f.source.index == events[2].id and f.type == "imei" for f in findings)


HEADER_VALUES = st.one_of(
    st.sampled_from(["352099001761481", "imsi=272031234567890", "53.34381", "-6.25462", "+353861112222",
                     "a@b.example.com", "02:1a:11:f0:3c:5e", base64.b64encode(b"Aoife Byrne").decode(),
                     "%41oife%20Byrne", "490154203237518"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(HEADER_VALUES, min_size=2, max_size=6))
def test_joined_prescan_equals_scanning_each_part_alone(values: list[str]) -> None:
    parts = tuple(EgressPart(f"header:h{i}", v.encode()) for i, v in enumerate(values))
    together = DETECTOR.scan_item(EgressItem(Source("event_id", 1), "h.example", parts))
    alone = [f for part in parts for f in DETECTOR.scan_item(EgressItem(Source("event_id", 1), "h.example",
                                                                         (part,)))]
    assert sorted(map(repr, together)) == sorted(map(repr, alone))
