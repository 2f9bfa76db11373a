"""From a report document (``harness.report.shape.ReportDoc``) and events to the fleet tables' rows.

Captured text is hostile and some of it cannot be stored as it is: PostgreSQL ``text`` (and
``jsonb``) cannot hold a NUL character, and UTF-8 cannot encode a lone surrogate.  ``text`` stores
a NUL as the four characters ``\\x00`` and a lone surrogate as ``\\udXXX`` — the escapes the
terminal report shows — and everything else as captured (quotes, backslashes, SQL metacharacters,
control characters: the statements take them as parameters, never as SQL).  Numbers from the run
that do not fit their column (a hostile facts file) are stored as NULL.  Bytes (``--payloads``)
go to ``bytea`` columns unchanged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from harness.events import Event
from harness.report.shape import Destination, DeviceInfo, Expectation, FindingEvidence, Flow, ReportDoc, Violation

INT32 = 2**31
INT64 = 2**63
DESTINATION_COLUMNS = ("domain", "host", "ip", "country", "network", "organisation", "party", "channel")
DEVICE_COLUMNS = ("serial", "model", "manufacturer")
BUILD_COLUMNS = ("fingerprint", "manufacturer", "model", "android", "sdk", "security_patch", "build_id")
RUN_COLUMNS = ("run_id", "scenario", "scenario_file", "app", "path", "status", "stop_reason", "started", "ended",
               "events", "events_lost", "harness_version", "device_id", "build_id", "rooted", "frida_server",
               "geoip", "verdict", "exit_code", "headline", "privacy", "violations", "failed_expectations",
               "broken_variants", "with_events", "with_payloads", "pushed_by")
VARIANT_COLUMNS = ("run_id", "position", "name", "consent", "builtin", "status", "reason", "failed_step", "events",
                   "flows", "violations", "screenshots")
FLOW_COLUMNS = ("run_id", "flow_id", "variant", "consent", "data_type", "confidence", *DESTINATION_COLUMNS,
                "process", "sdk", "events", "bytes", "encodings", "places", "canary_values", "first_step",
                "first_step_label", "first_ts", "evidence", "evidence_total", "status", "after_refusal", "allowed_by")
VIOLATION_COLUMNS = ("run_id", "position", "flow_id", "variant", "data_type", *DESTINATION_COLUMNS, "process", "sdk",
                     "first_step", "first_step_label", "evidence", "after_refusal", "message")
EXPECTATION_COLUMNS = ("run_id", "position", "expectation_id", "rule", "variants", "argument", "status", "message",
                       "flows")
FINDING_COLUMNS = ("run_id", "position", "event_id", "flow_id", "variant", "step", "data_type", "canary", "encoding",
                   "place", "kind", "api", "host", "data_len", "raw_truncated", "decoded_truncated", "raw_excerpt",
                   "decoded", "highlights", "payload")
EVENT_COLUMNS = ("run_id", "id", "ts", "variant", "step", "process", "pid", "kind", "api", "dest_host", "dest_ip",
                 "dest_port", "dest_url", "dest_address", "data_len", "sdk", "value", "data")


def _escape_char(c: str) -> str:
    return "\\x00" if c == "\x00" else f"\\u{ord(c):04x}"


def text(value: Any) -> str | None:
    """``value`` as storable text (None stays None): NUL as ``\\x00``, lone surrogates as ``\\udXXX``."""
    if value is None:
        return None
    shown: str = value if isinstance(value, str) else str(value)
    if "\x00" not in shown:
        try:
            shown.encode("utf-8")
            return shown
        except UnicodeEncodeError:
            pass
    return "".join(_escape_char(c) if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in shown)


def texts(values: Iterable[Any] | None) -> list[str]:
    return [t for t in (text(v) for v in values or ()) if t is not None]


def json_value(value: Any) -> Any:
    """A JSON value with every string (keys too) made storable in ``jsonb``."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {text(str(k)): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def whole(value: Any, limit: int = INT64) -> int | None:
    """An integer that fits its column (``-limit <= value < limit``), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -limit <= value < limit else None


def ids(values: Iterable[Any] | None) -> list[int]:
    return [i for i in (whole(v) for v in values or ()) if i is not None]


def when(epoch: Any) -> dt.datetime | None:
    """Epoch seconds as an aware UTC time (None for none or nonsense)."""
    if isinstance(epoch, bool) or not isinstance(epoch, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(float(epoch), tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def identity(values: Sequence[Any]) -> str:
    """A stable key for a device or build row made of its facts (NULL and "" kept apart)."""
    return hashlib.sha256(json.dumps(list(values), ensure_ascii=True).encode("ascii")).hexdigest()


def device_row(device: DeviceInfo) -> tuple[Any, ...]:
    values = (text(device["serial"]), text(device["model"]), text(device["manufacturer"]))
    return (identity(values), *values)


def build_row(device: DeviceInfo) -> tuple[Any, ...]:
    values = (text(device["fingerprint"]), text(device["manufacturer"]), text(device["model"]),
              text(device["android"]), whole(device["sdk"], INT32), text(device["security_patch"]),
              text(device["build_id"]))
    return (identity(values), *values)


def run_row(doc: ReportDoc, run_id: str, path: str, device_id: int, build_id: int, *, events: bool,
            payloads: bool, pushed_by: str) -> tuple[Any, ...]:
    run, verdict, geo = doc["run"], doc["verdict"], doc["geoip"]
    return (text(run_id), text(run["scenario"]), text(run["scenario_file"]), text(run["app"]), text(path),
            text(run["status"]), text(run["stop_reason"]), when(run["started"]), when(run["ended"]),
            whole(run["events"], INT32) or 0, whole(run["events_lost"], INT32) or 0, text(run["harness_version"]),
            device_id, build_id, doc["device"]["rooted"], text(doc["device"]["frida_server"]),
            text(f"{geo['name']} ({geo['date']})"), verdict["status"], verdict["exit_code"], text(verdict["headline"]),
            verdict["privacy"], verdict["violations"], verdict["failed_expectations"],
            texts(verdict["broken_variants"]), events, payloads, pushed_by)


def variant_rows(doc: ReportDoc, run_id: str) -> list[tuple[Any, ...]]:
    return [(run_id, n, text(v["name"]), text(v["consent"]), v["builtin"], text(v["status"]), text(v["reason"]),
             whole(v["failed_step"]), v["events"], v["flows"], v["violations"],
             texts(s["path"] for s in v["screenshots"]))
            for n, v in enumerate(doc["variants"])]


def _destination(dest: Destination) -> tuple[Any, ...]:
    return tuple(text(dest[c]) for c in DESTINATION_COLUMNS)  # type: ignore[literal-required]


def flow_row(flow: Flow, run_id: str) -> tuple[Any, ...]:
    return (run_id, flow["id"], text(flow["variant"]), text(flow["consent"]), text(flow["data_type"]),
            text(flow["confidence"]), *_destination(flow["destination"]), text(flow["process"]), text(flow["sdk"]),
            flow["events"], flow["bytes"], texts(flow["encodings"]), texts(flow["places"]), texts(flow["values"]),
            whole(flow["first_step"]), text(flow["first_step_label"]), when(flow["first_ts"]),
            ids(flow["evidence"]), flow["evidence_total"], flow["status"], flow["after_refusal"],
            texts(flow["allowed_by"]))


def violation_row(violation: Violation, run_id: str, position: int) -> tuple[Any, ...]:
    return (run_id, position, violation["flow"], text(violation["variant"]), text(violation["data_type"]),
            *_destination(violation["destination"]), text(violation["process"]), text(violation["sdk"]),
            whole(violation["first_step"]), text(violation["first_step_label"]), ids(violation["evidence"]),
            violation["after_refusal"], text(violation["message"]))


def expectation_row(expectation: Expectation, run_id: str, position: int) -> tuple[Any, ...]:
    return (run_id, position, text(expectation["id"]), text(expectation["rule"]), texts(expectation["variants"]),
            json.dumps(json_value(expectation["argument"])), expectation["status"], text(expectation["message"]),
            texts(expectation["flows"]))


def _payload(encoded: str | None) -> bytes | None:
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def finding_row(finding: FindingEvidence, run_id: str, position: int, *, payloads: bool) -> tuple[Any, ...]:
    return (run_id, position, whole(finding["event_id"]), finding["flow"], text(finding["variant"]),
            whole(finding["step"]), text(finding["data_type"]), text(finding["canary"]), text(finding["encoding"]),
            text(finding["where"]), text(finding["kind"]), text(finding["api"]), text(finding["host"]),
            whole(finding["data_len"]) or 0, finding["raw_truncated"], finding["decoded_truncated"],
            text(finding["raw_excerpt"]) if payloads else None, text(finding["decoded"]) if payloads else None,
            json.dumps(json_value(finding["highlights"])) if payloads else None,
            _payload(finding["full_base64"]) if payloads else None)


def event_row(event: Event, run_id: str, *, payloads: bool) -> tuple[Any, ...]:
    dest = event.dest
    data_len = event.data_len if event.data_len is not None else (len(event.data) if event.data is not None else None)
    return (run_id, event.id, when(event.ts) or when(0), text(event.variant), whole(event.step), text(event.process),
            whole(event.pid) or 0, text(event.kind), text(event.api), text(dest.host) if dest else None,
            text(dest.ip) if dest else None, whole(dest.port) if dest else None, text(dest.url) if dest else None,
            text(dest.address) if dest else None, whole(data_len), text(event.sdk),
            text(event.value) if payloads else None, event.data if payloads else None)
