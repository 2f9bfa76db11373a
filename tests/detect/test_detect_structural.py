from __future__ import annotations

import pytest

from harness.detect.structural import find_structural, luhn_valid


def _found(data: bytes) -> list[tuple[str, str]]:
    return [(hit.type, hit.value) for hit in find_structural(data)]


def test_luhn() -> None:
    assert luhn_valid("490154203237518")
    assert not luhn_valid("490154203237519")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"id=490154203237518&x=1", [("imei", "490154203237518")]),
        (b'{"iccid":"89014103211118510720"}', [("iccid", "89014103211118510720")]),
        (b"imsi=310150123456789", [("imsi", "310150123456789")]),
        (b'"meid":"A0000012345678"', [("meid", "A0000012345678")]),
        (b"mac=3C:5A:B4:01:02:03;", [("wifi_mac", "3c:5a:b4:01:02:03")]),
        (b'{"adid":"f81d4fae-7dec-41d0-a765-00a0c91e6bf6"}',
         [("advertising_id", "f81d4fae-7dec-41d0-a765-00a0c91e6bf6")]),
        (b"to=someone.else@mail.example.com", [("email", "someone.else@mail.example.com")]),
        (b"tel=+14155550123&", [("phone_number", "+14155550123")]),
        (b'{"lat": 48.85837, "lon": 2.29448}', [("location", "48.85837,2.29448")]),
        (b"ll=40.6892,-74.0445", [("location", "40.6892,-74.0445")]),
    ],
)
def test_shapes_are_found(data: bytes, expected: list[tuple[str, str]]) -> None:
    assert _found(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"id=490154203237519",  # Luhn-invalid
        b"id=49015420323751",  # 14 digits
        b"id=4901542032375180",  # 16 digits
        b"iccid=89014103211118510721",  # Luhn-invalid ICCID
        b"n=1234567890123452",  # Luhn-valid but 16 digits
        b"request=f81d4fae-7dec-41d0-a765-00a0c91e6bf6",  # a UUID without an ad-id label
        b"mac=02:00:00:00:00:00",  # Android's placeholder MAC
        b"icon=logo@2x.png",
        b"version=1.53.343 -6.254",
        b"ts=1732800000123",
    ],
)
def test_look_alikes_are_rejected(data: bytes) -> None:
    assert _found(data) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # a label in mixed case is still a label
        (b'"MEiD": "A0000012345678"', [("meid", "A0000012345678")]),
        # an address-like run the cheap test rejects does not hide the address after it
        (b"a@-b.com x@y.com", [("email", "x@y.com")]),
        # a "domain" longer than any real one is not cut down to an address
        (b"u@" + b".".join([b"a" * 40] * 8) + b".com", []),
        (b"u@" + b".".join([b"a" * 50] * 4) + b".com", [("email", "u@" + ".".join(["a" * 50] * 4) + ".com")]),
    ],
)
def test_fixed_false_negatives_and_positives(data: bytes, expected: list[tuple[str, str]]) -> None:
    assert _found(data) == expected
