"""The screens of the virtual phone's own apps, and the input events they receive.

An app posts its current screen through the binder (``ui.show``: an activity name and a list of
views, each ``{"id", "kind": "text"|"button"|"edit", "text"}``); the phone lays it out like a
simple vertical LinearLayout, so ``uiautomator dump``, uiautomator2 and ``screencap`` see it.  A tap
on a button, or a change of the focused field's text, becomes an event the app takes with
``ui.next`` (a long poll), as Android delivers input to the app's main thread.

A field's cursor is always at the end of its text: typed text (``input text``, an IME's
commitText, a paste) is appended, DEL removes the last character, and ACTION_SET_TEXT
(uiautomator's setText and clear) replaces the whole text, as an EditText does.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.virtual.profile.spec import PackageSpec
from harness.virtual.ui.nodes import UiNode

_KINDS = {"text": "android.widget.TextView", "button": "android.widget.Button", "edit": "android.widget.EditText"}
_KEYCODE_BACK = 4
_KEYCODE_DEL = 67


@dataclass
class _AppWindow:
    activity: str = ""
    views: list[dict[str, Any]] = field(default_factory=list)
    focused: str | None = None
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)


class AppUiHub:
    """Per-package windows and event queues, shared by the binder and the screens."""

    def __init__(self) -> None:
        self._windows: dict[str, _AppWindow] = {}
        self._lock = threading.Lock()

    def window(self, package: str) -> _AppWindow:
        with self._lock:
            return self._windows.setdefault(package, _AppWindow())

    def reset(self, package: str) -> None:
        """A new process of the app starts with an empty window."""
        with self._lock:
            self._windows[package] = _AppWindow()

    def show(self, package: str, activity: str, views: list[dict[str, Any]]) -> None:
        window = self.window(package)
        window.activity = activity
        window.views = [dict(v) for v in views if isinstance(v, dict)]
        window.focused = next((str(v.get("id")) for v in window.views if v.get("kind") == "edit"), None)

    def post(self, package: str, event: dict[str, Any]) -> None:
        self.window(package).events.put(event)

    def next_event(self, package: str, timeout: float) -> dict[str, Any] | None:
        try:
            return self.window(package).events.get(timeout=max(0.0, min(timeout, 60.0)))
        except queue.Empty:
            return None


class AppScreen:
    """The ``Screen`` of an app that draws its own views."""

    def __init__(self, spec: PackageSpec, hub: AppUiHub, screen_size: Callable[[], tuple[int, int]]) -> None:
        self.spec = spec
        self._hub = hub
        self._screen_size = screen_size

    def _layout(self, width: int, height: int) -> tuple[UiNode, list[tuple[UiNode, dict[str, Any]]]]:
        window = self._hub.window(self.spec.name)
        package = self.spec.name
        top, bar, row, margin = int(height * 0.035), int(height * 0.07), int(height * 0.06), 48
        title = UiNode("android.widget.TextView", (margin, top + bar // 4, width - margin, top + bar * 3 // 4), package,
                       text=self.spec.label, resource_id="android:id/title")
        placed: list[tuple[UiNode, dict[str, Any]]] = []
        y = top + bar + margin
        for view in window.views:
            kind = str(view.get("kind", "text"))
            node = UiNode(_KINDS.get(kind, _KINDS["text"]), (margin, y, width - margin, min(y + row, height)), package,
                          text=str(view.get("text", "")), resource_id=f"{package}:id/{view.get('id', '')}",
                          content_desc=str(view.get("desc", "")), clickable=kind in ("button", "edit"),
                          focusable=kind in ("button", "edit"), editable=kind == "edit",
                          focused=kind == "edit" and window.focused == view.get("id"))
            placed.append((node, view))
            y += row + margin // 2
        content = UiNode("android.widget.LinearLayout", (0, top + bar, width, height), package,
                         resource_id="android:id/content", children=[n for n, _ in placed])
        root = UiNode("android.widget.FrameLayout", (0, 0, width, height), package,
                      children=[UiNode("android.widget.LinearLayout", (0, top, width, height), package,
                                       children=[title, content])])
        return root, placed

    def hierarchy(self, width: int, height: int) -> UiNode:
        return self._layout(width, height)[0]

    def on_tap(self, x: int, y: int) -> None:
        # taps come in screen pixels: lay out for the phone's current screen size to hit-test
        width, height = self._screen_size()
        _root, placed = self._layout(width, height)
        for node, view in placed:
            if node.clickable and node.contains(x, y):
                if view.get("kind") == "edit":
                    self._hub.window(self.spec.name).focused = str(view.get("id"))
                else:
                    self._hub.post(self.spec.name, {"type": "click", "id": view.get("id")})
                return

    def _focused_view(self) -> dict[str, Any] | None:
        window = self._hub.window(self.spec.name)
        return next((v for v in window.views if v.get("kind") == "edit" and v.get("id") == window.focused), None)

    def _change_text(self, view: dict[str, Any], text: str) -> None:
        """The field shows ``text`` now; the app's TextWatcher hears of it."""
        view["text"] = text
        self._hub.post(self.spec.name, {"type": "text", "id": view.get("id"), "text": text})

    def on_text(self, text: str) -> None:
        view = self._focused_view()
        if view is not None:
            self._change_text(view, str(view.get("text", "")) + text)

    def on_set_text(self, node: UiNode, text: str) -> bool:
        # the node comes from an earlier layout: find its view by id and place, as a stale
        # AccessibilityNodeInfo would still point at the same view
        width, height = self._screen_size()
        _root, placed = self._layout(width, height)
        for candidate, view in placed:
            if (candidate.resource_id, candidate.bounds) == (node.resource_id, node.bounds) and candidate.editable:
                self._change_text(view, text)
                return True
        return False

    def on_key(self, code: int) -> bool:
        if code == _KEYCODE_BACK:
            self._hub.post(self.spec.name, {"type": "back"})
            return False
        view = self._focused_view()
        if code == _KEYCODE_DEL and view is not None:
            if view.get("text"):
                self._change_text(view, str(view["text"])[:-1])
            return True
        return False
