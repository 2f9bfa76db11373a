"""Flows, the consent diff, expectations and the verdict, from real run stores made by hand (no phone:
the end-to-end runs are in tests/report/test_report_runs.py)."""

from __future__ import annotations

import base64
from pathlib import Path

import jsonschema
import pytest

from harness.compare.expect import parse_rules
from harness.errors import ConfigError
from harness.report.schema import json_schema
from tests.compare.compare_support import (
    ANDROID_ID,
    IMEI,
    TRACKER,
    TRACKER_IP,
    contact_hash_upload,
    dns,
    flows_by,
    make_run,
    report,
    request,
    write_mmdb,
)

CONSENT = {"pre_consent": "withheld", "accepted": "given", "rejected": "withheld"}


def messenger_like(tmp_path: Path, **kwargs: object) -> Path:
    beacon = f'{{"event":"init","aid":"{ANDROID_ID}"}}'.encode()
    return make_run(tmp_path / "r.run", {
        "pre_consent": [dns("pre_consent", 2), request("pre_consent", 2, beacon, path="/v1/init")],
        "accepted": [dns("accepted", 4), request("accepted", 4, beacon, path="/v1/init"),
                     contact_hash_upload("accepted", 4)],
        "rejected": [request("rejected", 4, b'{"event":"ping"}', headers=[("X-Device-Id", ANDROID_ID)],
                             path="/v1/ping"),
                     request("rejected", 5, f"imei={IMEI}".encode(), host="ads.tracker.example",
                             ip="198.51.100.9", sdk=None)],
    }, consent=CONSENT, **kwargs)  # type: ignore[arg-type]


def test_consent_diff(tmp_path: Path) -> None:
    doc = report(messenger_like(tmp_path))
    (beacon,) = flows_by(doc, "pre_consent", "android_id")
    assert beacon["status"] == "violation" and beacon["sdk"] == "com.tracker.sdk" and not beacon["after_refusal"]
    assert beacon["destination"]["ip"] == TRACKER_IP  # from the DNS answer: the request itself named no address
    assert beacon["destination"]["party"] == "third" and beacon["destination"]["domain"] == "tracker.example"
    (ping,) = flows_by(doc, "rejected", "android_id")
    assert ping["status"] == "violation" and ping["places"] == ["header:x-device-id"]
    assert not ping["after_refusal"]  # the device id is sent after Yes too
    assert ping["first_step"] == 4 and ping["first_step_label"] == "demo.yaml:14 step 4"
    (match,) = flows_by(doc, "accepted", "contact.phone")
    assert match["status"] == "consented" and match["encodings"] == ["base64>gzip>sha256"]
    (imei,) = flows_by(doc, "rejected", "imei")
    assert imei["status"] == "violation" and imei["after_refusal"]  # more after No than after Yes
    assert imei["sdk"] is None and imei["destination"]["ip"] == "198.51.100.9"
    assert {v["flow"] for v in doc["violations"]} == {beacon["id"], ping["id"], imei["id"]}
    assert "after the user refused" in next(v for v in doc["violations"] if v["flow"] == imei["id"])["message"]
    verdict = doc["verdict"]
    assert (verdict["status"], verdict["exit_code"], verdict["violations"]) == ("fail", 1, 3)
    assert verdict["headline"].startswith("FAIL: 3 violations")
    by_variant = {v["name"]: v for v in doc["variants"]}
    assert by_variant["rejected"]["violations"] == 2 and by_variant["accepted"]["violations"] == 0
    jsonschema.validate(doc, json_schema("report"))


def test_evidence_marks_the_canary_in_its_decoded_layer(tmp_path: Path) -> None:
    doc = report(messenger_like(tmp_path))
    (match,) = flows_by(doc, "accepted", "contact.phone")
    evidence = next(f for f in doc["findings"] if f["flow"] == match["id"])
    assert evidence["encoding"] == "base64>gzip>sha256"
    (mark,) = evidence["highlights"]
    import hashlib
    assert evidence["decoded"][mark["start"]:mark["end"]] == hashlib.sha256(b"+14155550134").hexdigest()
    assert '"payload"' in evidence["raw_excerpt"] and evidence["full_base64"]
    ping = next(f for f in doc["findings"] if f["where"] == "header:x-device-id")
    assert ping["decoded"][ping["highlights"][0]["start"]:ping["highlights"][0]["end"]] == ANDROID_ID
    # every flow has its evidence, and every timeline event that is evidence links its flow
    assert {f["flow"] for f in doc["findings"]} == {f["id"] for f in doc["flows"]}
    linked = {flow for row in doc["timeline"] for flow in row["flows"]}
    assert linked == {f["id"] for f in doc["flows"]}


def test_expectations(tmp_path: Path) -> None:
    expect = [
        {"variants": ["rejected"], "no_leak": ["imei", "contact"]},
        {"variant": "accepted", "no_leak": "contact"},
        {"forbidden_domains": ["tracker.example"]},
        {"variant": "pre_consent", "allowed_domains": ["example.org"], "max_flows": 0},
        {"variant": "all", "no_third_party": True},
        {"variant": "rejected", "allowed_data": ["imei"]},
    ]
    doc = report(messenger_like(tmp_path, expect=expect))
    results = {e["id"]: e for e in doc["expectations"]}
    assert results["E1.no_leak"]["status"] == "fail" and len(results["E1.no_leak"]["flows"]) == 1
    assert results["E2.no_leak"]["status"] == "fail"  # contact.phone in accepted
    assert results["E3.forbidden_domains"]["status"] == "fail" and len(results["E3.forbidden_domains"]["flows"]) == 5
    assert results["E4.allowed_domains"]["status"] == "fail" and results["E4.max_flows"]["status"] == "fail"
    assert results["E5.no_third_party"]["status"] == "fail"
    assert results["E6.allowed_data"]["status"] == "pass"
    (imei,) = flows_by(doc, "rejected", "imei")
    assert imei["status"] == "allowed" and imei["allowed_by"] == ["E6.allowed_data"]
    assert doc["verdict"]["violations"] == 2 and doc["verdict"]["failed_expectations"] == 6


def test_allowed_domains_allow_a_withheld_flow_and_pass(tmp_path: Path) -> None:
    doc = report(messenger_like(tmp_path, expect=[{"variant": "pre_consent", "allowed_domains": "tracker.example"}]))
    (beacon,) = flows_by(doc, "pre_consent", "android_id")
    assert beacon["status"] == "allowed" and doc["expectations"][0]["status"] == "pass"


def test_forbidden_countries_fail_where_the_database_places_the_destination(tmp_path: Path) -> None:
    run = messenger_like(tmp_path, expect=[{"variant": "all", "forbidden_countries": ["CN"]},
                                           {"variant": "all", "allowed_countries": ["DE", "CN"]}])
    elsewhere = report(run, write_mmdb(tmp_path / "de.mmdb", {TRACKER_IP + "/32": "DE", "198.51.100.0/24": "DE"}))
    assert [e["status"] for e in elsewhere["expectations"]] == ["pass", "pass"]
    doc = report(run, write_mmdb(tmp_path / "cn.mmdb", {TRACKER_IP + "/32": "CN", "198.51.100.0/24": "DE"}))
    forbidden, allowed = doc["expectations"]
    assert forbidden["status"] == "fail" and allowed["status"] == "pass"
    failing = [f for f in doc["flows"] if f["id"] in forbidden["flows"]]
    assert failing and {f["destination"]["host"] for f in failing} == {TRACKER}
    assert {f["destination"]["country"] for f in failing} == {"CN"}
    assert doc["verdict"]["exit_code"] == 1
    countries = {row["country"]: row for row in doc["countries"]}
    assert countries["CN"]["name"] == "China" and countries["CN"]["hosts"] == [TRACKER]
    assert "cn.mmdb" in doc["geoip"]["name"]


def test_a_host_never_resolved_has_no_country(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r.run", {"pre_consent": [request("pre_consent", 1, ANDROID_ID.encode())]},
                   consent={"pre_consent": "withheld"}, expect=[{"allowed_countries": ["DE"]}])
    doc = report(run, write_mmdb(tmp_path / "all.mmdb", {"0.0.0.0/0": "DE"}))
    (flow,) = doc["flows"]
    assert flow["destination"]["ip"] is None and flow["destination"]["country"] == "unknown"
    assert doc["expectations"][0]["status"] == "fail"  # "unknown" cannot show it stayed in DE


def test_unseeded_identifier_shapes_are_suspected_not_violations(tmp_path: Path) -> None:
    other_imei = "490154203237518"  # a valid IMEI that is not the phone's
    run = make_run(tmp_path / "r.run", {"pre_consent": [request("pre_consent", 1, f"imei={other_imei}".encode())]},
                   consent={"pre_consent": "withheld"})
    doc = report(run)
    assert [f["status"] for f in doc["flows"]] == ["suspected"]
    assert doc["violations"] == [] and doc["verdict"]["exit_code"] == 0


def test_a_broken_variant_makes_the_run_broken_and_keeps_the_privacy_answer(tmp_path: Path) -> None:
    doc = report(messenger_like(tmp_path, results={"accepted": "failed"}))
    verdict = doc["verdict"]
    assert (verdict["status"], verdict["exit_code"], verdict["privacy"]) == ("broken", 3, "fail")
    assert verdict["broken_variants"] == ["accepted"] and "privacy in what ran: FAIL" in verdict["headline"]


def test_nothing_without_consent_passes(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r.run", {"accepted": [request("accepted", 1, ANDROID_ID.encode())]},
                   consent={"accepted": "given"}, expect=[{"variant": "all", "max_flows": 1}])
    doc = report(run)
    assert doc["verdict"]["status"] == "pass" and doc["verdict"]["exit_code"] == 0
    assert doc["verdict"]["headline"] == "PASS: no personal data sent without consent; 1 expectation hold"


def test_hostile_capture_reaches_the_document_verbatim(tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\x00\x1b[31m'
    run = make_run(tmp_path / "r.run", {"pre_consent": [
        request("pre_consent", 1, f"{hostile}&aid={ANDROID_ID}".encode(), host="x.example",
                headers=[("X-Evil", hostile)])]}, consent={"pre_consent": "withheld"})
    doc = report(run)
    (evidence,) = doc["findings"]
    assert hostile.replace("\x00", "\\x00") in evidence["decoded"] or hostile in evidence["decoded"]


@pytest.mark.parametrize(("raw", "message"), [
    ({"no_leak": ["imei"]}, "expected a list"),
    ([{"no_leak": ["imeii"]}], "expect[0].no_leak[0]: undefined data type 'imeii'"),
    ([{"variant": "nope", "max_flows": 1}], "expect[0].variant: undefined variant 'nope'"),
    ([{"max_flows": True}], "expect[0].max_flows: expected a whole number"),
    ([{"frobnicate": 1}], "expect[0].frobnicate: unknown rule"),
])
def test_stored_rules_are_checked_again(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_rules(raw, ["pre_consent"], "r.run")


def test_payload_as_sent_is_kept_whole_when_small(tmp_path: Path) -> None:
    doc = report(messenger_like(tmp_path))
    ping = next(f for f in doc["findings"] if f["where"] == "header:x-device-id")
    # the header's value travelled beside the body (a request hooked above the socket): it is what was sent
    assert ping["full_base64"] is not None and not ping["raw_truncated"]
    assert base64.b64decode(ping["full_base64"]) == ping["raw_excerpt"].encode()
    assert ANDROID_ID in ping["raw_excerpt"]
