"""Raw protobuf wire-format decoding, without a schema.

Telemetry SDKs send protobuf; strings and nested messages travel as length-delimited fields
(wire type 2).  This parser walks the wire format only far enough to hand back those payloads so
the peeler can look inside them.  A byte string is accepted only if it parses completely, which
rejects almost all other binary data.

A telemetry batch holds hundreds of small fields; peeling each as its own layer would cost more
than the rest of the pipeline, so ``flatten`` turns one message (nested messages included) into a
single layer of its text fields, one per line, plus the binary fields that are compressed.
"""

from __future__ import annotations

_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32 = 0, 1, 2, 5
_MAX_FIELD = (1 << 29) - 1
_MIN_PAYLOAD = 4
_MAX_NESTING = 16
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_WIRE_TYPES = frozenset((_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32))


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
    """Payloads of the length-delimited fields (4 bytes or more), or None if ``data`` is not protobuf.

    Called for every candidate field of every message, so ``looks_like_protobuf`` and the checks of
    the loop are inlined; a key below 8 is field 0.  An out-of-bounds length only makes ``pos``
    overshoot, which rejects the message at the end."""
    end = len(data)
    if end < 2 or data[0] & 0x07 not in _WIRE_TYPES or data[0] < 8:
        return None
    payloads: list[bytes] = []
    pos = fields = 0
    try:
        while pos < end:
            key = data[pos]  # one-byte varints (fields 1-15, short lengths) are the common case
            pos += 1
            if key & 0x80:
                key, pos = _varint(data, pos - 1)
                if key < 8 or key >> 3 > _MAX_FIELD:
                    return None
            elif key < 8:
                return None
            wire = key & 0x07
            if wire == _LENGTH_DELIMITED:
                length = data[pos]
                pos += 1
                if length & 0x80:
                    length, pos = _varint(data, pos - 1)
                if length >= _MIN_PAYLOAD:
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


def _is_utf8(data: bytes) -> bool:
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
    deeper = depth < _MAX_NESTING
    for field in fields:
        # a short message can look like text, but its first byte (a key of field 1-3) rarely can
        control_first = field[0] < 0x20
        nested = length_delimited_fields(field) if control_first and deeper else None
        if nested is None:
            if len(field.translate(None, _PRINTABLE)) <= len(field) // 10 or _is_utf8(field):
                texts.append(field)
                continue
            if not control_first and deeper:
                nested = length_delimited_fields(field)
        if nested is not None:
            _collect(nested, texts, blobs, depth + 1)
        else:
            blobs.append(field)
