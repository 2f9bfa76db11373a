"""Factories for ``Event`` records with sensible defaults, for tests of any stage."""

from __future__ import annotations

import itertools
import time
from typing import Any

from harness.events import Dest, Event

_ids = itertools.count(1)


def make_event(kind: str = "http.request", **overrides: Any) -> Event:
    """An event of ``kind``; egress kinds get a destination and a small body unless overridden."""
    fields: dict[str, Any] = {
        "id": next(_ids),
        "ts": time.time(),
        "kind": kind,
        "api": "okhttp3.RealCall.execute",
        "process": "com.example.app",
        "pid": 4242,
    }
    if kind.startswith(("http.", "tls.", "net.")):
        fields["dest"] = Dest(host="analytics.tracker.example", ip="127.0.0.1", port=443,
                              scheme="https", url="https://analytics.tracker.example/v1/collect")
        fields["data"] = b"POST /v1/collect HTTP/1.1\r\nHost: analytics.tracker.example\r\n\r\n{}"
    elif kind == "sms.send":
        fields["api"] = "android.telephony.SmsManager.sendTextMessage"
        fields["dest"] = Dest(address="+15550001111")
        fields["data"] = b"hello"
    fields.update(overrides)
    return Event(**fields)
