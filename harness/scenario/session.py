"""One ``harness run``: the runner over a recording, then the run closed with what it learned.

``run_session`` repairs what an earlier crashed run left on the phone (its journal), drives the
variants (``ScenarioRunner``), and, whatever happened, stores the run's canaries (what was seeded
plus the phone's own identifiers and those the hooks saw handed out) and every variant's result,
closes the run with its stop reason, then makes the run's report (``harness.report``): printed
verdict first, and written into the run folder as ``report.json``, ``report.html`` and ``junit.xml``.
Its exit status is the verdict's (0 pass, 1 violations or failed expectations, 3 a variant broke).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from harness.capture.cleanup import undo_all
from harness.capture.session import CaptureSession
from harness.compare.geo import GeoDb
from harness.detect.destinations import TrackerDb
from harness.device.apk import ensure_installed
from harness.device.device import Device
from harness.errors import HarnessError
from harness.report.build import ReportOptions
from harness.run.recording import Recording
from harness.scenario.canary_plan import run_canaries_adapter
from harness.scenario.model import Scenario, Variant
from harness.scenario.phone_state import pending_journal
from harness.scenario.progress import RunDisplay
from harness.scenario.runner import INTERRUPTED, OK, Canaries, ScenarioRunner, summary
from harness.signals import StopRequested, StopSignals
from harness.ui.factory import make_ui

log = logging.getLogger(__name__)


def repair(device: Device, display: RunDisplay, canaries_remove: Callable[[Device, Any], None]) -> None:
    """Undo what a run that died on this phone left changed (its journal), before anything else."""
    state = pending_journal(device.serial)
    if state is None:
        return
    display.note(f"run: an earlier run ({state.run}) left {device.serial} changed; restoring it first")
    problems = undo_all(device, state)  # the proxy setting, reverse port, CA, QUIC rule: first
    for label, record in list(state.seeded.items()):
        try:
            canaries_remove(device, record)
            state.forget_seeded(label)
        except HarnessError as exc:
            problems.append(f"seeded canaries ({label}): {exc}")
    problems += state.restore(device)
    if problems:
        raise HarnessError(f"{device.serial}: the phone could not be restored from the journal of an earlier "
                           f"run: {'; '.join(problems)}")
    state.discard()


#: The report files ``harness run`` writes into the run folder.
REPORT_FILES = {"json": "report.json", "html": "report.html", "junit": "junit.xml"}


@dataclass(frozen=True)
class ReportSettings:
    """What the end-of-run report needs: the destination databases (checked before the run starts)."""

    geo: GeoDb
    trackers: TrackerDb
    quiet: bool = False  # written into the run folder only (the pytest plugin shows its own summary)

    def options(self) -> ReportOptions:
        return ReportOptions(geo=self.geo, trackers=self.trackers)


def run_session(scenario: Scenario, variants: list[Variant], device: Device, recording: Recording, *, out: Path,
                signals: StopSignals, ui_kind: str, reconnect_timeout: float, report: ReportSettings,
                capture: CaptureSession | None = None) -> int:
    display = RunDisplay(lambda: recording.writer.stats().received)
    if scenario.apk is not None and scenario.app:  # the app under test, at the APK's version
        display.note(f"run: {ensure_installed(device, scenario.apk, scenario.app)}")
    canaries = run_canaries_adapter(scenario, device)
    repair(device, display, canaries.remove)
    _store_device_facts(recording, device)
    ui = make_ui(ui_kind, device)
    runner = ScenarioRunner(scenario, device, recording, ui, out, canaries=canaries, display=display,
                            reconnect_timeout=reconnect_timeout, capture=capture)
    stop_reason, signal, aborted = "completed", None, False
    try:
        runner.run(variants)
    except KeyboardInterrupt as exc:
        signal = exc.signame if isinstance(exc, StopRequested) else "SIGINT"
        stop_reason = INTERRUPTED
        aborted = recording.lost > 0
    finally:
        with signals.shield(swallow=True):
            if capture is not None:  # the proxy stopped (its last events queued) before the run closes
                capture.close()
                recording.store.update_meta({"capture": capture.meta()})
            ui.close()
            _store_canaries(recording, canaries, device, out, runner)
            recording.store.update_meta({"variant_results": summary(runner.results)})
            if aborted:
                stop_reason = "aborted"
            closed = recording.close(stop_reason, signal, aborted=aborted)
    log.info("run: %d events stored", closed.written)
    code = _report(recording.store.path, out, report)
    if stop_reason != "completed" or any(r.status != OK for r in runner.results):
        return 3  # the verdict says so too; also when the report could not be made
    return code


def _store_device_facts(recording: Recording, device: Device) -> None:
    """The phone's build (fingerprint, security patch ...) beside what frida said, for reports and diffs."""
    try:
        facts = device.facts().to_json()
    except HarnessError as exc:
        log.warning("the phone's build facts could not be read: %s", exc)
        return
    recording.store.set_device_facts({**(recording.store.device_facts() or {}), **facts})


def _store_canaries(recording: Recording, canaries: Canaries, device: Device, out: Path,
                    runner: ScenarioRunner) -> None:
    if runner.device_lost:
        log.warning("the phone is gone: the run's canaries hold only what was seeded")
    try:
        recording.writer.flush()  # the id.read events the hooks saw are read back from the run
        text = canaries.describe(runner.device, out)
        recording.store.add_canaries(text, name="run", fmt="yaml")
    except HarnessError as exc:
        log.warning("the run's canaries could not be written: %s", exc)


def _report(store: Path, out: Path, report: ReportSettings) -> int:
    """The run's report: printed (verdict first) and written into the run folder; its exit status."""
    from harness.report.cli import load_report, report_writers, write_outputs
    from harness.report.terminal import print_report

    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    try:
        doc = load_report(out, report.options(), quiet=True)
        written = write_outputs(doc, {kind: out / name for kind, name in REPORT_FILES.items()}, report_writers(),
                                force=True, inputs=[store])
    except HarnessError as exc:
        log.error("the run is stored in %s, but its report could not be made: %s "
                  "(`harness report %s` tries again)", out, exc, out)
        return 2
    if not report.quiet:
        print_report(doc, console)
        console.print(Text(f"report: {', '.join(str(p) for p in written)}"))
    return doc["verdict"]["exit_code"]
