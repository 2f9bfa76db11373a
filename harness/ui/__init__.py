"""Driving a phone's screen: one small interface, two adapters.

    selector.py      Selector / Point: what a step points at (Maestro's shapes), one meaning everywhere
    u2.py            Uiautomator2Ui: the uiautomator2 server on the phone (the default)
    shell.py         ShellUi: `uiautomator dump` + `input` over adb, for builds where the u2 server
                     cannot run (some vendor ROMs)
    matching.py      finding a Selector in a UI hierarchy dump (shared by both adapters)
    base.py          HierarchyUi: what both adapters share (polling waits, taps, keys, points)
    keys.py          Maestro's key names -> Android key codes
    keyboard.py      typing text: `input text` words, ADB keyboard IME broadcasts
    factory.py       make_ui(kind, device): the adapter the user chose (``--ui uiautomator2|shell``)

A ``Ui`` never decides what a flow means: the scenario runner turns each step into these calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from harness.ui.factory import UI_KINDS, UiKind, make_ui
from harness.ui.selector import Point, Selector

__all__ = ["UI_KINDS", "Point", "Selector", "Ui", "UiKind", "make_ui"]


class Ui(Protocol):
    """What the scenario runner needs from a phone's screen.  Waits are in seconds; a selector
    that matches nothing within ``timeout`` raises ``ElementNotFoundError`` naming it."""

    def tap(self, selector: Selector, *, timeout: float, long: bool = False, double: bool = False) -> None: ...

    def visible(self, selector: Selector, *, timeout: float = 0.0) -> bool:
        """True once an element matches (polling until ``timeout``)."""
        ...

    def gone(self, selector: Selector, *, timeout: float = 0.0) -> bool:
        """True once no element matches (polling until ``timeout``)."""
        ...

    def input_text(self, text: str) -> None:
        """Type ``text`` into the focused field, verbatim (any character, never interpreted)."""
        ...

    def erase_text(self, count: int) -> None: ...

    def hide_keyboard(self) -> None: ...

    def swipe(self, start: Point, end: Point, duration: float) -> None: ...

    def press_key(self, key: str) -> None:
        """Maestro's key names: Enter, Backspace, Back, Home, Lock, Tab, Volume Up, Volume Down, Power."""
        ...

    def wait_idle(self, timeout: float) -> None:
        """Until the screen stops changing (two equal hierarchy dumps), at most ``timeout``."""
        ...

    def screenshot(self, path: Path) -> None:
        """Save the screen as PNG at ``path``."""
        ...

    def hierarchy(self) -> str:
        """The UI hierarchy as uiautomator dumps it (XML)."""
        ...

    def close(self) -> None: ...

