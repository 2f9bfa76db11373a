"""A scenario as the runner sees it: what ``harness.scenario.load`` makes of a YAML file.

Every ``Step`` keeps where it came from (``Location``: file, line, column) so a failure names the
line of the flow.  ``Step.args`` is the command's argument in one normal form per command,
whatever spelling the file used (Maestro allows a string or a mapping for most commands):

    launchApp            {"appId": str | None, "clearState": bool, "stopApp": bool}
    stopApp, killApp, clearState      {"appId": str | None}
    tapOn, longPressOn, doubleTapOn   {"selector": Selector, "optional": bool}
    assertVisible, assertNotVisible   {"selector": Selector, "timeout": float (s)}
    inputText            {"text": str}
    eraseText            {"count": int}
    hideKeyboard, back, scroll, consentUi    {}
    waitForAnimationToEnd                    {"timeout": float (s)}
    swipe                {"direction": "UP"|"DOWN"|"LEFT"|"RIGHT" | None,
                          "start": Point | None, "end": Point | None, "duration": float (s)}
    scrollUntilVisible   {"selector": Selector, "direction": "UP"|"DOWN"|"LEFT"|"RIGHT", "timeout": float}
    extendedWaitUntil    {"visible": Selector | None, "notVisible": Selector | None, "timeout": float}
    pressKey             {"key": str}        (Maestro's names: Enter, Back, Home, Backspace, ...)
    openLink             {"link": str}
    setLocation          {"latitude": float, "longitude": float}
    takeScreenshot       {"name": str}
    repeat               {"times": int | None, "while": Condition | None, "commands": tuple[Step, ...]}
    retry                {"maxRetries": int, "commands": tuple[Step, ...]}
    runFlow              {"file": Path | None, "when": Condition | None, "commands": tuple[Step, ...],
                          "env": Mapping[str, str]}   (a file's commands are loaded into "commands")
    idle                 {"seconds": float}
    grant, revoke        {"package": str | None, "permission": str}   (None: the scenario's app)
    appops               {"package": str | None, "ops": Mapping[str, str]}
    setting              {"values": Mapping[str, str]}   ("namespace.key" -> value)
    shell                {"argv": tuple[str, ...]}

A ``Condition`` is ``{"visible": Selector}`` or ``{"notVisible": Selector}``.  Timeouts are
seconds (the file writes Maestro's milliseconds where Maestro does).  ``${NAME}`` is substituted
in every string before this form is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.ui.selector import Point, Selector

Consent = Literal["given", "withheld"]
Direction = Literal["UP", "DOWN", "LEFT", "RIGHT"]
#: The variant every scenario has: launch the app and idle, before the user could say anything.
PRE_CONSENT = "pre_consent"

__all__ = ["PRE_CONSENT", "CanarySpec", "Condition", "Consent", "Direction", "Location", "Point", "Scenario",
           "Selector", "Step", "Variant"]

Condition = Mapping[str, Selector]


@dataclass(frozen=True)
class Location:
    """Where something was written: ``FILE:LINE:COL`` (1-based, as editors count)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Step:
    """One command of a flow."""

    command: str
    args: Mapping[str, Any]
    where: Location
    label: str | None = None

    def describe(self) -> str:
        """A short line for progress and errors, e.g. ``tapOn text 'Accept'``."""
        if self.label:
            return self.label
        shown = []
        for key, value in self.args.items():
            if key in ("commands", "timeout") or value is None or value is False or value == {}:
                continue
            if isinstance(value, Selector):
                shown.append(str(value))
            elif key in ("text", "seconds", "link", "key", "name", "permission", "argv", "appId"):
                shown.append(repr(value) if isinstance(value, str) else str(value))
            elif value is not True:
                shown.append(f"{key}={value}")
        return " ".join([self.command, *shown])


@dataclass(frozen=True)
class Variant:
    """One consent state the flow runs under."""

    name: str
    consent: Consent
    permissions: Mapping[str, Literal["grant", "revoke"]] = field(default_factory=dict)
    appops: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, str] = field(default_factory=dict)   # "namespace.key" -> value
    ui: tuple[Step, ...] = ()
    where: Location | None = None
    #: built in (pre_consent): launch the app and idle, instead of the scenario's steps
    builtin: bool = False


@dataclass(frozen=True)
class CanarySpec:
    """The personal data to seed: ``declared`` in the detector's canary format (contacts, sms,
    call_log, location, clipboard, accounts) and/or ``auto`` (generated per run)."""

    declared: Mapping[str, Any] = field(default_factory=dict)
    auto: bool = False


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    app: str | None
    apk: Path | None
    targets: tuple[str, ...]          # packages, process names, globs (com.vendor.*); default (app,)
    hooks: tuple[str, ...] | None     # None: every module
    canaries: CanarySpec
    variants: tuple[Variant, ...]     # pre_consent first
    steps: tuple[Step, ...]
    expect: Any                       # validated and stored; evaluated by the verdict stage
    env: Mapping[str, str]
    first_party: tuple[str, ...] = ()
    #: the scenario file and every subflow file it runs (copied into the run folder)
    sources: tuple[Path, ...] = ()
    #: how long idle waits by default, and pre_consent's idle
    idle_seconds: float = 10.0

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(name)
