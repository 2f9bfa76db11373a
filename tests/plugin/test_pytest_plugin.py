"""The pytest plugin (harness.pytest_plugin) through pytest itself, with pytester.

Scenario runs are real: virtual phones (``--virtual``) on the session's private adb server, started
and stopped by the plugin inside the inner pytest session.  In-process runs are used where one
pytest process is enough (fastest; frida and the adb server are shared); pytest-xdist runs are
subprocesses.  Runs are few: one demo run (~40 s), a few runs of a tiny scenario.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

# Imported here so that pytester's in-process runs find them already loaded: it drops every module
# an inner run imports when that run ends, and these hold state (frida's device manager, adbutils).
import harness.compare.expect
import harness.record.reader
import harness.run.api
import harness.scenario.load
import harness.scenario.session
import harness.virtual.manager
from harness.pytest_plugin import phones as plugin_phones
from harness.pytest_plugin.failures import flow_line, printable
from harness.run.api import RunOutcome, RunRequest
from harness.testing import reports
from harness.virtual.manager import PhoneManager

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo_messenger.yaml"

#: The messenger, pre_consent only: its SDK's first beacon (Android ID, advertising ID) leaves 2.5 s
#: after launch, so a 6 s idle sees it.  E1 fails (the Android ID leaves), E2 passes (nothing to CN/RU).
TINY = """\
name: tiny
app: com.example.messenger
idle: 6
steps:
  - launchApp
  - idle: 1
expect:
  - {variant: pre_consent, no_leak: [android_id]}
  - {variant: all, forbidden_countries: [CN, RU]}
"""

#: A YAML file with `steps:` and `app:` but not as a scenario's top-level keys: never collected.
NOT_A_SCENARIO = """\
# a CI pipeline, not a scenario
jobs:
  build:
    steps: [checkout, test]
app: the build's name
"""

BROKEN = """\
name: broken
app: com.example.messenger
variants:
  rejected: {consent: maybe}
steps:
  - launchApp
  - tapOnn: Accept
"""

#: Hand-written tests using the fixtures; the tracer on a local program needs no phone.
HAND_WRITTEN = r'''
import socket
import sys

SENDER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"hello-pytest-%d" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.05)
time.sleep(60)
"""


def test_harness_run(harness_run, request):
    verdict = harness_run("tiny.yaml")
    request.node.user_properties.append(("serial", verdict.serial))
    assert (verdict.exit_code, verdict.status, verdict.passed) == (1, "fail", False)
    assert {v["data_type"] for v in verdict.violations_in("pre_consent")} == {"android_id", "advertising_id"}
    assert [(e["id"], e["status"]) for e in verdict.expectations] == [
        ("E1.no_leak", "fail"), ("E2.forbidden_countries", "pass")]
    assert "android_id -> analytics.tracker.example" in verdict.describe()
    assert (verdict.run_folder / "report.json").is_file()


def test_tracer_on_a_local_program(tracer):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        port = sink.getsockname()[1]
        with tracer(spawn=[sys.executable, "-c", SENDER, str(port)], local=True, hooks=["native_net"]) as trace:
            trace.wait_for("net.send", count=3, timeout=60)
        assert [sink.recv(100) for _ in range(3)] == [b"hello-pytest-%d" % i for i in range(3)]
    sent = trace.events("net.send")
    assert [e.data for e in sent] == [b"hello-pytest-%d" % i for i in range(3)]
    assert all(e.dest.port == port for e in sent) and trace.closed


def test_tracer_on_the_phone(tracer, device, request):
    request.node.user_properties.append(("serial", device.serial))
    with tracer(spawn=["com.example.messenger"], hooks=["network", "identifiers"]) as trace:
        trace.wait_for("http.request", timeout=60,
                       where=lambda e: e.dest is not None and e.dest.host == "analytics.tracker.example")
    assert "id.read" in {e.kind for e in trace.events()}


def test_device(device):
    assert device.shell(["getprop", "ro.product.model"]).output.strip() == "Pixel 7"
'''


@pytest.fixture(autouse=True)
def _no_serial_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """nodeid -> passed/failed/skipped/error (an in-process run's reports)."""
    seen: dict[str, str] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            seen[report.nodeid] = "error" if report.when == "setup" and report.failed else report.outcome
    return seen


def longrepr(result: pytest.RunResult, nodeid: str) -> str:
    return "\n".join(r.longreprtext for r in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
                     if r.nodeid == nodeid and not r.passed)


def junit_cases(path: Path) -> dict[str, dict[str, str]]:
    """`classname::name` -> the test case's properties."""
    cases = {}
    for case in ET.parse(path).iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        cases[f"{case.get('classname')}::{case.get('name')}"] = props
    return cases


def assert_no_phone_left(pytester: pytest.Pytester) -> None:
    """No virtual phone whose state is in this test's folder is still registered (or alive)."""
    left = [p for p in PhoneManager().running() if Path(p.state).is_relative_to(pytester.path)]
    assert not left, f"virtual phones left running: {left}"


# ---- the demo on a virtual phone -------------------------------------------------------------

def test_demo_messenger_variants_are_items_with_their_flows(pytester: pytest.Pytester) -> None:
    """`pytest scenarios/ --virtual`: the demo's consent checks as items (pre_consent and rejected
    fail with their flows, accepted passes), a broken scenario one failing item, other YAML ignored,
    device facts in the JUnit XML, the virtual phone stopped afterwards."""
    folder = pytester.mkdir("scenarios")
    shutil.copy(DEMO, folder / "demo_messenger.yaml")
    (folder / "ci.yaml").write_text(NOT_A_SCENARIO)
    (folder / "broken.yaml").write_text(BROKEN)

    result = pytester.runpytest_inprocess("scenarios", "--virtual", "--junitxml=junit.xml")

    demo = "scenarios/demo_messenger.yaml"
    assert outcomes(result) == {
        "scenarios/broken.yaml::validate": "failed",
        f"{demo}::pre_consent": "failed", f"{demo}::accepted": "passed", f"{demo}::rejected": "failed"}

    broken = longrepr(result, "scenarios/broken.yaml::validate")
    assert re.search(r"broken\.yaml:4:\d+: variants\.rejected\.consent: 'maybe'", broken), broken
    assert re.search(r"broken\.yaml:7:\d+: steps\[1\]: unknown command 'tapOnn'", broken), broken

    cases = junit_cases(pytester.path / "junit.xml")
    props = cases["scenarios.demo_messenger.yaml::pre_consent"]
    assert props["device.model"] == "Pixel 7" and props["device.security_patch"] == "2023-10-05"
    assert props["device.fingerprint"].startswith("google/panther/panther:14/")
    serial, run = props["device.serial"], Path(props["harness.run"])
    assert {cases[f"scenarios.demo_messenger.yaml::{v}"]["harness.run"] for v in ("accepted", "rejected")} == {str(run)}

    doc = json.loads((run / "report.json").read_text())
    for variant in ("pre_consent", "rejected"):
        text = longrepr(result, f"{demo}::{variant}")
        mine = [v for v in doc["violations"] if v["variant"] == variant]
        assert {v["data_type"] for v in mine} == {"android_id", "advertising_id"}
        for violation in mine:  # one line per flow, with its evidence event ids
            assert flow_line(violation) in text
            assert f"evidence events: {', '.join(map(str, violation['evidence']))}" in text
        assert "analytics.tracker.example (country local, third party) by SDK com.tracker.sdk in " \
               "com.example.messenger" in text
        assert text.endswith(f"run folder: {run}")
    assert "advertising_id -> analytics.tracker.example" in result.stdout.str()  # in pytest's own report

    assert_no_phone_left(pytester)
    assert serial not in [p.serial for p in PhoneManager().running()]


# ---- expectations and the fixtures ---------------------------------------------------------

def test_expectation_items_and_fixtures_share_the_session_phone(pytester: pytest.Pytester) -> None:
    """Expectation items pass or fail with their flows; `harness_run`, `tracer` (a local program and
    an app on the phone) and `device` in hand-written tests; one virtual phone for the session."""
    pytester.makefile(".yaml", tiny=TINY)
    pytester.makepyfile(test_hand=HAND_WRITTEN)

    result = pytester.runpytest_inprocess("tiny.yaml", "test_hand.py", "--virtual", "--junitxml=junit.xml")

    assert outcomes(result) == {
        "tiny.yaml::pre_consent": "failed", "tiny.yaml::expect E1.no_leak": "failed",
        "tiny.yaml::expect E2.forbidden_countries": "passed",
        "test_hand.py::test_harness_run": "passed", "test_hand.py::test_tracer_on_a_local_program": "passed",
        "test_hand.py::test_tracer_on_the_phone": "passed", "test_hand.py::test_device": "passed"}, result.stdout.str()
    text = longrepr(result, "tiny.yaml::expect E1.no_leak")
    assert text.startswith("E1.no_leak: no_leak (android_id) fails in pre_consent")
    assert "\n  android_id -> analytics.tracker.example (country local, third party) by SDK com.tracker.sdk" in text

    cases = junit_cases(pytester.path / "junit.xml")
    serials = {cases["tiny.yaml::pre_consent"]["device.serial"], cases["test_hand::test_harness_run"]["serial"],
               cases["test_hand::test_tracer_on_the_phone"]["serial"]}
    assert len(serials) == 1  # one phone for the whole session
    assert_no_phone_left(pytester)


# ---- pytest-xdist ------------------------------------------------------------------------------

def test_xdist_workers_get_a_virtual_phone_each(pytester: pytest.Pytester) -> None:
    """`pytest -n 2 --virtual`: each worker starts its own phone; a scenario file's items stay on
    one worker (its one run serves them all)."""
    pytester.makefile(".yaml", tiny_a=TINY, tiny_b=TINY)

    result = pytester.runpytest_subprocess("tiny_a.yaml", "tiny_b.yaml", "-n", "2", "--virtual",
                                           "--junitxml=junit.xml", timeout=240)

    result.assert_outcomes(passed=2, failed=4)
    cases = junit_cases(pytester.path / "junit.xml")
    by_file = {name: {cases[f"{name}.yaml::{item}"]["device.serial"]
                      for item in ("pre_consent", "expect E1.no_leak", "expect E2.forbidden_countries")}
               for name in ("tiny_a", "tiny_b")}
    assert all(len(serials) == 1 for serials in by_file.values()), by_file
    assert by_file["tiny_a"] != by_file["tiny_b"], by_file
    assert_no_phone_left(pytester)


def test_xdist_real_phones_one_serial_per_worker(pytester: pytest.Pytester) -> None:
    """`--device S1,S2 -n 2`: worker gwN drives SN (here serials no adb knows, so each run says which
    it tried); fewer phones than workers is a usage error."""
    pytester.makefile(".yaml", tiny_a=TINY, tiny_b=TINY)

    result = pytester.runpytest_subprocess("-n", "2", "--device", "SERIAL-A,SERIAL-B", "tiny_a.yaml", "tiny_b.yaml",
                                           "-v", timeout=120)

    result.assert_outcomes(errors=6)
    out = result.stdout.str()
    tried = {name: set(re.findall(rf"{name}\.yaml: the scenario could not run on (SERIAL-\w)", out))
             for name in ("tiny_a", "tiny_b")}
    assert sorted(s for serials in tried.values() for s in serials) == ["SERIAL-A", "SERIAL-B"], out
    workers = {name: set(re.findall(rf"\[(gw\d)\] .* {name}\.yaml::", out)) for name in ("tiny_a", "tiny_b")}
    assert all(len(w) == 1 for w in workers.values()) and workers["tiny_a"] != workers["tiny_b"], out

    result = pytester.runpytest_subprocess("-n", "3", "--device", "SERIAL-A,SERIAL-B", "tiny_a.yaml", timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "3 pytest-xdist workers but --device lists 2 phone(s) (SERIAL-A, SERIAL-B)" in result.stderr.str()


# ---- without a phone ---------------------------------------------------------------------------

def test_without_a_phone_scenarios_and_fixtures_skip(pytester: pytest.Pytester,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin_phones, "connected_serials", lambda: [])
    pytester.makefile(".yaml", tiny=TINY)
    pytester.makepyfile(test_x="def test_device(device): pass\n\n"
                               "def test_run(harness_run): harness_run('tiny.yaml')\n")

    result = pytester.runpytest_inprocess("tiny.yaml", "test_x.py", "-rs")

    assert set(outcomes(result).values()) == {"skipped"} and len(outcomes(result)) == 5
    assert "no Android phone is connected; connect one, give --device SERIAL, or run with --virtual" \
           in result.stdout.str()


def test_option_mistakes_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tiny=TINY)
    result = pytester.runpytest_inprocess("--device", "X", "--virtual", "tiny.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--device and --virtual: give one" in result.stderr.str()
    result = pytester.runpytest_inprocess("--virtual", "tiny.yaml")  # argparse gives the path to --virtual
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--virtual took 'tiny.yaml' as its PROFILE; put the test paths before --virtual" in result.stderr.str()


def test_another_plugins_device_option_wins(pytester: pytest.Pytester) -> None:
    """A plugin or conftest that owns `--device` (pytest-playwright does) keeps it; ours is then
    only `--harness-device`."""
    pytester.makeconftest("def pytest_addoption(parser):\n"
                          "    parser.addoption('--device', dest='browser_device')\n")
    pytester.makefile(".yaml", tiny=TINY)
    pytester.makepyfile(test_x="def test_x(pytestconfig):\n"
                               "    assert pytestconfig.getoption('browser_device') == 'iPhone 15'\n"
                               "    assert pytestconfig.getoption('harness_device') == 'SERIAL-Z'\n"
                               "    assert pytestconfig.getoption('harness_virtual') is None\n")
    result = pytester.runpytest_inprocess("test_x.py", "--device", "iPhone 15", "--harness-device", "SERIAL-Z")
    result.assert_outcomes(passed=1)


# ---- collection ----------------------------------------------------------------------------------

def _collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest_inprocess("--collect-only", "-q", *args)
    return sorted(line for line in result.outlines if "::" in line)


def test_yaml_is_collected_only_from_scenario_paths(pytester: pytest.Pytester) -> None:
    """Named files and folders are collected, a project's testpaths (its tests and their YAML
    fixtures) only by name, `harness_scenarios` folders whenever pytest walks them; YAML that is
    not a scenario never; and the project's own test collection stays as it is."""
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    (pytester.mkdir("tests") / "data").mkdir()
    (pytester.path / "tests" / "test_a.py").write_text("def test_a(): pass\n")
    (pytester.path / "tests" / "data" / "fixture.yaml").write_text(TINY)
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "tiny.yml").write_text(TINY)
    (scenarios / "ci.yaml").write_text(NOT_A_SCENARIO)
    tiny = ["scenarios/tiny.yml::expect E1.no_leak", "scenarios/tiny.yml::expect E2.forbidden_countries",
            "scenarios/tiny.yml::pre_consent"]

    own = _collected(pytester, "-p", "no:harness")
    assert own == ["tests/test_a.py::test_a"]
    assert _collected(pytester) == own  # the project's own collection: unchanged
    assert _collected(pytester, "tests") == own  # its YAML fixtures are not scenarios to run
    assert _collected(pytester, ".") == sorted(own + tiny)
    assert _collected(pytester, "scenarios") == tiny  # scenarios/ci.yaml is not a scenario: ignored
    assert _collected(pytester, "tests/data/fixture.yaml") == [
        f"tests/data/fixture.yaml::{n}" for n in ("expect E1.no_leak", "expect E2.forbidden_countries", "pre_consent")]

    pytester.makeini("[pytest]\ntestpaths = tests scenarios\nharness_scenarios = scenarios\n")
    assert _collected(pytester) == sorted(["tests/test_a.py::test_a", *tiny])


# ---- failure text ---------------------------------------------------------------------------------

def test_failure_text_escapes_what_was_captured(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hosts, SDK names and step labels come from the phone: control sequences in them are shown
    escaped; a variant that broke is an error with the runner's reason."""
    host, sdk = "evil\x1b[2J\x1b[H.example\r", "com.\x1b]0;pwned\x07sdk"
    violating = reports.violation_flow(variant="rejected", destination=reports.destination(host=host), sdk=sdk,
                                       first_step_label="tap \x1b[31mReject", evidence=[7, 9])
    doc = reports.report_doc(
        variants=[reports.variant(name="pre_consent", consent="withheld", builtin=True, status="failed",
                                  reason="step 1: \x1b[5mlaunchApp timed out", failed_step=1),
                  reports.variant(name="rejected", consent="withheld", violations=1)],
        flows=[violating], violations=[reports.violation(violating)],
        expectations=[reports.expectation(variants=["rejected"], flows=[violating["id"]])])

    def fake_run(request: RunRequest) -> RunOutcome:
        assert request.out is not None and request.device == "SERIAL-F"
        (request.out / "report.json").write_text(json.dumps({**doc, "run": {**doc["run"], "path": str(request.out)}}))
        return RunOutcome(exit_code=3, out=request.out, serial="SERIAL-F")

    monkeypatch.setattr(harness.run.api, "run_scenario", fake_run)
    pytester.makefile(".yaml", hostile='name: "hostile\\e[2J"\napp: com.example.messenger\n'
                                       "variants: {rejected: {consent: withheld}}\n"
                                       "steps: [launchApp]\nexpect: [{variant: rejected, no_leak: [imei]}]\n")

    result = pytester.runpytest_inprocess("hostile.yaml", "--device", "SERIAL-F")

    assert outcomes(result) == {"hostile.yaml::pre_consent": "error", "hostile.yaml::rejected": "failed",
                                "hostile.yaml::expect E1.no_leak": "failed"}
    out = "\n".join(result.outlines)
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert "imei -> evil\\x1b[2J\\x1b[H.example\\x0d (country US, third party) by SDK com.\\x1b]0;pwned\\x07sdk" in out
    assert "first step: tap \\x1b[31mReject; evidence events: 7, 9 [only after refusal]" in out
    assert "pre_consent: the variant failed: step 1: \\x1b[5mlaunchApp timed out" in longrepr(
        result, "hostile.yaml::pre_consent")
    assert "hostile\\x1b[2J: consent check rejected" in out  # the scenario's name is a file's text
    assert printable("a\x1b[0mb\u202e") == "a\\x1b[0mb\\u202e"
