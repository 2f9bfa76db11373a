"""What a scenario step points at on the screen (Maestro's selector shapes), in one form for every
UI adapter: ``Selector`` names an element by text, resource id, both, the n-th of several matches,
or a point on the screen.

Matching rules (the same in every adapter, ``harness.ui.matching``): ``text`` and ``id`` are regular
expressions matched against the whole text / resource-id (as Maestro does, with its flags:
case-insensitive, ``.`` matching newlines), falling back to plain equality when the pattern is not a
valid regular expression; a text equal to the pattern always matches.  ``text`` also matches a
node's content description or hint, and its text with newlines read as spaces.  An ``id`` also
matches the part after ``:id/`` (``accept`` matches ``com.example.messenger:id/accept``); only
visible nodes count; with several matches, ``index`` picks the n-th in document order (default 0).
``point`` ("50%,80%" or "540,1600") taps a point and matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """A point on the screen: pixels, or fractions of the screen when ``relative``."""

    x: float
    y: float
    relative: bool


@dataclass(frozen=True)
class Selector:
    text: str | None = None
    id: str | None = None
    index: int = 0
    point: Point | None = None

    def __str__(self) -> str:
        if self.point is not None:
            p = self.point
            return f"point {p.x * 100:g}%,{p.y * 100:g}%" if p.relative else f"point {p.x:g},{p.y:g}"
        parts = [f"text {self.text!r}" if self.text is not None else "",
                 f"id {self.id!r}" if self.id is not None else "",
                 f"#{self.index}" if self.index else ""]
        return " ".join(p for p in parts if p) or "any element"
