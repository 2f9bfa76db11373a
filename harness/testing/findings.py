"""Factory for ``Finding`` records, for tests of the detector and of the stages that consume findings."""

from __future__ import annotations

from typing import Any

from harness.detect.detector import Finding
from harness.detect.items import Source


def make_finding(type: str = "imei", **overrides: Any) -> Finding:
    """A canary finding of ``type`` in event 1's body, sent to a third-party tracker; override any field.

    ``source`` may be given as a ``Source`` or as ``{"event_id": N}`` / ``{"har_entry": N}``.
    """
    fields: dict[str, Any] = {
        "source": Source("event_id", 1),
        "type": type,
        "canary": "352099001761481",
        "encoding": "plain",
        "where": "body",
        "host": "analytics.tracker.example",
        "confidence": "canary",
        "registrable_domain": "tracker.example",
        "party": "third",
        "tracker": None,
        "process": "com.example.app",
        "sdk": None,
        "variant": None,
    }
    fields.update(overrides)
    source = fields["source"]
    if isinstance(source, dict):
        ((kind, index),) = source.items()
        fields["source"] = Source(kind, int(index))
    return Finding(**fields)
