"""The C scanners (harness/detect/_native_src/) give exactly what the pure-Python code they replaced gave.

The oracle is ``reference_scans`` (that code, kept verbatim).  Inputs are arbitrary bytes and bytes
built from the fragments each scanner reacts to: digits and separators, hex and base64 alphabets,
labels, shapes that almost match, protobuf messages with nested, truncated and corrupted fields,
invalid UTF-8.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import uuid
from random import Random
from urllib.parse import unquote_to_bytes

import pytest
import reference_protobuf
import reference_scans as oracle
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.detect import _native, decoders, protobuf
from harness.detect.structural import find_structural

SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _structural(data: bytes) -> list[tuple[str, str, int, int]]:
    return [(hit.type, hit.value, hit.start, hit.end) for hit in find_structural(data)]


def _structural_oracle(data: bytes) -> list[tuple[str, str, int, int]]:
    return [(hit.type, hit.value, hit.start, hit.end) for hit in oracle.find_structural(data)]


def _assert_all_equal(data: bytes) -> None:
    assert protobuf.flatten(data) == reference_protobuf.flatten(data)
    assert protobuf.length_delimited_fields(data) == reference_protobuf.length_delimited_fields(data)
    assert decoders.base64_spans(data) == oracle.base64_spans(data)
    assert decoders.hex_spans(data) == oracle.hex_spans(data)
    assert _structural(data) == _structural_oracle(data)


# --- fragments ---------------------------------------------------------------------------------------

DIGITS = "0123456789"


def _luhn_completed(body: str) -> str:
    return next(body + digit for digit in DIGITS if oracle.luhn_valid(body + digit))


NUMBERS = st.one_of(
    st.text(DIGITS, min_size=1, max_size=22),
    st.text(DIGITS, min_size=13, max_size=20).map(_luhn_completed),  # Luhn-valid, IMEI and ICCID lengths around
    st.tuples(st.sampled_from(["89", "89", "00", "001", "000", "999", "35"]),
              st.text(DIGITS, min_size=12, max_size=18)).map("".join).map(_luhn_completed),
    st.text(DIGITS, min_size=16, max_size=18).map(lambda body: _luhn_completed("89" + body)),  # ICCIDs and near
)
WHOLE_DECIMALS = st.builds(  # the shape the coordinate rule wants: a sign, 1-3 digits, 3 or more decimals
    lambda sign, whole, fraction: f"{sign}{whole}.{fraction}",
    st.sampled_from(["", "-"]),
    st.text(DIGITS, min_size=1, max_size=2) | st.text(DIGITS, min_size=3, max_size=3) | st.integers(170, 189).map(str),
    st.text(DIGITS, min_size=3, max_size=8),
)
# around the range tests (|lat| <= 90, |lon| <= 180, one of them >= 0.01), where float rounding decides
BOUNDARY_DECIMALS = st.builds(
    lambda sign, whole, fraction: f"{sign}{whole}.{fraction}",
    st.sampled_from(["", "-"]), st.sampled_from(["0", "00", "1", "9", "89", "90", "91", "179", "180", "181", "1800"]),
    st.sampled_from(["000", "0000000000000000000001", "00000000000000000001", "999", "99999999999999999999999",
                     "009", "0099999999999999999999", "00999999999999999", "010", "00100", "0000"]),
)
DECIMALS = st.one_of(
    WHOLE_DECIMALS,
    BOUNDARY_DECIMALS,
    st.builds(
        lambda sign, whole, point, fraction: f"{sign}{whole}{point}{fraction}",
        st.sampled_from(["", "", "-", "--", "."]),
        st.text(DIGITS, max_size=4),
        st.sampled_from([".", ".", ".."]),
        st.one_of(st.text(DIGITS, max_size=8), st.text(DIGITS, min_size=60, max_size=90)),
    ),
)
GOOD_GAPS = st.one_of(
    st.sampled_from([",", ", ", ";", "&lon=", '","lon":"', "\", 'lng': '", " / ", "' ,\t", ',"longitude_abcd":',
                     ",lng=", "\t&\r", ",\x0b\x0c", " ", "/", "', '", ',"abcdefghijk":', ',"abcdefghijkl":',
                     ',"abcdefghijklm":', "," + " " * 29, " " * 30, " " * 31, "," + " " * 30]),
    st.builds(lambda quote1, separator, label, quote2, assign: f"{quote1}{separator}{label}{quote2}{assign}",
              st.sampled_from(["", "'", '"', " "]), st.sampled_from([",", " ", ";", "&", "/", " , "]),
              st.text("abXY_", min_size=1, max_size=13), st.sampled_from(["", "'", '"']),
              st.sampled_from([":", "=", " : ", "=\n'"])),
)
GAPS = st.one_of(
    GOOD_GAPS,
    st.sampled_from([",\x1c", "\u00a0,", ", x :  ", "=,", ",\"a\"\"\n=", " " * 31, "", ",,", ", lat_1=", "-"]),
    st.text(" \t\n\x0b\x0c\r,;&/\"':=_aZ-x", max_size=14),
)
COORDINATES = st.one_of(
    st.builds(lambda a, gap, b: f"{a}{gap}{b}", WHOLE_DECIMALS, GOOD_GAPS, WHOLE_DECIMALS),
    st.builds(lambda a, gap, b: f"{a}{gap}{b}", BOUNDARY_DECIMALS | WHOLE_DECIMALS, GOOD_GAPS,
              BOUNDARY_DECIMALS | WHOLE_DECIMALS),
    st.builds(lambda a, gap, b: f"{a}{gap}{b}", DECIMALS, GAPS, DECIMALS),
)
MACS = st.builds(
    lambda octets, separator, upper: separator.join(f"{o:02X}" if upper else f"{o:02x}" for o in octets),
    st.one_of(st.lists(st.integers(0, 255), min_size=6, max_size=7),
              st.sampled_from([[0] * 6, [255] * 6, [2, 0, 0, 0, 0, 0]])),
    st.sampled_from([":", "-", ":", "-", "."]),
    st.booleans(),
)


def _uuid(value: uuid.UUID, version: str, variant: str, upper: bool) -> str:
    text = f"{str(value)[:14]}{version}{str(value)[15:19]}{variant}{str(value)[20:]}"
    return text.upper() if upper else text


UUIDS = st.builds(_uuid, st.uuids(), st.sampled_from("4413"), st.sampled_from("89abAB7c"), st.booleans())
PHONES = st.builds(lambda prefix, first, digits: prefix + first + digits,
                   st.sampled_from(["+", "+", "+", "++", "a+", "1+", "(+"]), st.sampled_from("1234567890"),
                   st.text(DIGITS, min_size=5, max_size=16))
_LOCAL = st.text("ab.%+-_9Z", min_size=0, max_size=12) | st.text("ab.9", min_size=60, max_size=70)
_LABEL = st.text("ab-9", min_size=0, max_size=8) | st.text("ab", min_size=60, max_size=70)
EMAILS = st.builds(
    lambda local, labels, tld, after: f"{local}@{'.'.join(labels)}.{tld}{after}",
    _LOCAL, st.lists(_LABEL, min_size=1, max_size=4),
    st.sampled_from(["com", "org", "png", "JS", "c", "co1", "abcdefghijklmnopqrstuvwxyz", "x-y", ""]),
    st.sampled_from(["", "", ".", "-", "1", ".x", "@y.com", " a@b.org"]),
)
MEIDS = st.builds(
    lambda name, separators, digits, after: f"{name}{separators}{digits}{after}",
    st.sampled_from(["meid", "MEID", "mEiD", "Meid", "xmeid", "meid_"]), st.text("\"' :=", max_size=5),
    st.text("0123456789abcdefABCDEF", min_size=13, max_size=15), st.sampled_from(["", " ", "g", "0", "\"", "-"]),
)
HEX_RUNS = st.text("0123456789abcdefABCDEF", min_size=10, max_size=40)
BASE64_RUNS = st.text("ABCXYZabcxyz0123456789+/_-", min_size=8, max_size=30)
LABELS = st.sampled_from([
    "imsi=", "IMSI: ", "subscriber-id=", "subscriber_id\":\"", "subscriberid", "adid\":\"", "ad_id=", "GAID ",
    "a.a.i.d:", "idfa", "advertising-id: ", "adv_id=", "advertiserId=", "meid: ", "MEID=\"", "mEiD '", "meid:::::",
    "eid", "EID", "\x00", "\n\x00\n", "lat=", "&lon=", "\"lat\":", ",\"lng\":",
])
_BETWEEN = st.sampled_from(["", "", " ", "\x00", "\"", "=-", "\":\"", *("x" * n + "=" for n in range(24, 31))])
LABELLED = st.one_of(  # a label, a few bytes, then a value that needs the label
    st.builds(lambda label, between, value: f"{label}{between}{value}", LABELS, _BETWEEN,
              st.one_of(NUMBERS, UUIDS, HEX_RUNS, st.text("0123456789abcdefABCDEF", min_size=13, max_size=15))),
    st.builds(lambda label, between, value: f"{label}{between}{value}",
              st.sampled_from(["imsi=", "IMSI: ", "subscriber-id=", "Subscriber.Id ", "subscriberid", "imsx"]),
              _BETWEEN,
              st.one_of(st.text(DIGITS, min_size=15, max_size=15),
                        st.sampled_from(["001", "000", "999", "00"]).map(lambda p: p + "123456789012"[: 15 - len(p)]))),
    st.builds(lambda label, between, value: f"{label}{between}{value}",
              st.sampled_from(["adid=", "AD_ID: ", "gaid", "a.a.i.d:", "IDFA", "advertising-id ", "adv_id=",
                               "advertiserId=", "adi"]), _BETWEEN, UUIDS),
)
CHARS = st.text(" .-:,;=&/\"'@+%_\x00\t\nabcdefABCDEFgmxyzGMXYZ0123456789\x0b\x0c\xff\u00e9", max_size=6)
FRAGMENTS = st.one_of(NUMBERS, DECIMALS, COORDINATES, MACS, UUIDS, PHONES, EMAILS, MEIDS, HEX_RUNS, BASE64_RUNS,
                      LABELS, LABELLED, CHARS)
BUILT = st.lists(FRAGMENTS, max_size=14).map(lambda parts: "".join(parts).encode("utf-8"))
# one shape after another, joined by the bytes that decide whether each stands on its own
SHAPES = st.one_of(NUMBERS, COORDINATES, MACS, UUIDS, PHONES, EMAILS, MEIDS, LABELLED)
JOINERS = st.sampled_from(["", " ", " ", "\n", ",", "x", ":", "-", "\x00", "@", "+", ".", '"', "=", "\x00\n"])
SHAPED = st.lists(st.tuples(JOINERS, SHAPES), max_size=6).map(
    lambda parts: "".join(joiner + shape for joiner, shape in parts).encode("utf-8"))


# --- protobuf messages -------------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint(number << 3 | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    if wire == 0:
        return key + _varint(int.from_bytes(payload[:10] or b"\0", "little"))
    size = 8 if wire == 1 else 4
    return key + payload[:size].ljust(size, b"\0")


UTF8_PIECES = st.sampled_from([
    b"a", b"\t", b"\x00", b"\x7f", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xf4\x8f\xbf\xbf",
    b"\xed\x9f\xbf", b"\xee\x80\x80",  # valid: the edges either side of the surrogates
    b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf",  # overlong
    b"\xed\xa0\x80", b"\xed\xbf\xbf",  # surrogates
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xfe",  # past U+10FFFF, never valid
    b"\xe2\x82", b"\xf0\x9f\x98", b"\xc3", b"\x80", b"\xbf",  # truncated, stray continuation
])
UTF8ISH = st.lists(UTF8_PIECES, max_size=12).map(b"".join)
LEAVES = st.one_of(st.binary(max_size=30), st.text(max_size=20).map(str.encode), UTF8ISH,
                   st.text(min_size=4, max_size=30).map(str.encode), st.binary(min_size=4, max_size=12),
                   st.just(b"\x1f\x8b\x08\x00compressed"), st.just(b""))
MESSAGES = st.recursive(
    LEAVES,
    lambda inner: st.lists(
        st.tuples(st.sampled_from([1, 2, 3, 15, 16, 2047, (1 << 29) - 1]), st.sampled_from([0, 1, 2, 2, 2, 5]), inner),
        max_size=6,
    ).map(lambda fields: b"".join(_field(*field) for field in fields)),
    max_leaves=25,
)


def _corrupted(message: bytes, cut: int | None, flip: tuple[int, int] | None, prefix: bytes) -> bytes:
    if cut is not None:
        message = message[:cut]
    if flip is not None and message:
        at = flip[0] % len(message)
        message = message[:at] + bytes([message[at] ^ flip[1]]) + message[at + 1:]
    return prefix + message


PROTOBUF = st.builds(
    _corrupted,
    MESSAGES,
    st.one_of(st.none(), st.none(), st.integers(0, 200)),
    st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 10_000), st.integers(1, 255))),
    st.sampled_from([b"", b"", b"", b"\x80\x00", b"\x8a\x80\x00", b"\xf8\xff\xff\xff\x7f", b"\xff" * 11,
                     b"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", b"\x08" + b"\xff" * 30 + b"\x01",
                     # varints of 2**64 and more, whose low 64 bits are a valid key or length
                     b"\x88" + b"\x80" * 8 + b"\x7e\x01", b"\x0a\x84" + b"\x80" * 8 + b"\x02abcd"]),
)


# --- properties --------------------------------------------------------------------------------------

@SETTINGS
@given(data=st.binary(max_size=400))
@example(data=b"")
def test_arbitrary_bytes(data: bytes) -> None:
    _assert_all_equal(data)


@SETTINGS
@given(data=BUILT)
def test_structural_on_built_inputs(data: bytes) -> None:
    assert _structural(data) == _structural_oracle(data)


@settings(max_examples=1500, deadline=None)
@given(data=SHAPED)
def test_structural_on_shapes(data: bytes) -> None:
    assert _structural(data) == _structural_oracle(data)


@settings(max_examples=1500, deadline=None)
@given(data=st.lists(st.one_of(COORDINATES, DECIMALS, GAPS, LABELS), max_size=8)
       .map(lambda parts: "".join(parts).encode()))
def test_coordinates(data: bytes) -> None:
    assert _structural(data) == _structural_oracle(data)


@SETTINGS
@given(data=st.lists(st.one_of(HEX_RUNS, BASE64_RUNS, CHARS, NUMBERS, UUIDS), max_size=10)
       .map(lambda parts: "".join(parts).encode("utf-8")))
def test_encoded_runs(data: bytes) -> None:
    assert decoders.base64_spans(data) == oracle.base64_spans(data)
    assert decoders.hex_spans(data) == oracle.hex_spans(data)


@settings(max_examples=2000, deadline=None)
@given(data=PROTOBUF)
def test_protobuf(data: bytes) -> None:
    assert protobuf.flatten(data) == reference_protobuf.flatten(data)
    assert protobuf.length_delimited_fields(data) == reference_protobuf.length_delimited_fields(data)


@SETTINGS
@given(payload=UTF8ISH, number=st.sampled_from([1, 5]))
def test_utf8_text_rule(payload: bytes, number: int) -> None:
    """A field is text when mostly printable or valid UTF-8, exactly as bytes.decode judges it."""
    message = _field(number, 2, payload) + _field(2, 2, b"\x80" * 4 + payload)
    assert protobuf.flatten(message) == reference_protobuf.flatten(message)


@SETTINGS
@given(printable=st.text("ab {}", min_size=4, max_size=45).map(str.encode),
       binary=st.lists(st.sampled_from([b"\xff", b"\x00", b"\x80", b"\x1b", b"\xc3\xa9", b"\xe2\x82"]), max_size=6),
       shuffle=st.randoms(use_true_random=False))
def test_text_threshold(printable: bytes, binary: list[bytes], shuffle: Random) -> None:
    """Around a tenth of the bytes not printable, where the UTF-8 check starts to decide."""
    pieces = [*printable, *binary]
    shuffle.shuffle(pieces)
    payload = b"".join(bytes([piece]) if isinstance(piece, int) else piece for piece in pieces)
    message = _field(1, 2, payload) + _field(3, 2, b"\x12\x04" + payload[:4])
    assert protobuf.flatten(message) == reference_protobuf.flatten(message)


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(BUILT, PROTOBUF), max_fields=st.integers(-2, 6))
def test_max_fields(data: bytes, max_fields: int) -> None:
    expected = reference_protobuf.length_delimited_fields(data, max_fields)
    assert protobuf.length_delimited_fields(data, max_fields) == expected


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(BUILT, PROTOBUF))
def test_other_buffers_read_like_bytes(data: bytes) -> None:
    for buffer in (bytearray(data), memoryview(data)):
        assert _native.flatten(buffer) == reference_protobuf.flatten(data)
        assert _native.base64_spans(buffer) == oracle.base64_spans(data)
        assert _native.hex_spans(buffer) == oracle.hex_spans(data)
        assert _native.structural_scan(buffer) == _native.structural_scan(data)


# --- hand-written edge cases -------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"",
    b"a@-b.com x@y.com",  # the first (not pre-tested) address hides the second, as before
    b"MeiD: 0123456789abcd",  # the b"eid"/b"EID" gate does not fold case
    b"meid: 0123456789abcd meid:0123456789ABCDE meid=====0123456789abcd",
    b"imsi=001010123456789 imsi=310150123456789 490154203237518 89353012345678901247",
    b"90.0000000000000000001,180.0000000000000000001 -90.000,-180.000 0.001,0.009 0.010,0.000",
    b"1." + b"2" * 200 + b", 3." + b"4" * 200,
    b"12.345,67.890.1 1.2345.678,1.234 123.456,1.234 -12.345&lon=-6.2546 12.345,123.456 1.234,-179.999",
    b"1.234" + b" " * 30 + b"5.678 1.234," + b" " * 29 + b"5.678 1.234" + b" " * 31 + b"5.678",
    b'1.234,"abcdefghijkl":5.678 1.234,"abcdefghijklm":5.678',
    b"imsi" + b"x" * 27 + b"=310150123456789 imsi" + b"x" * 28 + b"=310150123456789",
    b"\x88" + b"\x80" * 8 + b"\x7e\x01",
    b"\x0a\x84" + b"\x80" * 8 + b"\x02abcd",
    b"\x0a\x0a" + b"abcdefghi\xff" + b"\x0a\x0a" + b"abcdefgh\xff\xff",
    b"02:00:00:00:00:00 02:1a:11:f0:3c:5e:77 aa:bb:cc:dd:ee:ff AA-BB-CC-DD-EE-FF",
    b"adid=38400000-8cf0-41bd-b23e-10b96e40000d gaid\x00=38400000-8cf0-41bd-b23e-10b96e40000d",
    b"a" * 64 + b"@b.com " + b"a" * 65 + b"@b.com x@" + b"b" * 63 + b".com x@" + b"b" * 64 + b".com x@bb",
    b"x@" + (b"a" * 63 + b".") * 3 + b"b" * 58 + b".comxyzabc",  # the search window cuts the domain: "...comx"
    b"x@" + b"b" * 63 + b"c.com" + b"x@" + b"-b.org" + b" x@b.c" + b" x@b..com" + b" x@b.com1" + b" x@b.png",
    b"0.0099999999999999999999,0.000 0.00999999999999999,0.000 -90.00000000000000000001,0.500"
    b" 89.9999999999999999999,1.000 45.000,180.0000000000000000001 45.000,-180.000000000000001",
    b"+353861234567 ++353861234567 a+353861234567 +3538612345678901 +0123456789",
    b"aaaaaaaaaaaa AAAAAAAAAAAA 123456789012 12345678901+ ____________ aAaaaaaaaaaa-",
    b"0123456789abcdef 0123456789abcdef0 0123456789ABCDEFab",
    b"\x0a\x04\xc3\xa9\xc3\xa9\x12\x04\xed\xa0\x80\x00",
])
def test_edge_cases(data: bytes) -> None:
    _assert_all_equal(data)


def test_nesting_deeper_than_the_limit() -> None:
    message = b"\x08\x01" + b"x" * 3
    for depth in range(24):
        message = _field(1 + depth % 3, 2, message + _field(4, 2, b"\x01\x02\x03\x04\x05" * depth))
        assert protobuf.flatten(message) == reference_protobuf.flatten(message)


def test_large_inputs() -> None:
    data = (b'{"lat":53.34381,"lon":-6.25462,"id":"490154203237518","b":"aGVsbG8gd29ybGQhIQ==","x":1.5}'
            b"\x00\xff\x0a\x05hello" * 3000)
    _assert_all_equal(data)


def test_wrong_argument_types_raise() -> None:
    with pytest.raises(TypeError):
        _native.flatten("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _native.length_delimited_fields(b"\x08\x01", "many")  # type: ignore[arg-type]


def test_an_unbuilt_extension_fails_loudly() -> None:
    code = "import sys; sys.modules['harness.detect._native'] = None; import harness.detect.protobuf"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "run scripts/setup.sh" in result.stderr



PERCENTISH = st.lists(st.one_of(st.sampled_from([b"%", b"+", b"%2", b"%41", b"%fF", b"%g1", b"%%", b"%2B"]),
                                st.binary(max_size=4)), max_size=20).map(b"".join)


@settings(max_examples=2000, deadline=None)
@given(data=st.one_of(PERCENTISH, st.binary(max_size=60)))
def test_percent_decode_equals_the_standard_library(data: bytes) -> None:
    assert _native.percent_decode(data) == unquote_to_bytes(data)
    assert _native.percent_decode(data, plus_as_space=True) == unquote_to_bytes(data.replace(b"+", b" "))
    assert _native.percent_decode(memoryview(data)) == unquote_to_bytes(data)


UTF8ISH = st.lists(st.one_of(
    st.text(max_size=6).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\xe2\x82", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf",
                     b"\x00", b"\x1b", b"\x7f", b"\t\r\n"]),
    st.binary(max_size=3)), max_size=40).map(b"".join)


@settings(max_examples=2000, deadline=None)
@given(data=st.one_of(UTF8ISH, st.binary(max_size=80)), pad=st.sampled_from([0, 4090, 4093, 4096, 5000]))
def test_is_text_and_has_binary_equal_the_python_they_replaced(data: bytes, pad: int) -> None:
    # padding moves the tail of ``data`` across the end of the 4 KiB sample, where a cut character counts as text
    for candidate in (data, b"a" * pad + data, bytes(pad) + data, "é".encode() * (pad // 2) + data):
        assert _native.is_text(candidate) == oracle.is_text(candidate), candidate[-20:]
        assert _native.has_binary(candidate) == oracle.has_binary(candidate)


BASE64ISH = st.lists(st.one_of(
    st.binary(min_size=1, max_size=80).map(base64.b64encode),
    st.binary(min_size=1, max_size=80).map(lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=")),
    st.text("AaZz09+/-_=", max_size=30).map(str.encode), st.sampled_from([b" ", b"\"", b".", b"\x00"])),
    max_size=8).map(b"".join)


@settings(max_examples=2000, deadline=None)
@given(data=st.one_of(BASE64ISH, st.binary(max_size=80)))
def test_base64_runs_equal_the_python_they_replaced(data: bytes) -> None:
    assert list(decoders.base64_runs(data)) == list(oracle.base64_runs(data))
