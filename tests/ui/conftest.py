"""Fixtures of the UI adapter tests: both adapters on the shared virtual phone, and the
messenger app's consent and chat screens to drive."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ui_support import MESSENGER

from harness.device.device import Device
from harness.ui import UI_KINDS, Selector, make_ui
from harness.ui.base import HierarchyUi
from harness.virtual.manager import RunningPhone


@pytest.fixture(scope="module")
def device(phone: RunningPhone) -> Device:
    return Device.connect(phone.serial)


@pytest.fixture(scope="module")
def uis(device: Device) -> Iterator[dict[str, HierarchyUi]]:
    """Both adapters on the shared phone, for the module; closed (u2 server stopped) after it."""
    made: dict[str, HierarchyUi] = {}
    try:
        for kind in UI_KINDS:
            ui = make_ui(kind, device)
            assert isinstance(ui, HierarchyUi)
            made[kind] = ui
        yield made
    finally:
        for ui in made.values():
            ui.close()
        if device.apps.pid(MESSENGER) is not None:
            device.apps.force_stop(MESSENGER)


@pytest.fixture(params=UI_KINDS)
def ui(request: pytest.FixtureRequest, uis: dict[str, HierarchyUi]) -> HierarchyUi:
    return uis[request.param]


@pytest.fixture
def consent(device: Device, uis: dict[str, HierarchyUi]) -> Iterator[None]:
    """The messenger freshly started on its consent screen (Accept / Reject), logcat cleared."""
    device.apps.force_stop(MESSENGER)
    device.shell(["logcat", "-c"])
    device.apps.launch(MESSENGER)
    assert uis["shell"].visible(Selector(text="Reject"), timeout=60)
    yield
    device.apps.force_stop(MESSENGER)


@pytest.fixture
def chats(consent: None, uis: dict[str, HierarchyUi]) -> None:
    """The messenger's chat screen (consent rejected), its message field empty and focused."""
    uis["shell"].tap(Selector(id="reject"), timeout=10)
    assert uis["shell"].visible(Selector(id="message"), timeout=20)
    uis["shell"].tap(Selector(id="message"), timeout=10)
