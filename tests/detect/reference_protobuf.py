"""The protobuf walker as it was before it was optimised: the reference of the equivalence test."""

from __future__ import annotations

_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32 = 0, 1, 2, 5
_MAX_FIELD = (1 << 29) - 1
_MIN_PAYLOAD = 4
_MAX_NESTING = 16
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """(value, next position); raises IndexError or ValueError if malformed."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise ValueError("varint longer than 10 bytes")


def looks_like_protobuf(data: bytes) -> bool:
    """Cheap shape check on the first key: a known wire type and a non-zero field number."""
    if len(data) < 2:
        return False
    first = data[0]
    return first & 0x07 in (_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32) and first >> 3 != 0


def length_delimited_fields(data: bytes, max_fields: int = 100_000) -> list[bytes] | None:
    """Payloads of the length-delimited fields (4 bytes or more), or None if ``data`` is not protobuf."""
    if not looks_like_protobuf(data):
        return None
    payloads: list[bytes] = []
    pos, end, fields = 0, len(data), 0
    try:
        while pos < end:
            key = data[pos]  # one-byte varints (fields 1-15, short lengths) are the common case
            pos += 1
            if key & 0x80:
                key, pos = _varint(data, pos - 1)
            wire, field = key & 0x07, key >> 3
            if field == 0 or field > _MAX_FIELD:
                return None
            if wire == _LENGTH_DELIMITED:
                length = data[pos]
                pos += 1
                if length & 0x80:
                    length, pos = _varint(data, pos - 1)
                if length >= _MIN_PAYLOAD and pos + length <= end:
                    payloads.append(data[pos:pos + length])
                pos += length
            elif wire == _VARINT:
                while data[pos] & 0x80:
                    pos += 1
                pos += 1
            elif wire == _FIXED64:
                pos += 8
            elif wire == _FIXED32:
                pos += 4
            else:  # groups (3, 4) are deprecated and 6, 7 do not exist
                return None
            fields += 1
            if fields > max_fields:
                return None
    except (IndexError, ValueError):
        return None
    return payloads if pos == end else None


def _is_text(data: bytes) -> bool:
    if len(data.translate(None, _PRINTABLE)) <= len(data) // 10:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def flatten(data: bytes) -> tuple[bytes, list[bytes]] | None:
    """(text fields joined by newlines, binary fields that are not messages), or None if not protobuf."""
    fields = length_delimited_fields(data)
    if fields is None:
        return None
    texts: list[bytes] = []
    blobs: list[bytes] = []
    _collect(fields, texts, blobs, 0)
    return b"\n".join(texts), blobs


def _collect(fields: list[bytes], texts: list[bytes], blobs: list[bytes], depth: int) -> None:
    for field in fields:
        # a short message can look like text, but its first byte (a key of field 1-3) rarely can
        control_first = field[0] < 0x20
        nested = length_delimited_fields(field) if control_first and depth < _MAX_NESTING else None
        if nested is None:
            if _is_text(field):
                texts.append(field)
                continue
            if not control_first and depth < _MAX_NESTING:
                nested = length_delimited_fields(field)
        if nested is not None:
            _collect(nested, texts, blobs, depth + 1)
        else:
            blobs.append(field)
