"""The previous pure-Python implementation of the byte-level scanners, kept as the test oracle.

``harness.detect._native`` (C) replaced these functions; ``test_detect_native.py`` checks that it gives
exactly what they give.  Copied verbatim from harness/detect/decoders.py (``class_table``,
``base64_spans``, ``runs``, ``hex_spans`` and their tables) and structural.py as they were before the port;
do not "fix" anything here unless the implementation is fixed the same way: a change of behaviour
must show up as a failing equivalence test.  Edits: structural.py's ``_HEX_TABLE`` is named
``_HEX_VIEW_TABLE`` here, as decoders.py has a ``_HEX_TABLE`` of its own (``_PRINTABLE``, the other
shared name, has the same value in both); and two false negatives found by the port were fixed in
both places: an MEID label in mixed case ("MEiD") was skipped unless "eid" or "EID" occurred
elsewhere, and an e-mail address was missed when an address-like run the cheap test rejects
("a@-b.com") stood just before it (e-mail addresses are still found in Python: ``_emails`` here is
the implementation's logic, and a domain cut by the search window is no longer an address).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# The protobuf walker's oracle is reference_protobuf.py (the walker as it was before it was first optimised).

_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"


# --- harness/detect/decoders.py ---------------------------------------------------------------------

def class_table(classes: dict[bytes, bytes]) -> bytes:
    """A ``bytes.translate`` table mapping each byte of a class to its letter, every other byte to ' '.

    Searching the translated view for a literal such as ``AAAAAAAAAAAA+`` lets ``re`` use its fast
    literal-prefix scan instead of testing a character class at every position (about 10x faster).
    """
    table = bytearray(b" " * 256)
    for members, letter in classes.items():
        for byte in members:
            table[byte] = letter[0]
    return bytes(table)


_BASE64_TABLE = class_table({
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-": b"A",
})
_HEX_TABLE = class_table({b"0123456789abcdefABCDEF": b"h"})
_BASE64_RUN = re.compile(b"A" * 12 + b"+")  # runs are many (words): finditer beats ``runs`` here


def _may_be_base64(run: bytes) -> bool:
    """Real base64 mixes upper and lower case; one-case runs are snake_case words, hex or numbers
    (hex goes to the hex decoder)."""
    return not (run.islower() or run.isupper() or run.isdigit())


def base64_spans(data: bytes) -> list[tuple[int, int]]:
    """Base64 runs of 12+ characters (9+ bytes decoded): shorter ones are mostly words, and what
    decodes to noise is dropped later."""
    return [match.span() for match in _BASE64_RUN.finditer(data.translate(_BASE64_TABLE))
            if _may_be_base64(data[match.start():match.end()])]


def runs(view: bytes, letter: bytes, minimum: int) -> Iterator[tuple[int, int]]:
    """Spans of the maximal runs of ``letter`` (at least ``minimum`` long) in a class view whose other
    bytes are all spaces: ``re.finditer(letter * minimum + b"+")``, but found with ``bytes.find``
    (several times faster when the letter is frequent and long runs are rare)."""
    needle, space = letter * minimum, b" "
    start = view.find(needle)
    while start >= 0:
        end = view.find(space, start + minimum)
        if end < 0:
            end = len(view)
        yield start, end
        start = view.find(needle, end)


def hex_spans(data: bytes) -> list[tuple[int, int]]:
    """Even-length hex runs of 16+ characters."""
    return [(start, end) for start, end in runs(data.translate(_HEX_TABLE), b"h", 16) if not (end - start) % 2]


# --- harness/detect/structural.py -------------------------------------------------------------------

# Searches run on translated views of the layer (see decoders.class_table): digits -> "D",
# hex digits -> "h", so each search is a literal-prefix scan rather than a per-byte class test.
_DIGIT_TABLE = class_table({b"0123456789": b"D", b".": b"."})
_HEX_VIEW_TABLE = class_table({b"0123456789abcdefABCDEF": b"h", b":": b":", b"-": b"-"})
_LONG_DIGITS = re.compile(b"D" * 14 + b"+")
_DECIMAL = re.compile(rb"D\.DDD")
# two decimals close together: the only places a coordinate pair can be (telemetry is full of lone floats)
_DECIMAL_PAIR = re.compile(rb"D\.DDD+ {1,30}D{1,3}\.DDD")
# literal shapes in the hex view: found with bytes.find, several times faster than re on this view
_MACS = (b"hh:hh:hh:hh:hh:hh", b"hh-hh-hh-hh-hh-hh")
_UUID_SHAPE = b"hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh"
_UUID4 = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}")
_MEID = re.compile(rb"(?i:meid)[\"' :=]{1,4}([0-9A-Fa-f]{14})(?![0-9A-Za-z])")
_EMAIL = re.compile(
    rb"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.([A-Za-z]{2,24})"
    rb"(?![A-Za-z0-9-])"
)
_E164 = re.compile(rb"(?<![0-9A-Za-z+])\+[1-9][0-9]{7,14}(?![0-9])")
_COORDINATE_GAP = re.compile(rb"[\"']?\s*[,;&/ ]\s*(?:[\"']?[A-Za-z_]{1,12}[\"']?\s*[:=]\s*)?[\"']?")
_DIGITS = frozenset(b"0123456789")
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_LOCAL_PART = _ALNUM | frozenset(b"._%+-")
_AD_ID_LABELS = (b"adid", b"ad_id", b"gaid", b"aaid", b"idfa", b"advertising", b"adv_id", b"advertiserid")
_IMSI_LABELS = (b"imsi", b"subscriberid", b"subscriber_id")
_NOT_MACS = frozenset({"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:00"})  # Android's fake MAC
_FILE_SUFFIXES = frozenset({b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"js", b"css", b"html"})
_LABEL_WINDOW = 32


@dataclass(frozen=True, slots=True)
class StructuralHit:
    """An identifier-shaped value at ``start:end`` of a layer."""

    type: str
    value: str
    start: int
    end: int


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _labelled(data: bytes, start: int, labels: tuple[bytes, ...]) -> bool:
    before = data[max(0, start - _LABEL_WINDOW):start]
    before = before[before.rfind(b"\x00") + 1:]  # a label never reaches across a NUL (see prescan)
    before = before.lower().replace(b"-", b"").replace(b".", b"")
    return any(label in before for label in labels)


def find_structural(data: bytes) -> Iterator[StructuralHit]:
    """Every identifier-shaped value in one layer, look-alikes rejected."""
    digit_view = data.translate(_DIGIT_TABLE)
    yield from _numbers(data, digit_view)
    yield from _coordinates(data, digit_view)
    del digit_view
    for match in _MEID.finditer(data):
        yield StructuralHit("meid", match.group(1).decode("ascii").upper(), *match.span(1))
    if b":" in data or b"-" in data:
        yield from _hex_shapes(data)
    if b"@" in data:
        yield from _emails(data)
    position = data.find(b"+")
    while position >= 0:
        number = _E164.match(data, position)
        if number:
            yield StructuralHit("phone_number", number.group().decode("ascii"), *number.span())
        position = data.find(b"+", position + 1)


def _numbers(data: bytes, digit_view: bytes) -> Iterator[StructuralHit]:
    for match in _LONG_DIGITS.finditer(digit_view):
        start, end = match.span()
        if (start > 0 and data[start - 1] in _ALNUM) or (end < len(data) and data[end] in _ALNUM):
            continue  # part of a token such as a hex string or a base64 run, not a number on its own
        digits = data[start:end].decode("ascii")
        if len(digits) == 15 and _labelled(data, start, _IMSI_LABELS):
            if digits[:3] not in ("000", "001", "999"):
                yield StructuralHit("imsi", digits, start, end)
        elif len(digits) == 15 and luhn_valid(digits) and not digits.startswith("00"):
            yield StructuralHit("imei", digits, start, end)
        elif len(digits) in (19, 20) and digits.startswith("89") and luhn_valid(digits):
            yield StructuralHit("iccid", digits, start, end)


def _decimals(data: bytes, digit_view: bytes, pos: int, endpos: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every decimal with 1-3 integer digits and 3+ decimals, sign included."""
    for match in _DECIMAL.finditer(digit_view, pos, endpos):
        point = match.start() + 1
        start = point - 1
        while start > 0 and data[start - 1] in _DIGITS and point - start < 4:
            start -= 1
        if start > 0 and data[start - 1] == 0x2D:  # minus sign
            start -= 1
        end = match.end()
        while end < len(data) and data[end] in _DIGITS:
            end += 1
        before = data[start - 1] if start > 0 else 0
        if before not in _DIGITS and before != 0x2E and (end >= len(data) or data[end] != 0x2E):
            yield start, end


def _coordinates(data: bytes, digit_view: bytes) -> Iterator[StructuralHit]:
    reached = 0
    for pair in _DECIMAL_PAIR.finditer(digit_view):
        start = max(reached, pair.start() - 1)
        for hit in _coordinate_pairs(data, digit_view, start, pair.end()):
            reached = hit.end
            yield hit


def _coordinate_pairs(data: bytes, digit_view: bytes, pos: int, endpos: int) -> Iterator[StructuralHit]:
    previous: tuple[int, int] | None = None
    for current in _decimals(data, digit_view, pos, endpos):
        if previous is not None and current[0] - previous[1] <= 30 and _COORDINATE_GAP.fullmatch(
            data, previous[1], current[0]
        ):
            lat_text, lon_text = data[previous[0]:previous[1]], data[current[0]:current[1]]
            lat, lon = float(lat_text), float(lon_text)
            if (abs(lat) <= 90 and abs(lon) <= 180 and (abs(lat) >= 0.01 or abs(lon) >= 0.01)
                    and len(lat_text.lstrip(b"-").split(b".")[0]) <= 2):
                label = f"{lat_text.decode('ascii')},{lon_text.decode('ascii')}"
                yield StructuralHit("location", label, previous[0], current[1])
                previous = None
                continue
        previous = current


def _occurrences(view: bytes, literal: bytes) -> Iterator[tuple[int, int]]:
    """Non-overlapping occurrences of ``literal``, leftmost first (as ``re.finditer`` of it)."""
    start = view.find(literal)
    while start >= 0:
        yield start, start + len(literal)
        start = view.find(literal, start + len(literal))


def _hex_shapes(data: bytes) -> Iterator[StructuralHit]:
    view = data.translate(_HEX_VIEW_TABLE)
    for shape in _MACS:
        for start, end in _occurrences(view, shape):
            if (start > 0 and view[start - 1] != 0x20) or (end < len(view) and view[end] != 0x20):
                continue
            mac = data[start:end].decode("ascii").lower().replace("-", ":")
            if mac not in _NOT_MACS:
                yield StructuralHit("wifi_mac", mac, start, end)
    for start, end in _occurrences(view, _UUID_SHAPE):
        if (start > 0 and view[start - 1] != 0x20) or (end < len(view) and view[end] != 0x20):
            continue
        if _UUID4.fullmatch(data, start, end) and _labelled(data, start, _AD_ID_LABELS):
            yield StructuralHit("advertising_id", data[start:end].decode("ascii").lower(), start, end)


def _emails(data: bytes) -> Iterator[StructuralHit]:
    position, reached = data.find(b"@"), 0
    while position >= 0:
        if not (0 < position < len(data) - 4 and data[position - 1] in _LOCAL_PART
                and data[position + 1] in _ALNUM):  # cheap test before the regex (binary has '@'s)
            position = data.find(b"@", position + 1)
            continue
        match = _email_around(data, position, reached)
        if match is not None:
            if match.group(1).lower() not in _FILE_SUFFIXES:
                yield StructuralHit("email", match.group().decode("ascii"), *match.span())
            reached = match.end()
        position = data.find(b"@", max(position + 1, reached))


def _email_around(data: bytes, position: int, reached: int) -> re.Match[bytes] | None:
    window_end = position + 256  # a domain is at most 253 bytes long
    for match in _EMAIL.finditer(data, max(reached, position - 64), window_end):
        if match.start() > position:
            return None
        if position < match.end():
            cut = match.end() == window_end < len(data) and data[window_end] in _DOMAIN_BYTES
            return None if cut else match
    return None


_DOMAIN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")


# --- harness/detect/decoders.py: is_text, has_binary (before they moved to C) ----------------------

_SAMPLE = 4096


def is_text(data: bytes) -> bool:
    """Mostly printable ASCII, or valid UTF-8 (judged on a sample of large layers)."""
    sample = data[:_SAMPLE]
    if not sample:
        return False
    if len(sample.translate(None, _PRINTABLE)) <= len(sample) // 10:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a sample may end inside a multi-byte character
        return exc.start >= len(sample) - 3 and len(sample) == _SAMPLE
    return len(sample[:256].translate(None, _PRINTABLE + bytes(range(0x80, 0x100)))) <= 8


def has_binary(data: bytes) -> bool:
    return bool(data.translate(None, _PRINTABLE))


# --- harness/detect/decoders.py: base64_runs (before it moved to C) -----------------------------------


def base64_runs(data: bytes) -> Iterator[tuple[str, bytes]]:
    """("base64" or "base64url", decoded bytes) for every base64-looking run embedded in ``data``."""
    import base64
    import binascii

    for start, end in base64_spans(data):
        run = data[start:end]
        urlsafe = b"-" in run or b"_" in run
        if urlsafe and (b"+" in run or b"/" in run):
            continue
        if len(run) % 4 == 1:
            run = run[:-1]
        padded = run + b"=" * (-len(run) % 4)
        try:
            if urlsafe:
                yield "base64url", base64.urlsafe_b64decode(padded)
            else:
                yield "base64", base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            continue
