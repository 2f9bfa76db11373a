"""Text helpers of the HTML report: escaping, anchors, payload display and the canary highlight splice.

Every string of a report document is treated as hostile (captured bytes, scenario text): it reaches
the page only through ``esc`` (text and attribute values alike).  ``esc`` also makes the text safe
to hold in HTML and to encode as UTF-8: NUL and the other C0/C1 controls (but tab, newline and
carriage return), DEL, lone surrogates, non-characters and the bidirectional overrides and
isolates (which can make a payload read differently from what it is) are shown as ``\\uXXXX``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape

from harness.report.shape import Highlight

#: what a displayed payload pane holds at most (characters); the rest is one click away
DISPLAY_CAP = 4000

_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_BYTE_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _u_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _x_escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def clean(s: str) -> str:
    """``s`` with the characters HTML cannot hold (or that would mislead a reader) shown as ``\\uXXXX``."""
    if _UNSAFE.search(s) is None:
        return s
    return _UNSAFE.sub(_u_escape, s)


def esc(s: str | None, none: str = "—") -> str:
    """``s`` escaped for HTML text and (double-quoted) attribute values; ``none`` (markup) for None."""
    if s is None:
        return none
    return escape(clean(s), quote=True)


def esc_list(items: Iterable[str], sep: str = ", ", none: str = "—") -> str:
    out = sep.join(esc(item) for item in items)
    return out or none


def num(n: int | float | None) -> str:
    """A number for display (never raises, never markup from data)."""
    if n is None:
        return "—"
    if isinstance(n, bool):
        return "yes" if n else "no"
    if isinstance(n, int):
        return f"{n:,}"
    if isinstance(n, float) and math.isfinite(n):
        return f"{n:,.3f}".rstrip("0").rstrip(".")
    return escape(str(n))


def yes_no(b: bool | None) -> str:
    return "—" if b is None else ("yes" if b else "no")


def utc(ts: float | None) -> str:
    """Epoch seconds as a UTC time, e.g. ``2025-01-31 12:00:05 UTC``."""
    if ts is None:
        return "—"
    try:
        return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (ValueError, OverflowError, OSError, TypeError):
        return escape(str(ts))


def relative(ts: float, t0: float) -> str:
    """``ts`` as seconds after ``t0``, e.g. ``+12.345 s``."""
    try:
        delta = float(ts) - float(t0)
    except (TypeError, ValueError):
        return escape(str(ts))
    if not math.isfinite(delta):
        return escape(str(ts))
    return f"+{delta:.3f}&#8239;s" if delta >= 0 else f"{delta:.3f}&#8239;s"


def anchor(prefix: str, key: str | int) -> str:
    """An id made only of ``[A-Za-z0-9_-]``: ``prefix`` + ``key``; a key that had to be changed
    gets a short hash of itself, so two different keys never share an anchor."""
    text = str(key)
    safe = _NOT_ID.sub("_", text)
    if safe != text or not safe:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        safe = f"{safe[:40]}-{digest}"
    return f"{_NOT_ID.sub('_', prefix)}{safe}"


def decode_base64(data: str | None) -> bytes | None:
    """The bytes of a base64 string, or None when it is missing or not base64."""
    if data is None or len(data) % 4 or _BASE64.fullmatch(data) is None:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def png_data_url(data: str | None) -> str | None:
    """A ``data:image/png`` URL for a base64 PNG, or None when ``data`` is not one."""
    if data is None or len(data) % 4 or _BASE64.fullmatch(data) is None:
        return None
    try:
        head = base64.b64decode(data[:12], validate=True)
    except (binascii.Error, ValueError):
        return None
    if not head.startswith(_PNG_SIGNATURE):
        return None
    return "data:image/png;base64," + data


def bytes_text(data: bytes) -> str:
    """Bytes as text: UTF-8 where it is printable, ``\\xNN`` for every other byte (not yet HTML-escaped)."""
    text = data.decode("utf-8", "backslashreplace")
    if _BYTE_UNSAFE.search(text) is not None:
        text = _BYTE_UNSAFE.sub(lambda m: _x_escape(m) if ord(m.group()) < 0x80 else _u_escape(m), text)
    return text


def cut(text: str, cap: int = DISPLAY_CAP) -> tuple[str, bool]:
    """``text`` cut to ``cap`` characters, and whether it was cut."""
    if len(text) <= cap:
        return text, False
    return text[:cap], True


def merge_spans(highlights: Iterable[Highlight], length: int) -> list[tuple[int, int, list[str]]]:
    """The highlight spans clamped to ``[0, length]``, empty ones dropped, overlapping ones merged
    (a merged span keeps every data type it covers), in order."""
    spans: list[tuple[int, int, str]] = []
    for h in highlights:
        try:
            start = max(0, min(int(h["start"]), length))
            end = max(0, min(int(h["end"]), length))
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        if end > start:
            spans.append((start, end, str(h.get("data_type", ""))))
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end, kinds = merged[-1]
            if kind not in kinds:
                kinds.append(kind)
            merged[-1] = (last_start, max(last_end, end), kinds)
        else:
            merged.append((start, end, [kind]))
    return merged


def highlighted(text: str, highlights: Iterable[Highlight]) -> str:
    """``text`` escaped, with each (clamped, merged) highlight span wrapped in ``<mark class="canary">``."""
    parts: list[str] = []
    pos = 0
    for start, end, kinds in merge_spans(highlights, len(text)):
        parts.append(esc(text[pos:start]))
        parts.append(f'<mark class="canary" data-type="{esc(" ".join(kinds))}">{esc(text[start:end])}</mark>')
        pos = end
    parts.append(esc(text[pos:]))
    return "".join(parts)


def chain(encoding: str | None) -> str:
    """An encoding chain ``a>b>c`` as steps ``a → b → c`` (escaped markup)."""
    if not encoding:
        return "—"
    return " → ".join(f'<span class="step">{esc(part)}</span>' for part in encoding.split(">"))
