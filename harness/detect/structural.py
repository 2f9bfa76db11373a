"""Structural detectors: identifiers nobody seeded, recognised by their shape and checksums.

These report confidence "structural", never as canary hits.  Each shape is checked beyond the
regular expression so look-alikes are rejected: IMEI and ICCID must pass the Luhn check, IMEIs are
exactly 15 digits, ICCIDs start with 89; values whose shape alone says little (IMSI, MEID, a
version-4 UUID that may be an advertising ID) need a label such as ``imsi=`` or ``"adid":`` just
before them, because request IDs and counters share their shape.

Every layer goes through here, so the scan is C (``_native.structural_scan``, which states each
rule): digit runs (IMSI, IMEI, ICCID), coordinate pairs, MEIDs, MAC addresses and advertising IDs,
phone numbers.  E-mail addresses are rare and their pattern is involved, so only finding the '@'s
worth trying is C; the pattern itself runs here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.detect.decoders import class_table

try:
    from harness.detect import _native
except ImportError as exc:  # never fall back to a slow copy: one implementation, built by the set-up
    raise ImportError(f"{exc}: the C scanners of harness.detect are not built; run scripts/setup.sh") from exc

_EMAIL = re.compile(
    rb"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.([A-Za-z]{2,24})"
    rb"(?![A-Za-z0-9-])"
)
_FILE_SUFFIXES = frozenset({b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"js", b"css", b"html"})
# The hex-view shapes the C scan looks for (hex digit "h"); kept here as the statement of the shapes
# that tests/detect/test_detect_fastpaths.py checks the scan against.
_HEX_TABLE = class_table({b"0123456789abcdefABCDEF": b"h", b":": b":", b"-": b"-"})
_MACS = (b"hh:hh:hh:hh:hh:hh", b"hh-hh-hh-hh-hh-hh")
_UUID_SHAPE = b"hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh"


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


def find_structural(data: bytes) -> Iterator[StructuralHit]:
    """Every identifier-shaped value in one layer, look-alikes rejected."""
    shaped, at_signs, phones = _native.structural_scan(data)
    for hit in shaped:
        yield StructuralHit(*hit)
    if at_signs:
        yield from _emails(data, at_signs)
    for hit in phones:
        yield StructuralHit(*hit)


def _occurrences(view: bytes, literal: bytes) -> Iterator[tuple[int, int]]:
    """Non-overlapping occurrences of ``literal``, leftmost first (as ``re.finditer`` of it)."""
    start = view.find(literal)
    while start >= 0:
        yield start, start + len(literal)
        start = view.find(literal, start + len(literal))


def _emails(data: bytes, at_signs: list[int]) -> Iterator[StructuralHit]:
    """Addresses around the '@'s that passed the cheap test (an address byte either side)."""
    reached = 0
    for position in at_signs:
        if position < reached:
            continue  # inside the address just found
        match = _EMAIL.search(data, max(reached, position - 64), position + 256)
        if match and match.start() <= position < match.end():
            if match.group(1).lower() not in _FILE_SUFFIXES:
                yield StructuralHit("email", match.group().decode("ascii"), *match.span())
            reached = match.end()
