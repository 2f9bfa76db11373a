"""Every command's normal form (model.py), whatever spelling Maestro allows; refusals named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scenario_support import located, problems, step

from harness.scenario import defaults
from harness.scenario.maestro import REFUSED
from harness.scenario.model import Point, Selector

S = Selector

NORMAL_FORMS: list[tuple[str, str, dict[str, Any]]] = [
    ("- launchApp", "launchApp", {"appId": None, "clearState": False, "stopApp": True}),
    ("- launchApp: com.other.app", "launchApp", {"appId": "com.other.app", "clearState": False, "stopApp": True}),
    ("- launchApp: {clearState: true, stopApp: false}", "launchApp",
     {"appId": None, "clearState": True, "stopApp": False}),
    ("- launchApp: {clearKeychain: true}", "launchApp", {"appId": None, "clearState": False, "stopApp": True}),
    ("- stopApp", "stopApp", {"appId": None}),
    ("- killApp: com.other.app", "killApp", {"appId": "com.other.app"}),
    ("- clearState: {appId: com.other.app}", "clearState", {"appId": "com.other.app"}),
    ("- tapOn: Accept", "tapOn", {"selector": S(text="Accept"), "optional": False}),
    ("- tapOn: {id: accept, index: 1, optional: true}", "tapOn",
     {"selector": S(id="accept", index=1), "optional": True}),
    ("- tapOn: {text: 'Acc.*', id: accept}", "tapOn", {"selector": S(text="Acc.*", id="accept"), "optional": False}),
    ("- tapOn: {point: '50%,80%'}", "tapOn", {"selector": S(point=Point(0.5, 0.8, True)), "optional": False}),
    ("- tapOn: {point: '540, 1600'}", "tapOn", {"selector": S(point=Point(540, 1600, False)), "optional": False}),
    ("- tapOn: {text: Send, retryTapIfNoChange: true, waitUntilVisible: true, waitToSettleTimeoutMs: 500}",
     "tapOn", {"selector": S(text="Send"), "optional": False}),
    ("- longPressOn: {id: message}", "longPressOn", {"selector": S(id="message"), "optional": False}),
    ("- doubleTapOn: {text: Chats, delay: 100}", "doubleTapOn", {"selector": S(text="Chats"), "optional": False}),
    ("- assertVisible: Chats", "assertVisible", {"selector": S(text="Chats"), "timeout": defaults.LOOKUP_TIMEOUT}),
    ("- assertNotVisible: {id: spinner, label: no spinner}", "assertNotVisible",
     {"selector": S(id="spinner"), "timeout": 17.0}),
    ("- extendedWaitUntil: {visible: Chats, timeout: 5000}", "extendedWaitUntil",
     {"visible": S(text="Chats"), "notVisible": None, "timeout": 5.0}),
    ("- extendedWaitUntil: {notVisible: {id: spinner}}", "extendedWaitUntil",
     {"visible": None, "notVisible": S(id="spinner"), "timeout": 17.0}),
    ("- inputText: hello", "inputText", {"text": "hello"}),
    ("- inputText: 0123", "inputText", {"text": "0123"}),
    ("- inputText: {text: \"it's; $(id) `x`\"}", "inputText", {"text": "it's; $(id) `x`"}),
    ("- eraseText", "eraseText", {"count": defaults.ERASE_COUNT}),
    ("- eraseText: 5", "eraseText", {"count": 5}),
    ("- eraseText: {charactersToErase: 7}", "eraseText", {"count": 7}),
    ("- hideKeyboard", "hideKeyboard", {}),
    ("- back", "back", {}),
    ("- back: {label: go back}", "back", {}),
    ("- scroll", "scroll", {}),
    ("- consentUi", "consentUi", {}),
    ("- waitForAnimationToEnd", "waitForAnimationToEnd", {"timeout": defaults.ANIMATION_TIMEOUT}),
    ("- waitForAnimationToEnd: {timeout: 2500}", "waitForAnimationToEnd", {"timeout": 2.5}),
    ("- swipe: {direction: up}", "swipe", {"direction": "UP", "start": None, "end": None, "duration": 0.4}),
    ("- swipe: {start: '10%,50%', end: '90%,50%', duration: 1000}", "swipe",
     {"direction": None, "start": Point(0.1, 0.5, True), "end": Point(0.9, 0.5, True), "duration": 1.0}),
    ("- swipe: {start: '100,200', end: '300,400'}", "swipe",
     {"direction": None, "start": Point(100, 200, False), "end": Point(300, 400, False), "duration": 0.4}),
    ("- scrollUntilVisible: {element: Settings}", "scrollUntilVisible",
     {"selector": S(text="Settings"), "direction": "DOWN", "timeout": defaults.SCROLL_TIMEOUT}),
    ("- scrollUntilVisible: {element: {id: footer}, direction: up, timeout: 5000, speed: 40, "
     "visibilityPercentage: 100, centerElement: false}", "scrollUntilVisible",
     {"selector": S(id="footer"), "direction": "UP", "timeout": 5.0}),
    ("- pressKey: enter", "pressKey", {"key": "Enter"}),
    ("- pressKey: {key: Volume up}", "pressKey", {"key": "Volume Up"}),
    ("- openLink: https://example.com/a?b=c", "openLink", {"link": "https://example.com/a?b=c"}),
    ("- openLink: {link: 'myapp://x', autoVerify: true, browser: false}", "openLink", {"link": "myapp://x"}),
    ("- setLocation: {latitude: 53.3438, longitude: '-6.2546'}", "setLocation",
     {"latitude": 53.3438, "longitude": -6.2546}),
    ("- takeScreenshot: consent", "takeScreenshot", {"name": "consent"}),
    ("- takeScreenshot: {path: after.png}", "takeScreenshot", {"name": "after"}),
    ("- idle", "idle", {"seconds": defaults.IDLE_SECONDS}),
    ("- idle: 8", "idle", {"seconds": 8.0}),
    ("- idle: {seconds: 2.5, label: settle}", "idle", {"seconds": 2.5}),
    ("- grant: READ_CONTACTS", "grant", {"package": None, "permission": "android.permission.READ_CONTACTS"}),
    ("- revoke: {package: com.other.app, permission: com.google.android.gms.permission.AD_ID}", "revoke",
     {"package": "com.other.app", "permission": "com.google.android.gms.permission.AD_ID"}),
    ("- appops: {android:read_contacts: ignore, COARSE_LOCATION: deny}", "appops",
     {"package": None, "ops": {"READ_CONTACTS": "ignore", "COARSE_LOCATION": "deny"}}),
    ("- appops: {package: com.other.app, ops: {READ_SMS: allow}}", "appops",
     {"package": "com.other.app", "ops": {"READ_SMS": "allow"}}),
    ("- setting: {Secure.upload_log_pref: 0, global.adb_enabled: '1'}", "setting",
     {"values": {"secure.upload_log_pref": "0", "global.adb_enabled": "1"}}),
    ("- shell: [am, broadcast, -a, 'com.vendor.PING; reboot', $(id)]", "shell",
     {"argv": ("am", "broadcast", "-a", "com.vendor.PING; reboot", "$(id)")}),
]


@pytest.mark.parametrize(("written", "command", "args"), NORMAL_FORMS, ids=[c[0] for c in NORMAL_FORMS])
def test_normal_form(tmp_path: Path, written: str, command: str, args: dict[str, Any]) -> None:
    loaded = step(tmp_path, written)
    assert (loaded.command, dict(loaded.args)) == (command, args)
    assert (loaded.where.line, loaded.where.col) == (3, 5)


def test_labels_become_the_step_label(tmp_path: Path) -> None:
    assert step(tmp_path, "- tapOn: {text: Accept, label: accept consent}").label == "accept consent"
    assert step(tmp_path, "- back: {label: go back}").describe() == "go back"


def test_tap_repeat_becomes_a_repeat_step(tmp_path: Path) -> None:
    loaded = step(tmp_path, "- tapOn: {text: Send, repeat: 3, delay: 200}")
    assert loaded.command == "repeat"
    assert loaded.args["times"] == 3 and loaded.args["while"] is None
    (inner,) = loaded.args["commands"]
    assert (inner.command, dict(inner.args)) == ("tapOn", {"selector": S(text="Send"), "optional": False})


def test_flow_control_normal_forms(tmp_path: Path) -> None:
    repeat = step(tmp_path, "- repeat: {times: 2, while: {visible: More}, commands: [back, {tapOn: More}]}")
    assert repeat.args["times"] == 2 and repeat.args["while"] == {"visible": S(text="More")}
    assert [s.command for s in repeat.args["commands"]] == ["back", "tapOn"]
    retry = step(tmp_path, "- retry: {commands: [{assertVisible: Chats}]}")
    assert retry.args["maxRetries"] == 1 and retry.args["commands"][0].command == "assertVisible"
    run = step(tmp_path, "- runFlow: {when: {notVisible: {id: chats}}, commands: [{tapOn: Accept}]}")
    assert run.args == {"file": None, "when": {"notVisible": S(id="chats")}, "env": {},
                        "commands": run.args["commands"]}
    assert run.args["commands"][0].args["selector"] == S(text="Accept")


def test_runflow_for_another_platform_is_left_out(tmp_path: Path) -> None:
    from scenario_support import scenario

    loaded = scenario(tmp_path, """
        steps:
          - runFlow: {when: {platform: iOS}, commands: [back]}
          - runFlow: {when: {platform: android}, commands: [scroll]}
    """)
    assert [s.command for s in loaded.steps] == ["runFlow"]
    assert loaded.steps[0].args["when"] is None and loaded.steps[0].args["commands"][0].command == "scroll"


@pytest.mark.parametrize("command", sorted(REFUSED))
def test_unsupported_maestro_commands_are_named(tmp_path: Path, command: str) -> None:
    found = located(problems(tmp_path, f"app: com.example.app\nsteps:\n  - {command}: x\n"))
    assert len(found) == 1
    line, col, message = found[0]
    assert (line, col) == (3, 5)
    assert f"`{command}` is a Maestro command the harness does not support" in message


@pytest.mark.parametrize(("written", "expected"), [
    ("- tapon: Accept", "unknown command 'tapon' (did you mean 'tapOn'?)"),
    ("- assertVisable: x", "unknown command 'assertVisable' (did you mean 'assertVisible'?)"),
    ("- sleep: 5", "unknown command 'sleep'"),
    ("- shell: 'rm -rf /; reboot'", "shell: give an argument list"),
    ("- shell: []", "shell: the argument list is empty"),
    ("- shell: [ls, [nested]]", "shell[1]: expected a string, got a list"),
    ("- launchApp: {permissions: {all: allow}}", "`permissions` is not supported by the harness: the variant"),
    ("- launchApp: {arguments: {a: b}}", "`arguments` is not supported"),
    ("- tapOn: {below: Title, text: X}", "`below` is not supported by the harness"),
    ("- tapOn: {text: Chats, point: '50%,50%'}", "a point inside an element"),
    ("- tapOn: {txt: Accept}", "unknown key 'txt' (did you mean 'text'?)"),
    ("- tapOn: {index: 2}", "give `text`, `id` or `point`"),
    ("- tapOn: {point: '150%,20%'}", "between 0% and 100%"),
    ("- tapOn: {point: '50%,20'}", "expected \"X%,Y%\""),
    ("- tapOn", "say what to tap"),
    ("- assertVisible: {text: Chats, optional: true}", "only tapOn, longPressOn and doubleTapOn can be optional"),
    ("- assertVisible: {point: '1,2'}", "a point is never visible"),
    ("- swipe: {direction: sideways}", "'sideways' is not one of UP, DOWN, LEFT, RIGHT"),
    ("- swipe: {direction: up, start: '1,1', end: '2,2'}", "not both"),
    ("- swipe: {from: {id: list}, direction: UP}", "`from` is not supported"),
    ("- pressKey: Escape", "'Escape' is not one of"),
    ("- openLink: not a link", "is not a link"),
    ("- setLocation: {latitude: 91, longitude: 0}", "out of range"),
    ("- setLocation: {latitude: 1}", "`longitude` is required"),
    ("- setLocation", "`latitude` and `longitude` required"),
    ("- takeScreenshot: ../../etc/x", "give a file name"),
    ("- repeat: {commands: [back]}", "give `times` or `while`"),
    ("- repeat: {times: 2}", "`commands` is required"),
    ("- repeat: {while: {platform: Android}, commands: [back]}", "the repeat would never end"),
    ("- retry: {maxRetries: 4, commands: [back]}", "4 is out of range (expected between 0 and 3)"),
    ("- runFlow: {file: a.yaml, commands: [back]}", "give `file` or `commands`"),
    ("- runFlow: {commands: [back], when: {true: '${x > 1}'}}", "JavaScript conditions are not supported"),
    ("- runFlow: {commands: [back], when: {visible: A, notVisible: B}}", "not both"),
    ("- idle: -1", "out of range"),
    ("- idle: soon", "expected a number of seconds, got the string 'soon'"),
    ("- grant: contacts", "is not an Android permission name"),
    ("- grant: {permission: READ_SMS, package: not-a-package}", "is not an Android package name"),
    ("- appops: {READ_SMS: maybe}", "'maybe' is not one of allow, ignore, deny, default, foreground"),
    ("- appops: {'bad op': allow}", "is not an app-op name"),
    ("- setting: {upload_log_pref: 1}", "expected NAMESPACE.KEY"),
    ("- setting: {device.x: 1}", "expected NAMESPACE.KEY"),
    ("- waitForAnimationToEnd: {timeout: later}", "expected a number of milliseconds"),
    ("- {tapOn: A, back: null}", "a step is a command name or a mapping of one command"),
    ("- consentUi: {optional: true}", "only tapOn, longPressOn and doubleTapOn can be optional"),
])
def test_command_errors(tmp_path: Path, written: str, expected: str) -> None:
    found = located(problems(tmp_path, f"app: com.example.app\nsteps:\n  {written}\n"))
    assert found, "no problem reported"
    assert any(expected in message for _, _, message in found), found
    assert all(line == 3 for line, _, _ in found), found


def test_consent_ui_cannot_be_a_variant_ui_step(tmp_path: Path) -> None:
    found = located(problems(tmp_path, """\
app: com.example.app
variants:
  a: {consent: given, ui: [consentUi]}
steps: [consentUi]
"""))
    assert [(line, col) for line, col, _ in found] == [(3, 28)]
    assert "cannot be one of them" in found[0][2]
