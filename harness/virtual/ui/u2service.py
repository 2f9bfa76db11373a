"""The JSON-RPC methods of the virtual phone's uiautomator2 server (``UiAutomatorService``).

Every method works on the same UI model ``uiautomator dump`` and ``input`` use
(``harness.virtual.ui.screen``), so a click on a home-screen icon launches the app through the
``ProcessTable``, and every action is written to the phone's input log with ``via="uiautomator2"``.
Objects are found with ``u2selector``; the HTTP side is ``u2server``.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PIL import Image

from harness.virtual.ui.nodes import focused_editable
from harness.virtual.ui.screen import current_screen, dump_xml, press_key, render_png
from harness.virtual.ui.u2selector import ERROR_INTERNAL, ERROR_METHOD_NOT_FOUND, RpcError, find, not_found

if TYPE_CHECKING:
    from harness.virtual.runtime.processes import ProcessTable
    from harness.virtual.ui.nodes import UiNode

_POLL_SECONDS = 0.1
_MS_PER_SWIPE_STEP = 5               # UiDevice.swipe: "each step execution is throttled to 5ms"
#: UiDevice.pressKey names (what d.press("home") sends) -> KeyEvent codes.
KEY_NAMES = {"home": 3, "back": 4, "left": 21, "right": 22, "up": 19, "down": 20, "center": 23, "menu": 82,
             "search": 84, "enter": 66, "delete": 67, "del": 67, "recent": 187, "volume_up": 24,
             "volume_down": 25, "volume_mute": 164, "camera": 27, "power": 26}
_ACTION_DOWN, _ACTION_UP = 0, 1


def _pruned(node: UiNode, depth: int) -> UiNode:
    """The tree cut below ``depth`` levels (``maxDepth`` of dumpWindowHierarchy)."""
    children = [_pruned(child, depth - 1) for child in node.children] if depth > 1 else []
    return dataclasses.replace(node, children=children)


def _bounds(node: UiNode, width: int, height: int) -> dict[str, int]:
    left, top, right, bottom = node.bounds
    return {"left": max(0, left), "top": max(0, top), "right": min(width, right), "bottom": min(height, bottom)}


class UiAutomatorService:
    """The JSON-RPC methods of the uiautomator2 server over one phone's screen and apps."""

    def __init__(self, processes: ProcessTable) -> None:
        self.processes = processes
        self.phone = processes.phone
        self._clipboard: str | None = None
        self._touch_down: tuple[int, int] | None = None
        self._methods: dict[str, Callable[..., Any]] = {
            "dumpWindowHierarchy": self.dump_window_hierarchy, "deviceInfo": self.device_info,
            "objInfo": self.obj_info, "objInfoOfAllInstances": self.obj_info_of_all_instances,
            "exist": self.exist, "waitForExists": self.wait_for_exists, "waitUntilGone": self.wait_until_gone,
            "count": self.count, "getText": self.get_text, "setText": self.set_text,
            "clearTextField": self.clear_text_field, "click": self.click, "longClick": self.long_click,
            "swipe": self.swipe, "drag": self.swipe, "pressKey": self.press_key,
            "pressKeyCode": self.press_key_code, "injectInputEvent": self.inject_input_event,
            "setClipboard": self.set_clipboard, "getClipboard": lambda: self._clipboard,
            "pasteClipboard": self.paste_clipboard, "clearInputText": self.clear_input_text,
            "takeScreenshot": self.take_screenshot, "wakeUp": lambda: None, "sleep": lambda: None,
            "isScreenOn": lambda: True, "freezeRotation": lambda *_: None, "setOrientation": lambda *_: None,
            "getLastToast": lambda: None, "clearLastToast": lambda: None, "makeToast": lambda *_: True,
            "getLastTraversedText": lambda: None, "clearLastTraversedText": lambda: None,
            "openNotification": lambda: True, "openQuickSettings": lambda: True,
            "swipePoints": self.swipe_points, "dragTo": self.drag_to, "scrollTo": self.scroll_to,
            **{name: self.scroll for name in ("scrollForward", "scrollBackward", "scrollToBeginning", "scrollToEnd",
                                              "flingForward", "flingBackward", "flingToBeginning", "flingToEnd")},
            **{name: self.gesture for name in ("pinchIn", "pinchOut", "gesture")},
        }

    def call(self, method: str, params: Any) -> Any:
        """Run one method; raises RpcError with the real server's message on failure."""
        handler = self._methods.get(method)
        if handler is None:
            raise RpcError(ERROR_METHOD_NOT_FOUND, f"method not found: {method}")
        # Positional params come as a list; u2 sends {} (its empty kwargs) for a call without any.
        args = params if isinstance(params, list) else [params] if params else []
        try:
            return handler(*args)
        except TypeError as exc:
            raise RpcError(ERROR_INTERNAL, f"java.lang.IllegalArgumentException: {method}: {exc}") from exc

    # --- the screen ---------------------------------------------------------------------------

    def _tree(self) -> tuple[UiNode, int, int]:
        width, height = self.phone.screen_size()
        return current_screen(self.processes).hierarchy(width, height), width, height

    def _find(self, selector: dict[str, Any]) -> list[UiNode]:
        root, _, _ = self._tree()
        return find(root, selector)

    def _one(self, selector: dict[str, Any]) -> UiNode:
        found = self._find(selector)
        if not found:
            raise not_found(selector)
        return found[0]

    def _wait(self, selector: dict[str, Any], timeout_ms: int, present: bool) -> bool:
        deadline = time.monotonic() + max(0, int(timeout_ms)) / 1000
        while True:
            if bool(self._find(selector)) == present:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)

    def _record(self, kind: str, **fields: Any) -> None:
        self.phone.record_input(kind, via="uiautomator2", **fields)

    def _tap(self, x: int, y: int) -> bool:
        self._record("tap", x=x, y=y)
        current_screen(self.processes).on_tap(x, y)
        return True

    def _info(self, node: UiNode) -> dict[str, Any]:
        width, height = self.phone.screen_size()
        bounds = _bounds(node, width, height)
        return {"bounds": bounds, "visibleBounds": bounds, "checkable": node.checkable, "checked": node.checked,
                "childCount": sum(1 for c in node.children if c.visible), "className": node.class_name,
                "clickable": node.clickable, "contentDescription": node.content_desc, "enabled": node.enabled,
                "focusable": node.focusable, "focused": node.focused, "longClickable": node.long_clickable,
                "packageName": node.package, "resourceName": node.resource_id or None,
                "scrollable": node.scrollable, "selected": node.selected, "text": node.text}

    # --- methods --------------------------------------------------------------------------------

    def dump_window_hierarchy(self, compressed: bool = False, max_depth: int = 50, *_: Any) -> str:
        root, width, height = self._tree()
        return dump_xml(_pruned(root, max(1, int(max_depth or 50))), width, height)

    def device_info(self) -> dict[str, Any]:
        props = self.phone.props
        width, height = self.phone.screen_size()
        _, density = self.phone.display_overrides()
        dpi = density or self.phone.profile.screen.density
        package = self.processes.foreground() or self.phone.profile.launcher_package
        sdk = props.get("ro.build.version.sdk", "0")
        return {"currentPackageName": package, "displayWidth": width, "displayHeight": height,
                "displayRotation": 0, "displaySizeDpX": round(width * 160 / dpi),
                "displaySizeDpY": round(height * 160 / dpi), "productName": props.get("ro.product.name", ""),
                "naturalOrientation": True, "screenOn": True, "sdkInt": int(sdk) if sdk.isdigit() else 0}

    def obj_info(self, selector: dict[str, Any]) -> dict[str, Any]:
        return self._info(self._one(selector))

    def obj_info_of_all_instances(self, selector: dict[str, Any]) -> list[dict[str, Any]]:
        return [self._info(node) for node in self._find(selector)]

    def exist(self, selector: dict[str, Any]) -> bool:
        return bool(self._find(selector))

    def wait_for_exists(self, selector: dict[str, Any], timeout_ms: int = 0) -> bool:
        return self._wait(selector, timeout_ms, present=True)

    def wait_until_gone(self, selector: dict[str, Any], timeout_ms: int = 0) -> bool:
        return self._wait(selector, timeout_ms, present=False)

    def count(self, selector: dict[str, Any]) -> int:
        return len(self._find(selector))

    def get_text(self, selector: dict[str, Any]) -> str:
        return self._one(selector).text

    def set_text(self, selector: dict[str, Any], text: str | None) -> bool:
        """AutomatorServiceImpl.setText: a click on the object (it focuses a field), then
        UiObject2.setText, i.e. ACTION_SET_TEXT: the field's text is replaced, never appended to.
        A view that is not editable keeps its text, and the call still answers true."""
        node = self._one(selector)
        left, top, right, bottom = node.bounds
        self._tap((left + right) // 2, (top + bottom) // 2)
        self._record("set_text", text=text or "")
        current_screen(self.processes).on_set_text(node, text or "")
        return True

    def clear_text_field(self, selector: dict[str, Any]) -> None:
        """UiObject2.clear: ACTION_SET_TEXT with "", without a click first."""
        node = self._one(selector)
        self._record("clear_text")
        current_screen(self.processes).on_set_text(node, "")

    def clear_input_text(self) -> None:
        """d.clear_text() without the AdbKeyboard: empty the field that has the input focus."""
        self._record("clear_text")
        screen = current_screen(self.processes)
        root, _, _ = self._tree()
        focused = focused_editable(root)
        if focused is not None:
            screen.on_set_text(focused, "")

    def click(self, *args: Any) -> bool:
        """``click(x, y)``, ``click(x, y, duration_ms)`` (long click) or ``click(selector)``."""
        if args and isinstance(args[0], dict):
            node = self._one(args[0])
            left, top, right, bottom = node.bounds
            return self._tap((left + right) // 2, (top + bottom) // 2)
        return self._tap(int(args[0]), int(args[1]))

    def long_click(self, selector: dict[str, Any], *_: Any) -> bool:
        return self.click(selector)

    def swipe(self, x1: float, y1: float, x2: float, y2: float, steps: int = 10) -> bool:
        self._record("swipe", x1=int(x1), y1=int(y1), x2=int(x2), y2=int(y2),
                     duration_ms=int(steps) * _MS_PER_SWIPE_STEP)
        return True

    def swipe_points(self, points: list[float], steps: int = 10) -> bool:
        """A path of x, y pairs: logged as a swipe from its first point to its last."""
        if len(points) < 4:
            return False
        return self.swipe(points[0], points[1], points[-2], points[-1], steps)

    def drag_to(self, selector: dict[str, Any], *target: Any) -> bool:
        """``dragTo(selector, x, y, steps)`` or ``dragTo(selector, target_selector, steps)``."""
        left, top, right, bottom = self._one(selector).bounds
        if target and isinstance(target[0], dict):
            t_left, t_top, t_right, t_bottom = self._one(target[0]).bounds
            x, y = (t_left + t_right) // 2, (t_top + t_bottom) // 2
        else:
            x, y = int(target[0]), int(target[1])
        self._record("drag", x1=(left + right) // 2, y1=(top + bottom) // 2, x2=x, y2=y)
        return True

    def scroll(self, selector: dict[str, Any], *_: Any) -> bool:
        """Scroll/fling a scrollable view: the model's screens all fit, so there is never more."""
        self._one(selector)
        self._record("scroll")
        return False

    def scroll_to(self, selector: dict[str, Any], target: dict[str, Any], *_: Any) -> bool:
        self._one(selector)
        return self.exist(target)

    def gesture(self, selector: dict[str, Any], *_: Any) -> bool:
        self._one(selector)
        self._record("gesture")
        return True

    def press_key(self, name: str) -> bool:
        code = KEY_NAMES.get(str(name).lower())
        return False if code is None else self.press_key_code(code)

    def press_key_code(self, code: int, meta: int = 0) -> bool:
        self._record("keyevent", code=int(code))
        press_key(self.processes, int(code))
        return True

    def inject_input_event(self, action: int, x: float, y: float, meta: int = 0) -> bool:
        """d.touch.down/move/up: a down then an up is a tap where the finger came up."""
        if action == _ACTION_DOWN:
            self._touch_down = (int(x), int(y))
        elif action == _ACTION_UP and self._touch_down is not None:
            self._touch_down = None
            self._tap(int(x), int(y))
        return True

    def set_clipboard(self, label: str | None, text: str) -> None:
        self._clipboard = text

    def paste_clipboard(self) -> None:
        """ACTION_PASTE on the focused field: the clip goes in at the cursor (its end), like typing."""
        if self._clipboard:
            self._record("text", text=self._clipboard)
            current_screen(self.processes).on_text(self._clipboard)

    def take_screenshot(self, scale: float = 1, quality: int = 80) -> str:
        root, width, height = self._tree()
        image = Image.open(io.BytesIO(render_png(root, width, height))).convert("RGB")
        if scale and float(scale) != 1:
            image = image.resize((max(1, int(width * float(scale))), max(1, int(height * float(scale)))))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(quality))
        return base64.b64encode(buffer.getvalue()).decode("ascii")
