"""HAR captures: the request side of every entry of ``log.entries``, streamed (see ``jsonstream``).

Every problem is reported through ``on_error`` as a ``DetectError`` naming the file, the entry
(0-based, as ``har_entry`` in findings) and the field, and the reading goes on with the next entry:

- an entry that is not JSON, is nested too deep or lacks a field the detector needs (``request``,
  ``request.url`` as a string, well-formed ``headers``/``cookies``/``postData``) is skipped;
- an entry whose text is damaged but still yields its parts is reported *and analysed*, so a
  capture cannot hide a leak behind one bad byte: bytes that are not UTF-8 (kept as they were), a
  URL ``urllib`` cannot split (``http://[::1``: the entry is analysed without a host).

Lone surrogates written as JSON escapes (``\\ud800``) are valid JSON and not reported; they are
matched as their UTF-8-style bytes (see ``items.text_bytes``).  Only a file that is not a HAR
document, or one that ends inside an entry, stops the reading (with a ``DetectError``, raised).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.detect.items import EgressItem, EgressPart, Source, content_encoding, header_parts, text_bytes
from harness.detect.jsonstream import BrokenJsonError, JsonStream, invalid_utf8_field, open_text
from harness.errors import DetectError

OnError = Callable[[DetectError], None]


def iter_har_entries(path: Path, on_error: OnError) -> Iterator[EgressItem]:
    """An egress item for every readable entry of ``log.entries`` (0-based index = ``har_entry``)."""
    try:
        handle = open_text(path)
    except OSError as exc:
        raise DetectError(f"{path}: cannot read HAR file: {exc}") from exc
    with handle:
        stream = JsonStream(handle, str(path))
        found_entries = False
        try:
            for key in stream.members("the top level"):
                if key != "log":
                    stream.skip(key)
                    continue
                for log_key in stream.members("log"):
                    if log_key != "entries":
                        stream.skip(f"log.{log_key}")
                        continue
                    found_entries = True
                    yield from _entries(stream, path, on_error)
        except OSError as exc:  # the file went away or could not be read any further
            raise DetectError(f"{path}: cannot read HAR file: {exc}") from exc
        if not found_entries:
            raise DetectError(f"{path}: not a HAR file (no log.entries)")


def _entries(stream: JsonStream, path: Path, on_error: OnError) -> Iterator[EgressItem]:
    for index in stream.elements("log.entries"):
        try:
            entry, invalid_utf8 = stream.entry(f"entry {index}")
        except BrokenJsonError:  # no end to the entry: nothing after it can be read
            raise
        except DetectError as exc:  # the stream is past the entry: go on with the next
            on_error(exc)
            continue
        problems: list[str] = []
        try:
            item = har_entry_item(index, entry, problems)
        except (DetectError, ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, DetectError) else f"malformed entry ({type(exc).__name__}: {exc})"
            on_error(DetectError(f"{path}: entry {index}: {reason}"))
            continue
        if invalid_utf8:
            problems.append(f"{invalid_utf8_field(entry)} is not UTF-8 (kept as it was)")
        del entry
        for problem in problems:
            on_error(DetectError(f"{path}: entry {index}: {problem}; the entry was still analysed"))
        yield item


def har_entry_item(index: int, entry: Any, problems: list[str] | None = None) -> EgressItem:
    """The request side of one HAR entry: URL, headers, cookies and postData.  Raises ``DetectError``
    naming the field if the entry cannot be read; damage that still lets it be analysed is appended
    to ``problems`` (raised if no list is given)."""
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        raise DetectError("no request object")
    url = request.get("url")
    if not isinstance(url, str):
        raise DetectError("request.url is missing or not a string")
    headers = [(h["name"], h["value"]) for h in _named_list(request, "headers")]
    parts = [EgressPart("url", text_bytes(url))]
    parts.extend(header_parts(h for h in headers if h[0].lower() != "cookie"))
    cookies = [(c["name"], c["value"]) for c in _named_list(request, "cookies")]
    if not cookies:
        cookies = [("cookie", v) for n, v in headers if n.lower() == "cookie"]
    else:
        cookies = [("cookie", f"{name}={value}") for name, value in cookies]
    parts.extend(header_parts(cookies))
    parts.extend(_post_data(request.get("postData"), content_encoding(headers)))
    try:
        host = urlsplit(url).hostname
    except ValueError as exc:
        if problems is None:
            raise DetectError(f"request.url: not a URL ({exc})") from exc
        problems.append(f"request.url: not a URL ({exc}); its host is unknown")
        host = None
    return EgressItem(Source("har_entry", index), host, tuple(parts))


def _named_list(request: dict[str, Any], field: str) -> list[dict[str, str]]:
    items = request.get(field) or []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("value"), str) for i in items
    ):
        raise DetectError(f"request.{field} must be a list of {{name, value}} objects with string values")
    return items


def _post_data(post: Any, encoding: str | None) -> Iterator[EgressPart]:
    if post is None:
        return
    if not isinstance(post, dict):
        raise DetectError("request.postData is not an object")
    text = post.get("text")
    if isinstance(text, str) and text:
        if post.get("encoding") == "base64":
            try:
                yield EgressPart("body", base64.b64decode(text, validate=True), encoding)
            except (binascii.Error, ValueError) as exc:  # ValueError: a character beyond ASCII
                raise DetectError(f"request.postData.text is not valid base64: {exc}") from exc
        else:
            yield EgressPart("body", text_bytes(text), encoding)
    params = post.get("params") or []
    if isinstance(params, list) and params and not text:
        pairs = "&".join(f"{p.get('name', '')}={p.get('value', '')}" for p in params if isinstance(p, dict))
        yield EgressPart("body", text_bytes(pairs))
