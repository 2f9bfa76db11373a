"""Maestro's commands (all but the flow-control ones, ``flows.py``) read into their normal form.

Each builder (``command_input.Builder``) takes the command's argument node (a null node when the
command is written bare, as in ``- back``) and returns the normal form documented in ``model.py``, with defaults from
``defaults.py``, or None once it has reported why not.  Every command takes Maestro's ``label``
(the step's ``label``); only the taps take ``optional``.  ``REFUSED`` names the Maestro commands the
harness does not run, each with the reason the error gives.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from harness.scenario import defaults
from harness.scenario.command_input import (
    NOT_OPTIONAL,
    Builder,
    Built,
    StepInput,
    command_fields,
    label_of,
    need,
    package_of,
    scalar_or,
)
from harness.scenario.reader import is_null
from harness.scenario.selectors import read_point, read_selector

DIRECTIONS = ("UP", "DOWN", "LEFT", "RIGHT")
#: the key names ``Ui.press_key`` takes (Maestro's names, matched without regard to case)
KEYS = ("Enter", "Backspace", "Back", "Home", "Lock", "Tab", "Volume Up", "Volume Down", "Power")
_TAP_OPTIONS = ("optional", "label", "retryTapIfNoChange", "waitUntilVisible", "repeat", "delay",
                "waitToSettleTimeoutMs")
_LAUNCH_REFUSED = {
    "permissions": "the variant decides permissions (variants: NAME: permissions:); launchApp never changes them",
    "arguments": "launch arguments are not supported",
}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

_AI = "AI commands need Maestro's cloud service"
_JS = "the harness runs no JavaScript"
_IOS = "iOS only"
_WEB = "web only"
_NOT_YET = "not supported by the harness"
REFUSED = {
    "assertWithAI": _AI, "assertNoDefectsWithAI": _AI, "extractTextWithAI": _AI,
    "extractPointWithAI": _AI, "extractComponentWithAI": _AI,
    "runScript": _JS, "evalScript": _JS, "assertTrue": _JS + " (assertTrue evaluates a JavaScript condition)",
    "clearKeychain": _IOS, "openBrowser": _WEB, "resizeBrowser": _WEB,
    "setPermissions": "the variant decides permissions: use `variants: NAME: permissions:` or grant/revoke steps",
    **{name: f"{_NOT_YET} (random text would look like personal data to the detector; use inputText)"
       for name in ("inputRandomText", "inputRandomNumber", "inputRandomEmail", "inputRandomPersonName",
                    "inputRandomCityName", "inputRandomCountryName", "inputRandomColorName")},
    **{name: _NOT_YET for name in (
        "action", "assertScreenshot", "assertVisual", "addMedia", "copyTextFrom", "pasteText", "setClipboard",
        "setOrientation", "rotateDevice", "travel", "startRecording", "stopRecording", "setAirplaneMode",
        "toggleAirplaneMode", "setDarkMode", "toggleDarkMode", "assertDarkMode", "assertLightMode", "drag",
        "tapOnOcr", "assertVisibleOcr", "assertNotVisibleOcr", "setFoldPosture", "biometry", "setPickerValue",
        "shake", "sendBroadcast", "installApp", "runShellCommand")},
}


def launch_app(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = scalar_or(c, node, what, "appId", ("appId", "clearState", "stopApp", "clearKeychain", "label"),
                        unsupported=_LAUNCH_REFUSED)
    if fields is None:
        return None
    app = package_of(c, fields, "appId", what) if "appId" in fields else c.app_id
    clear = c.r.boolean(fields["clearState"], f"{what}.clearState") if "clearState" in fields else False
    stop = c.r.boolean(fields["stopApp"], f"{what}.stopApp") if "stopApp" in fields else True
    if "clearKeychain" in fields:  # iOS only; nothing to do on Android (as Maestro there)
        c.r.boolean(fields["clearKeychain"], f"{what}.clearKeychain")
    return Built({"appId": app, "clearState": bool(clear), "stopApp": stop is not False}, label_of(c, fields, what))


def app_command(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    """stopApp, killApp, clearState."""
    fields = scalar_or(c, node, what, "appId", ("appId", "label"))
    if fields is None:
        return None
    app = package_of(c, fields, "appId", what) if "appId" in fields else c.app_id
    return Built({"appId": app}, label_of(c, fields, what))


def tap(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    """tapOn, longPressOn, doubleTapOn."""
    if is_null(node):
        c.r.fail(node, f"{what}: say what to tap: a text, or a mapping of text, id, index or point")
        return None
    options = _TAP_OPTIONS if not what.startswith("doubleTapOn") else tuple(o for o in _TAP_OPTIONS if o != "repeat")
    read = read_selector(c.r, node, what, options=options)
    if read is None:
        return None
    selector, extra = read
    optional = c.r.boolean(extra["optional"], f"{what}.optional") if "optional" in extra else False
    repeat = c.r.integer(extra["repeat"], f"{what}.repeat", minimum=1, maximum=1000) if "repeat" in extra else None
    for key in ("delay", "waitToSettleTimeoutMs"):
        if key in extra:
            c.r.millis(extra[key], f"{what}.{key}")
    for key in ("retryTapIfNoChange", "waitUntilVisible"):
        if key in extra:
            c.r.boolean(extra[key], f"{what}.{key}")
    label = c.r.text(extra["label"], f"{what}.label") if "label" in extra else None
    return Built({"selector": selector, "optional": bool(optional)}, label, repeat=repeat if repeat != 1 else None)


def assert_visible(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    """assertVisible, assertNotVisible."""
    if is_null(node):
        c.r.fail(node, f"{what}: say what to look for: a text, or a mapping of text, id and index")
        return None
    read = read_selector(c.r, node, what, options=("label",), unsupported=NOT_OPTIONAL)
    if read is None:
        return None
    selector, extra = read
    if selector.point is not None:
        c.r.fail(node, f"{what}: a point is never visible; select an element")
        return None
    label = c.r.text(extra["label"], f"{what}.label") if "label" in extra else None
    return Built({"selector": selector, "timeout": defaults.LOOKUP_TIMEOUT}, label)


def extended_wait(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = command_fields(c, node, what, ("visible", "notVisible", "timeout", "label"))
    if fields is None:
        return None
    args: dict[str, Any] = {"visible": None, "notVisible": None}
    for key in ("visible", "notVisible"):
        if key in fields and (read := read_selector(c.r, fields[key], f"{what}.{key}")) is not None:
            args[key] = read[0]
    if "visible" not in fields and "notVisible" not in fields:
        c.r.fail(node, f"{what}: give `visible` or `notVisible`")
        return None
    timeout = c.r.millis(fields["timeout"], f"{what}.timeout") if "timeout" in fields else defaults.LOOKUP_TIMEOUT
    args["timeout"] = timeout if timeout is not None else defaults.LOOKUP_TIMEOUT
    return Built(args, label_of(c, fields, what))


def input_text(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = scalar_or(c, node, what, "text", ("text", "label"))
    if not need(c, node, fields, "text", f"{what}: give the text to type"):
        return None
    assert fields is not None
    text = c.r.text(fields["text"], f"{what}.text", empty=True)
    return None if text is None else Built({"text": text}, label_of(c, fields, what))


def erase_text(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = scalar_or(c, node, what, "charactersToErase", ("charactersToErase", "label"))
    if fields is None:
        return None
    count = (c.r.integer(fields["charactersToErase"], f"{what}.charactersToErase", minimum=0, maximum=100_000)
             if "charactersToErase" in fields else defaults.ERASE_COUNT)
    return None if count is None else Built({"count": count}, label_of(c, fields, what))


def no_args(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    """hideKeyboard, back, scroll."""
    fields = command_fields(c, node, what, ("label",))
    return None if fields is None else Built({}, label_of(c, fields, what))


def wait_animation(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = command_fields(c, node, what, ("timeout", "label"))
    if fields is None:
        return None
    timeout = c.r.millis(fields["timeout"], f"{what}.timeout") if "timeout" in fields else defaults.ANIMATION_TIMEOUT
    return None if timeout is None else Built({"timeout": timeout}, label_of(c, fields, what))


def swipe(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    if is_null(node):
        c.r.fail(node, f"{what}: give `direction` (UP, DOWN, LEFT, RIGHT) or `start` and `end` points")
        return None
    fields = c.r.fields(node, what, ("direction", "start", "end", "duration", "label", "waitToSettleTimeoutMs"),
                        unsupported={**NOT_OPTIONAL, "from": "swiping on an element is not supported; "
                                     "give start and end points"})
    if fields is None:
        return None
    args: dict[str, Any] = {"direction": None, "start": None, "end": None}
    if "direction" in fields:
        if "start" in fields or "end" in fields:
            c.r.fail(node, f"{what}: give `direction` or `start` and `end`, not both")
            return None
        args["direction"] = c.r.choice(fields["direction"], f"{what}.direction", DIRECTIONS, fold=True)
    elif "start" in fields and "end" in fields:
        args["start"] = read_point(c.r, fields["start"], f"{what}.start")
        args["end"] = read_point(c.r, fields["end"], f"{what}.end")
    else:
        c.r.fail(node, f"{what}: give `direction` (UP, DOWN, LEFT, RIGHT) or `start` and `end` points")
        return None
    duration = c.r.millis(fields["duration"], f"{what}.duration") if "duration" in fields else defaults.SWIPE_DURATION
    if "waitToSettleTimeoutMs" in fields:
        c.r.millis(fields["waitToSettleTimeoutMs"], f"{what}.waitToSettleTimeoutMs")
    args["duration"] = duration
    return Built(args, label_of(c, fields, what))


def scroll_until_visible(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = command_fields(c, node, what, ("element", "direction", "timeout", "speed", "visibilityPercentage",
                                      "centerElement", "waitToSettleTimeoutMs", "label"), required=("element",))
    if not fields or "element" not in fields:
        return None
    read = read_selector(c.r, fields["element"], f"{what}.element")
    direction = (c.r.choice(fields["direction"], f"{what}.direction", DIRECTIONS, fold=True)
                 if "direction" in fields else "DOWN")
    timeout = c.r.millis(fields["timeout"], f"{what}.timeout") if "timeout" in fields else defaults.SCROLL_TIMEOUT
    for key in ("speed", "visibilityPercentage", "waitToSettleTimeoutMs"):
        if key in fields:
            c.r.number(fields[key], f"{what}.{key}", minimum=0)
    if "centerElement" in fields:
        c.r.boolean(fields["centerElement"], f"{what}.centerElement")
    if read is None:
        return None
    return Built({"selector": read[0], "direction": direction or "DOWN", "timeout": timeout}, label_of(c, fields, what))


def press_key(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = scalar_or(c, node, what, "key", ("key", "label"))
    if not need(c, node, fields, "key", f"{what}: name the key: {', '.join(KEYS)}"):
        return None
    assert fields is not None
    key = c.r.choice(fields["key"], f"{what}.key", KEYS, fold=True)
    return None if key is None else Built({"key": key}, label_of(c, fields, what))


def open_link(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = scalar_or(c, node, what, "link", ("link", "browser", "autoVerify", "label"))
    if not need(c, node, fields, "link", f"{what}: give the link to open"):
        return None
    assert fields is not None
    link = c.r.text(fields["link"], f"{what}.link")
    for key in ("browser", "autoVerify"):
        if key in fields:
            c.r.boolean(fields[key], f"{what}.{key}")
    if link is not None and not _SCHEME.match(link):
        c.r.fail(fields["link"], f"{what}.link: {link!r} is not a link (expected SCHEME:..., like https://...)")
        return None
    return None if link is None else Built({"link": link}, label_of(c, fields, what))


def set_location(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = command_fields(c, node, what, ("latitude", "longitude", "label"), required=("latitude", "longitude"))
    if not fields or "latitude" not in fields or "longitude" not in fields:
        return None
    lat = c.r.number(fields["latitude"], f"{what}.latitude", minimum=-90, maximum=90)
    lon = c.r.number(fields["longitude"], f"{what}.longitude", minimum=-180, maximum=180)
    if lat is None or lon is None:
        return None
    return Built({"latitude": lat, "longitude": lon}, label_of(c, fields, what))


def take_screenshot(c: StepInput, node: yaml.Node, what: str) -> Built | None:
    fields = scalar_or(c, node, what, "path", ("path", "label"),
                        unsupported={"cropOn": "cropping a screenshot is not supported"})
    if not need(c, node, fields, "path", f"{what}: give the screenshot's name"):
        return None
    assert fields is not None
    name = c.r.text(fields["path"], f"{what}.path")
    if name is None:
        return None
    name = name[:-4] if name.lower().endswith(".png") else name
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        c.r.fail(fields["path"], f"{what}: {name!r}: give a file name (it is saved in the run's artifacts/)")
        return None
    return Built({"name": name}, label_of(c, fields, what))


BUILDERS: dict[str, Builder] = {
    "launchApp": launch_app, "stopApp": app_command, "killApp": app_command, "clearState": app_command,
    "tapOn": tap, "longPressOn": tap, "doubleTapOn": tap,
    "assertVisible": assert_visible, "assertNotVisible": assert_visible, "extendedWaitUntil": extended_wait,
    "inputText": input_text, "eraseText": erase_text, "hideKeyboard": no_args, "back": no_args, "scroll": no_args,
    "waitForAnimationToEnd": wait_animation, "swipe": swipe, "scrollUntilVisible": scroll_until_visible,
    "pressKey": press_key, "openLink": open_link, "setLocation": set_location, "takeScreenshot": take_screenshot,
}
