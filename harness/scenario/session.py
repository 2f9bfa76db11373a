"""One ``harness run``: the runner over a recording, then the run closed with what it learned.

``run_session`` repairs what an earlier crashed run left on the phone (its journal), drives the
variants (``ScenarioRunner``), and, whatever happened, stores the run's canaries (what was seeded
plus the phone's own identifiers and those the hooks saw handed out) and every variant's result,
closes the run with its stop reason, and prints what left the phone per variant.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.device.apk import ensure_installed
from harness.device.device import Device
from harness.errors import HarnessError
from harness.events import EGRESS_KINDS
from harness.record.reader import iter_events
from harness.run.recording import Recording
from harness.scenario.canary_plan import run_canaries_adapter
from harness.scenario.model import Scenario, Variant
from harness.scenario.phone_state import pending_journal
from harness.scenario.progress import RunDisplay
from harness.scenario.runner import INTERRUPTED, OK, Canaries, ScenarioRunner, VariantResult, summary
from harness.signals import StopRequested, StopSignals
from harness.ui.factory import make_ui

log = logging.getLogger(__name__)


def repair(device: Device, display: RunDisplay, canaries_remove: Callable[[Device, Any], None]) -> None:
    """Undo what a run that died on this phone left changed (its journal), before anything else."""
    state = pending_journal(device.serial)
    if state is None:
        return
    display.note(f"run: an earlier run ({state.run}) left {device.serial} changed; restoring it first")
    problems = []
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


def run_session(scenario: Scenario, variants: list[Variant], device: Device, recording: Recording, *, out: Path,
                signals: StopSignals, ui_kind: str, reconnect_timeout: float) -> int:
    display = RunDisplay(lambda: recording.writer.stats().received)
    if scenario.apk is not None and scenario.app:  # the app under test, at the APK's version
        display.note(f"run: {ensure_installed(device, scenario.apk, scenario.app)}")
    canaries = run_canaries_adapter(scenario, device)
    repair(device, display, canaries.remove)
    ui = make_ui(ui_kind, device)
    runner = ScenarioRunner(scenario, device, recording, ui, out, canaries=canaries, display=display,
                            reconnect_timeout=reconnect_timeout)
    stop_reason, signal, aborted = "completed", None, False
    try:
        runner.run(variants)
    except KeyboardInterrupt as exc:
        signal = exc.signame if isinstance(exc, StopRequested) else "SIGINT"
        stop_reason = INTERRUPTED
        aborted = recording.lost > 0
    finally:
        with signals.shield(swallow=True):
            ui.close()
            _store_canaries(recording, canaries, device, out, runner)
            recording.store.update_meta({"variant_results": summary(runner.results)})
            if aborted:
                stop_reason = "aborted"
            closed = recording.close(stop_reason, signal, aborted=aborted)
    _report(runner.results, closed.written, recording.store.path)
    if stop_reason != "completed" or any(r.status != OK for r in runner.results):
        return 3
    return 0


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


def _report(results: list[VariantResult], written: int, store: Path) -> None:
    from harness.detect.canaries import load_canaries_text
    from harness.detect.destinations import Destinations, TrackerDb
    from harness.detect.detector import Detector
    from harness.detect.inputs import iter_run_items
    from harness.detect.render import safe_text
    from harness.record.store import RunStore

    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    for result in results:
        line = f"{result.name}: {result.status}"
        if result.reason:
            line += f" ({result.reason})"
        console.print(Text(line))
    with RunStore.open(store) as run:
        texts = [text for _name, _fmt, text in run.canaries()]
    if not texts:
        return
    detector = Detector(load_canaries_text("\n".join(texts), str(store)),
                        destinations=Destinations(TrackerDb.bundled(), [], None))
    variant_of = {e.id: e.variant for e in iter_events(store, kinds=EGRESS_KINDS)}
    flows: dict[tuple[str, str, str, str], list[int]] = {}
    for item in iter_run_items(store):
        for finding in detector.scan_item(item, lambda _notice: None):
            if finding.confidence == "canary":
                event_id = int(getattr(finding.source, "index", 0))
                key = (variant_of.get(event_id) or "-", finding.type, finding.host or "-", finding.encoding)
                flows.setdefault(key, []).append(event_id)
    if not flows:
        console.print(Text(f"Nothing seeded was found leaving the phone ({written} events recorded)."))
        return
    table = Table(title=Text(f"What left the phone ({written} events recorded)"))
    for column in ("variant", "data", "to", "encoding", "events", "first"):
        table.add_column(column)
    order = {r.name: i for i, r in enumerate(results)}
    for (variant, kind, host, encoding), ids in sorted(flows.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])):
        table.add_row(safe_text(variant), safe_text(kind), safe_text(host), safe_text(encoding),
                      Text(str(len(set(ids)))), Text(str(min(ids))))
    console.print(table)
