"""Finding a ``Selector`` in a UI hierarchy dump, the same way for every adapter.

``parse_hierarchy`` reads what ``uiautomator dump`` and uiautomator2's ``dumpWindowHierarchy``
write (``<hierarchy rotation=".."><node text= resource-id= class= package= content-desc=
bounds="[x1,y1][x2,y2]" clickable= ...>``) into ``UiElement``s in document order; ``find`` and
``select`` apply a selector's rules (``harness.ui.selector``) to them:

- ``text`` is a regular expression matched against the whole text of a node, its content
  description or its hint, and against the text with its newlines turned into spaces; the flags are
  Maestro's (case-insensitive, ``.`` matches newlines, multi-line).  A node also matches when its
  text *equals* the pattern (``Price (USD)``), and a pattern that is not a valid regular expression
  is compared for equality only.  A node with no text, description or hint matches no text.
- ``id`` is the same against the resource-id and against its part after the last ``/``
  (``accept`` matches ``com.example.messenger:id/accept``).
- only visible nodes count: non-empty bounds, not ``visible-to-user="false"``, no hidden ancestor.
- ``index`` picks the n-th match in document order; a ``point`` selector matches no node.

The dump comes from apps and is hostile: it is parsed with expat directly, a DOCTYPE (hence any
entity declaration, internal or external) is refused, and its size and node count are bounded.
Anything wrong with it is a ``UiError`` naming the device, never a parser traceback.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from xml.parsers import expat

from harness.errors import UiError
from harness.ui.selector import Selector

__all__ = ["MAX_HIERARCHY_CHARS", "MAX_NODES", "Hierarchy", "UiElement", "find", "on_screen", "parse_hierarchy",
           "select"]

#: Characters of a dump read at most (a busy real screen dumps to a few hundred kB).
MAX_HIERARCHY_CHARS = 8 * 1024 * 1024
#: Nodes of a dump read at most.
MAX_NODES = 50_000
_FLAGS = re.IGNORECASE | re.DOTALL | re.MULTILINE
_BOUNDS = re.compile(r"\[(-?\d{1,9}),(-?\d{1,9})\]\[(-?\d{1,9}),(-?\d{1,9})\]")


@dataclass(frozen=True)
class UiElement:
    """One ``<node>`` of a dump; ``position`` is its place in document order, ``bounds`` is
    (left, top, right, bottom) in screen pixels (all zero when the dump has none)."""

    position: int
    text: str
    resource_id: str
    class_name: str
    package: str
    content_desc: str
    hint: str
    bounds: tuple[int, int, int, int]
    clickable: bool
    enabled: bool
    focused: bool
    visible: bool

    @property
    def center(self) -> tuple[int, int]:
        left, top, right, bottom = self.bounds
        return (left + right) // 2, (top + bottom) // 2


@dataclass(frozen=True)
class Hierarchy:
    """A parsed dump: the display rotation (0-3) and every node in document order."""

    rotation: int
    elements: tuple[UiElement, ...]


class _Refused(Exception):
    """Raised from an expat handler to stop parsing a dump that is not one."""


def parse_hierarchy(xml: str, *, serial: str) -> Hierarchy:
    """The dump ``xml`` as a ``Hierarchy``; ``UiError`` (naming ``serial``) when it is too large,
    malformed, declares a DOCTYPE or entities, or is not a ``<hierarchy>`` of ``<node>``s."""
    if len(xml) > MAX_HIERARCHY_CHARS:
        raise UiError(serial, f"UI hierarchy dump too large ({len(xml)} characters, at most {MAX_HIERARCHY_CHARS})")
    builder = _Builder()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = builder.refuse_doctype
    parser.EntityDeclHandler = builder.refuse_entity
    parser.ExternalEntityRefHandler = builder.refuse_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    try:
        parser.Parse(xml.encode("utf-8", "replace"), True)
    except _Refused as exc:
        raise UiError(serial, f"not a UI hierarchy dump: {exc}") from None
    except expat.ExpatError as exc:
        raise UiError(serial, f"malformed UI hierarchy dump: {expat.errors.messages.get(exc.code, exc)} "
                              f"(line {exc.lineno}, column {exc.offset})") from None
    if builder.rotation is None:
        raise UiError(serial, "not a UI hierarchy dump: no <hierarchy> element")
    return Hierarchy(builder.rotation, tuple(builder.elements))


class _Builder:
    """expat handlers collecting ``<node>``s; hidden ancestors hide their descendants."""

    def __init__(self) -> None:
        self.rotation: int | None = None
        self.elements: list[UiElement] = []
        self._visible_stack: list[bool] = []

    def refuse_doctype(self, *_: object) -> None:
        raise _Refused("it declares a DOCTYPE")

    def refuse_entity(self, *_: object) -> None:
        raise _Refused("it declares an entity")

    def refuse_external(self, *_: object) -> int:
        raise _Refused("it refers to an external entity")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.rotation is None:
            if name != "hierarchy":
                raise _Refused(f"its root element is <{name[:40]}>, not <hierarchy>")
            rotation = attributes.get("rotation", "0")
            self.rotation = int(rotation) % 4 if rotation.isdigit() and len(rotation) < 4 else 0
            self._visible_stack.append(True)
            return
        if name != "node":
            self._visible_stack.append(False)    # not part of the view tree: ignore what it holds
            return
        if len(self.elements) >= MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} nodes")
        match = _BOUNDS.fullmatch(attributes.get("bounds", ""))
        bounds = (int(match[1]), int(match[2]), int(match[3]), int(match[4])) if match else (0, 0, 0, 0)
        visible = (self._visible_stack[-1] and attributes.get("visible-to-user") != "false"
                   and bounds[2] > bounds[0] and bounds[3] > bounds[1])
        self.elements.append(UiElement(
            position=len(self.elements), text=attributes.get("text", ""),
            resource_id=attributes.get("resource-id", ""), class_name=attributes.get("class", ""),
            package=attributes.get("package", ""), content_desc=attributes.get("content-desc", ""),
            hint=attributes.get("hint", ""), bounds=bounds, clickable=attributes.get("clickable") == "true",
            enabled=attributes.get("enabled") != "false", focused=attributes.get("focused") == "true",
            visible=visible))
        # a node whose bounds are empty may still hold visible children (a zero-size wrapper)
        self._visible_stack.append(self._visible_stack[-1] and attributes.get("visible-to-user") != "false")

    def end(self, name: str) -> None:
        if self._visible_stack:
            self._visible_stack.pop()


@functools.lru_cache(maxsize=512)
def _pattern(source: str) -> re.Pattern[str]:
    try:
        return re.compile(source, _FLAGS)
    except (re.error, RecursionError, OverflowError):
        return re.compile(re.escape(source), _FLAGS)


def _matches(source: str, value: str) -> bool:
    pattern = _pattern(source)
    if value == source or pattern.fullmatch(value):
        return True
    flat = value.replace("\n", " ")
    return flat != value and (flat == source or pattern.fullmatch(flat) is not None)


def _text_matches(source: str, element: UiElement) -> bool:
    return any(_matches(source, value) for value in (element.text, element.content_desc, element.hint) if value)


def _id_matches(source: str, element: UiElement) -> bool:
    rid = element.resource_id
    return _matches(source, rid) or ("/" in rid and _matches(source, rid.rpartition("/")[2]))


def find(hierarchy: Hierarchy, selector: Selector) -> list[UiElement]:
    """Every visible element that ``selector``'s text and id match, in document order (``index``
    not applied); nothing for a point selector."""
    if selector.point is not None:
        return []
    return [e for e in hierarchy.elements if e.visible
            and (selector.text is None or _text_matches(selector.text, e))
            and (selector.id is None or _id_matches(selector.id, e))]


def select(hierarchy: Hierarchy, selector: Selector) -> UiElement | None:
    """The element ``selector`` names (its ``index``-th match), or None."""
    found = find(hierarchy, selector)
    return found[selector.index] if 0 <= selector.index < len(found) else None


def on_screen(hierarchy: Hierarchy, limit: int = 8) -> str:
    """A short, escaped list of the visible texts, for error messages (the texts come from apps)."""
    texts = [e.text or e.content_desc for e in hierarchy.elements if e.visible and (e.text or e.content_desc)]
    shown = ", ".join(repr(t if len(t) <= 40 else t[:40] + "...") for t in texts[:limit])
    more = f" and {len(texts) - limit} more" if len(texts) > limit else ""
    return f"on screen: {shown}{more}" if texts else "nothing with a text on screen"
