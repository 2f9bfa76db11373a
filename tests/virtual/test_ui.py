from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from harness.virtual.profile.load import load_profile
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.runtime.processes import ProcessTable
from harness.virtual.system.state import PhoneState
from harness.virtual.ui.nodes import UiNode
from harness.virtual.ui.screen import KEYCODE_BACK, KEYCODE_HOME, current_screen, dump_xml, press_key, render_png

ATTRIBUTE_ORDER = ["index", "text", "resource-id", "class", "package", "content-desc", "checkable", "checked",
                   "clickable", "enabled", "focusable", "focused", "scrollable", "long-clickable", "password",
                   "selected", "bounds"]


@pytest.fixture
def table(tmp_path: Path) -> Iterator[ProcessTable]:
    processes = ProcessTable(PhoneState.create(tmp_path / "state", load_profile("default")))
    yield processes
    processes.shutdown()


def home_xml(table: ProcessTable) -> str:
    return dump_xml(current_screen(table).hierarchy(1080, 2400), 1080, 2400)


def test_home_dump_format(table: ProcessTable) -> None:
    xml = home_xml(table)
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">")
    assert "\n" not in xml and xml.endswith("</hierarchy>")
    for attributes in re.findall(r"<node ([^>]*?)/?>", xml):
        assert re.findall(r'(\S+)="', attributes) == ATTRIBUTE_ORDER
    root = ET.fromstring(xml)
    labels = {n.get("text") for n in root.iter("node") if n.get("clickable") == "true"}
    assert labels == {"Settings", "Messenger", "SMS Backup", "Weather"}
    assert all(n.get("package") == "com.android.launcher3" for n in root.iter("node"))


def center(xml: str, text: str) -> tuple[int, int]:
    node = next(n for n in ET.fromstring(xml).iter("node") if n.get("text") == text)
    left, top, right, bottom = map(int, re.findall(r"\d+", node.get("bounds") or ""))
    return (left + right) // 2, (top + bottom) // 2


def test_tapping_an_app_launches_it_and_keys_go_back(table: ProcessTable) -> None:
    x, y = center(home_xml(table), "Weather")
    current_screen(table).on_tap(x, y)
    assert table.foreground() == "com.example.weather" and table.pids("com.example.weather")
    app = ET.fromstring(dump_xml(current_screen(table).hierarchy(1080, 2400), 1080, 2400))
    assert any(n.get("text") == "Weather" for n in app.iter("node"))
    assert {n.get("package") for n in app.iter("node")} == {"com.example.weather"}
    press_key(table, KEYCODE_BACK)
    assert table.foreground() is None and table.is_running("com.example.weather")
    table.start("com.example.weather")
    press_key(table, KEYCODE_HOME)
    assert table.foreground() is None


def test_bounds_are_clipped_and_invisible_nodes_skipped() -> None:
    hidden = UiNode("android.view.View", (0, 0, 10, 10), "p", text="secret", visible=False)
    tricky = UiNode("android.widget.TextView", (-5, 100, 2000, 3000), "p", text='a<b>&"c"\x01\n')
    root = UiNode("android.widget.FrameLayout", (0, 0, 1080, 2400), "p", children=[hidden, tricky])
    xml = dump_xml(root, 1080, 2400)
    nodes = list(ET.fromstring(xml).iter("node"))
    assert len(nodes) == 2
    assert nodes[1].get("index") == "0" and nodes[1].get("bounds") == "[0,100][1080,2400]"
    assert nodes[1].get("text") == 'a<b>&"c".\n'
    assert "secret" not in xml


def test_screenshot_is_a_png_of_the_screen(table: ProcessTable) -> None:
    png = render_png(current_screen(table).hierarchy(1080, 2400), 1080, 2400)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1080, 2400)


def test_app_screens_plug_in(tmp_path: Path) -> None:
    taps: list[tuple[int, int]] = []

    class Counter:
        def hierarchy(self, width: int, height: int) -> UiNode:
            return UiNode("android.widget.Button", (0, 0, width, height), "com.example.messenger",
                          text=f"taps={len(taps)}", clickable=True)

        def on_tap(self, x: int, y: int) -> None:
            taps.append((x, y))

        def on_text(self, text: str) -> None:
            pass

        def on_set_text(self, node: UiNode, text: str) -> bool:
            return False

        def on_key(self, code: int) -> bool:
            return True

    def factory(spec: PackageSpec, processes: ProcessTable) -> Counter | None:
        return Counter() if spec.name == "com.example.messenger" else None

    table = ProcessTable(PhoneState.create(tmp_path / "state", load_profile("default")), screen_factory=factory)
    try:
        table.start("com.example.messenger")
        current_screen(table).on_tap(5, 5)
        assert "taps=1" in dump_xml(current_screen(table).hierarchy(100, 100), 100, 100)
        press_key(table, KEYCODE_BACK)   # the app handles BACK itself
        assert table.foreground() == "com.example.messenger"
    finally:
        table.shutdown()
