"""The view model of the virtual phone's screen: ``UiNode`` (a view) and ``Screen`` (what is in front).

Everything that shows or reads a screen shares it: the home and app screens (``screen``,
``app_ui``), ``uiautomator dump``, ``input`` and the uiautomator2 server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class UiNode:
    """One view as the accessibility tree reports it.  ``bounds`` is (left, top, right, bottom)."""

    class_name: str
    bounds: tuple[int, int, int, int]
    package: str = ""
    text: str = ""
    resource_id: str = ""
    content_desc: str = ""
    checkable: bool = False
    checked: bool = False
    clickable: bool = False
    editable: bool = False       # AccessibilityNodeInfo.isEditable: not in the dump, decides ACTION_SET_TEXT
    enabled: bool = True
    focusable: bool = False
    focused: bool = False
    scrollable: bool = False
    long_clickable: bool = False
    password: bool = False
    selected: bool = False
    visible: bool = True
    children: list[UiNode] = field(default_factory=list)

    def walk(self) -> Iterator[UiNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def contains(self, x: int, y: int) -> bool:
        left, top, right, bottom = self.bounds
        return left <= x < right and top <= y < bottom


class Screen(Protocol):
    """What is in front: a view hierarchy that reacts to input."""

    def hierarchy(self, width: int, height: int) -> UiNode:
        """The view tree for a display of ``width`` x ``height`` pixels."""
        ...

    def on_tap(self, x: int, y: int) -> None: ...

    def on_text(self, text: str) -> None:
        """Text committed at the cursor of the focused field (an IME or ``input text`` typing)."""
        ...

    def on_set_text(self, node: UiNode, text: str) -> bool:
        """ACTION_SET_TEXT on ``node`` (a view of this screen): its whole text becomes ``text``.

        False when the view is not editable; Android then leaves it unchanged.
        """
        ...

    def on_key(self, code: int) -> bool:
        """Handle a key; return False to let the system handle it (BACK leaves the app)."""
        ...


def focused_editable(root: UiNode) -> UiNode | None:
    """The visible editable view holding the input focus: where an IME's InputConnection writes."""
    return next((node for node in _visible_nodes(root) if node.editable and node.focused), None)


def _visible_nodes(node: UiNode) -> Iterator[UiNode]:
    if node.visible:
        yield node
        for child in node.children:
            yield from _visible_nodes(child)


def clickable_at(root: UiNode, x: int, y: int) -> UiNode | None:
    """The innermost visible clickable node under (x, y), as a touch would hit it."""
    hit = None
    for node in root.walk():
        if node.visible and node.clickable and node.contains(x, y):
            hit = node
    return hit
