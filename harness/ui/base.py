"""``HierarchyUi``: what both adapters share, so that a selector means the same in both.

Every element an adapter looks for is found in a hierarchy dump with ``harness.ui.matching``;
an adapter only supplies the device primitives (a dump, a tap or swipe at pixels, a key code,
the screen size, typing, a screenshot).  Every wait polls the dump every ``POLL_SECONDS`` until
its timeout (a timeout of 0 looks once); nothing waits without a bound.
"""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import CommandFailedError, ElementNotFoundError, UiError
from harness.ui.keys import KEY_NAMES, KEYCODE_BACK, KEYCODE_DEL, keycode
from harness.ui.matching import Hierarchy, UiElement, on_screen, parse_hierarchy, select
from harness.ui.selector import Point, Selector

if TYPE_CHECKING:
    from harness.device.device import Device

log = logging.getLogger(__name__)

#: Seconds between two dumps while waiting.
POLL_SECONDS = 0.25
#: Seconds a long press holds (Maestro's longPressOn holds 3 s).
LONG_PRESS_SECONDS = 3.0
#: Seconds between the two taps of a double tap.
DOUBLE_TAP_GAP = 0.05
#: Seconds a plain adb command of an adapter may take.
SHELL_TIMEOUT = 30.0
#: At most this many DEL key presses for one erase.
MAX_ERASE = 10_000
#: Where ``screencap`` writes on the phone before the file is pulled.
SCREEN_PATH = "/data/local/tmp/harness-ui-screen.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_INPUT_SHOWN = re.compile(r"\bmInputShown=true\b")


class HierarchyUi(ABC):
    """A ``harness.ui.Ui`` built on hierarchy dumps and a few device primitives."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.serial = device.serial
        self._closed = False

    # ---- what an adapter supplies -------------------------------------------------------------
    @abstractmethod
    def _dump(self) -> str:
        """One hierarchy dump (XML)."""

    @abstractmethod
    def _tap_at(self, x: int, y: int, hold: float | None = None) -> None:
        """A tap at pixels (x, y); held ``hold`` seconds for a long press."""

    @abstractmethod
    def _swipe_px(self, x1: int, y1: int, x2: int, y2: int, seconds: float) -> None: ...

    @abstractmethod
    def _keys(self, code: int, times: int = 1) -> None:
        """Press the key ``code`` ``times`` times."""

    @abstractmethod
    def _screen_size(self) -> tuple[int, int]:
        """(width, height) of the display as it is rotated now."""

    @abstractmethod
    def input_text(self, text: str) -> None: ...

    @abstractmethod
    def screenshot(self, path: Path) -> None: ...

    @abstractmethod
    def _release(self) -> None:
        """Free what the adapter holds (called once, by ``close``)."""

    # ---- the Ui protocol ----------------------------------------------------------------------
    def hierarchy(self) -> str:
        self._check_open()
        return self._dump()

    def snapshot(self) -> Hierarchy:
        """The current screen, parsed."""
        return parse_hierarchy(self.hierarchy(), serial=self.serial)

    def find(self, selector: Selector, *, timeout: float = 0.0) -> UiElement | None:
        """The element ``selector`` names once it is there (polling until ``timeout``), or None."""
        element, _ = self._poll(selector, timeout, present=True)
        return element

    def visible(self, selector: Selector, *, timeout: float = 0.0) -> bool:
        if selector.point is not None:      # a point matches no element
            return False
        element, _ = self._poll(selector, timeout, present=True)
        return element is not None

    def gone(self, selector: Selector, *, timeout: float = 0.0) -> bool:
        if selector.point is not None:
            return True
        element, _ = self._poll(selector, timeout, present=False)
        return element is None

    def tap(self, selector: Selector, *, timeout: float, long: bool = False, double: bool = False) -> None:
        if selector.point is not None:
            x, y = self._resolve(selector.point)
        else:
            element, last = self._poll(selector, timeout, present=True)
            if element is None:
                raise ElementNotFoundError(self.serial, f"no element matches {selector} within {max(0.0, timeout):g} s"
                                                        f" ({on_screen(last)})")
            x, y = element.center
        log.debug("%s: %s at %d,%d (%s)", self.serial, "long press" if long else "double tap" if double else "tap",
                  x, y, selector)
        if long:
            self._tap_at(x, y, hold=LONG_PRESS_SECONDS)
        else:
            self._tap_at(x, y)
            if double:
                time.sleep(DOUBLE_TAP_GAP)
                self._tap_at(x, y)

    def erase_text(self, count: int) -> None:
        self._check_open()
        if count > 0:
            self._keys(KEYCODE_DEL, min(int(count), MAX_ERASE))

    def press_key(self, key: str) -> None:
        self._check_open()
        code = keycode(key)
        if code is None:
            raise UiError(self.serial, f"unknown key {key[:40]!r}: use one of {', '.join(KEY_NAMES)}")
        self._keys(code)

    def hide_keyboard(self) -> None:
        """BACK when the input method window is shown (``dumpsys input_method``); nothing otherwise,
        so that it never navigates back by mistake."""
        self._check_open()
        try:
            state = self.device.shell(["dumpsys", "input_method"], check=False, timeout=SHELL_TIMEOUT).stdout
        except CommandFailedError as exc:
            raise UiError(self.serial, f"cannot tell whether the keyboard is shown: {exc}") from exc
        if _INPUT_SHOWN.search(state):
            self._keys(KEYCODE_BACK)

    def swipe(self, start: Point, end: Point, duration: float) -> None:
        x1, y1 = self._resolve(start)
        x2, y2 = self._resolve(end)
        self._swipe_px(x1, y1, x2, y2, max(0.0, duration))

    def wait_idle(self, timeout: float) -> None:
        self._check_open()
        deadline = time.monotonic() + max(0.0, timeout)
        previous = self._dump()
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(POLL_SECONDS, remaining))
            current = self._dump()
            if current == previous:
                return
            previous = current
        log.debug("%s: the screen still changed after %g s", self.serial, timeout)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()

    # ---- helpers --------------------------------------------------------------------------------
    def _screencap(self, path: Path) -> None:
        """``screencap -p`` into ``SCREEN_PATH`` on the phone, pulled to ``path`` and removed there."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.device.shell(["screencap", "-p", SCREEN_PATH], timeout=SHELL_TIMEOUT)
            self.device.pull(SCREEN_PATH, str(path))
        except CommandFailedError as exc:
            raise UiError(self.serial, f"screencap failed: {exc}") from exc
        finally:
            self.device.shell(["rm", "-f", SCREEN_PATH], check=False, timeout=SHELL_TIMEOUT)
        with path.open("rb") as f:
            if f.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
                raise UiError(self.serial, f"screencap did not write a PNG (saved as {path})")

    def _check_open(self) -> None:
        if self._closed:
            raise UiError(self.serial, f"{type(self).__name__} is closed")

    def _poll(self, selector: Selector, timeout: float, *, present: bool) -> tuple[UiElement | None, Hierarchy]:
        """(the selected element or None, the last dump) once presence is as wanted or time is up.
        A dump that fails (uiautomator fails now and then while the screen animates) is tried again
        at the next poll; the error is raised only when no dump succeeded before the timeout."""
        self._check_open()
        deadline = time.monotonic() + max(0.0, timeout)
        last: Hierarchy | None = None
        while True:
            try:
                last = self.snapshot()
            except UiError as exc:
                if time.monotonic() >= deadline and last is None:
                    raise
                log.debug("%s: %s", self.serial, exc)
            element = select(last, selector) if last is not None else None
            if last is not None and (element is not None) == present:
                return element, last
            remaining = deadline - time.monotonic()
            if remaining <= 0 and last is not None:
                return element, last
            time.sleep(min(POLL_SECONDS, max(remaining, 0.0)) or POLL_SECONDS)

    def _resolve(self, point: Point) -> tuple[int, int]:
        """Pixels of ``point`` (fractions of the screen for a relative one)."""
        self._check_open()
        if not point.relative:
            return round(point.x), round(point.y)
        width, height = self._screen_size()
        x = min(max(point.x, 0.0), 1.0) * width
        y = min(max(point.y, 0.0), 1.0) * height
        return min(round(x), width - 1), min(round(y), height - 1)

    def __enter__(self) -> HierarchyUi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
