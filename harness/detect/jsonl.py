"""JSONL event records, each with its base64 ``data`` split out and decoded while it is read.

A record's ``data`` is 4/3 of the event as base64 text; reading the line whole, parsing it and then
decoding would hold three or four copies of the event at once.  Here a line is read in pieces of at
most ``PIECE`` bytes; once the top-level ``"data": "`` key has gone by, each piece of the value is
decoded (strict base64, as ``base64.b64decode(validate=True)``) into the output and dropped, so
the largest record costs about one copy of its event.  The record's other fields are handed back
as JSON text with ``"data": null`` in place of the value.  Anything unusual (escapes inside the
value, no top-level ``data`` string) falls back to the whole line, unchanged, for ``json.loads``.
"""

from __future__ import annotations

import binascii
import io
import re
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import orjson
import pybase64

PIECE = 1 << 18
_DATA_KEY = re.compile(rb'"data"\s*:\s*"')
_MAX_HEAD = 1 << 20  # fields before ``data`` beyond this: read the line whole


@dataclass(frozen=True)
class Record:
    """Line ``number`` (1-based): ``text`` is the whole line if ``data`` is None; otherwise the line
    with the ``data`` value replaced by null, and ``data`` is its decoded value or the base64 error."""

    number: int
    text: bytes
    data: bytes | binascii.Error | None = None


def strict_b64decode(encoded: bytes | memoryview) -> bytes:
    """``binascii.a2b_base64(encoded, strict_mode=True)``, with a SIMD decoder on the (usual) valid path.

    pybase64 is several times faster but rejects a little more (padding beyond what is needed) and
    says less in its errors, so anything it rejects is decoded again by binascii for its verdict.
    """
    try:
        return pybase64.b64decode(encoded, validate=True)
    except binascii.Error:
        return binascii.a2b_base64(encoded, strict_mode=True)


def records(handle: BinaryIO, first_number: int = 1, end: int | None = None) -> Iterator[Record]:
    """Every line of ``handle`` (blank ones included), in order, numbered from ``first_number``; with
    ``end``, only the lines that start before that offset."""
    number = first_number - 1
    while end is None or handle.tell() < end:
        piece = handle.readline(PIECE)
        if not piece:
            return
        number += 1
        if piece.endswith(b"\n") or len(piece) < PIECE:
            yield _split_line(number, piece)
        else:
            yield _read_long(number, piece, handle)


def _top_level_key(head: bytes) -> re.Match[bytes] | None:
    """The ``"data": "`` key in ``head`` if the record's own (top-level) key."""
    match = _DATA_KEY.search(head)
    if match is None:
        return None
    try:  # deterministic parsing: the key is top-level iff the object can end right after it
        closed = orjson.loads(head[:match.start()] + b'"data":null}')
    except ValueError:
        return None
    return match if isinstance(closed, dict) else None


def _split_line(number: int, line: bytes) -> Record:
    match = _top_level_key(line)
    if match is None:
        return Record(number, line)
    end = line.find(b'"', match.end())
    if end < 0 or line.find(b"\\", match.end(), end) >= 0:
        return Record(number, line)
    try:
        data: bytes | binascii.Error = strict_b64decode(memoryview(line)[match.end():end])
    except binascii.Error as exc:
        data = exc
    return Record(number, line[:match.start()] + b'"data":null' + line[end + 1:], data)


def _read_long(number: int, head: bytes, handle: BinaryIO) -> Record:
    """A line longer than one piece: its start is ``head``, the rest is still in ``handle``."""
    match = _top_level_key(head)
    while match is None and len(head) < _MAX_HEAD and not head.endswith(b"\n"):
        piece = handle.readline(PIECE)
        if not piece:
            break
        head += piece
        match = _top_level_key(head)
    if match is None or head.endswith(b"\n"):
        return _split_line(number, head + _rest_of_line(head, handle))
    prefix, carry = head[:match.start()], head[match.end():]
    opening = head[match.start():match.end()]
    del head
    out = io.BytesIO()
    while (end := carry.find(b'"')) < 0 and b"\\" not in carry and not carry.endswith(b"\n"):
        # decode whole 4-character groups, keeping at least the last group for the final call, which
        # alone may hold padding; anything a single strict decode would reject ends the streaming
        usable = max(0, (len(carry) - 4) // 4 * 4)
        if usable:
            if carry.find(b"=", 0, usable) >= 0:
                break
            try:
                out.write(strict_b64decode(memoryview(carry)[:usable]))
            except binascii.Error:
                break
        piece = handle.readline(PIECE)
        carry = carry[usable:] + piece
        if not piece:
            break
    if end < 0 or carry.find(b"\\", 0, end) >= 0:
        # not a plain base64 string: the line as it was read (what was decoded re-encodes exactly,
        # whole groups without padding), for json.loads to judge
        line = prefix + opening + b64encode(out.getvalue()) + carry
        del out, carry
        return _split_line(number, line + _rest_of_line(line, handle))
    try:
        out.write(strict_b64decode(memoryview(carry)[:end]))
        data: bytes | binascii.Error = out.getvalue()
    except binascii.Error as exc:
        data = exc
    del out
    suffix = carry[end + 1:]
    del carry
    return Record(number, prefix + b'"data":null' + suffix + _rest_of_line(suffix, handle), data)


def _rest_of_line(start: bytes, handle: BinaryIO) -> bytes:
    if start.endswith(b"\n"):
        return b""
    pieces = []
    while piece := handle.readline(PIECE):
        pieces.append(piece)
        if piece.endswith(b"\n"):
            break
    return b"".join(pieces)
