"""The seeded location as apps see it (the virtual phone's LocationManager, in-process), its removal,
and the clipboard seeded through a clipboard access (the uiautomator2 server's role)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from canary_support import HOSTILE, ToolShellDevice

from harness.errors import CommandFailedError, ConfigError, UiError
from harness.scenario.canary_seed import NO_CLIPBOARD, SeededCanaries, seed_canaries
from harness.testing.virtual import ToolShell, tool_shell
from harness.virtual.system.location import REAL_WHEREABOUTS

SYDNEY = {"lat": -33.856812, "lon": 151.215297}


@pytest.fixture
def sh(tmp_path: Path) -> Iterator[ToolShell]:
    with tool_shell(tmp_path / "state") as shell:
        yield shell


def gps(sh: ToolShell) -> dict[str, object]:
    fix: dict[str, object] = sh.phone.location.app_view()["providers"]["gps"]["fix"]
    return fix


def mock_mode(sh: ToolShell) -> str:
    return sh("appops get com.android.shell MOCK_LOCATION").stdout


class Clipboard:
    """What a uiautomator2.Device offers for the clipboard."""

    def __init__(self, text: str | None) -> None:
        self.clipboard: str | None = text
        self.sets: list[str] = []

    def set_clipboard(self, text: str, label: str | None = None) -> None:
        self.sets.append(text)
        self.clipboard = text


@pytest.mark.parametrize("before", [None, "deny", "allow"])
def test_location_seen_by_apps_then_the_real_one_and_the_op_restored(sh: ToolShell, before: str | None) -> None:
    if before is not None:
        sh(f"appops set com.android.shell MOCK_LOCATION {before}")
    was = mock_mode(sh).splitlines()[0].split(";")[0]
    device = ToolShellDevice(sh)
    seeded = seed_canaries(device, {"location": SYDNEY}, sdk=34)
    assert (gps(sh)["latitude"], gps(sh)["longitude"], gps(sh)["mock"]) == (SYDNEY["lat"], SYDNEY["lon"], True)
    assert seeded.location is not None and seeded.location.mock_mode_before == (before or "default")
    assert seeded.remove(device) == []
    assert (gps(sh)["latitude"], gps(sh)["mock"]) == (REAL_WHEREABOUTS.latitude, False)
    expected = f"MOCK_LOCATION: {before or 'default'}"
    assert mock_mode(sh).startswith(expected), (was, mock_mode(sh))
    assert seeded.empty


def test_location_argument_is_one_word(sh: ToolShell) -> None:
    device = ToolShellDevice(sh)
    seed_canaries(device, {"location": {"lat": 48.858401, "lon": -2.294501}}, sdk=34)
    assert ["cmd", "location", "providers", "set-test-provider-location", "gps", "--location",
            "48.858401,-2.294501"] in device.commands


def test_a_failing_step_removes_what_was_seeded(sh: ToolShell, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: the location fails after the SMS went in; the SMS is taken away again."""
    device = ToolShellDevice(sh)
    journal: list[dict[str, object]] = []

    def broken(*args: object, **kwargs: object) -> None:
        raise CommandFailedError(device.serial, "cmd location", 255, "boom")

    monkeypatch.setattr("harness.device.seed.Seeder.set_test_location", broken)
    with pytest.raises(CommandFailedError):
        seed_canaries(device, {"sms": [{"address": "+14155550150", "body": "seeded then failed"}],
                               "location": SYDNEY}, sdk=34, journal=journal.append)
    assert "No result found." in sh("content query --uri content://sms").stdout
    assert SeededCanaries.from_json(journal[-1]).empty, "the journal ends with nothing left to undo"
    assert not mock_mode(sh).startswith("MOCK_LOCATION: allow")


def test_clipboard_seeded_through_an_access_and_put_back(sh: ToolShell) -> None:
    device, clip = ToolShellDevice(sh), Clipboard("the user's clip")
    seeded = seed_canaries(device, {"clipboard": [HOSTILE]}, sdk=34, clipboard=clip)
    assert clip.clipboard == HOSTILE and seeded.clipboard is not None
    restored = SeededCanaries.from_json(seeded.to_json())
    assert restored.remove(device) == ["clipboard: not restored (no clipboard access given)"]
    assert restored.remove(device, clipboard=clip) == []
    assert clip.clipboard == "the user's clip" and restored.empty


def test_clipboard_replaced_since_is_left_alone(sh: ToolShell) -> None:
    device, clip = ToolShellDevice(sh), Clipboard(None)
    seeded = seed_canaries(device, {"clipboard": "secret clip"}, sdk=34, clipboard=clip)
    clip.clipboard = "copied by the user later"
    assert seeded.remove(device, clipboard=clip) == []
    assert clip.clipboard == "copied by the user later"


def test_clipboard_and_accounts_without_an_adb_way_are_skipped_and_said(sh: ToolShell,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    device = ToolShellDevice(sh)
    with caplog.at_level("INFO"):
        seeded = seed_canaries(device, {"clipboard": ["secret clip"], "accounts": ["user.x@example.com"]}, sdk=34)
    assert NO_CLIPBOARD in seeded.skipped and "no adb command that sets the clipboard" in caplog.text
    assert "no adb command that adds an account" in caplog.text
    assert seeded.empty and seeded.remove(device) == []


class BrokenClipboard(Clipboard):
    def set_clipboard(self, text: str, label: str | None = None) -> None:
        raise RuntimeError("uiautomator2 server gone")


def test_a_failing_clipboard_access_is_a_ui_error_and_nothing_stays(sh: ToolShell) -> None:
    device = ToolShellDevice(sh)
    with pytest.raises(UiError, match="the clipboard could not be read or set: uiautomator2 server gone"):
        seed_canaries(device, {"sms": [{"address": "+14155550150", "body": "seeded before the clip"}],
                               "clipboard": "secret clip"}, sdk=34, clipboard=BrokenClipboard("before"))
    assert "No result found." in sh("content query --uri content://sms").stdout


def test_damaged_records(sh: ToolShell) -> None:
    with pytest.raises(ConfigError, match="the seeded-canaries record is damaged"):
        SeededCanaries.from_json({"serial": "x", "items": [{"kind": "sms"}]})
    record = SeededCanaries.from_json({"serial": "toolshell", "items": [
        {"kind": "sms", "values": {"address": "+1"}, "after": 0}, {"kind": "fax", "values": {}, "after": 0}]})
    problems = record.remove(ToolShellDevice(sh))
    assert problems[0].startswith("fax being seeded: could not be removed:") and "unknown kind 'fax'" in problems[0]
    assert problems[1].startswith("sms being seeded: the record is damaged (KeyError('body')")
    with pytest.raises(ConfigError, match="seeded on elsewhere, not on toolshell"):
        SeededCanaries("elsewhere").remove(ToolShellDevice(sh))
