"""The report document: what ``harness report RUN --json`` writes, and what every other form is made from.

One ``ReportDoc`` (a JSON object) per run, built by ``harness.report.build``; the HTML, JUnit and
terminal renderers read only this, so each form says the same thing.  Keys are stable (the JSON
Schema is ``harness schema report``); captured text in it is as captured (hostile): renderers escape.

    run           the run: folder, scenario, status, counts
    device        the phone's facts (build fingerprint, security patch ...)
    geoip         which IP -> country data answered, with its licence and date
    variants      per consent variant: how it ran and what it sent
    flows         personal data to one destination from one process/SDK in one variant
    violations    flows of personal data in a variant where consent was withheld, not allowed
    expectations  the scenario's ``expect:`` rules, each pass or fail with its evidence
    countries     where the data went, per country
    findings      the evidence: per finding, the payload excerpt with the canary marked
    timeline      the events, labelled by variant and step
    capture       the capture paths (hooks, proxy) and their cross-check: hook coverage gaps, proxy
                  bypasses, refused TLS handshakes (``harness.capture.crosscheck``)
    verdict       the answer first: pass, fail or broken, and the exit status
"""

from __future__ import annotations

from typing import Literal, TypedDict

SCHEMA_ID = "harness-report/1"

Verdict = Literal["pass", "fail", "broken"]
FlowStatus = Literal["violation", "allowed", "consented", "observed", "suspected"]


class RunInfo(TypedDict):
    path: str                    # the run folder (or store file) as given
    scenario: str | None         # the scenario's name
    scenario_file: str | None
    app: str | None
    status: str                  # complete | interrupted | aborted | incomplete | recording
    stop_reason: str | None
    started: float | None        # epoch seconds
    ended: float | None
    events: int                  # events stored
    events_lost: int
    harness_version: str


class DeviceInfo(TypedDict):
    serial: str | None
    model: str | None
    manufacturer: str | None
    android: str | None          # release, e.g. "14"
    sdk: int | None
    fingerprint: str | None
    security_patch: str | None
    build_id: str | None
    rooted: bool | None
    frida_server: str | None


class GeoInfo(TypedDict):
    name: str
    licence: str
    date: str


class Screenshot(TypedDict):
    name: str
    path: str                    # relative to the run folder
    png_base64: str | None       # embedded by the builder when small enough (else None)


class VariantInfo(TypedDict):
    name: str
    consent: str                 # given | withheld
    builtin: bool                # pre_consent
    status: str                  # ok | failed | incomplete | interrupted | skipped | not run
    reason: str | None           # why it failed, from the runner
    failed_step: int | None
    events: int
    flows: int
    violations: int
    screenshots: list[Screenshot]


class Destination(TypedDict):
    domain: str | None           # registrable domain (PSL); the number for SMS
    host: str | None
    ip: str | None
    country: str                 # ISO 3166-1 alpha-2, "local" or "unknown"
    network: str | None          # network owner (AS organisation) when the data has it
    organisation: str | None     # from the tracker lists
    party: str | None            # first | third | None (unknown)
    channel: str                 # net | sms


class Flow(TypedDict):
    id: str                      # "F1", "F2" ... (stable within one document)
    variant: str
    consent: str                 # given | withheld
    data_type: str               # imei, contact.phone, installed_apps ...
    confidence: str              # canary (a seeded/known value) | structural (an unseeded identifier shape)
    destination: Destination
    process: str | None
    sdk: str | None
    events: int                  # distinct events carrying it (one request may be seen by several hooks)
    bytes: int                   # total size of those events' data
    encodings: list[str]         # decoding chains, e.g. "base64>gzip>sha256"
    places: list[str]            # url | header:NAME | body | sms ...
    values: list[str]            # the canary values matched (at most 10)
    first_step: int | None
    first_step_label: str | None
    first_ts: float | None
    evidence: list[int]          # event ids (at most 50; evidence_total has the count)
    evidence_total: int
    status: FlowStatus           # violation | allowed | consented | observed | suspected
    after_refusal: bool          # only where the user refused: in no variant where consent was given
    allowed_by: list[str]        # expectation ids that allow it (status "allowed")


class Violation(TypedDict):
    flow: str                    # a Flow id
    variant: str
    data_type: str
    destination: Destination
    process: str | None
    sdk: str | None
    first_step: int | None
    first_step_label: str | None
    evidence: list[int]
    after_refusal: bool
    message: str                 # one line: "android_id to analytics.tracker.example by com.tracker.sdk ..."


class Expectation(TypedDict):
    id: str                      # "E1.no_leak"
    rule: str                    # no_leak | allowed_domains | forbidden_domains | no_third_party |
    #                              allowed_countries | forbidden_countries | max_flows | allowed_data
    variants: list[str]
    argument: list[str] | int | bool
    status: Literal["pass", "fail"]
    message: str
    flows: list[str]             # the Flow ids that make it fail (empty when it passes)


class CountryRow(TypedDict):
    country: str
    name: str
    flows: int
    violations: int
    data_types: list[str]
    hosts: list[str]


class Highlight(TypedDict):
    start: int                   # offsets into ``FindingEvidence.decoded`` (characters)
    end: int
    data_type: str


class FindingEvidence(TypedDict):
    event_id: int
    flow: str | None
    variant: str | None
    step: int | None
    data_type: str
    canary: str
    encoding: str                # the chain, outside first
    where: str
    kind: str                    # the event kind
    api: str
    host: str | None
    data_len: int                # the true size of what left
    raw_excerpt: str             # the payload as sent (text, undecodable bytes as \\xNN), cut
    raw_truncated: bool
    decoded: str                 # the layer the canary was found in, decoded along ``encoding``
    decoded_truncated: bool
    highlights: list[Highlight]  # in ``decoded``
    full_base64: str | None      # the whole payload as sent, up to harness.report.evidence.FULL_PAYLOAD_CAP


class TimelineEvent(TypedDict):
    id: int
    ts: float
    variant: str | None
    step: int | None
    step_label: str | None
    process: str
    kind: str
    api: str
    destination: str | None      # host:port, url, or SMS address
    sdk: str | None
    data_len: int | None
    flows: list[str]             # Flow ids this event is evidence of


class CaptureGap(TypedDict):
    """Requests the proxy saw and no hook did (a hook coverage gap), by variant, host and URL."""

    variant: str
    host: str | None
    url: str                     # without its query
    events: int                  # proxy requests
    first_ts: float | None
    evidence: list[int]          # proxy event ids (at most 20)


class CaptureBypass(TypedDict):
    """What the hooks saw leave around the proxy while it was active, by variant, process, destination."""

    variant: str
    process: str | None
    sdk: str | None
    destination: str             # host name, else IP
    port: int | None
    transport: str               # tcp | udp
    reason: str                  # quic | tls_refused | direct | unseen
    message: str
    events: int
    first_ts: float | None
    evidence: list[int]          # hook event ids (at most 20)


class TlsFailure(TypedDict):
    """Handshakes the app refused with the proxy (pinning, or the proxy's CA not trusted)."""

    variant: str
    host: str | None             # SNI, else the CONNECT target
    port: int | None
    error: str
    events: int
    first_ts: float | None
    evidence: list[int]


class CaptureInfo(TypedDict):
    """The run's capture paths and their cross-check."""

    paths: list[str]             # hooks | mitm
    requested: str | None        # --capture: auto | hooks | both
    notes: list[str]             # why a path was not used, what was not done (QUIC, CA stores)
    proxy: str | None            # the route: phone address -> adb reverse -> mitmproxy address
    ca_stores: list[str]         # where the proxy's CA was installed (removed after the run)
    quic_blocked: list[str]      # iptables / ip6tables
    proxy_requests: int          # requests the proxy recorded
    matched: int                 # of those, also seen by the hooks
    gaps: list[CaptureGap]
    bypasses: list[CaptureBypass]
    tls_failures: list[TlsFailure]


class VerdictInfo(TypedDict):
    status: Verdict              # pass | fail | broken (a variant failed or the run is incomplete)
    exit_code: int               # 0 pass, 1 fail, 3 broken (2 is "could not run": no document)
    headline: str                # one sentence, verdict first
    violations: int
    failed_expectations: int
    broken_variants: list[str]
    privacy: Literal["pass", "fail"]   # the privacy answer alone, also when the run is broken


class ReportDoc(TypedDict):
    schema: str                  # SCHEMA_ID
    generated: float
    run: RunInfo
    device: DeviceInfo
    geoip: GeoInfo
    variants: list[VariantInfo]
    flows: list[Flow]
    violations: list[Violation]
    expectations: list[Expectation]
    countries: list[CountryRow]
    findings: list[FindingEvidence]
    timeline: list[TimelineEvent]
    timeline_total: int          # events in the run (the timeline may be cut)
    capture: CaptureInfo
    verdict: VerdictInfo


# ---- harness diff RUN_A RUN_B -------------------------------------------------------------------

DIFF_SCHEMA_ID = "harness-diff/1"


class RunSide(TypedDict):
    run: RunInfo
    device: DeviceInfo


class FlowChange(TypedDict):
    key: str                     # "variant / data_type / host / process / sdk", for people
    a: Flow
    b: Flow
    changes: list[str]           # e.g. "events 3 -> 9", "new encoding gzip>json>plain", "country DE -> CN"
    moved_country: bool


class NewDestination(TypedDict):
    host: str | None
    domain: str | None
    country: str
    data_types: list[str]
    flows: list[str]             # ids of flows in B


class MovedCountry(TypedDict):
    host: str | None
    domain: str | None
    a_countries: list[str]
    b_countries: list[str]
    data_types: list[str]
    flows: list[str]             # ids of flows in B


class DiffVerdict(TypedDict):
    status: Literal["pass", "fail"]   # fail: a regression (a flow added, a destination moved country)
    exit_code: int               # 0 or 1
    headline: str
    regressions: int


class DiffDoc(TypedDict):
    schema: str                  # DIFF_SCHEMA_ID
    generated: float
    a: RunSide                   # the baseline (build A)
    b: RunSide                   # the candidate (build B)
    forced: bool                 # the runs are of different scenarios and --force was given
    geoip: GeoInfo
    added: list[Flow]            # in B only (B's flow ids)
    removed: list[Flow]          # in A only (A's flow ids)
    changed: list[FlowChange]
    new_data_types: list[str]
    new_destinations: list[NewDestination]
    moved_country: list[MovedCountry]
    verdict: DiffVerdict
