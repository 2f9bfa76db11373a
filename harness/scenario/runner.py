"""``harness run``: a scenario's flow replayed once per consent variant, from a clean phone each time.

For every variant, in order: the app force-stopped and its data cleared; every permission, app-op
and setting the run may change put back to what was read before the run (and read back); the
canaries seeded (before the first variant; they stay until the run ends, so every variant sees the
same data); the variant's consent applied and read back; then the targets instrumented (the
app when it is launched, every other target as it appears: ``TargetWatcher``), logcat captured,
and the steps run (``Executor``), every event stamped with the variant and the step.  Afterwards
the agents drain into the run; after the last variant the canaries are removed.  A failed step ends its variant
(``failed``, with a screenshot, the UI hierarchy and logcat in ``artifacts/``) and the next one
runs; a phone that disappears is waited for (``reconnect_timeout``), and its variant is
``incomplete``; a stop signal ends the run (``interrupted``) with everything recorded kept.  With
a second capture path (``harness.capture``: the proxy), the phone is routed to the proxy once, right
after the originals are read, and unrouted first when the run ends.  In
every case the phone is put back as it was found (what could not be is left in the host-side
journal, for the next run to repair: ``phone_state``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.capture.session import CaptureSession
from harness.device.device import Device
from harness.device.logcat import LogcatCapture
from harness.errors import AdbServerError, DeviceError, DeviceGoneError, HarnessError, StepFailedError
from harness.instrument.tracer import Tracer
from harness.instrument.watch import TargetWatcher
from harness.run import folder as run_folder
from harness.run.recording import Recording
from harness.scenario.executor import Executor, StepContext
from harness.scenario.model import Location, Scenario, Step, Variant
from harness.scenario.phone_state import PhoneState
from harness.scenario.progress import RunDisplay
from harness.signals import StopRequested
from harness.ui import Ui

log = logging.getLogger(__name__)

OK, FAILED, INCOMPLETE, INTERRUPTED, NOT_RUN = "ok", "failed", "incomplete", "interrupted", "not run"
#: the journal's label of the run's seeded canaries (seeded before the first variant, removed after the last)
SEEDED = "canaries"


@dataclass
class VariantResult:
    name: str
    status: str = NOT_RUN
    reason: str | None = None
    started: float | None = None
    finished: float | None = None
    reset_seconds: float | None = None
    steps: int = 0
    artifacts: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Canaries:
    """How the runner seeds and removes the run's canaries (``harness.scenario.canaries``)."""

    #: seed(device, journal=) -> a JSON-able record of what was added; journal(record) is called
    #: before and after every change, so a crash mid-seeding leaves a record the journal can undo
    seed: Callable[..., Any]
    remove: Callable[[Device, Any], None]          # undoes that record
    describe: Callable[[Device, Path], str]        # the run's canary file (detector format)


class ScenarioRunner:
    def __init__(self, scenario: Scenario, device: Device, recording: Recording, ui: Ui, out: Path, *,
                 canaries: Canaries, display: RunDisplay, reconnect_timeout: float = 30.0,
                 capture: CaptureSession | None = None) -> None:
        self.scenario = scenario
        self.device = device
        self.recording = recording
        self.ui = ui
        self.out = out
        self.canaries = canaries
        self.display = display
        self.reconnect_timeout = reconnect_timeout
        self.capture = capture
        self.state: PhoneState | None = None
        self.results: list[VariantResult] = []
        self.device_lost = False
        self._seeded = False  # the journal may hold a record of a failed seeding: not the same

    # ---- the run --------------------------------------------------------------------------

    def run(self, variants: list[Variant]) -> list[VariantResult]:
        """Run ``variants``; returns their results (a stop signal propagates after the cleanup)."""
        self.results = [VariantResult(v.name) for v in variants]
        self.state = PhoneState.capture(self.device, self.scenario, self.out)
        try:
            if self.capture is not None:
                self.capture.attach(self.device, self.state, self.display.note)
            for number, (variant, result) in enumerate(zip(variants, self.results, strict=True), 1):
                if self.device_lost:
                    result.reason = "the phone was gone"
                    continue
                self.display.variant_started(variant.name, number, len(variants))
                try:
                    self._variant(variant, result)
                finally:
                    self.display.variant_ended(result.status, result.reason)
        finally:
            self._leave_phone_as_found()
        return self.results

    def _leave_phone_as_found(self) -> None:
        assert self.state is not None
        if self.device_lost:
            self.display.note("run: the phone is gone: what the run changed stays in the journal "
                              f"({self.device.serial}); the next run on it repairs it")
            return
        problems: list[str] = []
        if self.capture is not None:  # first: the phone's network back without the proxy
            problems += self.capture.detach(self.device, self.state)
        if self.scenario.app:
            try:
                self.device.apps.force_stop(self.scenario.app)
            except DeviceError as exc:
                problems.append(f"stopping {self.scenario.app}: {exc}")
        problems += self._unseed_all() + self.state.restore(self.device)
        if problems:
            for problem in problems:
                self.display.note(f"run: not restored: {problem}")
            self.display.note("run: the journal keeps what could not be restored; the next run repairs it")
        else:
            self.state.discard()

    def _unseed_all(self) -> list[str]:
        assert self.state is not None
        problems = []
        for label, record in list(self.state.seeded.items()):
            try:
                self.canaries.remove(self.device, record)
                self.state.forget_seeded(label)
            except HarnessError as exc:
                problems.append(f"seeded canaries ({label}): {exc}")
        return problems

    # ---- one variant ---------------------------------------------------------------------

    def _reset(self, variant: Variant) -> None:
        assert self.state is not None
        app = self.scenario.app
        if app:
            self.device.apps.force_stop(app)
            self.device.apps.clear(app)
        problems = self.state.restore(self.device)
        if problems:
            raise StepFailedError(f"{self.scenario.path}: the phone could not be reset: {'; '.join(problems)}")
        state = self.state
        if not self._seeded:  # seeded once; every variant sees the same canaries
            state.note_seeded(SEEDED, self.canaries.seed(
                self.device, journal=lambda record: state.note_seeded(SEEDED, record)))
            self._seeded = True
        self.state.apply(self.device, variant, app)

    def _variant(self, variant: Variant, result: VariantResult) -> None:
        writer = self.recording.writer
        store = self.recording.store
        store.add_variant(variant.name, {"consent": variant.consent, "permissions": dict(variant.permissions),
                                         "appops": dict(variant.appops), "settings": dict(variant.settings)})
        writer.set_variant(variant.name)
        result.started = time.time()
        artifacts = run_folder.artifact_dir(self.out, variant.name)
        tracer: Tracer | None = None
        watcher: TargetWatcher | None = None
        logcat: LogcatCapture | None = None
        try:
            began = time.monotonic()
            self._reset(variant)
            result.reset_seconds = round(time.monotonic() - began, 3)
            logcat = LogcatCapture(self.device, artifacts / "logcat.txt", clear_first=True, poll=0.25).start()
            tracer = self.recording.tracer(variant.name)
            watcher = TargetWatcher(tracer, self._targets()).start()
            executor = Executor(self._context(variant, tracer, artifacts, result))
            executor.run(self._steps(variant))
            result.status = OK
        except KeyboardInterrupt:  # StopRequested (SIGINT, SIGTERM) included
            result.status, result.reason = INTERRUPTED, "stopped by a signal"
            raise
        except (StepFailedError, DeviceError, AdbServerError) as exc:
            if self._phone_gone(exc):
                result.status = INCOMPLETE
                result.reason = f"the phone went away: {exc}"
            else:
                result.status, result.reason = FAILED, str(exc)
                result.artifacts = self._failure_artifacts(artifacts, result.steps)
        finally:
            result.finished = time.time()
            if watcher is not None:
                watcher.stop()
            if tracer is not None:
                aborted = self.recording.stop(tracer, progress=lambda left: self.display.note(
                    f"run: storing what the hooks recorded, about {left} events left"))
                if aborted is not None:
                    raise StopRequested(aborted)
            if logcat is not None:
                logcat.stop()
            # the app keeps running until the next variant's reset (or the end of the run) stops it

    def _phone_gone(self, exc: BaseException) -> bool:
        """Is the phone still there?  Waits up to ``reconnect_timeout`` for it to come back."""
        if not isinstance(exc, DeviceGoneError | AdbServerError) and self._reachable():
            return False
        deadline = time.monotonic() + self.reconnect_timeout
        self.display.note(f"run: {self.device.serial} is not answering; waiting up to "
                          f"{self.reconnect_timeout:g} s for it to come back")
        while time.monotonic() < deadline:
            time.sleep(1.0)
            if self._reachable():
                self.display.note(f"run: {self.device.serial} is back")
                return True
        self.device_lost = True
        return True

    def _reachable(self) -> bool:
        try:
            self.device = Device.connect(self.device.serial)
            self.device.shell(["true"], timeout=10)
            return True
        except HarnessError:
            return False

    # ---- what a variant runs ---------------------------------------------------------------

    def _targets(self) -> tuple[str, ...]:
        return self.scenario.targets or ((self.scenario.app,) if self.scenario.app else ())

    def _steps(self, variant: Variant) -> tuple[Step, ...]:
        if not variant.builtin:
            return self.scenario.steps
        where = variant.where or Location(str(self.scenario.path), 1, 1)
        launch = (Step("launchApp", {"appId": None, "clearState": False, "stopApp": True}, where,
                       label="launch the app"),) if self.scenario.app else ()
        return (*launch, Step("idle", {"seconds": self.scenario.idle_seconds}, where,
                              label=f"idle {self.scenario.idle_seconds:g} s (no interaction)"))

    def _context(self, variant: Variant, tracer: Tracer, artifacts: Path, result: VariantResult) -> StepContext:
        writer = self.recording.writer

        def mark(step: Step) -> None:
            result.steps += 1
            writer.mark_step(result.steps, f"{step.where} {step.describe()}"[:500])
            self.display.step(f"step {result.steps}: {step.describe()}")

        def launch(package: str) -> None:
            tracer.spawn_or_launch([package], lambda: self.device.apps.launch(package), name=package)

        def check_phone() -> None:
            self.device.shell(["true"], timeout=10)  # DeviceGoneError once adb lost it

        return StepContext(device=self.device, ui=self.ui, app=self.scenario.app, variant=variant,
                           artifacts=artifacts, launch=launch, mark=mark, check_phone=check_phone)

    def _failure_artifacts(self, artifacts: Path, step: int) -> list[str]:
        """Screenshot, UI hierarchy and logcat of a failed step (each best effort)."""
        saved: list[str] = []
        stem = artifacts / f"failed-step-{step}"
        try:
            self.ui.screenshot(stem.with_suffix(".png"))
            saved.append(str(stem.with_suffix(".png")))
        except HarnessError as exc:
            log.warning("screenshot of the failed step: %s", exc)
        try:
            stem.with_suffix(".xml").write_text(self.ui.hierarchy(), encoding="utf-8")
            saved.append(str(stem.with_suffix(".xml")))
        except (HarnessError, OSError) as exc:
            log.warning("UI hierarchy of the failed step: %s", exc)
        try:
            dump = self.device.shell(["logcat", "-d", "-v", "threadtime"], check=False, timeout=30).stdout
            stem.with_suffix(".logcat.txt").write_text(dump, encoding="utf-8")
            saved.append(str(stem.with_suffix(".logcat.txt")))
        except (HarnessError, OSError) as exc:
            log.warning("logcat of the failed step: %s", exc)
        return saved


def summary(results: list[VariantResult]) -> Mapping[str, Any]:
    return {r.name: r.to_json() for r in results}
