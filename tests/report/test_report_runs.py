"""The build diff on the virtual phone: the vendor ROM audit (scenarios/rom_audit_vendor.yaml) on
firmware build A (profile vendor-a) and build B (vendor-b), each run by `harness run --virtual`
exactly as the demo does, then `harness diff A B`.

Build B's analytics service adds crash diagnostics that upload the IMEI and the installed-app list
whatever the "user experience program" says (harness/virtual/runtime/apps/vendoranalytics): the diff
must list exactly those new flows of the vendor app, and nothing else as a regression.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml

from harness.cli import main

VENDOR_APP = "com.vendor.analytics"
TELEMETRY = "telemetry.vendor.example"


def report_of(run: Path) -> dict[str, Any]:
    return dict(json.loads((run / "report.json").read_text()))


def test_each_build_s_verdict(rom_builds: tuple[Path, Path]) -> None:
    build_a, build_b = map(report_of, rom_builds)
    assert build_a["verdict"]["status"] == "pass", build_a["verdict"]  # the program is honoured
    assert {(f["variant"], f["data_type"]) for f in build_a["flows"] if f["confidence"] == "canary"} == \
        {("program_on", "imei"), ("program_on", "installed_apps")}
    assert build_b["verdict"]["status"] == "fail"
    violations = {(v["variant"], v["data_type"], v["destination"]["host"], v["process"])
                  for v in build_b["violations"]}
    assert violations == {(variant, data, TELEMETRY, VENDOR_APP) for variant in ("pre_consent", "program_off")
                          for data in ("imei", "installed_apps")}
    assert build_a["device"]["fingerprint"] != build_b["device"]["fingerprint"]


def test_the_diff_lists_exactly_the_vendor_app_s_new_flows(rom_builds: tuple[Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    build_a, build_b = rom_builds
    diff_json, junit = tmp_path / "diff.json", tmp_path / "diff.xml"
    assert main(["diff", str(build_a), str(build_b), "--json", str(diff_json), "--junit", str(junit),
                 "--html", str(tmp_path / "diff.html")]) == 1
    shown = capsys.readouterr().out
    assert shown.lstrip().startswith("REGRESSION: 4 new flows")
    doc = json.loads(diff_json.read_text())
    added = {(f["variant"], f["data_type"], f["destination"]["host"], f["process"], f["status"])
             for f in doc["added"]}
    assert added == {(variant, data, TELEMETRY, VENDOR_APP, "violation") for variant in ("pre_consent", "program_off")
                     for data in ("imei", "installed_apps")}
    assert doc["removed"] == [] and doc["new_destinations"] == [] and doc["moved_country"] == []
    assert doc["new_data_types"] == []  # build A sent both types too, with the program on
    # with the program on, the diagnostics upload is added to the usage report: the same flows, changed
    assert {(c["a"]["variant"], c["a"]["process"]) for c in doc["changed"]} <= {("program_on", VENDOR_APP)}
    assert doc["verdict"]["regressions"] == 4
    fingerprints = (doc["a"]["device"]["fingerprint"], doc["b"]["device"]["fingerprint"])
    assert all(fingerprints) and fingerprints[0] != fingerprints[1]
    assert fingerprints[1] in shown and doc["b"]["device"]["security_patch"] in shown
    xml = JUnitXml.fromfile(str(junit))
    failed = [case.name for suite in xml for case in suite if any(isinstance(r, Failure) for r in case.result)]
    assert failed == ["no flow added"]
