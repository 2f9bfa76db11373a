"""JUnit XML of a report or a diff: what CI systems show as test results.

A report is one ``<testsuite>`` named after the scenario: a test case per variant's consent check
(fails with the variant's violations; an ``<error>`` when the variant itself broke) and one per
expectation (fails with the flows that break it).  Failures list each flow: data type, destination
and country, first step, evidence event ids.  Device facts and the run folder are suite
properties.  A diff is one suite with a case per kind of regression.

XML 1.0 cannot hold most control characters, nor lone surrogates, and captured text may contain
any of them: they are written as ``\\xNN`` / ``\\uXXXX``, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from harness.report.shape import DiffDoc, Flow, ReportDoc

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        text)


def flow_line(flow: Flow) -> str:
    dest = flow["destination"]
    where = dest["host"] or dest["domain"] or "?"
    step = flow["first_step_label"] or (f"step {flow['first_step']}" if flow["first_step"] is not None else "-")
    evidence = ", ".join(map(str, flow["evidence"][:20])) + (" ..." if flow["evidence_total"] > 20 else "")
    return (f"{flow['id']} {flow['variant']}: {flow['data_type']} -> {where} (country {dest['country']}, "
            f"{dest['party'] or '?'} party) by {flow['sdk'] or flow['process'] or '?'}; first step: {step}; "
            f"evidence events: {evidence}")


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": clean(classname), "name": clean(name), "time": "0"})


def _fail(case: ET.Element, message: str, lines: Iterable[str], tag: str = "failure") -> None:
    element = ET.SubElement(case, tag, {"message": clean(message), "type": tag})
    element.text = clean("\n".join(lines))


def _finish(suite: ET.Element) -> bytes:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    root = ET.Element("testsuites")
    root.append(suite)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, suite.get(key, "0"))
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _properties(suite: ET.Element, values: dict[str, object]) -> None:
    properties = ET.SubElement(suite, "properties")
    for key, value in values.items():
        if value is not None:
            ET.SubElement(properties, "property", {"name": clean(key), "value": clean(str(value))})


def report_junit(doc: ReportDoc) -> bytes:
    scenario = doc["run"]["scenario"] or "run"
    suite = ET.Element("testsuite", {"name": clean(f"privacy: {scenario}"), "timestamp": "", "time": "0"})
    device = doc["device"]
    _properties(suite, {"run": doc["run"]["path"], "run.status": doc["run"]["status"],
                        "verdict": doc["verdict"]["status"], **{f"device.{k}": v for k, v in device.items()},
                        "geoip": f"{doc['geoip']['name']} ({doc['geoip']['date']})"})
    flows = {f["id"]: f for f in doc["flows"]}
    for variant in doc["variants"]:
        case = _case(suite, f"{scenario}.consent", f"consent check: {variant['name']} (consent {variant['consent']})")
        mine = [flows[v["flow"]] for v in doc["violations"] if v["variant"] == variant["name"]]
        if mine:
            _fail(case, f"{len(mine)} violation(s): personal data sent with consent {variant['consent']}",
                  map(flow_line, mine))
        if variant["status"] != "ok":
            _fail(case, f"the variant {variant['status']}: {variant['reason'] or 'no reason recorded'}",
                  [f"failed step: {variant['failed_step']}" if variant["failed_step"] else ""], tag="error")
    for expectation in doc["expectations"]:
        case = _case(suite, f"{scenario}.expect", f"{expectation['id']}: {expectation['message'].split(' (')[0]}")
        if expectation["status"] == "fail":
            _fail(case, expectation["message"], (flow_line(flows[f]) for f in expectation["flows"] if f in flows))
    return _finish(suite)


def diff_junit(doc: DiffDoc) -> bytes:
    suite = ET.Element("testsuite", {"name": "build diff", "timestamp": "", "time": "0"})
    _properties(suite, {"a.run": doc["a"]["run"]["path"], "b.run": doc["b"]["run"]["path"],
                        "a.fingerprint": doc["a"]["device"]["fingerprint"],
                        "b.fingerprint": doc["b"]["device"]["fingerprint"],
                        "a.security_patch": doc["a"]["device"]["security_patch"],
                        "b.security_patch": doc["b"]["device"]["security_patch"]})
    case = _case(suite, "diff", "no flow added")
    if doc["added"]:
        _fail(case, f"{len(doc['added'])} flow(s) in B only", map(flow_line, doc["added"]))
    case = _case(suite, "diff", "no new data type")
    if doc["new_data_types"]:
        _fail(case, f"new data types: {', '.join(doc['new_data_types'])}", doc["new_data_types"])
    case = _case(suite, "diff", "no new destination")
    if doc["new_destinations"]:
        _fail(case, f"{len(doc['new_destinations'])} new destination(s)",
              (f"{d['host']} [{d['country']}]: {', '.join(d['data_types'])}" for d in doc["new_destinations"]))
    case = _case(suite, "diff", "no destination moved country")
    if doc["moved_country"]:
        _fail(case, f"{len(doc['moved_country'])} destination(s) moved country",
              (f"{m['host']}: {','.join(m['a_countries'])} -> {','.join(m['b_countries'])}"
               for m in doc["moved_country"]))
    return _finish(suite)
