"""The build diff: what changed between two runs of one scenario (two firmware builds, two app versions).

Flows are matched by what they are, not by values that change from run to run (canary values, IP
addresses of a phone, event ids): variant, data type, confidence, destination domain and host,
process and SDK.  Then:

- **added**: in B only — a regression; **removed**: in A only;
- **changed**: in both, with a different destination country (a regression: the data moved
  country), other addresses, other encodings or places, or an event count that differs by
  ``COUNT_FACTOR`` or more (smaller differences are timing: a timer that fired 3 times in one run
  fires 4 times in the next, and reporting that would bury real changes);
- **new data types**, **new destinations** (hosts B sends personal data to and A did not) and
  **destinations that moved country**, each with the flows that show it.

Only flows of seeded or known values (confidence "canary") count as regressions; unseeded
identifier shapes are listed but never fail a diff.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from harness.report.shape import (
    DIFF_SCHEMA_ID,
    DiffDoc,
    DiffVerdict,
    Flow,
    FlowChange,
    MovedCountry,
    NewDestination,
    ReportDoc,
    RunSide,
)

#: A flow's event count is reported as changed when one run's is at least this many times the other's.
COUNT_FACTOR = 2.0

Identity = tuple[str, str, str, str | None, str | None, str | None, str | None]


def identity(flow: Flow) -> Identity:
    dest = flow["destination"]
    return (flow["variant"], flow["data_type"], flow["confidence"], dest["domain"], dest["host"], flow["process"],
            flow["sdk"])


def _label(key: Identity) -> str:
    variant, data_type, _confidence, _domain, host, process, sdk = key
    return " / ".join(x or "-" for x in (variant, data_type, host, process, sdk))


def _group(flows: Iterable[Flow]) -> dict[Identity, list[Flow]]:
    groups: dict[Identity, list[Flow]] = {}
    for flow in flows:
        groups.setdefault(identity(flow), []).append(flow)
    return groups


def _merged(flows: list[Flow]) -> Flow:
    """One flow standing for several that differ only by IP address (the first, totals summed)."""
    first: Flow = dict(flows[0])  # type: ignore[assignment]
    if len(flows) > 1:
        first["events"] = sum(f["events"] for f in flows)
        first["bytes"] = sum(f["bytes"] for f in flows)
        first["evidence_total"] = sum(f["evidence_total"] for f in flows)
        first["evidence"] = sorted({e for f in flows for e in f["evidence"]})[:50]
        first["encodings"] = sorted({e for f in flows for e in f["encodings"]})
        first["places"] = sorted({p for f in flows for p in f["places"]})
    return first


def _countries(flows: list[Flow]) -> list[str]:
    return sorted({f["destination"]["country"] for f in flows})


def _changes(a: list[Flow], b: list[Flow]) -> tuple[list[str], bool]:
    changes: list[str] = []
    moved = _countries(a) != _countries(b)
    if moved:
        changes.append(f"country {','.join(_countries(a))} -> {','.join(_countries(b))}")
    ips_a = sorted({f["destination"]["ip"] or "?" for f in a})
    ips_b = sorted({f["destination"]["ip"] or "?" for f in b})
    if moved and ips_a != ips_b:
        changes.append(f"addresses {','.join(ips_a)} -> {','.join(ips_b)}")
    events_a, events_b = sum(f["events"] for f in a), sum(f["events"] for f in b)
    if max(events_a, events_b) >= COUNT_FACTOR * max(1, min(events_a, events_b)):
        changes.append(f"events {events_a} -> {events_b}")
    enc_a = {e for f in a for e in f["encodings"]}
    enc_b = {e for f in b for e in f["encodings"]}
    changes += [f"new encoding {e}" for e in sorted(enc_b - enc_a)]
    changes += [f"encoding gone {e}" for e in sorted(enc_a - enc_b)]
    places_a = {p for f in a for p in f["places"]}
    places_b = {p for f in b for p in f["places"]}
    changes += [f"now also in {p}" for p in sorted(places_b - places_a)]
    changes += [f"no longer in {p}" for p in sorted(places_a - places_b)]
    return changes, moved


def diff_reports(a: ReportDoc, b: ReportDoc, *, forced: bool = False) -> DiffDoc:
    groups_a, groups_b = _group(a["flows"]), _group(b["flows"])
    added = [_merged(groups_b[k]) for k in groups_b if k not in groups_a]
    removed = [_merged(groups_a[k]) for k in groups_a if k not in groups_b]
    changed: list[FlowChange] = []
    for key in groups_b:
        if key in groups_a:
            changes, moved = _changes(groups_a[key], groups_b[key])
            if changes:
                changed.append(FlowChange(key=_label(key), a=_merged(groups_a[key]), b=_merged(groups_b[key]),
                                          changes=changes, moved_country=moved))
    canary_a = [f for f in a["flows"] if f["confidence"] == "canary"]
    canary_b = [f for f in b["flows"] if f["confidence"] == "canary"]
    types_a = {f["data_type"] for f in canary_a}
    new_types = sorted({f["data_type"] for f in canary_b} - types_a)
    hosts_a: dict[str | None, set[str]] = {}
    for flow in canary_a:
        hosts_a.setdefault(flow["destination"]["host"], set()).add(flow["destination"]["country"])
    by_host_b: dict[str | None, list[Flow]] = {}
    for flow in canary_b:
        by_host_b.setdefault(flow["destination"]["host"], []).append(flow)
    new_destinations: list[NewDestination] = []
    moved_country: list[MovedCountry] = []
    for host, flows in by_host_b.items():
        countries_b = _countries(flows)
        if host not in hosts_a:
            new_destinations.append(NewDestination(
                host=host, domain=flows[0]["destination"]["domain"], country=",".join(countries_b),
                data_types=sorted({f["data_type"] for f in flows}), flows=[f["id"] for f in flows]))
        elif sorted(hosts_a[host]) != countries_b:
            moved_country.append(MovedCountry(
                host=host, domain=flows[0]["destination"]["domain"], a_countries=sorted(hosts_a[host]),
                b_countries=countries_b, data_types=sorted({f["data_type"] for f in flows}),
                flows=[f["id"] for f in flows]))
    regressions = sum(1 for f in added if f["confidence"] == "canary") + len(moved_country)
    return DiffDoc(
        schema=DIFF_SCHEMA_ID, generated=time.time(), a=RunSide(run=a["run"], device=a["device"]),
        b=RunSide(run=b["run"], device=b["device"]), forced=forced, geoip=b["geoip"], added=added, removed=removed,
        changed=changed, new_data_types=new_types, new_destinations=new_destinations, moved_country=moved_country,
        verdict=_verdict(regressions, added, new_types, new_destinations, moved_country),
    )


def _verdict(regressions: int, added: list[Flow], new_types: list[str], new_destinations: list[NewDestination],
             moved: list[MovedCountry]) -> DiffVerdict:
    if not regressions:
        return DiffVerdict(status="pass", exit_code=0, regressions=0,
                           headline="PASS: B sends no personal data that A did not send, nowhere new")
    parts = []
    canary_added = [f for f in added if f["confidence"] == "canary"]
    if canary_added:
        sample = ", ".join(sorted({f"{f['data_type']} to {f['destination']['host'] or '?'} in {f['variant']}"
                                   for f in canary_added})[:4])
        parts.append(f"{len(canary_added)} new flow{'s' if len(canary_added) != 1 else ''} ({sample})")
    if new_types:
        parts.append(f"new data types: {', '.join(new_types)}")
    if new_destinations:
        parts.append(f"new destinations: {', '.join(d['host'] or '?' for d in new_destinations)}")
    if moved:
        parts.append("moved country: " + ", ".join(
            f"{m['host']} {','.join(m['a_countries'])}->{','.join(m['b_countries'])}" for m in moved))
    return DiffVerdict(status="fail", exit_code=1, regressions=regressions, headline="REGRESSION: " + "; ".join(parts))
