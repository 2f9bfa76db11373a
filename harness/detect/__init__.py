"""Leak detector: find seeded personal data (canaries) and identifier-shaped values in egress.

    from harness.detect import Detector, load_canaries
    detector = Detector(load_canaries(Path("canaries.yaml")))
    for finding in detector.detect(events):
        ...

Modules: ``canaries`` (the canary file), ``forms`` (every rendering of a canary), ``matcher``
(one Aho-Corasick pass), ``peel`` + ``decoders`` + ``protobuf`` (the layers), ``structural``
(unseeded identifier shapes), ``prescan`` (header values scanned together), ``destinations``
(domain, party, tracker lists in ``data/``), ``items`` + ``inputs`` + ``jsonl`` + ``records`` (events,
JSONL read in pieces and checked field by field, runs), ``har`` + ``jsonstream`` (HAR read one entry at
a time), ``canary_yaml`` (the canary file's YAML, bounded), ``budget`` (decompression per input),
``detector`` (``Finding``, ``Detector``), ``parallel`` + ``workers`` (a capture on several worker
processes), ``cli`` + ``render`` (``harness detect``).

Every reader turns a malformed item into a ``DetectError`` naming the file, the entry or line and the
field, and goes on with the rest; limits that bite are reported as ``Notice``s; ``harness detect``
then exits 1 with the findings of everything else.
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
