"""The JUnit and terminal forms of a report, from documents made with harness.testing.reports:
read back with a JUnit library, and hostile captured text kept harmless in both."""

from __future__ import annotations

import io
from pathlib import Path

from junitparser import Error, Failure, JUnitXml
from rich.console import Console

from harness.report.junit import diff_junit, report_junit
from harness.report.terminal import print_diff, print_report
from harness.testing.reports import (
    destination,
    diff_doc,
    expectation,
    flow,
    report_doc,
    variant,
    violation,
    violation_flow,
)

HOSTILE = "evil\x00\x07\x1b[31m\ud800<x>&\"'\U0001f600"


def parsed(data: bytes, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_bytes(data)
    return JUnitXml.fromfile(str(path))


def cases(xml: JUnitXml) -> list[object]:
    return [case for suite in xml for case in suite]


def test_failures_are_the_violating_variants_and_failed_expectations(tmp_path: Path) -> None:
    bad = violation_flow(destination=destination(host=HOSTILE, country="CN"))
    failed = expectation(id="E1.forbidden_countries", rule="forbidden_countries", status="fail",
                         message="forbidden_countries (CN) fails in every variant", flows=[bad["id"]])
    doc = report_doc(flows=[flow(), bad], violations=[violation(bad)],
                     expectations=[failed, expectation(id="E2.max_flows", status="pass", flows=[])],
                     variants=[variant(), variant(name="consent_withheld", consent="withheld", violations=1),
                               variant(name="broken", status="failed", reason=HOSTILE)])
    xml = parsed(report_junit(doc), tmp_path)
    all_cases = cases(xml)
    failures = [c for c in all_cases if any(isinstance(r, Failure) for r in c.result)]  # type: ignore[attr-defined]
    errors = [c for c in all_cases if any(isinstance(r, Error) for r in c.result)]  # type: ignore[attr-defined]
    assert len(all_cases) == 5 and len(failures) == 2 and len(errors) == 1
    assert xml.failures == 2 and xml.errors == 1 and xml.tests == 5
    text = next(r for r in failures[0].result if isinstance(r, Failure)).text  # type: ignore[attr-defined]
    assert "country CN" in text and "evidence events: 2" in text and "\\x00" in text and "\\ud800" in text
    properties = {p.name: p.value for suite in xml for p in suite.properties()}
    assert properties["device.fingerprint"] == doc["device"]["fingerprint"]
    assert properties["verdict"] == doc["verdict"]["status"]


def test_a_clean_report_has_no_failures(tmp_path: Path) -> None:
    xml = parsed(report_junit(report_doc(violations=[], flows=[flow()], expectations=[])), tmp_path)
    assert xml.failures == 0 and xml.errors == 0 and xml.tests == 2


def test_diff_junit(tmp_path: Path) -> None:
    xml = parsed(diff_junit(diff_doc()), tmp_path)
    names = {c.name for c in cases(xml)}  # type: ignore[attr-defined]
    assert names == {"no flow added", "no new data type", "no new destination", "no destination moved country"}


def test_terminal_escapes_captured_text() -> None:
    bad = violation_flow(destination=destination(host=HOSTILE), sdk="\x1b]0;title\x07")
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=200)
    print_report(report_doc(flows=[flow(), bad], violations=[violation(bad)]), console)
    print_diff(diff_doc(), console)
    shown = buffer.getvalue()
    assert "\x1b[31m" not in shown and "\x00" not in shown and "\x07" not in shown and "\x1b]0;" not in shown
    assert "\\x1b[31m" in shown or "\\x1b" in shown
