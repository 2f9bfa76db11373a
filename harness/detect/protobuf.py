"""Raw protobuf wire-format decoding, without a schema.

Telemetry SDKs send protobuf; strings and nested messages travel as length-delimited fields
(wire type 2).  This parser walks the wire format only far enough to hand back those payloads so
the peeler can look inside them.  A byte string is accepted only if it parses completely, which
rejects almost all other binary data.

A telemetry batch holds hundreds of small fields; peeling each as its own layer would cost more
than the rest of the pipeline, so ``flatten`` turns one message (nested messages included) into a
single layer of its text fields, one per line, plus the binary fields that are compressed.

The walk runs on every binary layer, so it is C (``_native_src/protobuf.c``); the rules it follows are told there.
"""

from __future__ import annotations

try:
    from harness.detect._native import flatten, length_delimited_fields
except ImportError as exc:  # never fall back to a slow copy: one implementation, built by the set-up
    raise ImportError(f"{exc}: the C scanners of harness.detect are not built; run scripts/setup.sh") from exc

__all__ = ["flatten", "length_delimited_fields", "looks_like_protobuf"]

_WIRE_TYPES = (0, 1, 2, 5)  # varint, fixed64, length-delimited, fixed32


def looks_like_protobuf(data: bytes) -> bool:
    """Cheap shape check on the first key: a known wire type and a non-zero field number."""
    if len(data) < 2:
        return False
    first = data[0]
    return first & 0x07 in _WIRE_TYPES and first >> 3 != 0
