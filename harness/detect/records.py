"""A JSONL event record parsed and checked field by field before an ``Event`` is made of it.

``Event.from_json`` converts what it is given (``int("12")``, ``str([1])``); a hostile or broken
record would then carry a number as its host or a list as its URL into the detector.  Here every
field the DESIGN.md record defines is checked against its JSON type first, and a record that does
not fit is refused with the field named: ``dest.host: expected a string or null, got number``.

Parsing is orjson's; a line it refuses is parsed again by the standard library, which also reads
lone surrogate escapes (``\\ud800``, valid JSON that ``json.dumps`` writes for such a string) and
integers beyond 64 bits; ``NaN`` and ``Infinity`` stay refused, and a line nested too deep for it
is refused without a ``RecursionError`` escaping.  A line that is not valid UTF-8 is read with its
bad bytes kept as they were (``surrogateescape``) and reported: the caller still analyses it.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from harness.errors import DetectError

_NULL = type(None)
#: The JSON types (as Python types: a bool is no int here) of the record's fields, and their names.
_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "id": ((int,), "an integer"),
    "kind": ((str,), "a string"),
    "ts": ((int, float, _NULL), "a number or null"),
    **{name: ((int, _NULL), "an integer or null") for name in ("pid", "step", "data_len")},
    **{name: ((str, _NULL), "a string or null") for name in ("api", "process", "variant", "value", "sdk", "source")},
    "dest": ((dict, _NULL), "an object or null"),
    "stack": ((list, _NULL), "a list of strings or null"),
    "headers": ((list, _NULL), "a list of [name, value] pairs or null"),
}
_DEST_TEXT = ("host", "ip", "scheme", "url", "address")


def parse_record(text: bytes) -> tuple[Any, bool]:
    """The JSON value of one line, and whether the line was not valid UTF-8.  Raises ``DetectError``
    (without a location: the caller adds it)."""
    try:
        return orjson.loads(text), False
    except orjson.JSONDecodeError as exc:
        refused = exc
    try:
        decoded, invalid = text.decode("utf-8"), False
    except UnicodeDecodeError:
        decoded, invalid = text.decode("utf-8", "surrogateescape"), True
    try:
        return json.loads(decoded, parse_constant=_refuse_constant), invalid
    except RecursionError:
        raise DetectError("invalid JSON: nested too deep") from None
    except ValueError:
        raise DetectError(f"invalid JSON: {refused}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _kind(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def _fail(field: str, expected: str, value: Any) -> DetectError:
    return DetectError(f"{field}: expected {expected}, got {_kind(value)}")


def check_record(obj: Any) -> None:
    """Raise ``DetectError`` naming the first field of ``obj`` (its ``data`` taken out) whose type is
    not the record's; the message has no location (the caller adds file and line)."""
    if type(obj) is not dict:
        raise DetectError(f"expected a JSON object, got {_kind(obj)}")
    for name in ("id", "kind"):
        if name not in obj:
            raise DetectError(f"{name}: missing (expected {_FIELDS[name][1]})")
    for name, value in obj.items():  # one pass, a type lookup a field: this runs on every record
        expected = _FIELDS.get(name)
        if expected is not None and type(value) not in expected[0]:
            raise _fail(name, expected[1], value)
    ts = obj.get("ts")
    if ts is not None and not (math.isfinite(ts) if type(ts) is float else abs(ts) < 1 << 63):
        raise _fail("ts", "a number or null", ts)
    _check_dest(obj.get("dest"))
    stack = obj.get("stack")
    if stack and not all(type(frame) is str for frame in stack):
        raise _fail("stack", "a list of strings or null", stack)
    for index, pair in enumerate(obj.get("headers") or ()):
        if not (type(pair) is list and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is str):
            raise _fail(f"headers[{index}]", "a [name, value] pair of strings", pair)


def _check_dest(dest: Any) -> None:
    if dest is None:
        return
    for name in _DEST_TEXT:
        value = dest.get(name)
        if value is not None and type(value) is not str:
            raise _fail(f"dest.{name}", "a string or null", value)
    port = dest.get("port")
    if port is not None and type(port) is not int:
        raise _fail("dest.port", "an integer or null", port)
