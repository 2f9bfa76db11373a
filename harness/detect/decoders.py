"""Single-step decoders for one layer, each behind a cheap sniff so most bytes skip most decoders.

Compression is recognised by magic bytes (gzip ``1f 8b``, zlib's checksummed header, zstd
``28 b5 2f fd``); brotli and raw deflate have no magic and are only tried when a header names them
or on binary blobs that came out of base64/hex.  Every decompressor is bounded: output stops at a
cap, so a gzip bomb costs at most the cap.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

import brotlicffi as brotli  # Brotli's own binding before 1.2 cannot cap its output (see pyproject)
import zstandard

try:
    from harness.detect import _native
except ImportError as exc:  # never fall back to a slow copy: one implementation, built by the set-up
    raise ImportError(f"{exc}: the C scanners of harness.detect are not built; run scripts/setup.sh") from exc

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_SAMPLE = 4096

_PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")
_JSON_ESCAPE = re.compile(rb'\\u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?|\\(["\\/bfnrt])')
_JSON_SIMPLE = {b'"': b'"', b"\\": b"\\", b"/": b"/", b"b": b"\b", b"f": b"\f", b"n": b"\n",
                b"r": b"\r", b"t": b"\t"}


def is_text(data: bytes) -> bool:
    """Mostly printable ASCII, or valid UTF-8 (judged on the first 4 KiB; C, ``_native_src/runs.c``)."""
    return _native.is_text(data)


#: The first bytes ``sniff_compression`` can recognise (gzip, zstd, the zlib header's CMF byte).
COMPRESSION_FIRST_BYTES = frozenset({0x1F, 0x28, *(window << 4 | 8 for window in range(8))})


def sniff_compression(data: bytes) -> str | None:
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:4] == _ZSTD_MAGIC:
        return "zstd"
    if len(data) > 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and (data[0] << 8 | data[1]) % 31 == 0:
        return "zlib"
    return None


def decompress(kind: str, data: bytes, cap: int) -> tuple[bytes, bool, bool] | None:
    """(output, truncated, complete) of ``kind`` (gzip, zlib, deflate, zstd, br), or None if it does
    not decode; ``complete`` means the stream ended exactly where the data did."""
    if kind == "deflate" and not _deflate_may_start(data):
        return None
    try:
        if kind in ("gzip", "zlib", "deflate"):
            wbits = {"gzip": 31, "zlib": 15, "deflate": -15}[kind]
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(data, cap)
            truncated = bool(inflater.unconsumed_tail) or (len(out) == cap and not inflater.eof)
            complete = inflater.eof and not inflater.unused_data
        elif kind == "zstd":
            with zstandard.ZstdDecompressor().stream_reader(data) as reader:
                out = reader.read(cap + 1)
            truncated = len(out) > cap
            out, complete = out[:cap], not truncated
        elif kind == "br":
            decompressor = brotli.Decompressor()
            out = decompressor.process(data, output_buffer_limit=cap)
            complete = decompressor.is_finished()
            truncated = not complete and len(out) >= cap
            out = out[:cap]
        else:
            return None
    except (zlib.error, zstandard.ZstdError, brotli.error):
        return None
    return (out, truncated, complete) if out else None


def _deflate_may_start(data: bytes) -> bool:
    """False where zlib would reject the first block header at once: the reserved block type 3, or a
    stored block whose length is not followed by its complement (RFC 1951, 3.2.3 and 3.2.4).  Probes
    for magic-less deflate run on every binary blob; most are noise, and this spares half of them
    the decompressor."""
    if not data:
        return False
    block_type = data[0] >> 1 & 3
    if block_type == 3:
        return False
    return block_type != 0 or (len(data) >= 5 and (data[1] | data[2] << 8) ^ (data[3] | data[4] << 8) == 0xFFFF)


def percent_decoded(data: bytes) -> bytes | None:
    if b"%" not in data or _PERCENT.search(data) is None:
        return None
    return _native.percent_decode(data)


def looks_like_form(data: bytes) -> bool:
    """``key=value`` pairs with a '+' somewhere: a form body or a URL query (not JSON or XML)."""
    return b"+" in data and b"=" in data and data[:64].lstrip()[:1] not in (b"{", b"[", b"<")


def form_decoded(data: bytes) -> bytes | None:
    """application/x-www-form-urlencoded: '+' is a space, then percent escapes."""
    if b"+" not in data or b"=" not in data:
        return None
    return _native.percent_decode(data, plus_as_space=True)


def has_binary(data: bytes) -> bool:
    """Any byte other than printable ASCII, tab, CR and LF (C, ``_native_src/runs.c``)."""
    return _native.has_binary(data)


def binary_form_values(data: bytes, max_pairs: int = 1000) -> Iterator[bytes]:
    """Percent-decoded query/form values holding binary bytes: decoded as part of the whole layer,
    a compressed blob would sit behind ``key=``, where no decompressor looks for it."""
    query = data.split(b"?", 1)[1] if b"?" in data[:4096] else data
    for pair in query.split(b"&", max_pairs)[:max_pairs]:
        _, sep, value = pair.partition(b"=")
        if sep and b"%" in value:
            decoded = _native.percent_decode(value)
            if decoded.translate(None, _PRINTABLE):  # any binary byte: printable text is covered whole
                yield decoded


def json_unescaped(data: bytes) -> bytes | None:
    if b"\\" not in data:
        return None
    out = _JSON_ESCAPE.sub(_json_escape, data)
    return out if out != data else None


def _json_escape(match: re.Match[bytes]) -> bytes:
    if match.group(3) is not None:
        return _JSON_SIMPLE[match.group(3)]
    code = int(match.group(1), 16)
    if match.group(2) is not None and 0xD800 <= code <= 0xDBFF:
        code = 0x10000 + ((code - 0xD800) << 10) + (int(match.group(2), 16) - 0xDC00)
        return chr(code).encode("utf-8")
    suffix = b"\\u" + match.group(2) if match.group(2) is not None else b""
    return chr(code).encode("utf-8", "surrogatepass") + suffix


def base64_spans(data: bytes) -> list[tuple[int, int]]:
    """Base64 runs of 12+ characters (9+ bytes decoded): shorter ones are mostly words, and what
    decodes to noise is dropped later.  Runs of one case only (snake_case words, hex, numbers) are
    left out: real base64 mixes cases.  The scan is C (``_native_src/runs.c``): it reads every byte of every layer."""
    return _native.base64_spans(data)


def hex_spans(data: bytes) -> list[tuple[int, int]]:
    """Even-length maximal hex runs of 16+ characters (scanned in C, ``_native_src/runs.c``)."""
    return _native.hex_spans(data)


def base64_runs(data: bytes) -> Iterator[tuple[str, bytes]]:
    """("base64" or "base64url", decoded bytes) for every base64-looking run embedded in ``data``: as
    ``base64.b64decode`` or ``urlsafe_b64decode`` ('-' or '_' in the run) decode it once padded, a
    last character that cannot end a group dropped; a run mixing both alphabets is no base64 (C)."""
    for urlsafe, decoded in _native.base64_runs(data):
        yield ("base64url" if urlsafe else "base64"), decoded


def hex_runs(data: bytes) -> Iterator[tuple[bytes, bool]]:
    """(decoded bytes, whether the run was digits only) for every even-length hex run; digit-only
    runs are often just numbers, but hex of ASCII digits (an IMEI) is digits only too."""
    for start, end in hex_spans(data):
        run = data[start:end]
        yield bytes.fromhex(run.decode("ascii")), run.isdigit()
