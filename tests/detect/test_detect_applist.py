"""The installed-app list: one ``installed_apps`` finding for a layer naming enough installed packages."""

from __future__ import annotations

import base64
import gzip
import json

from detect_support import DETECTOR, http_request

from harness.detect import CanarySet, Detector, Finding
from harness.detect.applist import APP_LIST_LABEL, APP_LIST_MIN_PACKAGES, app_list_threshold
from harness.events import Dest
from harness.testing import make_event

OWN = "com.vendor.analytics"
#: the vendor-b virtual phone's packages (the sender's own among them)
INSTALLED = ["com.android.settings", OWN, "com.android.phone", "com.android.systemui", "com.android.shell",
             "com.android.providers.contacts", "com.android.providers.telephony", "com.google.android.gms",
             "com.android.launcher3", "com.example.messenger", "com.example.smsbackup"]
OTHERS = [name for name in INSTALLED if name != OWN]
NOT_INSTALLED = ["com.whatsapp", "com.facebook.katana", "org.telegram.messenger", "com.paypal.android.p2pmobile",
                 "com.muslimpro.app", "com.glucose.tracker", "com.grindrapp.android"]
DETECTOR_APPS = Detector(CanarySet.from_mapping({"identifiers": {"imei": "868034031518269"},
                                                 "installed_apps": INSTALLED}))


def scan(data: bytes, detector: Detector = DETECTOR_APPS, process: str = OWN) -> list[Finding]:
    return list(detector.detect([make_event(data=data, process=process)]))


def app_lists(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    return [(f.canary, f.encoding, f.where, f.confidence) for f in findings if f.type == "installed_apps"]


def test_a_json_array_of_the_packages_is_one_finding() -> None:
    body = json.dumps({"type": "usage", "imei": "868034031518269", "packages": INSTALLED}).encode()
    data = http_request("/v2/report", {"Content-Type": "application/json"}, body, host="telemetry.vendor.example")
    dest = Dest(host="telemetry.vendor.example", port=443, scheme="https")
    found = list(DETECTOR_APPS.detect([make_event(data=data, process=OWN, dest=dest)]))
    assert app_lists(found) == [(APP_LIST_LABEL, "plain", "body", "canary")]
    [finding] = [f for f in found if f.type == "installed_apps"]
    assert finding.host == "telemetry.vendor.example" and finding.process == OWN
    assert {f.type for f in found} == {"installed_apps", "imei"}


def test_gzip_and_base64_layers_are_peeled_and_the_list_reported_once() -> None:
    doc = json.dumps({"packages": INSTALLED}).encode()
    assert app_lists(scan(http_request(body=base64.b64encode(gzip.compress(doc))))) == [
        (APP_LIST_LABEL, "base64>gzip>plain", "body", "canary")]
    gzipped = http_request(headers={"Content-Encoding": "gzip"}, body=gzip.compress(doc))
    assert app_lists(scan(gzipped)) == [(APP_LIST_LABEL, "gzip>plain", "body", "canary")]
    # the same list plain and base64'd in one body: one finding, by the most direct route
    both = json.dumps({"a": INSTALLED, "b": base64.b64encode(doc).decode()}).encode()
    assert app_lists(scan(http_request(body=both))) == [(APP_LIST_LABEL, "plain", "body", "canary")]


def test_a_newline_list_and_pm_output_count() -> None:
    assert app_lists(scan(http_request(body="\n".join(OTHERS).encode()))) == [
        (APP_LIST_LABEL, "plain", "body", "canary")]
    pm = "".join(f"package:{name}\n" for name in OTHERS[:4]).encode()
    assert app_lists(scan(http_request(body=pm))) == [(APP_LIST_LABEL, "plain", "body", "canary")]


def test_a_list_in_a_header_is_found_with_the_other_small_parts() -> None:
    data = http_request("/v1/c?x=1", {"X-Apps": ",".join(OTHERS[:3]), "User-Agent": "Dalvik/2.1.0"}, b"{}")
    assert app_lists(scan(data)) == [(APP_LIST_LABEL, "plain", "header:x-apps", "canary")]


def test_one_package_in_a_url_or_user_agent_is_no_app_list() -> None:
    data = http_request("/store/apps/details?id=com.example.messenger&referrer=com.android.settings",
                        {"User-Agent": "okhttp/4.12 (com.google.android.gms; Android 9)"}, b"{}")
    assert app_lists(scan(data)) == []


def test_the_own_package_is_not_counted() -> None:
    two_others = json.dumps({"app": OWN, "installer": "com.android.settings", "gms": "com.google.android.gms"})
    assert app_lists(scan(http_request(body=two_others.encode()))) == []
    # the same three names from another sender are three installed packages
    assert app_lists(scan(http_request(body=two_others.encode()), process="com.example.messenger:push")) == [
        (APP_LIST_LABEL, "plain", "body", "canary")]


def test_names_glued_to_name_characters_do_not_count() -> None:
    glued = [f"x{OTHERS[0]}", f"{OTHERS[1]}x", f"{OTHERS[2]}.MainActivity", f"{OTHERS[3]}_2", f"9{OTHERS[4]}",
             f"{OTHERS[5]}.", f".{OTHERS[6]}", f"at {OTHERS[7]}.Launcher.onCreate(Launcher.java:12)"]
    assert app_lists(scan(http_request(body=json.dumps(glued).encode()))) == []
    # the same names bounded by other characters do count
    bounded = [f"/data/app/{OTHERS[0]}-1/base.apk", f"{OTHERS[1]}:remote", f"({OTHERS[2]})"]
    assert app_lists(scan(http_request(body=" ".join(bounded).encode()))) == [
        (APP_LIST_LABEL, "plain", "body", "canary")]


def test_packages_that_are_not_installed_are_no_finding() -> None:
    body = json.dumps({"packages": [*NOT_INSTALLED, "com.android.settings"]}).encode()
    assert app_lists(scan(http_request(body=body))) == []


def test_repeats_count_once() -> None:
    body = json.dumps([OTHERS[0]] * 10 + [OTHERS[1]] * 10 + [OWN] * 10).encode()
    assert app_lists(scan(http_request(body=body))) == []


def test_the_threshold_boundary_on_a_small_phone() -> None:
    assert APP_LIST_MIN_PACKAGES == 3 and app_list_threshold(len(OTHERS)) == 3
    below = json.dumps([OWN, *OTHERS[:2], *NOT_INSTALLED]).encode()
    at = json.dumps([OWN, *OTHERS[:3]]).encode()
    assert app_lists(scan(http_request(body=below))) == []
    assert app_lists(scan(http_request(body=at))) == [(APP_LIST_LABEL, "plain", "body", "canary")]


def test_the_threshold_boundary_on_a_large_phone_is_a_share_of_the_list() -> None:
    installed = [OWN] + [f"com.vendor{i:03d}.app" for i in range(400)]
    detector = Detector(CanarySet.from_mapping({"installed_apps": installed}))
    assert app_list_threshold(400) == 8    # 2% of the 400 besides the sender
    assert app_lists(scan(http_request(body=json.dumps(installed[:8]).encode()), detector)) == []  # own + 7
    assert app_lists(scan(http_request(body=json.dumps(installed[:9]).encode()), detector)) == [
        (APP_LIST_LABEL, "plain", "body", "canary")]
    assert app_lists(scan(http_request(body=json.dumps(installed).encode()), detector)) == [
        (APP_LIST_LABEL, "plain", "body", "canary")]


def test_a_package_that_is_also_a_canary_value_is_both() -> None:
    detector = Detector(CanarySet.from_mapping({"clipboard": ["com.example.messenger"], "installed_apps": INSTALLED}))
    found = scan(http_request(body=json.dumps(OTHERS).encode()), detector)
    assert {(f.type, f.canary) for f in found} == {("clipboard", "com.example.messenger"),
                                                    ("installed_apps", APP_LIST_LABEL)}


def test_without_installed_apps_nothing_is_added() -> None:
    assert DETECTOR.matcher.installed_apps == frozenset()
    assert not any(p.startswith(b"com.android") for p in DETECTOR.matcher.patterns)
    assert len(DETECTOR_APPS.matcher.patterns) == len(Detector(CanarySet.from_mapping(
        {"identifiers": {"imei": "868034031518269"}})).matcher.patterns) + len(INSTALLED)
    assert app_lists(scan(http_request(body=json.dumps(INSTALLED).encode()), DETECTOR)) == []
