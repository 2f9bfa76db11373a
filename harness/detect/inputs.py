"""Captures the detector reads: HAR files, JSONL event exports and run stores, all streamed.

A HAR file is one JSON document; it is walked with an incremental reader that decodes one entry
of ``log.entries`` at a time, so a capture of any size needs the memory of its largest entry.  A
malformed entry or line is reported through ``on_error`` (naming the file and entry) and skipped;
the rest is still read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import urlsplit

import orjson

from harness.detect import jsonl
from harness.detect.items import EgressItem, EgressPart, Source, content_encoding, header_parts, items_from_events
from harness.errors import ConfigError, DetectError
from harness.events import Event

OnError = Callable[[DetectError], None]
_CHUNK = 1 << 20


class _JsonStream:
    """Reads JSON values one at a time from a text file without loading the whole file."""

    def __init__(self, handle: IO[str], origin: str) -> None:
        self._handle, self.origin = handle, origin
        self._buffer, self._pos, self._eof = "", 0, False
        self._decoder = json.JSONDecoder()

    def _more(self, size: int = _CHUNK) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(max(size, _CHUNK))
        self._eof = not chunk
        self._buffer = self._buffer[self._pos:] + chunk
        self._pos = 0
        return bool(chunk)

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buffer) or not self._more():
                return self._buffer[self._pos:self._pos + 1]

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise DetectError(f"{self.origin}: expected {what}")
        self._pos += 1

    def value(self, what: str) -> Any:
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._more(len(self._buffer)):  # maybe only cut off by the buffer end: read more
                    continue
                raise DetectError(f"{self.origin}: {what}: invalid JSON: {exc.msg}") from exc
            # a number ending at the buffer end may go on in the next chunk
            if end == len(self._buffer) and not self._eof and self._more(len(self._buffer)):
                continue
            self._pos = end
            return value

    def members(self, what: str) -> Iterator[str]:
        """Keys of an object, leaving the stream at each value; the caller must consume it."""
        self.expect("{", f"an object at {what}")
        first = True
        while True:
            if self.peek() == "}":
                self._pos += 1
                return
            if not first:
                self.expect(",", f"',' between members of {what}")
            first = False
            key = self.value(f"a key of {what}")
            self.expect(":", f"':' after {key!r} in {what}")
            yield str(key)


def iter_har_entries(path: Path, on_error: OnError) -> Iterator[EgressItem]:
    """An egress item for every entry of ``log.entries`` (0-based index = ``har_entry``)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DetectError(f"{path}: cannot read HAR file: {exc}") from exc
    with handle:
        stream = _JsonStream(handle, str(path))
        found_entries = False
        for key in stream.members("the top level"):
            if key != "log":
                stream.value(key)
                continue
            for log_key in stream.members("log"):
                if log_key != "entries":
                    stream.value(f"log.{log_key}")
                    continue
                found_entries = True
                yield from _entries(stream, path, on_error)
        if not found_entries:
            raise DetectError(f"{path}: not a HAR file (no log.entries)")


def _entries(stream: _JsonStream, path: Path, on_error: OnError) -> Iterator[EgressItem]:
    stream.expect("[", "a list at log.entries")
    index = 0
    while stream.peek() != "]":
        if index:
            stream.expect(",", f"',' after entry {index - 1}")
        entry = stream.value(f"entry {index}")
        try:
            yield har_entry_item(index, entry)
        except DetectError as exc:
            on_error(DetectError(f"{path}: entry {index}: {exc}"))
        index += 1
    stream.expect("]", "']' closing log.entries")


def har_entry_item(index: int, entry: Any) -> EgressItem:
    """The request side of one HAR entry: URL, headers, cookies and postData."""
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        raise DetectError("no request object")
    url = request.get("url")
    if not isinstance(url, str):
        raise DetectError("request.url is missing or not a string")
    headers = [(h["name"], h["value"]) for h in _named_list(request, "headers")]
    parts = [EgressPart("url", url.encode("utf-8", "surrogateescape"))]
    parts.extend(header_parts(h for h in headers if h[0].lower() != "cookie"))
    cookies = [(c["name"], c["value"]) for c in _named_list(request, "cookies")]
    if not cookies:
        cookies = [("cookie", v) for n, v in headers if n.lower() == "cookie"]
    else:
        cookies = [("cookie", f"{name}={value}") for name, value in cookies]
    parts.extend(header_parts(cookies))
    parts.extend(_post_data(request.get("postData"), content_encoding(headers)))
    return EgressItem(Source("har_entry", index), urlsplit(url).hostname, tuple(parts))


def _named_list(request: dict[str, Any], field: str) -> list[dict[str, str]]:
    items = request.get(field) or []
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("value"), str) for i in items
    ):
        raise DetectError(f"request.{field} must be a list of {{name, value}} objects")
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
            except binascii.Error as exc:
                raise DetectError(f"request.postData.text is not valid base64: {exc}") from exc
        else:
            yield EgressPart("body", text.encode("utf-8", "surrogateescape"), encoding)
    params = post.get("params") or []
    if isinstance(params, list) and params and not text:
        pairs = "&".join(f"{p.get('name', '')}={p.get('value', '')}" for p in params if isinstance(p, dict))
        yield EgressPart("body", pairs.encode("utf-8", "surrogateescape"))


def iter_jsonl_events(path: Path, on_error: OnError) -> Iterator[Event]:
    """Events of a ``harness export --jsonl`` file; a malformed line is reported and skipped."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DetectError(f"{path}: cannot read JSONL file: {exc}") from exc
    with handle:
        yield from jsonl_events(handle, str(path), on_error)


def jsonl_events(handle: BinaryIO, origin: str, on_error: OnError, first_number: int = 1,
                 end: int | None = None) -> Iterator[Event]:
    """Events of the lines of an open JSONL file from its position (line ``first_number``) to ``end``."""
    # each record's base64 payload is decoded while it is read (see ``jsonl``), so the event
    # is held once, never next to its base64 text
    for record in jsonl.records(handle, first_number, end):
        if not record.text.strip():
            continue
        try:
            event = _event(record, f"{origin}:{record.number}")
        except ConfigError as exc:
            on_error(DetectError(str(exc)))
            continue
        except (ValueError, TypeError, binascii.Error) as exc:
            on_error(DetectError(f"{origin}:{record.number}: malformed event record: {exc}"))
            continue
        del record
        # hold no reference here while the consumer analyses it (one copy of a large body)
        box = [event]
        del event
        yield box.pop()


def _event(record: jsonl.Record, where: str) -> Event:
    obj = orjson.loads(record.text)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    encoded = obj.pop("data", None)  # a later duplicate key wins, as in json.loads
    if isinstance(encoded, str):
        data: bytes | binascii.Error | None = jsonl.strict_b64decode(encoded.encode("ascii"))
    elif encoded is not None:
        raise TypeError(f"data is {type(encoded).__name__}, not a base64 string")
    else:
        data = record.data
    del encoded
    if isinstance(data, binascii.Error):
        raise data
    return Event.from_json(obj, where=where, data=data)


def iter_jsonl_items(path: Path, on_error: OnError) -> Iterator[EgressItem]:
    return items_from_events(iter_jsonl_events(path, on_error))


def iter_run_items(run_path: Path) -> Iterator[EgressItem]:
    """Egress items of a run store (the store is imported only when a run is read)."""
    from harness.record.reader import iter_events

    return items_from_events(iter_events(run_path))
