"""Peel the encodings off one piece of egress data, layer by layer, within set bounds.

``peel`` yields the original bytes and every layer decoded from it (percent and form encoding,
JSON escapes, multipart parts, gzip/zlib/deflate/brotli/zstd, base64 in both alphabets, hex,
protobuf: the text fields of a message and its nested messages as one layer, compressed bytes
fields as their own), depth first, each distinct byte string once.  Children are
produced lazily so only the current path of layers is held in memory.  Limits (depth, size of a
decoded layer, number and total size of layers) stop runaway inputs such as gzip bombs or base64
nested a hundred times; each time one bites, ``notify`` is called and the rest is still analysed.
An input's ``DecompressionBudget`` (``budget``) bounds the decompressed bytes of a whole capture.

Data longer than ``Limits.max_input_bytes`` (64 MiB) is not cut: it is peeled in windows of that
size, each overlapping the previous one by ``overlap`` bytes (the detector passes at least its
longest canary form, so a value straddling a boundary is whole in one window), each window with
the per-piece limits of its own.  An encoded run (base64, a compressed stream) that straddles a
boundary is decoded only as far as each window holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from harness.detect import decoders
from harness.detect.budget import DecompressionBudget
from harness.detect.protobuf import flatten

_MIB = 1024 * 1024
_MAGICLESS = ("deflate", "br")
_MIN_PURE_TEXT = 32  # shorter layers are probed even when printable: it is cheap, and rare
_MIN_COMPRESSED = 12  # brotli or raw deflate of even a short identifier takes more than this
#: Layers that contain their output whole (a slice, or a compressed copy): a value found both inside
#: and, by accident, verbatim in the raw bytes (zstd keeps short literals) is reported as inside.
CONTAINER_LAYERS = frozenset({"protobuf", "multipart", "gzip", "zlib", "deflate", "zstd", "br"})

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Limits:
    """Bounds on the work spent on one piece of egress data (one URL, header or body)."""

    max_depth: int = 8
    max_input_bytes: int = 64 * _MIB  # larger input is peeled in overlapping windows of this size
    max_layer_bytes: int = 64 * _MIB  # a decompressed layer is cut here
    max_layers: int = 4096
    max_decoded_bytes: int = 256 * _MIB


@dataclass(frozen=True, slots=True)
class Layer:
    """One decoded view of the data; ``chain`` names the layers peeled to get here, outside first."""

    data: bytes
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Window(Layer):
    """A window of a large input (the root layer of its peeling) that is not the last: what starts at
    ``next_window`` or later lies whole in the next window too, and is left to it (here a long form
    may be cut at the edge)."""

    next_window: int


class _Bounds(NamedTuple):
    """What bounds one peeling: the limits, where to report, and the input's decompression budget."""

    limits: Limits
    notify: Notify
    budget: DecompressionBudget | None


def windows(data: bytes, size: int, overlap: int) -> Iterator[tuple[bytes, int | None]]:
    """``data`` whole if it fits in ``size`` bytes, else windows of ``size`` bytes to its end, each
    starting ``overlap`` bytes (at most half a window) before the previous one ended; with each, the
    offset where the next window starts (None for the last)."""
    if len(data) <= size:
        yield data, None
        return
    overlap = min(overlap, size // 2)
    start = 0
    while start + size < len(data):
        yield data[start:start + size], size - overlap
        start += size - overlap
    yield data[start:], None


def peel(data: bytes, limits: Limits, notify: Notify, content_encoding: str | None = None, *,
         budget: DecompressionBudget | None = None, overlap: int = 0) -> Iterator[Layer]:
    """The input (or each window of it) and every layer decoded from it, depth first, each distinct
    byte string once."""
    bounds = _Bounds(limits, notify, budget)
    if len(data) <= limits.max_input_bytes:  # nearly always: no window generator in the way
        return _peel_one(Layer(data, ()), bounds, content_encoding)
    return _peel_windows(data, bounds, content_encoding, overlap)


def _peel_windows(data: bytes, bounds: _Bounds, content_encoding: str | None, overlap: int) -> Iterator[Layer]:
    for number, (window, next_window) in enumerate(windows(data, bounds.limits.max_input_bytes, overlap)):
        root = Layer(window, ()) if next_window is None else Window(window, (), next_window)
        yield from _peel_one(root, bounds, content_encoding if number == 0 else None)


def _peel_one(root: Layer, bounds: _Bounds, content_encoding: str | None) -> Iterator[Layer]:
    limits, notify = bounds.limits, bounds.notify
    seen: set[tuple[int, int]] = set()
    layers = decoded_bytes = 0
    stack: list[Iterator[Layer]] = [iter((root,))]
    while stack:
        layer = next(stack[-1], None)
        if layer is None:
            stack.pop()
            continue
        if layer.chain:  # the root is unique, and hashing it would read every byte once more
            key = (len(layer.data), hash(layer.data))
            if key in seen:
                continue
            seen.add(key)
        layers += 1
        decoded_bytes += len(layer.data)
        if layers > limits.max_layers or decoded_bytes > limits.max_decoded_bytes:
            notify(f"stopped after {layers - 1} decoded layers ({decoded_bytes - len(layer.data)} bytes): "
                   "layer budget exhausted")
            return
        yield layer
        hint = content_encoding if not layer.chain else None
        children = _children(layer, bounds, hint)
        if len(layer.chain) >= limits.max_depth:
            if next(children, None) is not None:
                notify(f"not decoded beyond depth {limits.max_depth} ({'>'.join(layer.chain)})")
            continue
        stack.append(children)


def _children(layer: Layer, bounds: _Bounds, hint: str | None) -> Iterator[Layer]:
    data, chain = layer.data, layer.chain
    compression = decoders.sniff_compression(data)
    if compression is None and hint in ("br", "deflate"):
        compression = hint
    if compression is not None:
        decoded = _decompress(compression, data, bounds, chain)
        if decoded is not None:
            yield decoded
            return
    text = decoders.is_text(data)
    if text:
        # a form-looking layer is decoded once, as a form ('+' is a space); anything else as a URL
        form = decoders.looks_like_form(data)
        percent = ("form", decoders.form_decoded) if form else ("urlencode", decoders.percent_decoded)
        for name, decode in (percent, ("json", decoders.json_unescaped)):
            out = decode(data)
            if out is not None and out != data:
                yield Layer(out, (*chain, name))
                if name != "json" and b"=" in data and decoders.has_binary(out):
                    yield from (Layer(value, (*chain, name)) for value in decoders.binary_form_values(data))
        if data.startswith(b"--"):
            yield from (Layer(part, (*chain, "multipart")) for part in _multipart_parts(data))
    # protobuf usually starts with a control byte (key of field 1-3), which short messages may hide
    message = flatten(data) if not text or data[0] < 0x20 else None
    if message is not None:
        texts, blobs = message
        if texts:
            yield Layer(texts, (*chain, "protobuf"))
        for blob in blobs:
            # magic-less compression is only worth probing for in fields big enough to hold it; a
            # batch has hundreds of small binary fields, so the first byte rules most out unsniffed
            if len(blob) >= 64:
                if decoders.sniff_compression(blob) is not None or _magicless_probe(blob, bounds):
                    yield Layer(blob, (*chain, "protobuf"))
            elif blob[0] in decoders.COMPRESSION_FIRST_BYTES and decoders.sniff_compression(blob) is not None:
                yield Layer(blob, (*chain, "protobuf"))
    # compressed bytes can pass for text (brotli keeps short literals as they are), so decoded layers
    # get a probing try; but a brotli or deflate stream always holds some binary byte (none of 100,000
    # streams of 1 to 2,000 characters, every level and mode, was pure printable ASCII), so a
    # decoded layer of plain text (gunzipped JSON, a decoded form) is spared the probes
    elif chain and (not text or len(data) < _MIN_PURE_TEXT or decoders.has_binary(data)):
        yield from _magicless(layer, bounds)
    for name, out in decoders.base64_runs(data):
        if _worth_peeling(out, bounds):
            yield Layer(out, (*chain, name))
    for out, digits_only in decoders.hex_runs(data):
        if decoders.is_text(out) if digits_only else _worth_peeling(out, bounds):
            yield Layer(out, (*chain, "hex"))


def _magicless(layer: Layer, bounds: _Bounds) -> Iterator[Layer]:
    """Brotli or raw deflate inside a decoded layer: they carry no magic bytes, so accept them only
    if the first output is text or the stream decodes completely (garbage rarely does either)."""
    for kind in _MAGICLESS:
        if _magicless_probe(layer.data, bounds, kind):
            decoded = _decompress(kind, layer.data, bounds, layer.chain)
            if decoded is not None:
                yield decoded


def _magicless_probe(data: bytes, bounds: _Bounds, kind: str | None = None) -> bool:
    if len(data) < _MIN_COMPRESSED:
        return False
    for candidate in (kind,) if kind else _MAGICLESS:
        probe = _inflate(candidate, data, 1024, bounds)
        if probe is None:
            continue
        out, truncated, complete = probe
        if decoders.is_text(out) or complete or (truncated and _completes(candidate, data, bounds)):
            return True
    return False


def _completes(kind: str, data: bytes, bounds: _Bounds) -> bool:
    """Whether a binary stream decodes completely within a modest ratio of its own size."""
    result = _inflate(kind, data, 64 * len(data) + 4096, bounds)
    return result is not None and result[2]


def _inflate(kind: str, data: bytes, cap: int, bounds: _Bounds) -> tuple[bytes, bool, bool] | None:
    """``decoders.decompress`` within the input's budget, which is charged what it produced; None
    once the budget is spent (the first time, with the notice saying so)."""
    budget = bounds.budget
    if budget is None:
        return decoders.decompress(kind, data, cap)
    allowed = min(cap, budget.remaining)
    if allowed <= 0:
        if budget.first_exhaustion():
            bounds.notify(budget.message())
        return None
    result = decoders.decompress(kind, data, allowed)
    if result is not None:
        budget.charge(len(result[0]))
        if result[1] and allowed < cap and budget.first_exhaustion():  # cut by the budget, not the cap
            bounds.notify(budget.message())
    return result


def _decompress(kind: str, data: bytes, bounds: _Bounds, chain: tuple[str, ...]) -> Layer | None:
    limits = bounds.limits
    result = _inflate(kind, data, limits.max_layer_bytes, bounds)
    if result is None:
        return None
    out, truncated, _ = result
    if truncated and len(out) >= limits.max_layer_bytes:
        where = ">".join((*chain, kind))
        bounds.notify(f"{where}: decompressed output cut at {limits.max_layer_bytes} bytes (possible compression bomb)")
    return Layer(out, (*chain, kind))


def _worth_peeling(out: bytes, bounds: _Bounds) -> bool:
    """Decoded bytes are kept if text, compressed (with or without magic) or protobuf; not noise."""
    if len(out) < 4:
        return False
    if decoders.is_text(out) or decoders.sniff_compression(out) is not None:
        return True
    return flatten(out) is not None or _magicless_probe(out, bounds)


def _multipart_parts(data: bytes) -> Iterator[bytes]:
    """Bodies of a multipart payload; the boundary is whatever the first line says it is."""
    first_line_end = data.find(b"\r\n")
    if first_line_end < 3 or first_line_end > 200:
        return
    delimiter = b"\r\n" + data[:first_line_end]
    for chunk in (b"\r\n" + data).split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        header_end = chunk.find(b"\r\n\r\n")
        if header_end >= 0:
            yield chunk[header_end + 4:]
