"""From a run to its report document (``harness.report.shape.ReportDoc``).

``build_report(store, options)`` reads the run three times, streaming, so a run of any size is
reported in the memory of its flows, findings and timeline (each bounded):

1. every event: the host -> IP answers (``AddressBook``), the timeline, events per variant, and
   what the cross-check of the two capture paths needs (``harness.capture.crosscheck``);
2. the egress events through the detector, with the run's own canaries: findings filed into flows
   (a proxy event matched to hook events counts under the hooked process and SDK: one flow);
3. the events chosen as evidence: their payloads explained (the canary marked in its decoded layer).

Then the consent diff (``compare.consent``), the expectations (``compare.expect``) and the verdict.
A damaged event row is skipped and counted in ``problems``; a run cut short is reported as broken.
"""

from __future__ import annotations

import base64
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import __version__
from harness.capture.crosscheck import CrossCheck
from harness.compare.addresses import AddressBook
from harness.compare.consent import judge
from harness.compare.expect import evaluate, parse_rules
from harness.compare.flows import NO_VARIANT, FlowBuilder, FlowKey
from harness.compare.geo import GeoDb
from harness.detect.canaries import CanarySet, load_canaries_text, merge_canary_sets
from harness.detect.destinations import Destinations, TrackerDb
from harness.detect.detector import Detector, Finding
from harness.detect.items import items_from_events
from harness.errors import HarnessError
from harness.events import EGRESS_KINDS, Event
from harness.record.reader import iter_events
from harness.record.status import run_status
from harness.record.view import RunView
from harness.report.countries import countries_table
from harness.report.evidence import explain
from harness.report.shape import (
    SCHEMA_ID,
    DeviceInfo,
    FindingEvidence,
    Flow,
    GeoInfo,
    ReportDoc,
    RunInfo,
    Screenshot,
    TimelineEvent,
    VariantInfo,
)
from harness.report.verdict import verdict_of
from harness.scenario.model import PRE_CONSENT

log = logging.getLogger(__name__)

#: Screenshots of failed steps embedded in the report up to this size each.
SCREENSHOT_CAP = 2 * 1024 * 1024
_STATUS_RANK = {"violation": 0, "allowed": 1, "consented": 2, "observed": 3, "suspected": 4}


@dataclass
class ReportOptions:
    geo: GeoDb
    trackers: TrackerDb
    max_findings: int = 2000       # findings explained in the document (each flow has at least one)
    max_timeline: int = 20_000     # events listed in the timeline
    problems: list[str] = field(default_factory=list)  # filled: rows skipped, canaries unreadable ...


def _step_label(name: str) -> str:
    """``/path/to/scenario.yaml:25:5 tapOn text 'Accept'`` -> ``scenario.yaml:25 tapOn text 'Accept'``."""
    where, _, what = name.partition(" ")
    parts = where.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return f"{Path(parts[0]).name}:{parts[1]} {what}".strip()
    return name


def _canaries(view: RunView, problems: list[str]) -> CanarySet:
    sets = []
    for name, text in view.canaries:
        try:
            sets.append(load_canaries_text(text, f"{view.path}: stored canaries {name!r}"))
        except HarnessError as exc:
            problems.append(str(exc))
    if not sets:
        problems.append(f"{view.path}: the run holds no canaries: only identifier shapes were looked for")
        return CanarySet()
    return merge_canary_sets(sets, str(view.path))


def _device(view: RunView) -> DeviceInfo:
    facts = view.device_facts
    frida = facts.get("frida") if isinstance(facts.get("frida"), dict) else {}

    def text(key: str) -> str | None:
        value = facts.get(key)
        return str(value) if value not in (None, "") else None

    sdk = facts.get("sdk")
    rooted = facts.get("rooted")
    return DeviceInfo(
        serial=text("serial") or (str(view.meta["device_serial"]) if view.meta.get("device_serial") else None),
        model=text("model"), manufacturer=text("manufacturer"), android=text("release"),
        sdk=sdk if isinstance(sdk, int) else None, fingerprint=text("fingerprint"),
        security_patch=text("security_patch"), build_id=text("build_id"),
        rooted=rooted if isinstance(rooted, bool) else None,
        frida_server=str(frida["server_version"]) if isinstance(frida, dict) and frida.get("server_version") else None,
    )


class _Run:
    """One report being built (the three passes share this state)."""

    def __init__(self, store: Path, folder: Path | None, options: ReportOptions) -> None:
        self.store, self.options = store, options
        self.folder, self.shown = folder or store.parent, folder or store  # artifacts are in the folder
        self.view = RunView(store)
        meta = self.view.meta
        self.variant_order = [str(v) for v in meta.get("variants") or []] or list(self.view.variant_settings)
        for name in self.view.variant_settings:
            if name not in self.variant_order:
                self.variant_order.append(name)
        self.consent = {name: str(settings.get("consent", "withheld" if name == PRE_CONSENT else "unknown"))
                        for name, settings in self.view.variant_settings.items()}
        for name in self.variant_order:
            self.consent.setdefault(name, "withheld" if name == PRE_CONSENT else "unknown")
        self.labels = {(s.variant or NO_VARIANT, s.index): _step_label(s.name) for s in self.view.steps}
        first_party = [str(d) for d in meta.get("first_party") or [] if isinstance(d, str)]
        app = meta.get("app") if isinstance(meta.get("app"), str) else None
        self.destinations = Destinations(options.trackers, first_party, app)
        self.detector = Detector(_canaries(self.view, options.problems), destinations=self.destinations)
        self.addresses = AddressBook()
        self.cross = CrossCheck(meta)
        self.timeline: list[TimelineEvent] = []
        self.events_per_variant: Counter[str] = Counter()
        self.findings: list[tuple[int, Finding, FlowKey]] = []
        self.builder = FlowBuilder(self.destinations, options.geo, self.addresses, consent=self.consent,
                                   step_labels=self.labels, variant_order=self.variant_order)

    def skipped(self, exc: Exception) -> None:
        self.options.problems.append(str(exc))

    def read_all(self) -> None:
        for event in iter_events(self.store, on_error=self.skipped):
            self.addresses.learn(self.cross.observe(event))
            variant = event.variant or NO_VARIANT
            self.events_per_variant[variant] += 1
            if len(self.timeline) < self.options.max_timeline:
                self.timeline.append(self._timeline_row(event, variant))

    def _timeline_row(self, event: Event, variant: str) -> TimelineEvent:
        dest = event.dest
        shown = None
        if dest is not None:
            shown = dest.address or dest.url or (f"{dest.host or dest.ip}:{dest.port}" if dest.port else
                                                 dest.host or dest.ip)
        return TimelineEvent(
            id=event.id, ts=event.ts, variant=event.variant, step=event.step,
            step_label=self.labels.get((variant, event.step)) if event.step is not None else None,
            process=event.process, kind=event.kind, api=event.api, destination=shown, sdk=event.sdk,
            data_len=event.data_len if event.data_len is not None else (len(event.data) if event.data else None),
            flows=[],
        )

    def detect(self) -> None:
        for stored in iter_events(self.store, kinds=EGRESS_KINDS, on_error=self.skipped):
            event = self.cross.adjust(stored)
            for item in items_from_events([event]):
                try:
                    found = self.detector.scan_item(item, lambda _notice: None)
                except Exception as exc:  # one hostile item must not cost the report: said, and skipped
                    log.debug("event %d: analysis failed", event.id, exc_info=True)
                    self.options.problems.append(f"{self.store}: event {event.id}: could not be analysed "
                                                 f"({type(exc).__name__}: {exc})")
                    continue
                for finding in found:
                    self.findings.append((event.id, finding, self.builder.add(event, finding)))

    def evidence(self, flows: list[Flow]) -> list[FindingEvidence]:
        rank = {f["id"]: (_STATUS_RANK.get(f["status"], 9), n) for n, f in enumerate(flows)}
        ordered = sorted(self.findings, key=lambda t: (rank[self.builder.flow_id(t[2])], t[0]))
        firsts: list[int] = []
        seen_flows: set[FlowKey] = set()
        for index, entry in enumerate(ordered):  # every flow's first finding, then the rest by rank
            if entry[2] not in seen_flows:
                seen_flows.add(entry[2])
                firsts.append(index)
        taken = set(firsts)
        room = max(0, self.options.max_findings - len(firsts))
        extra = [i for i in range(len(ordered)) if i not in taken][:room]
        chosen = [ordered[i] for i in sorted(taken.union(extra))]
        wanted: dict[int, list[tuple[Finding, FlowKey]]] = {}
        for event_id, finding, key in chosen:
            wanted.setdefault(event_id, []).append((finding, key))
        explained: list[FindingEvidence] = []
        if not wanted:
            return explained
        for event in iter_events(self.store, kinds=EGRESS_KINDS, id_range=(min(wanted), max(wanted) + 1),
                                 on_error=lambda _exc: None):
            for finding, key in wanted.get(event.id, ()):
                explained.append(explain(self.detector, event, finding, flow=self.builder.flow_id(key)))
        explained.sort(key=lambda e: (rank.get(e["flow"] or "", (9, 0)), e["event_id"]))
        return explained

    def link_timeline(self) -> None:
        by_event: dict[int, set[str]] = {}
        for event_id, _finding, key in self.findings:
            by_event.setdefault(event_id, set()).add(self.builder.flow_id(key))
        for row in self.timeline:
            row["flows"] = sorted(by_event.get(row["id"], ()), key=lambda f: int(f[1:]))

    def variants(self, flows: list[Flow]) -> list[VariantInfo]:
        results = self.view.meta.get("variant_results")
        results = results if isinstance(results, dict) else {}
        infos: list[VariantInfo] = []
        names = list(self.variant_order)
        if not names and self.events_per_variant:
            names = sorted(self.events_per_variant)
        for name in names:
            result = results.get(name) if isinstance(results.get(name), dict) else None
            status = str(result.get("status")) if result else ("ok" if name == NO_VARIANT else "not run")
            reason = result.get("reason") if result else None
            steps = result.get("steps") if result else None
            mine = [f for f in flows if f["variant"] == name]
            infos.append(VariantInfo(
                name=name, consent=self.consent.get(name, "unknown"), builtin=name == PRE_CONSENT, status=status,
                reason=str(reason) if reason else None,
                failed_step=steps if status == "failed" and isinstance(steps, int) else None,
                events=self.events_per_variant.get(name, 0), flows=len(mine),
                violations=sum(1 for f in mine if f["status"] == "violation"),
                screenshots=self._screenshots(result.get("artifacts") if result else None),
            ))
        if not self.variant_order and NO_VARIANT in self.events_per_variant and not infos:
            infos.append(VariantInfo(name=NO_VARIANT, consent="unknown", builtin=False, status="ok", reason=None,
                                     failed_step=None, events=self.events_per_variant[NO_VARIANT],
                                     flows=len(flows), violations=0, screenshots=[]))
        return infos

    def given_ran(self) -> bool:
        """A variant where consent was given ran to its end (the consent diff compares with it)."""
        results = self.view.meta.get("variant_results")
        results = results if isinstance(results, dict) else {}
        return any(self.consent.get(name) == "given" and isinstance(result, dict) and result.get("status") == "ok"
                   for name, result in results.items())

    def _screenshots(self, artifacts: Any) -> list[Screenshot]:
        shots: list[Screenshot] = []
        for entry in artifacts if isinstance(artifacts, list) else []:
            path = Path(str(entry))
            if path.suffix.lower() != ".png":
                continue
            try:
                relative = str(path.resolve().relative_to(self.folder.resolve()))
            except (ValueError, OSError):
                relative = str(path)
            encoded = None
            try:
                if path.is_file() and path.stat().st_size <= SCREENSHOT_CAP:
                    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
            except OSError as exc:
                self.options.problems.append(f"{path}: screenshot not readable: {exc}")
            shots.append(Screenshot(name=path.name, path=relative, png_base64=encoded))
        return shots

    def run_info(self) -> RunInfo:
        meta = self.view.meta
        status = run_status(self.store)
        lost = meta.get("events_lost")
        started = meta.get("created")
        ended = meta.get("closed") or meta.get("finished")
        return RunInfo(
            path=str(self.shown),
            scenario=str(meta["scenario_name"]) if meta.get("scenario_name") else None,
            scenario_file=str(meta["scenario"]) if meta.get("scenario") else None,
            app=str(meta["app"]) if meta.get("app") else None, status=status.state,
            stop_reason=str(meta["stop_reason"]) if meta.get("stop_reason") else None,
            started=float(started) if isinstance(started, int | float) else self.view.first_ts,
            ended=float(ended) if isinstance(ended, int | float) else self.view.last_ts,
            events=self.view.event_count, events_lost=lost if isinstance(lost, int) else 0,
            harness_version=str(meta.get("harness_version") or __version__),
        )


def build_report(store: Path, options: ReportOptions, *, folder: Path | None = None,
                 progress: Callable[[str], None] | None = None) -> ReportDoc:
    """The report of the run stored at ``store`` (``folder``: its run folder, for artifacts)."""
    say = progress or (lambda _message: None)
    run = _Run(store, folder, options)
    say(f"report: reading {run.view.event_count} events")
    run.read_all()
    capture = run.cross.finish()
    say("report: looking for personal data in what left the phone")
    run.detect()
    flows = run.builder.flows()
    rules = parse_rules(run.view.meta.get("expect"), run.variant_order, f"{store}: stored scenario")
    violations = judge(flows, rules, given_ran=run.given_ran())
    expectations = evaluate(rules, flows)
    run.link_timeline()
    variants = run.variants(flows)  # after judge: their violation counts
    say(f"report: {len(flows)} flows, {len(violations)} violations; explaining the evidence")
    findings = run.evidence(flows)
    info = run.run_info()
    source = options.geo.source
    return ReportDoc(
        schema=SCHEMA_ID, generated=time.time(), run=info, device=_device(run.view),
        geoip=GeoInfo(name=source.name, licence=source.licence, date=source.date), variants=variants,
        flows=flows, violations=violations, expectations=expectations,
        countries=countries_table(flows), findings=findings, timeline=run.timeline,
        timeline_total=run.view.event_count, capture=capture,
        verdict=verdict_of(info, variants, violations, expectations),
    )
