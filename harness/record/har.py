"""``harness export RUN --har FILE``: the run's HTTP(S) requests as a HAR 1.2 log.

Entries come from ``http.request`` events (URL, method, headers, body as the hook saw them) and
from ``tls.write`` events: the TLS plaintext, parsed when it is an HTTP/1.x request, else a pseudo
entry (method ``TLS-WRITE``, URL ``tls://host:port/``, the bytes as base64 ``postData``).  Responses
are not captured: ``status`` is 0.  Harness fields are added with a leading underscore, as HAR allows.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness import __version__
from harness.errors import StoreError
from harness.events import Event
from harness.record.reader import OnRowError, iter_events

_REQUEST_LINE = re.compile(rb"([A-Z][A-Z-]{1,15}) (\S+) HTTP/(1\.[01])")
_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"}


@dataclass(frozen=True)
class ParsedRequest:
    method: str
    target: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    head_size: int


def parse_http1_request(data: bytes) -> ParsedRequest | None:
    """The HTTP/1.x request at the start of ``data``, or None when it is not one."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    match = _REQUEST_LINE.fullmatch(lines[0])
    if match is None:
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            return None
        headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return ParsedRequest(
        method=match.group(1).decode("ascii"),
        target=match.group(2).decode("latin-1"),
        http_version=f"HTTP/{match.group(3).decode('ascii')}",
        headers=tuple(headers),
        body=body,
        head_size=len(head) + len(sep),
    )


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _post_data(body: bytes, headers: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    mime = _header(headers, "content-type") or "application/octet-stream"
    try:
        return {"mimeType": mime, "text": body.decode("utf-8"), "params": []}
    except UnicodeDecodeError:
        return {"mimeType": mime, "text": base64.b64encode(body).decode("ascii"), "encoding": "base64",
                "params": []}


def _cookies(headers: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    raw = _header(headers, "cookie")
    if not raw:
        return []
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # hostile input: an unparsable Cookie header gives no cookies
        return []
    return [{"name": k, "value": m.value} for k, m in jar.items()]


def _origin(event: Event, headers: tuple[tuple[str, str], ...], default_scheme: str) -> str:
    dest = event.dest
    scheme = (dest.scheme if dest and dest.scheme else None) or default_scheme
    host = _header(headers, "host") or (dest.host or dest.ip if dest else None) or "unknown"
    if ":" not in host and dest and dest.port and dest.port not in (80, 443):
        host = f"{host}:{dest.port}"
    return f"{scheme}://{host}"


def entry_for(event: Event) -> dict[str, Any] | None:
    """The HAR entry for one event, or None when the event is not HTTP/TLS egress."""
    if event.kind not in ("http.request", "tls.write"):
        return None
    data = event.data or b""
    parsed = parse_http1_request(data)
    comment = ""
    if parsed is not None:
        headers = parsed.headers
        method, version, body, head_size = parsed.method, parsed.http_version, parsed.body, parsed.head_size
        target = parsed.target
        url = target if "://" in target else _origin(event, headers, "https" if event.kind == "tls.write"
                                                     else "http") + target
        if event.kind == "http.request" and event.dest and event.dest.url:
            url = event.dest.url
    elif event.kind == "http.request":
        headers = event.headers
        method = event.value if event.value in _METHODS else ("POST" if data else "GET")
        version, body, head_size = "HTTP/1.1", data, -1
        url = (event.dest.url if event.dest and event.dest.url else None) or (
            _origin(event, headers, "http") + "/")
    else:
        headers = ()
        method, version, body, head_size = "TLS-WRITE", "unknown", data, -1
        dest = event.dest
        host = (dest.host or dest.ip if dest else None) or "unknown"
        url = f"tls://{host}:{dest.port if dest and dest.port else 443}/"
        comment = "tls.write: the plaintext is not an HTTP/1.x request"
    try:
        query = [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    except ValueError:
        query = []
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": version,
        "headers": [{"name": k, "value": v} for k, v in headers],
        "queryString": query,
        "cookies": _cookies(headers),
        "headersSize": head_size,
        "bodySize": len(body),
    }
    if body or method not in ("GET", "HEAD"):
        request["postData"] = _post_data(body, headers)
    started = datetime.fromtimestamp(event.ts, tz=UTC).isoformat(timespec="milliseconds")
    entry: dict[str, Any] = {
        "startedDateTime": started,
        "time": 0,
        "request": request,
        "response": {
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "serverIPAddress": event.dest.ip if event.dest and event.dest.ip else "",
        "_event_id": event.id,
        "_kind": event.kind,
        "_api": event.api,
        "_process": event.process,
        "_pid": event.pid,
        "_variant": event.variant,
        "_step": event.step,
        "_sdk": event.sdk,
    }
    if event.data_len is not None and event.data is not None and event.data_len > len(event.data):
        entry["_truncated_from"] = event.data_len
    if comment:
        entry["comment"] = comment
    return entry


def build_har(run_path: Path | str, on_error: OnRowError | None = None) -> dict[str, Any]:
    """The HAR log of the run's HTTP and TLS events.  Captured traffic is hostile: an event that
    cannot be turned into an entry (a malformed URL, a damaged row) is passed to ``on_error`` as a
    ``StoreError`` naming it and left out (raised when ``on_error`` is None)."""
    entries = []
    for event in iter_events(run_path, kinds={"http.request", "tls.write"}, on_error=on_error):
        try:
            entry = entry_for(event)
        except (ValueError, TypeError, UnicodeError) as exc:
            error = StoreError(f"{run_path}: event {event.id}: cannot be written as a HAR entry: {exc}")
            if on_error is None:
                raise error from exc
            on_error(error)
            continue
        if entry is not None:
            entries.append(entry)
    return {"log": {"version": "1.2", "creator": {"name": "android-privacy-harness", "version": __version__},
                    "pages": [], "entries": entries}}
