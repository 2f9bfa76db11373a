"""Leak detector: find seeded personal data (canaries) and identifier-shaped values in egress.

    from harness.detect import Detector, load_canaries
    detector = Detector(load_canaries(Path("canaries.yaml")))
    for finding in detector.detect(events):
        ...

Modules: ``canaries`` (the canary file), ``forms`` (every rendering of a canary), ``matcher``
(one Aho-Corasick pass), ``peel`` + ``decoders`` + ``protobuf`` (the layers), ``structural``
(unseeded identifier shapes), ``prescan`` (header values scanned together), ``destinations``
(domain, party, tracker lists in ``data/``), ``items`` + ``inputs`` + ``jsonl`` (events, HAR, JSONL
read in pieces, runs), ``detector`` (``Finding``, ``Detector``), ``parallel`` (a JSONL capture on
several worker processes), ``cli`` + ``render`` (``harness detect``).
"""

from harness.detect.canaries import FINDING_TYPES, Canary, CanarySet, Location, load_canaries
from harness.detect.destinations import Destination, Destinations, Tracker, TrackerDb
from harness.detect.detector import Detector, Finding, Notice
from harness.detect.items import EgressItem, EgressPart, Source
from harness.detect.peel import Limits

__all__ = [
    "FINDING_TYPES",
    "Canary",
    "CanarySet",
    "Destination",
    "Destinations",
    "Detector",
    "EgressItem",
    "EgressPart",
    "Finding",
    "Limits",
    "Location",
    "Notice",
    "Source",
    "Tracker",
    "TrackerDb",
    "load_canaries",
]
