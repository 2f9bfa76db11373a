"""The detector's input shape: an egress item split into the places data can sit.

Events from a run or a JSONL export, and entries of a HAR file, all become ``EgressItem``s: a
source (event id or HAR entry index), the destination host, and parts named by where they sat
(``url``, ``header:NAME``, ``cookie:NAME``, ``body``, ``sms``).  Raw HTTP/1.x requests captured at
the socket or TLS layer are split into request target, headers and (de-chunked) body.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from harness.events import Event

_REQUEST_LINE = re.compile(rb"([A-Z]{3,10}) (\S+) HTTP/[12](?:\.[01])?\r?\n")
_LOSSLESS = "harness.detect.lossless"


def _lossless(error: UnicodeError) -> tuple[bytes, int]:
    """A lone surrogate from ``surrogateescape`` (U+DC80..U+DCFF) is the byte it stood for; any other
    (a JSON ``\\ud800`` escape) is encoded as UTF-8 would encode its code point (``surrogatepass``)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = bytearray()
    for char in error.object[error.start:error.end]:
        code = ord(char)
        out += bytes((code - 0xDC00,)) if 0xDC80 <= code <= 0xDCFF else char.encode("utf-8", "surrogatepass")
    return bytes(out), error.end


codecs.register_error(_LOSSLESS, _lossless)


def text_bytes(text: str) -> bytes:
    """``text`` as UTF-8, lone surrogates included (see ``_lossless``): captured text is never refused."""
    return text.encode("utf-8", _LOSSLESS)


@dataclass(frozen=True)
class Source:
    """Where a finding came from: ``kind`` is "event_id" or "har_entry" (0-based index)."""

    kind: str
    index: int

    def to_json(self) -> dict[str, Any]:
        return {self.kind: self.index}

    def __str__(self) -> str:
        return f"{'event' if self.kind == 'event_id' else 'entry'} {self.index}"


@dataclass(frozen=True)
class EgressPart:
    """One place in an egress item; ``content_encoding`` names a body's declared compression."""

    where: str
    data: bytes
    content_encoding: str | None = None


@dataclass(frozen=True)
class EgressItem:
    """One thing that left the device, split into parts."""

    source: Source
    host: str | None
    parts: tuple[EgressPart, ...]
    process: str | None = None
    sdk: str | None = None
    variant: str | None = None
    channel: str = "net"  # "net" or "sms"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A raw request split up; header names are lower-cased, values kept as the bytes that were sent
    (decoding them, as latin-1 or anything else, would turn UTF-8 text into something no canary matches)."""

    target: bytes
    headers: tuple[tuple[str, bytes], ...]
    body: bytes


def parse_http_request(data: bytes) -> HttpRequest | None:
    """Split a raw HTTP/1.x request; None if ``data`` does not start with a request line."""
    line = _REQUEST_LINE.match(data)
    if line is None:
        return None
    head_end, gap = data.find(b"\r\n\r\n"), 4
    if head_end < 0:
        head_end, gap = data.find(b"\n\n"), 2
    if head_end < 0:  # headers only, or cut off by the capture cap
        head_end, gap = len(data), 0
    headers: list[tuple[str, bytes]] = []
    chunked = False
    for raw in data[line.end():head_end].splitlines():
        name, sep, value = raw.partition(b":")
        if sep:
            lower = name.strip().decode("latin-1").lower()
            value = value.strip()
            headers.append((lower, value))
            chunked = chunked or (lower == "transfer-encoding" and b"chunked" in value.lower())
    body = data[head_end + gap:]
    return HttpRequest(line.group(2), tuple(headers), dechunk(body) if chunked else body)


def dechunk(body: bytes) -> bytes:
    """The payload of a chunked body; a malformed or truncated one yields what could be read."""
    out: list[bytes] = []
    pos = 0
    while pos < len(body):
        line_end = body.find(b"\r\n", pos)
        if line_end < 0:
            break
        try:
            size = int(body[pos:line_end].split(b";")[0], 16)
        except ValueError:
            return body if not out else b"".join(out)
        if size == 0:
            break
        out.append(body[line_end + 2:line_end + 2 + size])
        pos = line_end + 2 + size + 2
    return b"".join(out)


def header_parts(headers: Iterable[tuple[str, str]]) -> Iterator[EgressPart]:
    """One part per header; the Cookie header becomes one part per cookie."""
    for name, value in headers:
        lower = name.strip().lower()
        if lower == "cookie":
            for pair in value.split(";"):
                cookie, _, cookie_value = pair.strip().partition("=")
                if cookie_value:
                    yield EgressPart(f"cookie:{cookie}", text_bytes(cookie_value))
        elif value:
            yield EgressPart(f"header:{lower}", text_bytes(value))


def raw_header_parts(headers: Iterable[tuple[str, bytes]]) -> Iterator[EgressPart]:
    """``header_parts`` of a raw request's (lower-case name, value bytes) headers."""
    for lower, value in headers:
        if lower == "cookie":
            for pair in value.split(b";"):
                cookie, _, cookie_value = pair.strip().partition(b"=")
                if cookie_value:
                    yield EgressPart(f"cookie:{cookie.decode('latin-1')}", cookie_value)
        elif value:
            yield EgressPart(f"header:{lower}", value)


def content_encoding(headers: Iterable[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "content-encoding":
            return value.strip().lower() or None
    return None


def item_from_event(event: Event) -> EgressItem | None:
    """The egress item of one event, or None for events that are not egress."""
    if not event.is_egress:
        return None
    dest = event.dest
    source = Source("event_id", event.id)
    if event.kind.startswith("sms."):
        host = dest.address if dest else None
        sms_parts = (EgressPart("sms", event.data),) if event.data else ()
        return EgressItem(source, host, sms_parts, event.process, event.sdk, event.variant, channel="sms")
    # JSONL records are checked field by field (``records``); the run store's are trusted, but not blindly
    host = dest.host if dest and isinstance(dest.host, str) else None
    url = dest.url if dest and isinstance(dest.url, str) else None
    data = event.data or b""
    request = parse_http_request(data) if data else None
    body = request.body if request else data
    parts: list[EgressPart] = []
    urls = [u for u in (text_bytes(url) if url else None,
                        request.target if request else None) if u]
    if urls:
        parts.append(EgressPart("url", b"\n".join(dict.fromkeys(urls))))
    elif host:
        parts.append(EgressPart("url", text_bytes(host)))
    if request is not None:
        parts.extend(raw_header_parts(request.headers))
    parts.extend(header_parts(event.headers))
    if body:
        sent = next((value for name, value in request.headers if name == "content-encoding"), None) \
            if request is not None else None  # the request's own header first, as it was sent
        encoding = (sent.lower().decode("latin-1") or None) if sent is not None else content_encoding(event.headers)
        parts.append(EgressPart("body", body, encoding))
    return EgressItem(source, host, tuple(parts), event.process, event.sdk, event.variant)


def items_from_events(events: Iterable[Event]) -> Iterator[EgressItem]:
    for event in events:
        item = item_from_event(event)
        del event  # the item holds what is needed; keep one copy of a large body, not two
        if item is not None:
            yield item
