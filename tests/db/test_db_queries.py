"""The named queries (``harness db query``) over pushed runs: the vendor ROM audit on build A and build B
(the demo runs of tests/conftest.py ``rom_builds``; build B sends the IMEI and the installed-app list
with the user experience program off), with the expected rows derived from each run's report.json;
and runs made by hand for ``new-destinations`` over three builds, ``--since`` and ``--data-type``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from harness.events import Dest
from harness.testing.factories import make_event
from tests.compare.compare_support import IMEI, PHONE, make_run
from tests.db.db_support import harness

Row = dict[str, Any]


def report_of(run: Path) -> dict[str, Any]:
    return dict(json.loads((run / "report.json").read_text()))


def personal(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["flows"] if f["confidence"] == "canary"]


def destination(flow: dict[str, Any]) -> str | None:
    d = flow["destination"]
    return d["host"] or d["domain"] or d["ip"]  # type: ignore[no-any-return]


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat()


@pytest.fixture
def pushed(dsn: str, rom_builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    done = harness(capsys, "db", "push", *map(str, rom_builds), "--dsn", dsn)
    assert done.code == 0, done.err
    reports = [report_of(run) for run in rom_builds]
    assert reports[0]["run"]["started"] < reports[1]["run"]["started"]  # build A ran first
    return reports


def test_flows_by_build_gives_both_builds_and_the_variants_where_the_imei_left(
        dsn: str, pushed: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    expected: list[Row] = []
    for doc in pushed:
        device = doc["device"]
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for flow in personal(doc):
            if flow["data_type"] == "imei":
                key = (flow["variant"], flow["consent"], destination(flow), flow["destination"]["country"])
                groups[key].append(flow)
        for (variant, consent, where, country), flows in sorted(groups.items()):
            expected.append({
                "manufacturer": device["manufacturer"], "model": device["model"],
                "fingerprint": device["fingerprint"], "security_patch": device["security_patch"],
                "data_type": "imei", "variant": variant, "consent": consent, "destination": where,
                "country": country, "runs": 1, "events": sum(f["events"] for f in flows),
                "violation": any(f["status"] == "violation" for f in flows)})
    done = harness(capsys, "db", "query", "flows-by-build", "--data-type", "imei", "--dsn", dsn, "--json")
    assert done.code == 0, done.err
    assert done.json()["rows"] == expected
    # what the demo shows: build A only with the program on; build B also where consent was withheld
    build_a, build_b = (doc["device"]["fingerprint"] for doc in pushed)
    assert {r["variant"] for r in expected if r["fingerprint"] == build_a} == {"program_on"}
    assert {(r["variant"], r["violation"]) for r in expected if r["fingerprint"] == build_b} == {
        ("pre_consent", True), ("program_off", True), ("program_on", False)}
    table = harness(capsys, "db", "query", "flows-by-build", "--data-type", "imei", "--dsn", dsn)
    assert table.code == 0 and build_a in table.out and build_b in table.out
    assert table.out.index(build_a) < table.out.index(build_b)


def test_new_destinations_of_build_b_against_build_a(dsn: str, pushed: list[dict[str, Any]],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    expected: list[Row] = []
    earlier: set[str | None] = set()
    for position, doc in enumerate(pushed):
        by_destination: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for flow in personal(doc):
            by_destination[destination(flow)].append(flow)
        device = doc["device"]
        for where in sorted(set(by_destination) - earlier, key=str):
            flows = by_destination[where]
            expected.append({
                "manufacturer": device["manufacturer"], "model": device["model"],
                "fingerprint": device["fingerprint"], "security_patch": device["security_patch"],
                "first_run": iso(doc["run"]["started"]), "earlier_builds": position, "destination": where,
                "countries": sorted({f["destination"]["country"] for f in flows}),
                "data_types": sorted({f["data_type"] for f in flows}),
                "variants": sorted({f["variant"] for f in flows}), "runs": 1})
        earlier |= set(by_destination)
    done = harness(capsys, "db", "query", "new-destinations", "--dsn", dsn, "--json")
    assert done.code == 0, done.err
    assert done.json()["rows"] == expected
    # build B sends its IMEI to the host build A already used (with consent): nothing new by destination
    assert [r["earlier_builds"] for r in expected] == [0]


def test_countries_by_vendor(dsn: str, pushed: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for doc in pushed:
        for flow in personal(doc):
            groups[(doc["device"]["manufacturer"], flow["destination"]["country"])].append((doc, flow))
    expected = [{"manufacturer": vendor, "country": country,
                 "data_types": sorted({f["data_type"] for _, f in pairs}),
                 "destinations": sorted({destination(f) for _, f in pairs}, key=str),
                 "builds": len({d["device"]["fingerprint"] for d, _ in pairs}),
                 "runs": len({d["run"]["path"] for d, _ in pairs}), "flows": len(pairs),
                 "violations": sum(f["status"] == "violation" for _, f in pairs)}
                for (vendor, country), pairs in sorted(groups.items())]
    done = harness(capsys, "db", "query", "countries-by-vendor", "--dsn", dsn, "--json")
    assert done.code == 0, done.err
    assert done.json()["rows"] == expected
    assert {r["manufacturer"] for r in expected} == {pushed[0]["device"]["manufacturer"]}
    assert set(expected[0]["data_types"]) == {"imei", "installed_apps"} and expected[0]["violations"] == 4


# ---- runs made by hand: three builds of one model, one of another ------------------------------------------


def build_run(path: Path, *, fingerprint: str, model: str, started: float, hosts: dict[str, bytes]) -> Path:
    """A run of one variant sending each body to its host, on a build of ``model`` started at ``started``."""
    events = [make_event("http.request", variant="v", step=1, data=body, process="com.acme.telemetry",
                         dest=Dest(host=host, ip=None, port=443, scheme="https", url=f"https://{host}/c"))
              for host, body in hosts.items()]
    make_run(path, {"v": events}, consent={"v": "withheld"},
             facts={"manufacturer": "Acme", "model": model, "fingerprint": fingerprint, "security_patch": "2024-01-05"})
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'created'", (json.dumps(started),))
    conn.close()
    return path


MARCH = dt.datetime(2024, 3, 1, tzinfo=dt.UTC).timestamp()
DAY = 86400.0


def test_new_destinations_over_builds_since_and_data_type_family(dsn: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    imei, phone = f"imei={IMEI}".encode(), f"number={PHONE}".encode()
    runs = [
        build_run(tmp_path / "b1.run", fingerprint="acme/a1:14/B1", model="A1", started=MARCH - 30 * DAY,
                  hosts={"t.acme.example": imei}),
        build_run(tmp_path / "b2.run", fingerprint="acme/a1:14/B2", model="A1", started=MARCH + DAY,
                  hosts={"t.acme.example": imei, "cn.collect.example": phone}),
        build_run(tmp_path / "b3.run", fingerprint="acme/a1:14/B3", model="A1", started=MARCH + 2 * DAY,
                  hosts={"t.acme.example": imei, "cn.collect.example": imei, "ads.example": imei}),
        build_run(tmp_path / "z1.run", fingerprint="acme/z1:14/Z1", model="Z1", started=MARCH + 3 * DAY,
                  hosts={"t.acme.example": imei}),
    ]
    assert harness(capsys, "db", "push", *map(str, runs), "--dsn", dsn).code == 0

    def new(*extra: str) -> list[tuple[str, int, str, list[str]]]:
        done = harness(capsys, "db", "query", "new-destinations", "--dsn", dsn, "--json", *extra)
        assert done.code == 0, done.err
        return [(r["fingerprint"], r["earlier_builds"], r["destination"], r["data_types"]) for r in done.json()["rows"]]

    assert new() == [
        ("acme/a1:14/B1", 0, "t.acme.example", ["imei"]),
        ("acme/a1:14/B2", 1, "cn.collect.example", ["contact.phone"]),
        ("acme/a1:14/B3", 2, "ads.example", ["imei"]),
        ("acme/z1:14/Z1", 0, "t.acme.example", ["imei"]),  # another model: compared with its own builds only
    ]
    # since March: builds first run then, still compared with the February build
    assert [r[0] for r in new("--since", "2024-03-01")] == ["acme/a1:14/B2", "acme/a1:14/B3", "acme/z1:14/Z1"]
    # the IMEI alone: cn.collect.example got the IMEI first in B3 (B2 sent it a phone number)
    assert new("--data-type", "imei") == [
        ("acme/a1:14/B1", 0, "t.acme.example", ["imei"]),
        ("acme/a1:14/B3", 2, "ads.example", ["imei"]),
        ("acme/a1:14/B3", 2, "cn.collect.example", ["imei"]),
        ("acme/z1:14/Z1", 0, "t.acme.example", ["imei"]),
    ]
    # a family: contact covers contact.phone
    assert new("--data-type", "contact") == [("acme/a1:14/B2", 1, "cn.collect.example", ["contact.phone"])]
    flows = harness(capsys, "db", "query", "flows-by-build", "--dsn", dsn, "--json", "--since", "2024-03-02T12:00",
                    "--data-type", "imei").json()["rows"]
    assert [(r["fingerprint"], r["destination"]) for r in flows] == [
        ("acme/a1:14/B3", "ads.example"), ("acme/a1:14/B3", "cn.collect.example"), ("acme/a1:14/B3", "t.acme.example"),
        ("acme/z1:14/Z1", "t.acme.example")]
    bad = harness(capsys, "db", "query", "flows-by-build", "--dsn", dsn, "--since", "March")
    assert (bad.code, bad.err) == (2, "harness: --since 'March': not a date (YYYY-MM-DD, or an ISO 8601 time)\n")
