"""The virtual phone's screen: the home screen, what is in front, dumps and screenshots.

The view model is ``nodes`` (``UiNode``, ``Screen``).  An app plugs its UI in by giving
``ProcessTable`` a screen factory that returns a ``Screen`` for its package; an app without one
shows ``LabelScreen`` (its label in a title bar).  The home screen is the launcher: one clickable
``TextView`` per launchable app, tapping it starts the app.
``dump_xml`` writes what ``uiautomator dump`` writes (Android's window-dump format) and
``render_png`` draws the same hierarchy, so a screenshot and a dump always agree.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from harness.errors import VirtualPhoneError
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.ui.nodes import Screen, UiNode, clickable_at

if TYPE_CHECKING:
    from harness.virtual.runtime.processes import ProcessTable

KEYCODE_HOME = 3
KEYCODE_BACK = 4
_HOME_COLUMNS = 4
_STATUS_BAR_HEIGHT = 0.035     # of the screen height; the launcher's grid starts below it
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


class LabelScreen:
    """The screen of an app without its own: its label in a title bar on an empty page."""

    def __init__(self, spec: PackageSpec) -> None:
        self.spec = spec

    def hierarchy(self, width: int, height: int) -> UiNode:
        bar = int(height * 0.07)
        top = int(height * _STATUS_BAR_HEIGHT)
        title = UiNode("android.widget.TextView", (48, top + bar // 4, width - 48, top + bar * 3 // 4),
                       self.spec.name, text=self.spec.label, resource_id="android:id/title")
        content = UiNode("android.widget.FrameLayout", (0, top + bar, width, height), self.spec.name,
                         resource_id="android:id/content")
        return UiNode("android.widget.FrameLayout", (0, 0, width, height), self.spec.name,
                      children=[UiNode("android.widget.LinearLayout", (0, top, width, height), self.spec.name,
                                       children=[title, content])])

    def on_tap(self, x: int, y: int) -> None:
        pass

    def on_text(self, text: str) -> None:
        pass

    def on_set_text(self, node: UiNode, text: str) -> bool:
        return False

    def on_key(self, code: int) -> bool:
        return False


class HomeScreen:
    """The launcher: a grid of the launchable apps; tapping one starts it."""

    def __init__(self, processes: ProcessTable) -> None:
        self.processes = processes
        self.package = processes.phone.profile.launcher_package

    def apps(self) -> list[PackageSpec]:
        return [p for p in self.processes.phone.packages()
                if p.launcher_activity and p.name != self.package]

    def hierarchy(self, width: int, height: int) -> UiNode:
        cell_w, cell_h = width // _HOME_COLUMNS, int(height * 0.12)
        top = int(height * _STATUS_BAR_HEIGHT) + cell_h // 2
        icons = []
        for index, app in enumerate(self.apps()):
            row, column = divmod(index, _HOME_COLUMNS)
            left, upper = column * cell_w, top + row * cell_h
            icons.append(UiNode("android.widget.TextView", (left, upper, left + cell_w, upper + cell_h),
                                self.package, text=app.label, content_desc=app.label, clickable=True,
                                focusable=True, long_clickable=True))
        grid = UiNode("android.view.ViewGroup", (0, top, width, height), self.package,
                      resource_id=f"{self.package}:id/workspace", scrollable=True, children=icons)
        return UiNode("android.widget.FrameLayout", (0, 0, width, height), self.package, children=[grid])

    def on_tap(self, x: int, y: int) -> None:
        width, height = self.processes.phone.screen_size()
        apps = self.apps()
        root = self.hierarchy(width, height)
        icons = root.children[0].children   # one per app, in apps() order
        hit = clickable_at(root, x, y)
        if hit is not None and hit in icons:
            launcher = self.processes.phone.package(self.package)
            with contextlib.suppress(VirtualPhoneError):   # a failed launch is logged; home stays
                self.processes.start(apps[icons.index(hit)].name, caller_uid=launcher.uid if launcher else 10000)

    def on_text(self, text: str) -> None:
        pass

    def on_set_text(self, node: UiNode, text: str) -> bool:
        return False

    def on_key(self, code: int) -> bool:
        return code in (KEYCODE_HOME, KEYCODE_BACK)   # nowhere further back than home


def current_screen(processes: ProcessTable) -> Screen:
    package = processes.foreground()
    if package is None:
        return HomeScreen(processes)
    own = processes.screen(package)
    if own is not None:
        return own
    spec = processes.phone.package(package)
    return LabelScreen(spec) if spec is not None else HomeScreen(processes)


def press_key(processes: ProcessTable, code: int) -> None:
    """Deliver a key to the front screen; HOME and an unhandled BACK go to the home screen."""
    if code == KEYCODE_HOME:
        processes.go_home()
        return
    handled = current_screen(processes).on_key(code)
    if code == KEYCODE_BACK and not handled:
        processes.go_home()   # Android 12+: BACK on a task's root activity moves the task back


# --- window dump and screenshot ------------------------------------------------------------------

def _attr(value: str) -> str:
    clean = _INVALID_XML_CHARS.sub(".", value)
    return escape(clean, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _node_xml(node: UiNode, index: int, width: int, height: int, out: list[str]) -> None:
    left, top, right, bottom = node.bounds
    bounds = f"[{max(0, left)},{max(0, top)}][{min(width, right)},{min(height, bottom)}]"
    out.append(
        f'<node index="{index}" text="{_attr(node.text)}" resource-id="{_attr(node.resource_id)}" '
        f'class="{_attr(node.class_name)}" package="{_attr(node.package)}" '
        f'content-desc="{_attr(node.content_desc)}" checkable="{_bool(node.checkable)}" '
        f'checked="{_bool(node.checked)}" clickable="{_bool(node.clickable)}" enabled="{_bool(node.enabled)}" '
        f'focusable="{_bool(node.focusable)}" focused="{_bool(node.focused)}" '
        f'scrollable="{_bool(node.scrollable)}" long-clickable="{_bool(node.long_clickable)}" '
        f'password="{_bool(node.password)}" selected="{_bool(node.selected)}" bounds="{bounds}"')
    visible = [child for child in node.children if child.visible]
    if not visible:
        out.append(" />")
        return
    out.append(">")
    for child_index, child in enumerate(visible):
        _node_xml(child, child_index, width, height, out)
    out.append("</node>")


def dump_xml(root: UiNode, width: int, height: int, rotation: int = 0) -> str:
    """The window dump ``uiautomator dump`` writes: one line, Android's attribute order."""
    out = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>", f'<hierarchy rotation="{rotation}">']
    _node_xml(root, 0, width, height, out)
    out.append("</hierarchy>")
    return "".join(out)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at ``size`` (needs FreeType); the tiny bitmap font without it."""
    try:
        return ImageFont.load_default(size=size)
    except (AttributeError, ImportError):
        return ImageFont.load_default()


def render_png(root: UiNode, width: int, height: int) -> bytes:
    """A screenshot of the hierarchy: a status bar, clickable views as tiles, texts drawn."""
    image = Image.new("RGB", (width, height), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    font = _font(max(12, width // 27))
    draw.rectangle((0, 0, width, int(height * _STATUS_BAR_HEIGHT)), fill=(32, 33, 36))
    for node in root.walk():
        if not node.visible:
            continue
        left, top, right, bottom = node.bounds
        if node.clickable:
            draw.rounded_rectangle((left + 8, top + 8, right - 8, bottom - 8), radius=24, fill=(66, 133, 244))
        if node.text:
            colour = (255, 255, 255) if node.clickable else (32, 33, 36)
            draw.text((left + 24, (top + bottom) // 2), node.text, fill=colour, anchor="lm", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()
