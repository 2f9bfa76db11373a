"""Flows: personal data of one type going to one destination from one process and SDK in one variant.

``FlowBuilder.add(event, finding)`` files each finding of the detector under its flow key
(variant, data type, confidence, destination host and IP, process, SDK); ``flows()`` gives the
report's ``Flow`` records with counts, bytes, encodings, places, the first step and the evidence
event ids, the destination filled in: registrable domain, first/third party and tracker
organisation (``harness.detect.destinations``), country and network owner of the IP
(``harness.compare.geo``).  Consent statuses are set afterwards by ``harness.compare.consent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.compare.addresses import AddressBook
from harness.compare.geo import GeoDb
from harness.detect.destinations import Destinations
from harness.detect.detector import Finding
from harness.events import Event
from harness.report.shape import Destination, Flow

#: Evidence event ids listed per flow (the count is always complete).
MAX_EVIDENCE = 50
#: Distinct canary values listed per flow.
MAX_VALUES = 10
#: Variant name for events recorded outside any variant (``harness trace``).
NO_VARIANT = "-"


@dataclass(frozen=True, order=True)
class FlowKey:
    variant: str
    data_type: str
    confidence: str
    channel: str
    host: str | None
    ip: str | None
    process: str | None
    sdk: str | None


@dataclass
class _Tally:
    events: list[int] = field(default_factory=list)
    event_set: set[int] = field(default_factory=set)
    bytes: int = 0
    encodings: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)
    first: tuple[float, int] | None = None
    first_step: int | None = None


class FlowBuilder:
    """Collects findings into flows; ``consent`` maps variant -> given|withheld."""

    def __init__(self, destinations: Destinations, geo: GeoDb, addresses: AddressBook, *,
                 consent: Mapping[str, str], step_labels: Mapping[tuple[str, int], str],
                 variant_order: list[str]) -> None:
        self._destinations = destinations
        self._geo = geo
        self._addresses = addresses
        self._consent = consent
        self._labels = step_labels
        self._order = {name: i for i, name in enumerate(variant_order)}
        self._tallies: dict[FlowKey, _Tally] = {}
        self._ids: dict[FlowKey, str] = {}

    @staticmethod
    def key_of(event: Event, finding: Finding, addresses: AddressBook) -> FlowKey:
        sms = event.kind.startswith("sms.")
        host = (event.dest.address if event.dest else None) if sms else finding.host
        return FlowKey(
            variant=event.variant or NO_VARIANT, data_type=finding.type, confidence=finding.confidence,
            channel="sms" if sms else "net", host=host.lower().rstrip(".") if host and not sms else host,
            ip=None if sms else addresses.ip_of(event), process=event.process or None, sdk=event.sdk,
        )

    def add(self, event: Event, finding: Finding) -> FlowKey:
        key = self.key_of(event, finding, self._addresses)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        if event.id not in tally.event_set:
            tally.event_set.add(event.id)
            tally.events.append(event.id)
            tally.bytes += event.data_len if event.data_len is not None else len(event.data or b"")
        tally.encodings.add(finding.encoding)
        tally.places.add(finding.where)
        if len(tally.values) < MAX_VALUES:
            tally.values.add(finding.canary)
        if tally.first is None or (event.ts, event.id) < tally.first:
            tally.first = (event.ts, event.id)
            tally.first_step = event.step
        return key

    def flow_id(self, key: FlowKey) -> str:
        """The id of ``key``'s flow (after ``flows()``)."""
        return self._ids[key]

    def flows(self) -> list[Flow]:
        keys = sorted(self._tallies, key=lambda k: (
            self._order.get(k.variant, len(self._order)), k.confidence != "canary", k.data_type,
            k.host or "", k.ip or "", k.process or "", k.sdk or ""))
        flows: list[Flow] = []
        for number, key in enumerate(keys, start=1):
            flow_id = f"F{number}"
            self._ids[key] = flow_id
            flows.append(self._flow(flow_id, key, self._tallies[key]))
        return flows

    def _flow(self, flow_id: str, key: FlowKey, tally: _Tally) -> Flow:
        step = tally.first_step
        label = self._labels.get((key.variant, step)) if step is not None else None
        return Flow(
            id=flow_id, variant=key.variant, consent=self._consent.get(key.variant, "unknown"),
            data_type=key.data_type, confidence=key.confidence, destination=self.destination(key),
            process=key.process, sdk=key.sdk, events=len(tally.events), bytes=tally.bytes,
            encodings=sorted(tally.encodings), places=sorted(tally.places), values=sorted(tally.values),
            first_step=step, first_step_label=label, first_ts=tally.first[0] if tally.first else None,
            evidence=sorted(tally.events)[:MAX_EVIDENCE], evidence_total=len(tally.events),
            status="observed", after_refusal=False, allowed_by=[],
        )

    def destination(self, key: FlowKey) -> Destination:
        if key.channel == "sms":
            return Destination(domain=key.host, host=key.host, ip=None, country="unknown", network=None,
                               organisation=None, party=None, channel="sms")
        classified = self._destinations.classify(key.host, key.process)
        tracker = classified.tracker
        place = self._geo.lookup(key.ip)
        return Destination(
            domain=classified.registrable_domain, host=key.host, ip=key.ip, country=place.country,
            network=place.network, party=classified.party,
            organisation=(tracker.organisation or classified.registrable_domain) if tracker else None,
            channel="net",
        )
