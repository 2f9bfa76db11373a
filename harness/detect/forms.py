"""Every byte string a canary can appear as: case variants, normal forms and hashes.

Apps rarely send an identifier the way it was seeded.  For each canary this module lists its
normal forms (phone: E.164, national, digits only; MAC with and without separators; IMEI with and
without spaces; case variants of text), and for every form its MD5, SHA-1, SHA-256 and SHA-512 in
lower and upper hex and in base64 (standard and URL-safe), plus SHA-256 truncated to 128 bits.
The matcher feeds all of them to one Aho-Corasick automaton.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.detect.canaries import Canary, CanarySet, Location

_PHONE_TYPES = frozenset({"phone_number", "contact.phone", "sms.address", "call_log.number"})
_HASHES = ("md5", "sha1", "sha256", "sha512")
_MIN_DIGITS_FORM = 6


@dataclass(frozen=True)
class Form:
    """One searchable rendering of a canary; ``transform`` is how it was derived ("plain", "sha1")."""

    canary: Canary
    pattern: bytes
    transform: str


@dataclass(frozen=True)
class CoordinateForm:
    """One rendering of a location coordinate; ``axis`` is "lat" or "lon"."""

    location: Location
    pattern: bytes
    axis: str


# E.164 country codes are prefix-free: these one- and two-digit codes, every other code has three.
_CC_ONE = ("1", "7")
_CC_TWO = frozenset((
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
))


def _country_code_length(digits: str) -> int:
    if digits.startswith(_CC_ONE):
        return 1
    return 2 if digits[:2] in _CC_TWO else 3


def phone_forms(value: str) -> dict[str, str]:
    """E.164, national (trunk prefix 0, or NANP's ten digits) and digits-only forms of a number."""
    digits = re.sub(r"\D", "", value)
    forms = {"plain": value, "digits": digits}
    if value.lstrip().startswith(("+", "00")):
        digits = digits[2:] if value.lstrip().startswith("00") else digits
        forms["e164"] = "+" + digits
        forms["digits"] = digits
        national = digits[_country_code_length(digits):]
        forms["national"] = national if digits.startswith("1") else "0" + national
        forms["national-number"] = national
    return forms


def _identity_forms(canary: Canary) -> dict[str, str]:
    """Text -> name of the normal form it is (several texts can share a name, e.g. case variants)."""
    value = canary.value
    forms: dict[str, str] = {"plain": value}
    if canary.type in _PHONE_TYPES:
        forms.update(phone_forms(value))
    elif canary.type == "imei":
        digits = re.sub(r"\D", "", value)
        forms["digits"] = digits
        if len(digits) == 15:
            forms["spaced"] = f"{digits[:2]} {digits[2:8]} {digits[8:14]} {digits[14]}"
            forms["dashed"] = f"{digits[:2]}-{digits[2:8]}-{digits[8:14]}-{digits[14]}"
    elif canary.type == "wifi_mac":
        hex12 = re.sub(r"[^0-9A-Fa-f]", "", value).lower()
        pairs = [hex12[i:i + 2] for i in range(0, len(hex12), 2)]
        forms.update({"colon": ":".join(pairs), "dash": "-".join(pairs), "nosep": hex12})
    elif canary.type == "advertising_id":
        forms["nodash"] = value.replace("-", "")
    elif canary.type in ("imsi", "iccid"):
        forms["digits"] = re.sub(r"\D", "", value)
    elif canary.type in ("contact.name", "sms.body", "account", "call_log.name", "clipboard"):
        forms["spaces"] = " ".join(value.split())
    cased: dict[str, str] = {}
    for name, text in forms.items():
        cased.setdefault(text, name)
        cased.setdefault(text.lower(), "lowercase" if name == "plain" else name)
        cased.setdefault(text.upper(), "uppercase" if name == "plain" else name)
    return cased


def _digest_forms(canary: Canary, text: str) -> Iterator[Form]:
    data = text.encode("utf-8")
    for algorithm in _HASHES:
        digest = hashlib.new(algorithm, data).digest()
        yield from _encoded_digest(canary, digest, algorithm)
    yield from _encoded_digest(canary, hashlib.sha256(data).digest()[:16], "sha256/128")


def _encoded_digest(canary: Canary, digest: bytes, name: str) -> Iterator[Form]:
    hex_lower = digest.hex()
    yield Form(canary, hex_lower.encode(), name)
    yield Form(canary, hex_lower.upper().encode(), name)
    # Unpadded, so the same pattern matches padded and unpadded renderings.
    yield Form(canary, base64.b64encode(digest).rstrip(b"="), f"base64>{name}")
    yield Form(canary, base64.urlsafe_b64encode(digest).rstrip(b"="), f"base64>{name}")


def canary_forms(canary: Canary) -> Iterator[Form]:
    """All forms of one canary, plain ones first; duplicates are left to the caller."""
    identity = _identity_forms(canary)
    for text, name in identity.items():
        if len(text) >= 4 and not (text.isdigit() and len(text) < _MIN_DIGITS_FORM):
            yield Form(canary, text.encode("utf-8"), name)
    for text in identity:
        yield from _digest_forms(canary, text)


def coordinate_forms(location: Location) -> Iterator[CoordinateForm]:
    """Each coordinate truncated and rounded to three decimals; longer renderings start with these."""
    for axis, number in (("lat", location.lat), ("lon", location.lon)):
        full = f"{number:.10f}"
        truncated = full[: full.index(".") + 4]
        for text in dict.fromkeys((truncated, f"{number:.3f}")):
            yield CoordinateForm(location, text.encode("ascii"), axis)


def all_forms(canaries: CanarySet) -> tuple[list[Form], list[CoordinateForm]]:
    forms = [form for canary in canaries.values for form in canary_forms(canary)]
    coords = list(coordinate_forms(canaries.location)) if canaries.location else []
    return forms, coords
