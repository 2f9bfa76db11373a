"""A finding's evidence for people: the bytes that left, the layer the canary sat in, the canary marked.

``explain(detector, event, finding)`` peels the finding's part of the event again along the same
decoding chain the detector reported (``base64>gzip>sha256``: the layer after base64 and gzip, where
the SHA-256 hex of the canary sits), finds the canary's form in that layer with the same matcher,
and returns both texts cut to a window around the first match, with the matches' character offsets.
Bytes that are not UTF-8 are shown as ``\\xNN``; the texts are as captured (hostile): renderers escape.
"""

from __future__ import annotations

import base64

from harness.detect.detector import Detector, Finding
from harness.detect.items import items_from_events
from harness.detect.peel import Layer, peel
from harness.events import Event
from harness.report.shape import FindingEvidence, Highlight

#: Characters of a payload or decoded layer kept in the report around the first match.
EXCERPT_BYTES = 4096
#: A payload up to this size is embedded whole (base64) so the page can show all of it.
FULL_PAYLOAD_CAP = 256 * 1024


def _text(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def _window(data: bytes, spans: list[tuple[int, int]], cap: int) -> tuple[bytes, int, bool]:
    """``data`` cut to at most ``cap`` bytes around the first span: (bytes, offset, cut?)."""
    if len(data) <= cap:
        return data, 0, False
    first = spans[0][0] if spans else 0
    start = max(0, min(first - cap // 4, len(data) - cap))
    return data[start:start + cap], start, True


def _marked(data: bytes, spans: list[tuple[int, int]], data_type: str, cap: int) -> tuple[str, bool, list[Highlight]]:
    window, offset, cut = _window(data, spans, cap)
    pieces: list[str] = []
    highlights: list[Highlight] = []
    position = 0  # in window bytes
    chars = 0
    for span_start, span_end in sorted(spans):
        start, end = max(span_start - offset, position), min(span_end - offset, len(window))
        if start >= end:
            continue
        before = _text(window[position:start])
        marked = _text(window[start:end])
        pieces += (before, marked)
        chars += len(before)
        highlights.append(Highlight(start=chars, end=chars + len(marked), data_type=data_type))
        chars += len(marked)
        position = end
    pieces.append(_text(window[position:]))
    return "".join(pieces), cut, highlights


def _spans(detector: Detector, layer: Layer, finding: Finding) -> list[tuple[int, int]]:
    transform = finding.encoding.rsplit(">", 1)[-1]
    if finding.type == "installed_apps":  # every installed package the layer names (first place each)
        names = detector.matcher.scan_layer(layer.data).apps
        return sorted((at, at + len(name.encode())) for name, at in names.items())
    if finding.confidence == "canary":
        hits, _located = detector.matcher.scan(layer.data)
        spans = [(h.start, h.end) for h in hits
                 if h.canary.value == finding.canary and h.canary.type == finding.type and h.transform == transform]
        if spans:
            return spans
    needle = finding.canary.encode("utf-8", "surrogateescape")
    spans = []
    if needle:
        at = layer.data.find(needle)
        while at != -1 and len(spans) < 100:
            spans.append((at, at + len(needle)))
            at = layer.data.find(needle, at + len(needle))
    return spans


def _layer_of(detector: Detector, data: bytes, content_encoding: str | None,
              finding: Finding) -> tuple[Layer, list[tuple[int, int]]] | None:
    chain = tuple(finding.encoding.split(">")[:-1])
    fallback: Layer | None = None
    for layer in peel(data, detector.limits, lambda _message: None, content_encoding, overlap=detector.overlap):
        if layer.chain != chain:
            continue
        spans = _spans(detector, layer, finding)
        if spans:
            return layer, spans
        fallback = fallback or layer
    return (fallback, []) if fallback is not None else None


def explain(detector: Detector, event: Event, finding: Finding, *, flow: str | None,
            cap: int = EXCERPT_BYTES) -> FindingEvidence:
    raw = event.data or b""
    decoded_text, decoded_cut = "", False
    highlights: list[Highlight] = []
    part_data = b""
    for item in items_from_events([event]):
        for part in item.parts:
            if part.where != finding.where:
                continue
            part_data = part.data
            found = _layer_of(detector, part.data, part.content_encoding, finding)
            if found is not None:
                layer, spans = found
                decoded_text, decoded_cut, highlights = _marked(layer.data, spans, finding.type, cap)
            break
    # what was sent: the event's bytes around the part, or the part itself when it is not in them
    # (the URL and headers of a request hooked above the socket travel beside its body)
    at = raw.find(part_data) if part_data else -1
    if at < 0 and part_data:
        raw = part_data
    raw_window, _offset, raw_cut = _window(raw, [(at, at + len(part_data))] if at >= 0 else [], cap)
    dest = event.dest
    return FindingEvidence(
        event_id=event.id, flow=flow, variant=event.variant, step=event.step, data_type=finding.type,
        canary=finding.canary, encoding=finding.encoding, where=finding.where, kind=event.kind, api=event.api,
        host=(dest.host or dest.address) if dest else None,
        data_len=event.data_len if event.data_len is not None else len(raw),
        raw_excerpt=_text(raw_window), raw_truncated=raw_cut, decoded=decoded_text, decoded_truncated=decoded_cut,
        highlights=highlights,
        full_base64=base64.b64encode(raw).decode("ascii") if raw and len(raw) <= FULL_PAYLOAD_CAP else None,
    )
