"""Turning a flow's steps into actions on the phone (the commands' normal forms: ``model``).

``Executor.run(steps)`` runs steps in order; each step that does something on the phone is
announced first (``mark``: the runner stamps events with it and shows progress), so an event is
attributed to the step during which it happened.  A step that cannot do what it says (an element
not found in time, a failed assertion, a device command that fails) raises ``StepFailedError``
naming the step's ``FILE:LINE:COL``; ``optional`` taps that find nothing are skipped.  Loops are
bounded: ``repeat`` at most ``MAX_REPEAT`` times, ``retry`` at most ``MAX_RETRIES``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.device.device import Device
from harness.errors import DeviceGoneError, ElementNotFoundError, HarnessError, StepFailedError
from harness.run.folder import safe_name
from harness.scenario.model import Condition, Point, Step, Variant
from harness.scenario.phone_state import split_setting
from harness.ui import Ui

log = logging.getLogger(__name__)

MAX_REPEAT = 1000
#: how often an idle step checks that the phone is still there (seconds)
PHONE_CHECK = 2.0
MAX_RETRIES = 10
#: Swipe end points for a direction (fractions of the screen): the finger moves that way.
_SWIPES = {
    "UP": (Point(0.5, 0.7, True), Point(0.5, 0.3, True)),
    "DOWN": (Point(0.5, 0.3, True), Point(0.5, 0.7, True)),
    "LEFT": (Point(0.8, 0.5, True), Point(0.2, 0.5, True)),
    "RIGHT": (Point(0.2, 0.5, True), Point(0.8, 0.5, True)),
}
#: scrolling the content one way means swiping the other
_SCROLL = {"DOWN": "UP", "UP": "DOWN", "LEFT": "RIGHT", "RIGHT": "LEFT"}


@dataclass
class StepContext:
    """What the steps act on, given by the runner for one variant."""

    device: Device
    ui: Ui
    app: str | None
    variant: Variant
    artifacts: Path
    #: instrument and launch a package (the runner attaches its tracer right after the launch)
    launch: Callable[[str], None]
    #: a step is about to run (stamps events, shows progress)
    mark: Callable[[Step], None]
    #: raises DeviceGoneError when the phone no longer answers (checked while idling)
    check_phone: Callable[[], None] = lambda: None
    #: how long a tap waits for its element (Maestro's: 17 s, 7 s for an optional one)
    tap_timeout: float = 17.0
    optional_tap_timeout: float = 7.0


class Executor:
    def __init__(self, context: StepContext) -> None:
        self.ctx = context

    def run(self, steps: Sequence[Step]) -> None:
        for step in steps:
            self.step(step)

    def step(self, step: Step) -> None:
        handler = getattr(self, f"_do_{step.command}", None)
        if handler is None:
            raise StepFailedError(f"{step.where}: {step.command}: not supported by this harness")
        if step.command not in ("repeat", "retry", "runFlow", "consentUi"):
            self.ctx.mark(step)
        try:
            handler(step, step.args)
        except (StepFailedError, DeviceGoneError, KeyboardInterrupt):
            raise
        except ElementNotFoundError as exc:
            raise StepFailedError(f"{step.where}: {step.describe()}: {exc}") from exc
        except HarnessError as exc:
            raise StepFailedError(f"{step.where}: {step.describe()}: {exc}") from exc

    # ---- the app ------------------------------------------------------------------------------

    def _package(self, step: Step, args: Any) -> str:
        package = args.get("appId") or args.get("package") or self.ctx.app
        if not package:
            raise StepFailedError(f"{step.where}: {step.command}: no appId, and the scenario has no `app:`")
        return str(package)

    def _do_launchApp(self, step: Step, args: Any) -> None:
        package = self._package(step, args)
        if args.get("stopApp", True):
            self.ctx.device.apps.force_stop(package)
        if args.get("clearState"):
            self.ctx.device.apps.clear(package)
        self.ctx.launch(package)

    def _do_stopApp(self, step: Step, args: Any) -> None:
        self.ctx.device.apps.force_stop(self._package(step, args))

    def _do_killApp(self, step: Step, args: Any) -> None:
        # as the system kills a background app; force-stop when `am kill` leaves it running
        package = self._package(step, args)
        self.ctx.device.shell(["am", "kill", package], check=False)
        if self.ctx.device.apps.pid(package) is not None:
            self.ctx.device.apps.force_stop(package)

    def _do_clearState(self, step: Step, args: Any) -> None:
        self.ctx.device.apps.clear(self._package(step, args))

    def _do_openLink(self, step: Step, args: Any) -> None:
        self.ctx.device.shell(["am", "start", "-a", "android.intent.action.VIEW", "-d", str(args["link"])])

    # ---- the screen ---------------------------------------------------------------------------

    def _tap(self, args: Any, *, long: bool = False, double: bool = False) -> None:
        timeout = self.ctx.optional_tap_timeout if args.get("optional") else self.ctx.tap_timeout
        try:
            self.ctx.ui.tap(args["selector"], timeout=timeout, long=long, double=double)
        except ElementNotFoundError:
            if not args.get("optional"):
                raise
            log.info("optional tap on %s: nothing matched; skipped", args["selector"])

    def _do_tapOn(self, step: Step, args: Any) -> None:
        self._tap(args)

    def _do_longPressOn(self, step: Step, args: Any) -> None:
        self._tap(args, long=True)

    def _do_doubleTapOn(self, step: Step, args: Any) -> None:
        self._tap(args, double=True)

    def _do_assertVisible(self, step: Step, args: Any) -> None:
        if not self.ctx.ui.visible(args["selector"], timeout=float(args.get("timeout", self.ctx.tap_timeout))):
            raise StepFailedError(f"{step.where}: assertVisible: {args['selector']} is not on the screen")

    def _do_assertNotVisible(self, step: Step, args: Any) -> None:
        if not self.ctx.ui.gone(args["selector"], timeout=float(args.get("timeout", self.ctx.tap_timeout))):
            raise StepFailedError(f"{step.where}: assertNotVisible: {args['selector']} is still on the screen")

    def _do_extendedWaitUntil(self, step: Step, args: Any) -> None:
        timeout = float(args.get("timeout", self.ctx.tap_timeout))
        if args.get("visible") is not None and not self.ctx.ui.visible(args["visible"], timeout=timeout):
            raise StepFailedError(f"{step.where}: extendedWaitUntil: {args['visible']} not visible in {timeout:g} s")
        if args.get("notVisible") is not None and not self.ctx.ui.gone(args["notVisible"], timeout=timeout):
            raise StepFailedError(f"{step.where}: extendedWaitUntil: {args['notVisible']} still visible "
                                  f"after {timeout:g} s")

    def _do_waitForAnimationToEnd(self, step: Step, args: Any) -> None:
        self.ctx.ui.wait_idle(float(args.get("timeout", 5.0)))

    def _do_inputText(self, step: Step, args: Any) -> None:
        self.ctx.ui.input_text(str(args["text"]))

    def _do_eraseText(self, step: Step, args: Any) -> None:
        self.ctx.ui.erase_text(int(args.get("count", 50)))

    def _do_hideKeyboard(self, step: Step, args: Any) -> None:
        self.ctx.ui.hide_keyboard()

    def _do_back(self, step: Step, args: Any) -> None:
        self.ctx.ui.press_key("Back")

    def _do_pressKey(self, step: Step, args: Any) -> None:
        self.ctx.ui.press_key(str(args["key"]))

    def _do_swipe(self, step: Step, args: Any) -> None:
        direction = args.get("direction")
        start, end = _SWIPES[direction] if direction else (args["start"], args["end"])
        self.ctx.ui.swipe(start, end, float(args.get("duration", 0.4)))

    def _do_scroll(self, step: Step, args: Any) -> None:
        start, end = _SWIPES["UP"]
        self.ctx.ui.swipe(start, end, 0.4)

    def _do_scrollUntilVisible(self, step: Step, args: Any) -> None:
        deadline = time.monotonic() + float(args.get("timeout", 20.0))
        start, end = _SWIPES[_SCROLL[str(args.get("direction", "DOWN"))]]
        while not self.ctx.ui.visible(args["selector"]):
            if time.monotonic() > deadline:
                raise StepFailedError(f"{step.where}: scrollUntilVisible: {args['selector']} never came into view")
            self.ctx.ui.swipe(start, end, 0.4)
            self.ctx.ui.wait_idle(2.0)

    def _do_takeScreenshot(self, step: Step, args: Any) -> None:
        self.ctx.ui.screenshot(self.ctx.artifacts / f"{safe_name(str(args.get('name', 'screenshot')))}.png")

    def _do_setLocation(self, step: Step, args: Any) -> None:
        where = f"{float(args['latitude'])},{float(args['longitude'])}"
        shell = self.ctx.device.shell
        shell(["appops", "set", "com.android.shell", "android:mock_location", "allow"])
        shell(["cmd", "location", "providers", "add-test-provider", "gps"], check=False)
        shell(["cmd", "location", "providers", "set-test-provider-enabled", "gps", "true"])
        shell(["cmd", "location", "providers", "set-test-provider-location", "gps", "--location", where])

    # ---- flow control -------------------------------------------------------------------------

    def _holds(self, condition: Condition | None) -> bool:
        if condition is None:
            return True
        if "visible" in condition:
            return self.ctx.ui.visible(condition["visible"])
        return self.ctx.ui.gone(condition["notVisible"])

    def _do_runFlow(self, step: Step, args: Any) -> None:
        if self._holds(args.get("when")):
            self.run(args.get("commands", ()))
        else:
            log.info("%s: runFlow skipped (its `when` does not hold)", step.where)

    def _do_repeat(self, step: Step, args: Any) -> None:
        times = args.get("times")
        limit = min(int(times), MAX_REPEAT) if times is not None else MAX_REPEAT
        for _ in range(limit):
            if args.get("while") is not None and not self._holds(args["while"]):
                return
            self.run(args.get("commands", ()))
        if times is None:
            raise StepFailedError(f"{step.where}: repeat: its `while` still held after {MAX_REPEAT} rounds")

    def _do_retry(self, step: Step, args: Any) -> None:
        attempts = min(int(args.get("maxRetries", 1)), MAX_RETRIES) + 1
        for attempt in range(1, attempts + 1):
            try:
                self.run(args.get("commands", ()))
                return
            except StepFailedError as exc:
                if attempt == attempts:
                    raise
                log.info("%s: retry %d of %d after: %s", step.where, attempt, attempts - 1, exc)

    def _do_consentUi(self, step: Step, args: Any) -> None:
        self.run(self.ctx.variant.ui)

    def _do_idle(self, step: Step, args: Any) -> None:
        # a stop signal interrupts the sleep; a phone that goes away is noticed within PHONE_CHECK
        deadline = time.monotonic() + max(0.0, float(args["seconds"]))
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, PHONE_CHECK))
            self.ctx.check_phone()

    # ---- consent and the shell ----------------------------------------------------------------

    def _do_grant(self, step: Step, args: Any) -> None:
        self.ctx.device.consent.grant(self._package(step, args), str(args["permission"]))

    def _do_revoke(self, step: Step, args: Any) -> None:
        self.ctx.device.consent.revoke(self._package(step, args), str(args["permission"]))

    def _do_appops(self, step: Step, args: Any) -> None:
        package = self._package(step, args)
        for op, mode in args.get("ops", {}).items():
            self.ctx.device.consent.set_appop(package, op, mode)

    def _do_setting(self, step: Step, args: Any) -> None:
        for name, value in args.get("values", {}).items():
            self.ctx.device.consent.put_setting(*split_setting(name), str(value))

    def _do_shell(self, step: Step, args: Any) -> None:
        result = self.ctx.device.shell(list(args["argv"]), check=False)
        if result.exit_code != 0:
            raise StepFailedError(f"{step.where}: shell {list(args['argv'])}: exit {result.exit_code}: "
                                  f"{result.output.strip()[-300:]}")
