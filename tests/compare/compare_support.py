"""Runs made by hand for the verdict tests: a real run store with events stamped by variant and step,
the run's canaries, and the variants' consent, as ``harness run`` writes them; and small .mmdb files
placing addresses in chosen countries (written with mmdb-writer, read by the real maxminddb)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPNetwork, IPSet

from harness.compare.geo import GeoDb
from harness.detect.destinations import TrackerDb
from harness.events import Dest, Event
from harness.record.store import RunStore
from harness.report.build import ReportOptions, build_report
from harness.report.shape import ReportDoc
from harness.testing.factories import make_event

ANDROID_ID = "3f1c9a7be2d04c51"
IMEI = "358240051111110"
PHONE = "+14155550134"
TRACKER = "analytics.tracker.example"
TRACKER_IP = "203.0.113.7"
CANARIES = f"""identifiers:
  android_id: {ANDROID_ID}
  imei: "{IMEI}"
contacts:
  - name: Ann Canary
    phones: ["{PHONE}"]
"""


def write_mmdb(path: Path, countries: Mapping[str, str]) -> Path:
    """A GeoLite2-Country-shaped database placing each network in a country."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country", int_type="u32")
    for network, code in countries.items():
        writer.insert_network(IPSet([IPNetwork(network)]), {"country": {"iso_code": code}})
    writer.to_db_file(str(path))
    return path


def options(geo: Path | None = None) -> ReportOptions:
    return ReportOptions(geo=GeoDb.load(geo) if geo else GeoDb.bundled(), trackers=TrackerDb.bundled())


def request(variant: str, step: int, body: bytes, *, host: str = TRACKER, ip: str | None = None,
            headers: Iterable[tuple[str, str]] = (), sdk: str | None = "com.tracker.sdk",
            path: str = "/v1/collect", **more: Any) -> Event:
    return make_event("http.request", variant=variant, step=step, data=body, sdk=sdk, headers=tuple(headers),
                      process="com.example.messenger",
                      dest=Dest(host=host, ip=ip, port=443, scheme="https", url=f"https://{host}{path}"), **more)


def dns(variant: str, step: int, host: str = TRACKER, answer: str = TRACKER_IP) -> Event:
    return make_event("net.dns", variant=variant, step=step, api="java.net.InetAddress.getByName", data=None,
                      process="com.example.messenger", dest=Dest(host=host), value=answer)


def contact_hash_upload(variant: str, step: int) -> Event:
    """The messenger SDK's contact match: sha256 of the number, gzip, base64, in JSON."""
    digest = hashlib.sha256(PHONE.encode()).hexdigest()
    payload = base64.b64encode(gzip.compress(json.dumps({"h": [digest]}).encode())).decode()
    return request(variant, step, json.dumps({"v": 2, "payload": payload}).encode(), path="/v1/match")


def make_run(path: Path, events_by_variant: Mapping[str, list[Event]], *, consent: Mapping[str, str],
             expect: Any = None, results: Mapping[str, str] | None = None, scenario: str = "demo",
             canaries: str = CANARIES, facts: Mapping[str, Any] | None = None,
             app: str = "com.example.messenger") -> Path:
    """A closed run at ``path`` as ``harness run`` leaves it."""
    names = list(events_by_variant)
    meta = {"command": "run", "scenario_name": scenario, "variants": names, "expect": expect,
            "first_party": [], "app": app}
    with RunStore.create(path, meta) as store:
        writer = store.writer()
        for name, events in events_by_variant.items():
            store.add_variant(name, {"consent": consent[name]})
            writer.set_variant(name)
            steps = sorted({e.step for e in events if e.step is not None})
            for step in steps or [1]:
                writer.mark_step(step, f"/x/{scenario}.yaml:{10 + step}:5 step {step}")
                writer.put([e for e in events if e.step == step])
        writer.flush()
        store.add_canaries(canaries, name="run")
        store.set_device_facts({**(facts or {}), "frida": {"server_version": "17.2.0"}})
        store.update_meta({"variant_results": {n: {"status": (results or {}).get(n, "ok"), "reason": None,
                                                   "steps": 2, "artifacts": []} for n in names},
                           "stop_reason": "completed"})
    return path


def report(path: Path, geo: Path | None = None) -> ReportDoc:
    return build_report(path, options(geo))


def flows_by(doc: ReportDoc, variant: str, data_type: str) -> list[dict[str, Any]]:
    return [dict(f) for f in doc["flows"] if f["variant"] == variant and f["data_type"] == data_type]
