"""An incremental JSON reader for one large document (a HAR file), one value at a time.

``JsonStream`` walks the members of objects itself and hands back one value at a time, so a
capture of any size needs the memory of its largest value.  A value is decoded by the standard
library's C decoder straight from the buffer; only when that fails (the value goes on past the
buffer, is malformed, or is nested deeper than the decoder may recurse, about 900 levels where a
HAR entry has five) is its extent found by a bracket and string scanner that keeps a depth *count*
and never recurses.  That scanner reads no further than the value's end, so a malformed or too deep
value is reported with its line and the caller goes on with the next one; only a value that never
ends (a file cut off, a bracket missing) stops the reading.  Every error starts with ``FILE:LINE``.

The file is decoded as UTF-8 (a BOM is skipped) with ``surrogateescape``: an invalid byte becomes a
lone surrogate U+DC80..U+DCFF that ``entry`` reports and that encodes back to the byte it was, so
nothing in a capture is lost to a bad byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from harness.errors import DetectError

_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"
_TOKEN = re.compile(r'[\[\]{}"]')
_STRING_BODY = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+', re.S)  # stops at '"' or a final lone '\'
_SCALAR = re.compile(r'[^\s,\]}:\[{"]*+')
_INVALID_UTF8 = re.compile("[\udc80-\udcff]")


def _end(pattern: re.Pattern[str], text: str, start: int) -> int:
    """Where ``pattern`` (which matches the empty string too) stops matching from ``start``."""
    match = pattern.match(text, start)
    return match.end() if match is not None else start


def open_text(path: Path) -> IO[str]:
    """``path`` for reading as UTF-8 text that keeps invalid bytes (see the module docstring)."""
    return path.open(encoding="utf-8-sig", errors="surrogateescape")


class BrokenJsonError(DetectError):
    """The document is broken where a value should be: nothing after this point can be read."""


class JsonStream:
    """Reads JSON values one at a time from a text file; errors start with ``origin:LINE``."""

    def __init__(self, handle: IO[str], origin: str) -> None:
        self._handle, self.origin = handle, origin
        self._buffer, self._pos, self._eof = "", 0, False
        self._invalid_utf8 = False  # whether the buffer may hold a byte that was not UTF-8
        self._lines = 0  # newlines in the text already dropped from the buffer
        self._decoder = json.JSONDecoder()

    def where(self, pos: int | None = None) -> str:
        """``origin:LINE`` of buffer offset ``pos`` (default: the position), for messages."""
        line = self._lines + self._buffer.count("\n", 0, self._pos if pos is None else pos) + 1
        return f"{self.origin}:{line}"

    def _more(self) -> int:
        """Read more (at least as much as is buffered, so a long value costs linear time); returns
        how far buffer offsets moved (0 and nothing read at the end of the file)."""
        if self._eof:
            return 0
        chunk = self._handle.read(max(_CHUNK, len(self._buffer) - self._pos))
        self._eof = not chunk
        shift = self._pos
        self._lines += self._buffer.count("\n", 0, shift)
        self._buffer = self._buffer[self._pos:] + chunk
        self._pos = 0
        if self._invalid_utf8 or not chunk.isascii():  # (isascii is free: most captures are ASCII)
            self._invalid_utf8 = _INVALID_UTF8.search(self._buffer) is not None
        return shift

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            self._more()
            if self._eof and self._pos >= len(self._buffer):
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise DetectError(f"{self.where()}: expected {what}")
        self._pos += 1

    def span(self, what: str) -> tuple[int, int, int]:
        """(start, end, depth) of the next value in the buffer, read in whole; the position is left at
        its start.  Raises ``DetectError`` if there is no value or the file ends inside it."""
        if self.peek() in ("", ",", ":", "]", "}"):
            raise BrokenJsonError(f"{self.where()}: {what}: invalid JSON: expected a value")
        index = self._pos
        if self._buffer[index] not in "[{\"":  # a number, true, false or null
            while True:
                index = _end(_SCALAR, self._buffer, index)
                if index < len(self._buffer) or self._eof:
                    return self._pos, index, 0
                index -= self._more()
        depth = deepest = 0
        in_string = False
        while True:
            if in_string:
                index = _end(_STRING_BODY, self._buffer, index)
                if index < len(self._buffer) and self._buffer[index] == '"':
                    index += 1
                    in_string = False
                    if depth == 0:
                        return self._pos, index, deepest
                    continue
            else:
                token = _TOKEN.search(self._buffer, index)
                if token is not None:
                    char, index = token.group(), token.end()
                    if char == '"':
                        in_string = True
                    elif char in "[{":
                        depth += 1
                        deepest = max(deepest, depth)
                    else:
                        depth -= 1
                        if depth == 0:
                            return self._pos, index, deepest
                    continue
                index = len(self._buffer)
            shift = self._more()
            if self._eof:
                raise BrokenJsonError(f"{self.where()}: {what}: invalid JSON: the file ends inside it")
            index -= shift

    def skip(self, what: str) -> None:
        """Pass over the next value without decoding it (its depth does not matter)."""
        _, end, _ = self.span(what)
        self._pos = end

    def value(self, what: str) -> Any:
        """Decode the next value; a malformed or too deep one raises ``DetectError`` with the position
        already past it, so the caller may go on (see ``span`` for values that never end)."""
        return self._read(what)[0]

    def entry(self, what: str) -> tuple[Any, bool]:
        """``value`` of the next value, and whether its raw text held bytes that are not UTF-8."""
        value, start, end = self._read(what)
        return value, self._invalid_utf8 and _INVALID_UTF8.search(self._buffer, start, end) is not None

    def _read(self, what: str) -> tuple[Any, int, int]:
        """(value, start, end) of the next value, the position left at its end."""
        if self.peek() in ("", ",", ":", "]", "}"):
            raise BrokenJsonError(f"{self.where()}: {what}: invalid JSON: expected a value")
        start = self._pos
        try:  # the usual case: the whole value is in the buffer, and valid
            value, end = self._decoder.raw_decode(self._buffer, start)
            if end < len(self._buffer) or self._eof:  # (a number at the buffer's end may go on)
                self._pos = end
                return value, start, end
        except (json.JSONDecodeError, RecursionError):
            pass
        start, end, depth = self.span(what)  # reads the value in whole, and no further
        self._pos = end
        try:
            value, stop = self._decoder.raw_decode(self._buffer, start)
        except json.JSONDecodeError as exc:
            raise DetectError(f"{self.where(exc.pos)}: {what}: invalid JSON: {exc.msg}") from exc
        except RecursionError as exc:
            raise DetectError(f"{self.where(start)}: {what}: JSON nested {depth} deep, too deep to decode") from exc
        if stop != end:
            raise DetectError(f"{self.where(stop)}: {what}: invalid JSON: unexpected data after the value")
        return value, start, end

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
            if not isinstance(key, str):
                raise DetectError(f"{self.where()}: {what}: invalid JSON: a key that is not a string")
            self.expect(":", f"':' after {key!r} in {what}")
            yield key

    def elements(self, what: str) -> Iterator[int]:
        """Indexes of a list's elements, leaving the stream at each; the caller must consume it."""
        self.expect("[", f"a list at {what}")
        index = 0
        while self.peek() != "]":
            if index:
                self.expect(",", f"',' after {what}[{index - 1}]")
            yield index
            index += 1
        self._pos += 1


def invalid_utf8_field(value: Any) -> str:
    """Where the first byte that was not UTF-8 sits inside ``value`` (``request.url: byte 0xff``),
    found by a walk without recursion."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in reversed(item.items()):
                stack.append((f"{path}.{key}" if path else str(key), child))
                if _INVALID_UTF8.search(key):
                    stack.append((f"a key of {path or 'the entry'}", key))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in reversed(list(enumerate(item))))
        elif isinstance(item, str) and (match := _INVALID_UTF8.search(item)) is not None:
            return f"{path or 'the entry'}: byte 0x{ord(match.group()) - 0xDC00:02x}"
    return "the entry"
