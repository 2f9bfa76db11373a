"""One pass over all the small parts of an item (URL, headers, cookies) instead of one pass each.

An HTTP request has a handful of short header values around one body.  Scanning each value on its
own costs more in per-call overhead than in scanning, so their undecoded (root) layers are joined
with a separator and searched together: one automaton pass, one pass of each structural detector,
one base64/hex run search.  Only the values that may hold an encoding are then peeled further.
The separator contains a NUL between newlines, which no pattern, digit run, e-mail address or
coordinate pair can span, so a match never crosses from one value into the next (nor is a package
name next to it glued to anything: a newline is no package-name byte).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from harness.detect import decoders
from harness.detect.matcher import CanaryHit, CanaryMatcher, LayerScan
from harness.detect.structural import StructuralHit, find_structural

SEPARATOR = b"\n\x00\n"
_NOTHING = LayerScan([], False, {})
#: Parts up to this size are scanned together; bodies never are (they are usually large).
SMALL_PART = 4096


@dataclass
class RootScan:
    """The results for one part's undecoded bytes, and whether any decoder could apply to them."""

    hits: list[CanaryHit]
    located: bool
    structural: list[StructuralHit]
    needs_children: bool
    apps: dict[str, int]


def prescan(matcher: CanaryMatcher, pieces: Sequence[bytes], structural: bool) -> list[RootScan | None]:
    """Root-layer results for each piece, in order; None for a piece where nothing was found and
    nothing can be decoded (most header values), which yields no finding."""
    joined = SEPARATOR.join(pieces)
    starts: list[int] = []
    position = 0
    for piece in pieces:
        starts.append(position)
        position += len(piece) + len(SEPARATOR)
    lengths = [len(piece) for piece in pieces]
    canary = matcher.scan_joined(joined, starts, lengths)
    found: dict[int, list[StructuralHit]] = {}
    if structural:
        for hit in find_structural(joined):
            index = bisect_right(starts, hit.start) - 1
            offset = starts[index]
            if hit.end <= offset + lengths[index]:
                found.setdefault(index, []).append(
                    StructuralHit(hit.type, hit.value, hit.start - offset, hit.end - offset))
    runs = {bisect_right(starts, start) - 1 for start, _ in (*decoders.base64_spans(joined),
                                                            *decoders.hex_spans(joined))}
    results: list[RootScan | None] = []
    for index, piece in enumerate(pieces):
        decodable = index in runs or _may_decode(piece)
        hits, located, apps = canary.get(index, _NOTHING)
        shapes = found.get(index, [])
        results.append(RootScan(hits, located, shapes, decodable, apps)
                       if decodable or hits or located or shapes or apps else None)
    return results


#: Printable bytes no decoder starts from: a piece made of these alone (most header values) needs
#: no decoding but base64/hex runs, multipart (``--``) or a zlib header that happens to be printable.
_INERT = bytes(sorted((set(range(0x20, 0x7F)) | set(b"\t\n\r")) - set(b"%\\+")))


def _may_decode(piece: bytes) -> bool:
    """Conservative: true whenever any decoder other than base64/hex runs could produce a layer
    (percent, form and JSON escapes, binary bytes, multipart, compression)."""
    return (
        bool(piece.translate(None, _INERT)) or piece.startswith(b"--")
        or (bool(piece) and piece[0] in decoders.COMPRESSION_FIRST_BYTES
            and decoders.sniff_compression(piece) is not None)
    )
