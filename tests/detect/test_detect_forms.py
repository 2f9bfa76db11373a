from __future__ import annotations

import base64
import hashlib

from detect_support import CANARIES, DETECTOR

from harness.detect import Canary
from harness.detect.forms import canary_forms, phone_forms


def _patterns(canary: Canary) -> dict[bytes, str]:
    return {form.pattern: form.transform for form in canary_forms(canary)}


def test_phone_normal_forms() -> None:
    forms = phone_forms("+353 87 123 4567")
    assert forms["e164"] == "+353871234567"
    assert forms["national"] == "0871234567"
    assert forms["digits"] == "353871234567"
    assert phone_forms("+1 650-555-0100")["national"] == "6505550100"


def test_imei_mac_and_id_forms() -> None:
    imei = _patterns(Canary("imei", "352099001761481"))
    assert imei[b"35 209900 176148 1"] == "spaced"
    mac = _patterns(Canary("wifi_mac", "02:1a:11:f0:3c:5e"))
    assert {b"021a11f03c5e", b"02-1A-11-F0-3C-5E", b"02:1A:11:F0:3C:5E"} <= set(mac)
    ad = _patterns(Canary("advertising_id", "38400000-8cf0-11bd-b23e-10b96e40000d"))
    assert ad[b"38400000-8CF0-11BD-B23E-10B96E40000D"] == "uppercase"


def test_every_hash_in_every_encoding() -> None:
    patterns = _patterns(Canary("android_id", "9774d56d682e549c"))
    for name in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(name, b"9774d56d682e549c").digest()
        assert patterns[digest.hex().encode()] == name
        assert patterns[digest.hex().upper().encode()] == name
        assert patterns[base64.b64encode(digest).rstrip(b"=")] == f"base64>{name}"
        assert base64.urlsafe_b64encode(digest).rstrip(b"=") in patterns
    assert patterns[hashlib.sha256(b"9774d56d682e549c").hexdigest()[:32].encode()] == "sha256/128"
    # hashes of the upper-case variant too, as apps normalise before hashing
    assert hashlib.md5(b"9774D56D682E549C").hexdigest().encode() in patterns


def test_matcher_prefers_the_longest_form_of_one_occurrence() -> None:
    full = hashlib.sha256(b"352099001761481").hexdigest().encode()
    hits, _ = DETECTOR.matcher.scan(b"h=" + full)
    assert [(h.canary.type, h.transform) for h in hits] == [("imei", "sha256")]
    hits, _ = DETECTOR.matcher.scan(b"tel=+353871234567")
    assert [h.transform for h in hits] == ["e164"]


def test_digit_forms_need_digit_boundaries() -> None:
    assert DETECTOR.matcher.scan(b"n=3520990017614811")[0] == []
    assert DETECTOR.matcher.scan(b"n=9352099001761481")[0] == []
    assert [h.canary.type for h in DETECTOR.matcher.scan(b"n=352099001761481&")[0]] == ["imei"]


def test_location_needs_both_coordinates() -> None:
    assert DETECTOR.matcher.scan(b'{"lat":53.34381}')[1] is False
    assert DETECTOR.matcher.scan(b'{"lat":53.34381,"lng":-6.25459}')[1] is True
    assert DETECTOR.matcher.scan(b"53.344;-6.255")[1] is True  # rounded to 3 decimals
    assert DETECTOR.matcher.scan(b"153.3438 -6.2546")[1] is False
    assert CANARIES.location is not None
