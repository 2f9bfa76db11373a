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

try:
    from harness.detect import _native
except ImportError as exc:  # never fall back to a slow copy: one implementation, built by the set-up
    raise ImportError(f"{exc}: the C scanners of harness.detect are not built; run scripts/setup.sh") from exc

_EMAIL = re.compile(
    rb"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.([A-Za-z]{2,24})"
    rb"(?![A-Za-z0-9-])"
)
_DOMAIN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
_FILE_SUFFIXES = frozenset({b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"js", b"css", b"html"})


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


def _emails(data: bytes, at_signs: list[int]) -> Iterator[StructuralHit]:
    """Addresses around the '@'s that passed the cheap test (an address byte either side)."""
    reached = 0
    for position in at_signs:
        if position < reached:
            continue  # inside the address just found
        match = _email_around(data, position, reached)
        if match is not None:
            if match.group(1).lower() not in _FILE_SUFFIXES:
                yield StructuralHit("email", match.group().decode("ascii"), *match.span())
            reached = match.end()


def _email_around(data: bytes, position: int, reached: int) -> re.Match[bytes] | None:
    """The address whose '@' is at ``position``, if any.  An address-like run just before it (one the
    cheap test rejected, such as "a@-b.com") must not hide it, so every match in the window is
    looked at; a domain that runs on past the window is longer than any real one (253 bytes)."""
    window_end = position + 256
    for match in _EMAIL.finditer(data, max(reached, position - 64), window_end):
        if match.start() > position:
            return None
        if position < match.end():
            cut = match.end() == window_end < len(data) and data[window_end] in _DOMAIN_BYTES
            return None if cut else match
    return None
