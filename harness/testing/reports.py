"""Factories for report documents (``harness.report.shape``), for the renderers' tests.

Each returns a valid dict with sensible defaults; any field can be overridden by keyword (an
unknown keyword raises ``TypeError``, so a typo never goes unnoticed).  ``report_doc()`` is one
coherent run: a consent-given and a consent-withheld variant, the IMEI sent to a third-party
tracker in both (consented, then a violation after refusal), a failing ``no_leak`` expectation,
one finding with the canary highlighted, and a two-event timeline.  ``diff_doc()`` compares two
builds with one flow added, one removed and one that moved country.  ``big_report_doc()`` builds
a large synthetic document for benchmarks.
"""

from __future__ import annotations

import base64
import random
from typing import Any, cast

from harness.report.shape import (
    DIFF_SCHEMA_ID,
    SCHEMA_ID,
    CountryRow,
    Destination,
    DeviceInfo,
    DiffDoc,
    DiffVerdict,
    Expectation,
    FindingEvidence,
    Flow,
    FlowChange,
    GeoInfo,
    Highlight,
    MovedCountry,
    NewDestination,
    ReportDoc,
    RunInfo,
    RunSide,
    Screenshot,
    TimelineEvent,
    VariantInfo,
    VerdictInfo,
    Violation,
)

IMEI = "352099001761481"
T0 = 1_700_000_000.0


def _fill(name: str, keys: frozenset[str], fields: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = set(overrides) - keys
    if unknown:
        raise TypeError(f"{name} has no field {', '.join(sorted(unknown))}")
    fields.update(overrides)
    return fields


def run_info(**overrides: Any) -> RunInfo:
    fields = {
        "path": "runs/demo-2025-01-01", "scenario": "demo", "scenario_file": "scenarios/demo.yaml",
        "app": "com.example.app", "status": "complete", "stop_reason": None, "started": T0, "ended": T0 + 120,
        "events": 2, "events_lost": 0, "harness_version": "0.1.0",
    }
    return cast(RunInfo, _fill("RunInfo", RunInfo.__required_keys__, fields, overrides))


def device_info(**overrides: Any) -> DeviceInfo:
    fields = {
        "serial": "emulator-5554", "model": "Pixel 7", "manufacturer": "Google", "android": "14", "sdk": 34,
        "fingerprint": "google/panther/panther:14/UQ1A.240105.004/11206848:user/release-keys",
        "security_patch": "2024-01-05", "build_id": "UQ1A.240105.004", "rooted": True, "frida_server": "17.26.2",
    }
    return cast(DeviceInfo, _fill("DeviceInfo", DeviceInfo.__required_keys__, fields, overrides))


def geo_info(**overrides: Any) -> GeoInfo:
    fields = {"name": "test country table", "licence": "CC0-1.0", "date": "2025-01-01"}
    return cast(GeoInfo, _fill("GeoInfo", GeoInfo.__required_keys__, fields, overrides))


def screenshot(**overrides: Any) -> Screenshot:
    fields = {"name": "step 2 failed", "path": "artifacts/consent_withheld/step-2.png", "png_base64": None}
    return cast(Screenshot, _fill("Screenshot", Screenshot.__required_keys__, fields, overrides))


def variant(**overrides: Any) -> VariantInfo:
    fields = {
        "name": "consent_given", "consent": "given", "builtin": False, "status": "ok", "reason": None,
        "failed_step": None, "events": 1, "flows": 1, "violations": 0, "screenshots": [],
    }
    return cast(VariantInfo, _fill("VariantInfo", VariantInfo.__required_keys__, fields, overrides))


def destination(**overrides: Any) -> Destination:
    fields = {
        "domain": "tracker.example", "host": "analytics.tracker.example", "ip": "203.0.113.7", "country": "US",
        "network": "Example Networks", "organisation": "Example Tracker Inc.", "party": "third", "channel": "net",
    }
    return cast(Destination, _fill("Destination", Destination.__required_keys__, fields, overrides))


def flow(**overrides: Any) -> Flow:
    """A consented flow: the IMEI to a third-party tracker in the consent-given variant."""
    fields = {
        "id": "F1", "variant": "consent_given", "consent": "given", "data_type": "imei", "confidence": "canary",
        "destination": destination(), "process": "com.example.app", "sdk": "com.tracker.sdk", "events": 1,
        "bytes": 96, "encodings": ["plain"], "places": ["body"], "values": [IMEI], "first_step": 1,
        "first_step_label": "tap Accept", "first_ts": T0 + 10, "evidence": [1], "evidence_total": 1,
        "status": "consented", "after_refusal": False, "allowed_by": [],
    }
    return cast(Flow, _fill("Flow", Flow.__required_keys__, fields, overrides))


def violation_flow(**overrides: Any) -> Flow:
    """A violation: the IMEI to the tracker in the consent-withheld variant, after refusal."""
    fields: dict[str, Any] = {
        "id": "F2", "variant": "consent_withheld", "consent": "withheld", "first_step_label": "tap Reject",
        "first_ts": T0 + 70, "evidence": [2], "status": "violation", "after_refusal": True,
    }
    fields.update(overrides)
    return flow(**fields)


def violation(of: Flow | None = None, **overrides: Any) -> Violation:
    """The violation of flow ``of`` (default ``violation_flow()``)."""
    f = of if of is not None else violation_flow()
    fields = {
        "flow": f["id"], "variant": f["variant"], "data_type": f["data_type"], "destination": f["destination"],
        "process": f["process"], "sdk": f["sdk"], "first_step": f["first_step"],
        "first_step_label": f["first_step_label"], "evidence": list(f["evidence"]),
        "after_refusal": f["after_refusal"],
        "message": f"{f['data_type']} to {f['destination']['host']} ({f['sdk']}) after Reject",
    }
    return cast(Violation, _fill("Violation", Violation.__required_keys__, fields, overrides))


def expectation(**overrides: Any) -> Expectation:
    fields = {
        "id": "E1.no_leak", "rule": "no_leak", "variants": ["consent_withheld"], "argument": ["imei"],
        "status": "fail", "message": "imei left the phone in consent_withheld (F2)", "flows": ["F2"],
    }
    return cast(Expectation, _fill("Expectation", Expectation.__required_keys__, fields, overrides))


def country_row(**overrides: Any) -> CountryRow:
    fields = {
        "country": "US", "name": "United States", "flows": 2, "violations": 1, "data_types": ["imei"],
        "hosts": ["analytics.tracker.example"],
    }
    return cast(CountryRow, _fill("CountryRow", CountryRow.__required_keys__, fields, overrides))


def highlights_of(text: str, canary: str, data_type: str) -> list[Highlight]:
    """A highlight for every occurrence of ``canary`` in ``text``."""
    spans: list[Highlight] = []
    start = text.find(canary) if canary else -1
    while start >= 0:
        spans.append({"start": start, "end": start + len(canary), "data_type": data_type})
        start = text.find(canary, start + len(canary))
    return spans


def finding(**overrides: Any) -> FindingEvidence:
    """The IMEI in event 2's JSON body.  Unless given, ``highlights`` mark every occurrence of the
    canary in ``decoded``, and ``full_base64``/``data_len`` follow ``raw_excerpt``."""
    fields: dict[str, Any] = {
        "event_id": 2, "flow": "F2", "variant": "consent_withheld", "step": 1, "data_type": "imei",
        "canary": IMEI, "encoding": "plain", "where": "body", "kind": "http.request",
        "api": "okhttp3.RealCall.execute", "host": "analytics.tracker.example",
        "raw_excerpt": f'POST /v1/collect HTTP/1.1\r\nHost: analytics.tracker.example\r\n\r\n{{"imei":"{IMEI}"}}',
        "raw_truncated": False, "decoded": f'{{"imei":"{IMEI}"}}', "decoded_truncated": False,
    }
    _fill("FindingEvidence", FindingEvidence.__required_keys__, fields, overrides)
    raw = str(fields["raw_excerpt"]).encode("utf-8", "surrogatepass")
    fields.setdefault("full_base64", base64.b64encode(raw).decode("ascii"))
    fields.setdefault("data_len", len(raw))
    fields.setdefault("highlights", highlights_of(str(fields["decoded"]), str(fields["canary"]),
                                                  str(fields["data_type"])))
    return cast(FindingEvidence, fields)


def timeline_event(**overrides: Any) -> TimelineEvent:
    fields = {
        "id": 1, "ts": T0 + 10, "variant": "consent_given", "step": 1, "step_label": "tap Accept",
        "process": "com.example.app", "kind": "http.request", "api": "okhttp3.RealCall.execute",
        "destination": "analytics.tracker.example:443", "sdk": "com.tracker.sdk", "data_len": 96, "flows": ["F1"],
    }
    return cast(TimelineEvent, _fill("TimelineEvent", TimelineEvent.__required_keys__, fields, overrides))


def verdict(**overrides: Any) -> VerdictInfo:
    fields = {
        "status": "fail", "exit_code": 1,
        "headline": "FAIL: imei sent to tracker.example after consent was withheld",
        "violations": 1, "failed_expectations": 1, "broken_variants": [], "privacy": "fail",
    }
    return cast(VerdictInfo, _fill("VerdictInfo", VerdictInfo.__required_keys__, fields, overrides))


def report_doc(**overrides: Any) -> ReportDoc:
    """One coherent run (see the module docstring); overriding a key replaces it whole."""
    consented, violating = flow(), violation_flow()
    fields = {
        "schema": SCHEMA_ID, "generated": T0 + 200, "run": run_info(), "device": device_info(), "geoip": geo_info(),
        "variants": [variant(), variant(name="consent_withheld", consent="withheld", violations=1)],
        "flows": [consented, violating], "violations": [violation(violating)], "expectations": [expectation()],
        "countries": [country_row()], "findings": [finding()],
        "timeline": [timeline_event(),
                     timeline_event(id=2, ts=T0 + 70, variant="consent_withheld", step_label="tap Reject",
                                    flows=["F2"])],
        "timeline_total": 2, "verdict": verdict(),
    }
    return cast(ReportDoc, _fill("ReportDoc", ReportDoc.__required_keys__, fields, overrides))


def run_side(fingerprint: str | None = None, security_patch: str | None = None, **overrides: Any) -> RunSide:
    device = device_info()
    if fingerprint is not None:
        device["fingerprint"] = fingerprint
    if security_patch is not None:
        device["security_patch"] = security_patch
    fields = {"run": run_info(), "device": device}
    return cast(RunSide, _fill("RunSide", RunSide.__required_keys__, fields, overrides))


def flow_change(**overrides: Any) -> FlowChange:
    a = flow(id="F3", data_type="contact.phone", destination=destination(host="sync.vendor.example",
             domain="vendor.example", ip="198.51.100.4", country="DE", party="first"))
    b = flow(id="F4", data_type="contact.phone", events=3, evidence=[7, 8, 9], evidence_total=3,
             destination=destination(host="sync.vendor.example", domain="vendor.example", ip="192.0.2.9",
                                     country="CN", party="first"))
    fields = {
        "key": "consent_given / contact.phone / sync.vendor.example / com.example.app / com.tracker.sdk",
        "a": a, "b": b, "changes": ["country DE -> CN", "events 1 -> 3"], "moved_country": True,
    }
    return cast(FlowChange, _fill("FlowChange", FlowChange.__required_keys__, fields, overrides))


def new_destination(**overrides: Any) -> NewDestination:
    fields = {"host": "ota.newtelemetry.example", "domain": "newtelemetry.example", "country": "SG",
              "data_types": ["installed_apps"], "flows": ["F5"]}
    return cast(NewDestination, _fill("NewDestination", NewDestination.__required_keys__, fields, overrides))


def moved_country(**overrides: Any) -> MovedCountry:
    fields = {"host": "sync.vendor.example", "domain": "vendor.example", "a_countries": ["DE"],
              "b_countries": ["CN"], "data_types": ["contact.phone"], "flows": ["F4"]}
    return cast(MovedCountry, _fill("MovedCountry", MovedCountry.__required_keys__, fields, overrides))


def diff_verdict(**overrides: Any) -> DiffVerdict:
    fields = {"status": "fail", "exit_code": 1, "regressions": 3,
              "headline": "FAIL: build B sends installed_apps to a new destination; contact.phone moved DE -> CN"}
    return cast(DiffVerdict, _fill("DiffVerdict", DiffVerdict.__required_keys__, fields, overrides))


def diff_doc(**overrides: Any) -> DiffDoc:
    """Build A vs build B: one flow added (a new data type to a new destination), one removed, one moved."""
    added = flow(id="F5", data_type="installed_apps", process="com.vendor.telemetry", sdk=None,
                 destination=destination(host="ota.newtelemetry.example", domain="newtelemetry.example",
                                         ip="203.0.113.50", country="SG", organisation=None, party="first"),
                 evidence=[11, 12], evidence_total=2, events=2, status="observed")
    removed = flow(id="F2", data_type="android_id", evidence=[4], status="consented")
    fields = {
        "schema": DIFF_SCHEMA_ID, "generated": T0 + 900,
        "a": run_side(run=run_info(path="runs/build-a")),
        "b": run_side(fingerprint="google/panther/panther:14/UQ1A.240205.002/11300000:user/release-keys",
                      security_patch="2024-02-05", run=run_info(path="runs/build-b", started=T0 + 500)),
        "forced": False, "geoip": geo_info(), "added": [added], "removed": [removed], "changed": [flow_change()],
        "new_data_types": ["installed_apps"], "new_destinations": [new_destination()],
        "moved_country": [moved_country()], "verdict": diff_verdict(),
    }
    return cast(DiffDoc, _fill("DiffDoc", DiffDoc.__required_keys__, fields, overrides))


def big_report_doc(events: int = 10_000, findings: int = 500, payload: int = 1024, seed: int = 1) -> ReportDoc:
    """A large synthetic run for benchmarks: ``events`` timeline events in three variants, ``findings``
    findings of ``payload``-byte payloads (text with some binary bytes), about a hundred flows."""
    rng = random.Random(seed)
    names = [("pre_consent", "withheld"), ("consent_given", "given"), ("consent_withheld", "withheld")]
    types = ["imei", "android_id", "contact.phone", "location", "installed_apps", "sms.body", "advertising_id"]
    countries = ["US", "DE", "CN", "SG", "IE", "NL", "FR", "local"]
    hosts = [(f"h{i}.d{i % 20}.example", f"d{i % 20}.example", countries[i % len(countries)]) for i in range(40)]
    flows: list[Flow] = []
    for name, consent in names:
        for _ in range(35):
            host, domain, country = rng.choice(hosts)
            status = "consented" if consent == "given" else rng.choice(["violation", "allowed", "observed"])
            flows.append(flow(id=f"F{len(flows) + 1}", variant=name, consent=consent, data_type=rng.choice(types),
                              destination=destination(host=host, domain=domain, country=country),
                              events=rng.randint(1, 200), evidence=rng.sample(range(1, events + 1), 5),
                              evidence_total=5, status=status, after_refusal=status == "violation"))
    timeline = [
        timeline_event(id=i, ts=T0 + i * 0.05, variant=names[i * 3 // (events + 1)][0], step=i // 250,
                       step_label=f"step label {i // 250}", destination=rng.choice(hosts)[0] + ":443",
                       flows=[rng.choice(flows)["id"]] if i % 3 == 0 else [])
        for i in range(1, events + 1)
    ]
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=&\"{}:,/ \n<>"
    found = []
    for i in range(findings):
        text = "".join(rng.choices(alphabet, k=payload - 40))
        cut_at = rng.randrange(len(text))
        text = text[:cut_at] + IMEI + text[cut_at:]
        raw = text.encode() + bytes(rng.randrange(256) for _ in range(24))
        found.append(finding(event_id=rng.randint(1, events), flow=rng.choice(flows)["id"], raw_excerpt=text,
                             decoded=text, full_base64=base64.b64encode(raw).decode("ascii"), data_len=len(raw),
                             variant=names[i % 3][0]))
    return report_doc(
        variants=[variant(name=n, consent=c, events=events // 3, flows=35) for n, c in names], flows=flows,
        violations=[violation(f) for f in flows if f["status"] == "violation"], findings=found,
        timeline=timeline, timeline_total=events + 1234, run=run_info(events=events + 1234),
    )
