"""The build diff from real run stores made by hand; `harness diff` and `harness report` on them
(outputs, refusals, exit status).  The vendor ROM diff on the virtual phone is in tests/report/."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from harness.cli import main
from harness.compare.diff import diff_reports
from harness.events import Event
from harness.report.schema import json_schema
from tests.compare.compare_support import ANDROID_ID, IMEI, dns, make_run, report, request, write_mmdb

VENDOR = "telemetry.vendor.example"
CONSENT = {"program_on": "given", "program_off": "withheld"}


def usage(variant: str, step: int, ip: str = "192.0.2.10") -> list[Event]:
    return [dns(variant, step, VENDOR, ip),
            request(variant, step, f'{{"imei":"{IMEI}"}}'.encode(), host=VENDOR, sdk=None, path="/v2/report")]


def diag(variant: str, step: int) -> list[Event]:
    return [request(variant, step, f'{{"crash":1,"aid":"{ANDROID_ID}"}}'.encode(), host=VENDOR, sdk=None,
                    path=f"/v2/diag?imei={IMEI}")]


def build_a(path: Path, *, repeat: int = 1, scenario: str = "rom_audit") -> Path:
    return make_run(path, {"program_on": [e for _ in range(repeat) for e in usage("program_on", 2)],
                           "program_off": []}, consent=CONSENT, scenario=scenario,
                    facts={"fingerprint": "vendor/a/V10.3.1.0", "security_patch": "2026-01-05"})


def build_b(path: Path, *, ip: str = "192.0.2.10") -> Path:
    return make_run(path, {"program_on": usage("program_on", 2, ip) + diag("program_on", 2),
                           "program_off": [dns("program_off", 2, VENDOR, ip), *diag("program_off", 2)]},
                    consent=CONSENT, facts={"fingerprint": "vendor/b/V10.3.2.0", "security_patch": "2026-03-05"},
                    scenario="rom_audit")


def test_build_b_adds_exactly_its_new_flows(tmp_path: Path) -> None:
    a, b = report(build_a(tmp_path / "a.run")), report(build_b(tmp_path / "b.run"))
    doc = diff_reports(a, b)
    added = sorted((f["variant"], f["data_type"], f["destination"]["host"]) for f in doc["added"])
    assert added == [("program_off", "android_id", VENDOR), ("program_off", "imei", VENDOR),
                     ("program_on", "android_id", VENDOR)]
    assert doc["removed"] == []
    (change,) = doc["changed"]  # program_on's IMEI: now in the URL too
    assert change["key"] == f"program_on / imei / {VENDOR} / com.example.messenger / -"
    assert "now also in url" in change["changes"] and not change["moved_country"]
    assert doc["new_data_types"] == ["android_id"] and doc["new_destinations"] == [] and doc["moved_country"] == []
    verdict = doc["verdict"]
    assert (verdict["status"], verdict["exit_code"], verdict["regressions"]) == ("fail", 1, 3)
    assert verdict["headline"].startswith("REGRESSION: 3 new flows")
    assert doc["b"]["device"]["fingerprint"] == "vendor/b/V10.3.2.0"
    assert doc["a"]["device"]["security_patch"] == "2026-01-05"
    jsonschema.validate(doc, json_schema("diff"))
    # and the other way round: what B added is what A lacks
    back = diff_reports(b, a)
    assert len(back["removed"]) == 3 and back["added"] == [] and back["verdict"]["exit_code"] == 0


def test_a_run_against_itself_and_timing_noise_are_no_change(tmp_path: Path) -> None:
    a = report(build_a(tmp_path / "a.run"))
    assert diff_reports(a, a)["verdict"]["headline"].startswith("PASS")
    three = report(build_a(tmp_path / "three.run", repeat=3))
    four = report(build_a(tmp_path / "four.run", repeat=4))
    assert diff_reports(three, four)["changed"] == []  # a timer that fired once more is not a change
    (change,) = diff_reports(a, four)["changed"]
    assert change["changes"] == ["events 1 -> 4"]


def test_a_destination_that_moved_country(tmp_path: Path) -> None:
    geo = write_mmdb(tmp_path / "geo.mmdb", {"192.0.2.0/25": "DE", "192.0.2.128/25": "CN"})
    a = report(build_a(tmp_path / "a.run"), geo)
    b = report(make_run(tmp_path / "b.run", {"program_on": usage("program_on", 2, "192.0.2.200"), "program_off": []},
                        consent=CONSENT, scenario="rom_audit"), geo)
    doc = diff_reports(a, b)
    (moved,) = doc["moved_country"]
    assert (moved["host"], moved["a_countries"], moved["b_countries"]) == (VENDOR, ["DE"], ["CN"])
    (change,) = doc["changed"]
    assert change["moved_country"] and change["changes"][:2] == ["country DE -> CN",
                                                                 "addresses 192.0.2.10 -> 192.0.2.200"]
    assert doc["verdict"]["exit_code"] == 1 and "moved country" in doc["verdict"]["headline"]


def test_harness_diff_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_a, run_b = build_a(tmp_path / "a.run"), build_b(tmp_path / "b.run")
    html, junit, js = tmp_path / "d.html", tmp_path / "d.xml", tmp_path / "d.json"
    assert main(["diff", str(run_a), str(run_b), "--html", str(html), "--junit", str(junit), "--json", str(js)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "vendor/b/V10.3.2.0" in out and "2026-03-05" in out
    assert json.loads(js.read_text())["verdict"]["regressions"] == 3
    assert "vendor/b/V10.3.2.0" in html.read_text()
    xml = JUnitXml.fromfile(str(junit))
    failures = [case for suite in xml for case in suite if any(isinstance(r, Failure) for r in case.result)]
    assert {case.name for case in failures} == {"no flow added", "no new data type"}
    # outputs are not replaced without --force; different scenarios are refused without it
    assert main(["diff", str(run_a), str(run_b), "--json", str(js)]) == 2
    assert "exists" in capsys.readouterr().err
    other = build_a(tmp_path / "other.run", scenario="something_else")
    assert main(["diff", str(other), str(run_b)]) == 2
    assert "a build diff compares two runs of one scenario" in capsys.readouterr().err
    assert main(["diff", str(other), str(run_b), "--force", "--json", "-"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["forced"] is True and "REGRESSION" in captured.err  # the table on stderr


def test_harness_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = build_b(tmp_path / "b.run")
    outputs = {k: tmp_path / f"r.{k}" for k in ("html", "json", "junit", "har")}
    assert main(["report", str(run), *[x for k, p in outputs.items() for x in (f"--{k}", str(p))]]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].strip().startswith("FAIL: 2 violations")
    doc = json.loads(outputs["json"].read_text())
    jsonschema.validate(doc, json_schema("report"))
    assert json.loads(outputs["har"].read_text())["log"]["version"] == "1.2"
    xml = JUnitXml.fromfile(str(outputs["junit"]))
    cases = [case for suite in xml for case in suite]
    failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
    assert len(cases) == 2 and [c.name for c in failed] == ["consent check: program_off (consent withheld)"]
    assert "imei -> telemetry.vendor.example" in failed[0].result[0].text
    assert main(["report", str(run), "--json", str(outputs["json"])]) == 2  # no --force: kept
    assert main(["report", str(run), "--json", str(run)]) == 2  # never over its own input
    assert run.stat().st_size > 0
    assert main(["report", str(tmp_path / "nope.run")]) == 2
    assert main(["schema", "report"]) == 0
    assert json.loads(capsys.readouterr().out)["$defs"]["Flow"]["required"][:3] == ["id", "variant", "consent"]
