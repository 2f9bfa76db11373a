"""HierarchyUi's shared logic with scripted dumps (no phone): retries, points, keys, closing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from harness.device.device import Device
from harness.errors import ElementNotFoundError, UiError
from harness.ui import Point, Selector
from harness.ui.base import HierarchyUi

SCREEN = ("<hierarchy rotation=\"0\"><node text=\"OK\" resource-id=\"a:id/ok\" bounds=\"[100,200][300,400]\" />"
          "</hierarchy>")


class ScriptedUi(HierarchyUi):
    """Dumps come from a list of callables (the last one repeats); every action is recorded."""

    def __init__(self, dumps: list[Callable[[], str]], size: tuple[int, int] = (1000, 2000)) -> None:
        super().__init__(cast(Device, type("FakeDevice", (), {"serial": "fake-1"})()))
        self.dumps = dumps
        self.size = size
        self.actions: list[tuple[Any, ...]] = []

    def _dump(self) -> str:
        step = self.dumps.pop(0) if len(self.dumps) > 1 else self.dumps[0]
        return step()

    def _tap_at(self, x: int, y: int, hold: float | None = None) -> None:
        self.actions.append(("tap", x, y, hold))

    def _swipe_px(self, x1: int, y1: int, x2: int, y2: int, seconds: float) -> None:
        self.actions.append(("swipe", x1, y1, x2, y2, seconds))

    def _keys(self, code: int, times: int = 1) -> None:
        self.actions.append(("key", code, times))

    def _screen_size(self) -> tuple[int, int]:
        return self.size

    def input_text(self, text: str) -> None:
        self.actions.append(("text", text))

    def screenshot(self, path: Path) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        self.actions.append(("released",))


def broken() -> str:
    raise UiError("fake-1", "uiautomator dump failed: ERROR: null root node returned by UiTestAutomationBridge.")


def test_a_failed_dump_is_tried_again_at_the_next_poll() -> None:
    ui = ScriptedUi([broken, lambda: "<hierarchy", lambda: SCREEN])
    ui.tap(Selector(text="ok"), timeout=5)
    assert ui.actions == [("tap", 200, 300, None)]


def test_a_dump_that_never_works_is_raised_at_the_timeout() -> None:
    ui = ScriptedUi([broken])
    with pytest.raises(UiError, match="null root node"):
        ui.visible(Selector(text="OK"), timeout=0.6)
    with pytest.raises(UiError, match="malformed UI hierarchy dump"):
        ScriptedUi([lambda: "<hierarchy><node"]).tap(Selector(text="OK"), timeout=0)


def test_points_keys_and_gestures() -> None:
    ui = ScriptedUi([lambda: SCREEN])
    ui.tap(Selector(point=Point(0.5, 0.8, True)), timeout=0)
    ui.tap(Selector(point=Point(1.0, 1.5, True)), timeout=0, double=True)   # clamped to the screen
    ui.tap(Selector(point=Point(12.4, 7.6, False)), timeout=0, long=True)
    ui.swipe(Point(0.5, 0.7, True), Point(10, 20, False), -1)
    ui.press_key("Volume Down")
    ui.erase_text(3)
    ui.erase_text(-2)
    assert ui.actions == [("tap", 500, 1600, None), ("tap", 999, 1999, None), ("tap", 999, 1999, None),
                          ("tap", 12, 8, 3.0), ("swipe", 500, 1400, 10, 20, 0.0), ("key", 25, 1), ("key", 67, 3)]


def test_not_found_says_what_was_looked_for_and_what_is_there() -> None:
    ui = ScriptedUi([lambda: SCREEN])
    with pytest.raises(ElementNotFoundError, match=r"^fake-1: no element matches text 'Cancel' within 0 s "
                                                   r"\(on screen: 'OK'\)$"):
        ui.tap(Selector(text="Cancel"), timeout=-3)
    assert ui.actions == []


def test_closed_means_closed() -> None:
    ui = ScriptedUi([lambda: SCREEN])
    with ui:
        assert ui.visible(Selector(id="ok"))
    ui.close()
    assert ui.actions == [("released",)]
    for call in (lambda: ui.visible(Selector(id="ok")), ui.hierarchy, lambda: ui.press_key("Back"),
                 lambda: ui.wait_idle(1), lambda: ui.tap(Selector(point=Point(1, 1, False)), timeout=0)):
        with pytest.raises(UiError, match="ScriptedUi is closed"):
            call()
