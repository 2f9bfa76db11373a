"""The leak detector: every canary form and every identifier shape, in every decoded layer.

``Detector(canaries).detect(events)`` streams ``Finding``s, one egress item at a time, so a capture
of any size is analysed in the memory of its largest event.  Within one item and place, a value
found through several routes is reported once: the route with the fewest decoding layers wins
(a number found plain is not also reported percent-decoded or as a normal form), and among equals
the one naming where it sat (``protobuf>plain`` over ``plain``).

A part longer than ``Limits.max_input_bytes`` is peeled in windows (see ``peel``) overlapping by
``Detector.overlap``: the longest canary form or ``MIN_OVERLAP`` (room for the longest identifier
shape, an e-mail address), whichever is larger, so nothing is cut at a window's edge.

A layer that names enough of the phone's installed packages (``applist``: the sending app's own
package not counted) is one ``installed_apps`` finding, canary ``applist.APP_LIST_LABEL``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from harness.detect.applist import APP_LIST_LABEL, is_app_list, own_package
from harness.detect.budget import DecompressionBudget
from harness.detect.canaries import CanarySet
from harness.detect.destinations import Destinations
from harness.detect.items import EgressItem, EgressPart, Source, items_from_events
from harness.detect.matcher import CanaryHit, CanaryMatcher
from harness.detect.peel import CONTAINER_LAYERS, Layer, Limits, Window, peel
from harness.detect.prescan import SMALL_PART, RootScan, prescan
from harness.detect.structural import StructuralHit, find_structural
from harness.errors import DetectError
from harness.events import Event

log = logging.getLogger(__name__)

#: The least overlap of the windows a large part is peeled in (an e-mail address is at most 320 bytes).
MIN_OVERLAP = 4096


@dataclass(frozen=True)
class Finding:
    """Personal data found in one egress event or HAR entry.

    Emitted by ``Detector.detect`` at most once per (source, where, type, value, confidence).  ``confidence``
    is "canary" when a seeded value matched, "structural" when an unseeded value merely has the
    shape of an identifier.  ``encoding`` lists the layers peeled, outside first (urlencode, form,
    json, multipart, gzip, zlib, deflate, br, zstd, base64, base64url, hex, protobuf), then the
    transform of the canary: "plain" if none, a normal form (lowercase, uppercase, digits, e164,
    national, national-number, spaced, dashed, colon, dash, nosep, nodash, spaces) or a hash (md5,
    sha1, sha256, sha512, sha256/128; a base64-encoded digest shows as ``base64>sha256``), e.g.
    ``base64>gzip>sha256``.  ``tracker`` is the tracker list's organisation (or the registrable
    domain when the list names none).
    """

    source: Source
    type: str
    canary: str
    encoding: str
    where: str
    host: str | None
    confidence: str
    registrable_domain: str | None = None
    party: str | None = None
    tracker: str | None = None
    process: str | None = None
    sdk: str | None = None
    variant: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``harness detect --json`` record (exactly these keys)."""
        return {
            "source": self.source.to_json(),
            "type": self.type,
            "canary": self.canary,
            "encoding": self.encoding,
            "where": self.where,
            "host": self.host,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Notice:
    """A limit that bit while analysing one place of one item (the rest was still analysed)."""

    source: Source
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.message}"


OnNotice = Callable[[Notice], None]


@dataclass
class _Candidate:
    type: str
    value: str
    layers: tuple[str, ...]
    transform: str
    confidence: str

    @property
    def rank(self) -> tuple[int, int, bool]:
        """Lower is better: fewest decoding layers, then most container layers, then untransformed."""
        containers = sum(1 for layer in self.layers if layer in CONTAINER_LAYERS)
        return len(self.layers) - containers, -containers, self.transform != "plain"


class Detector:
    """Built once from the canaries; ``detect`` may then be called on any number of captures."""

    def __init__(self, canaries: CanarySet, *, destinations: Destinations | None = None,
                 limits: Limits | None = None, structural: bool = True) -> None:
        self.matcher = CanaryMatcher(canaries)
        self.destinations = destinations if destinations is not None else Destinations()
        self.limits = limits if limits is not None else Limits()
        self.structural = structural
        self.overlap = max([MIN_OVERLAP, *map(len, self.matcher.patterns)])

    def detect(self, events: Iterable[Event], on_notice: OnNotice | None = None, *,
               budget: DecompressionBudget | None = None) -> Iterator[Finding]:
        """Findings in the egress events among ``events`` (others are skipped), streamed; ``budget``
        bounds the decompressed bytes of them all (by default only each part's ``Limits`` do)."""
        return self.detect_items(items_from_events(events), on_notice, budget=budget)

    def detect_items(self, items: Iterable[EgressItem], on_notice: OnNotice | None = None, *,
                     budget: DecompressionBudget | None = None) -> Iterator[Finding]:
        for item in items:
            yield from self.scan_item(item, on_notice, budget=budget)

    @staticmethod
    def notify(notice: Notice, on_notice: OnNotice | None) -> None:
        """Hand ``notice`` to ``on_notice``, or log it as a warning if there is none."""
        if on_notice is None:
            log.warning("%s", notice)
        else:  # the caller reports it
            log.debug("%s", notice)
            on_notice(notice)

    def scan_item(self, item: EgressItem, on_notice: OnNotice | None = None, *,
                  budget: DecompressionBudget | None = None) -> list[Finding]:
        # an SMS goes to a phone number: no domain, no party, no tracker
        host = item.host if item.channel == "net" else None
        destination = self.destinations.classify(host, item.process)
        tracker = (destination.tracker.organisation or destination.registrable_domain) if destination.tracker else None
        findings: list[Finding] = []
        own = own_package(item.process) if self.matcher.installed_apps else None
        small = [part for part in item.parts if part.where != "body" and len(part.data) <= SMALL_PART]
        roots: dict[int, RootScan | None] = dict(zip(
            map(id, small), prescan(self.matcher, [p.data for p in small], self.structural), strict=True,
        )) if len(small) > 1 else {}
        for part in item.parts:
            root = roots.get(id(part))
            if root is None and id(part) in roots:
                continue  # scanned with the other small parts: nothing found, nothing to decode
            def notify(message: str, where: str = part.where) -> None:
                self.notify(Notice(item.source, where, message), on_notice)

            for candidate in self._scan_part(part, notify, root, budget, own):
                findings.append(Finding(
                    source=item.source, type=candidate.type, canary=candidate.value,
                    encoding=">".join((*candidate.layers, candidate.transform)), where=part.where,
                    host=item.host, confidence=candidate.confidence,
                    registrable_domain=destination.registrable_domain, party=destination.party,
                    tracker=tracker, process=item.process, sdk=item.sdk, variant=item.variant,
                ))
        return findings

    def _scan_part(self, part: EgressPart, notify: Callable[[str], None], root: RootScan | None = None,
                   budget: DecompressionBudget | None = None, own: str | None = None) -> list[_Candidate]:
        """Candidates of one part; ``root`` holds its undecoded layer's results if already scanned;
        ``own`` is the sending app's package (never counted towards an app list)."""
        best: dict[tuple[str, str, str], _Candidate] = {}
        canary_texts: set[bytes] = set()
        location = self.matcher.location
        installed = self.matcher.installed_apps

        def offer(candidate: _Candidate) -> None:
            key = (candidate.type, candidate.value, candidate.confidence)
            current = best.get(key)
            if current is None or candidate.rank < current.rank:
                best[key] = candidate

        def take(layer: Layer, hits: list[CanaryHit], located: bool, shapes: Iterable[StructuralHit],
                 apps: dict[str, int]) -> None:
            if isinstance(layer, Window):  # a window's edge may cut a long form: the next one has it whole
                edge = layer.next_window
                hits = [hit for hit in hits if hit.start < edge]
                shapes = [shape for shape in shapes if shape.start < edge]
                apps = {name: start for name, start in apps.items() if start < edge}
            if apps and is_app_list(apps, installed, own):
                offer(_Candidate("installed_apps", APP_LIST_LABEL, layer.chain, "plain", "canary"))
            for hit in hits:
                canary_texts.add(layer.data[hit.start:hit.end])
                offer(_Candidate(hit.canary.type, hit.canary.value, layer.chain, hit.transform, "canary"))
            if located and location is not None:
                offer(_Candidate("location", location.label, layer.chain, "plain", "canary"))
            spans = [(hit.start, hit.end) for hit in hits]
            for found in shapes:
                if any(found.start < end and start < found.end for start, end in spans):
                    continue
                if found.type == "location" and located:
                    continue
                offer(_Candidate(found.type, found.value, layer.chain, "plain", "structural"))

        if root is not None and not root.needs_children:
            take(Layer(part.data, ()), root.hits, root.located, root.structural, root.apps)
        else:
            for layer in peel(part.data, self.limits, notify, part.content_encoding, budget=budget,
                              overlap=self.overlap):
                if root is not None and not layer.chain:
                    take(layer, root.hits, root.located, root.structural, root.apps)
                    continue
                hits, located, apps = self.matcher.scan_layer(layer.data)
                take(layer, hits, located, find_structural(layer.data) if self.structural else (), apps)
        return [
            candidate for candidate in best.values()
            if candidate.confidence == "canary" or not _is_canary_text(candidate.value, canary_texts)
        ]


def _is_canary_text(value: str, canary_texts: set[bytes]) -> bool:
    """A structural value that is (part of) a canary match elsewhere in the same place."""
    raw = value.encode("utf-8")
    return any(raw in text or text in raw for text in canary_texts)


def scan_or_report(detector: Detector, item: EgressItem, origin: str, *, on_notice: OnNotice | None,
                   on_error: Callable[[DetectError], None], budget: DecompressionBudget | None) -> list[Finding]:
    """``detector.scan_item``; but should analysing one item raise (a decoder bug that a hostile item
    found, memory), that item alone is reported through ``on_error``, naming ``origin`` (the capture)
    and the item, and the analysis goes on: the findings already made are never lost to a traceback."""
    try:
        return detector.scan_item(item, on_notice, budget=budget)
    except Exception as exc:  # anything, by design: reported, and the traceback logged
        log.debug("%s: %s: analysis failed", origin, item.source, exc_info=True)
        on_error(DetectError(f"{origin}: {item.source}: could not be analysed ({type(exc).__name__}: {exc}); "
                             "this is a bug of the detector, please report it"))
        return []
