"""The HTML report in a real browser (Debian's headless Chromium through Selenium), loaded from file://.

What a person opening the report gets: the verdict shown, the flow matrix drawn, the canary marked,
a hostile payload shown as text and never run, no network request, no console error, and the full
payload one click away (expandable and downloadable).  One browser per module; every process is quit.
"""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harness.report.html import render_report_html
from harness.report.shape import ReportDoc
from harness.testing.reports import (
    IMEI,
    destination,
    finding,
    flow,
    report_doc,
    screenshot,
    variant,
    verdict,
    violation,
    violation_flow,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE_PAYLOAD = (
    f'POST /v1/collect HTTP/1.1\r\nHost: analytics.tracker.example\r\n\r\n<script>window.__pwned=1</script>'
    f'<img src=x onerror="window.__pwned=2">{{"imei":"{IMEI}"}}'
)
HEADLINE = "FAIL: imei sent to tracker.example after consent was withheld"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install -e '.[dev]'")


def _png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (8, 12), (30, 120, 200)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def browser_doc() -> ReportDoc:
    """The default run plus: three violation cells in the withheld matrix, a failed step with a PNG
    screenshot, and a finding whose captured payload is an XSS attempt."""
    flows = [
        flow(),
        violation_flow(),
        violation_flow(id="F3", data_type="android_id"),
        violation_flow(id="F4", data_type="imei", destination=destination(host="ads.other.example",
                                                                          domain="other.example", country="DE")),
        violation_flow(id="F5", data_type="location", status="allowed", after_refusal=False),
    ]
    withheld = variant(name="consent_withheld", consent="withheld", violations=3, status="failed", failed_step=2,
                       reason="Reject button not found", screenshots=[screenshot(png_base64=_png())])
    payload = HOSTILE_PAYLOAD.encode()
    return report_doc(
        variants=[variant(), withheld], flows=flows, violations=[violation(f) for f in flows[1:4]],
        findings=[finding(raw_excerpt=HOSTILE_PAYLOAD, decoded=HOSTILE_PAYLOAD,
                          full_base64=base64.b64encode(payload).decode(), data_len=len(payload))],
        verdict=verdict(headline=HEADLINE, violations=3),
    )


class Browser:
    def __init__(self, driver: Any, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads
        self.url = ""  # the report's, once loaded (see the ``report`` fixture)
        self.page_log: list[dict[str, Any]] = []  # the performance log of the report's load
        self.console: list[dict[str, Any]] = []  # its console messages

    def load(self, path: Path) -> None:
        self.driver.get_log("performance")  # drained: what is logged next is this load's
        self.driver.get_log("browser")
        self.driver.get(path.as_uri())

    def js(self, script: str) -> Any:
        return self.driver.execute_script(script)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed: apt-get install chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER))  # never selenium-manager (it would download)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.get("about:blank")  # away from the new-tab page, whose chrome:// loads would fill the log
        yield Browser(driver, downloads)
    finally:
        driver.quit()
        assert service.process is None or service.process.poll() is not None, "chromedriver still running"


@pytest.fixture(scope="module")
def report(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    """The report of ``browser_doc()`` loaded once, with the performance log of that load."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report_html(browser_doc()), encoding="utf-8")
    browser.load(path)
    browser.url = path.as_uri()
    browser.page_log = browser.driver.get_log("performance")
    browser.console = browser.driver.get_log("browser")
    return browser


def requested_urls(log: list[dict[str, Any]]) -> list[str]:
    urls = []
    for entry in log:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_verdict_banner_is_rendered_and_visible(report: Browser) -> None:
    from selenium.webdriver.common.by import By

    banner = report.driver.find_element(By.ID, "verdict")
    assert banner.is_displayed()
    assert HEADLINE in banner.text and "3 violations" in banner.text
    assert banner.value_of_css_property("background-color") == "rgba(198, 40, 40, 1)"  # the red of a fail
    assert banner.location["y"] < 200  # the answer first


def test_flow_matrix_marks_the_violation_cells(report: Browser) -> None:
    doc = browser_doc()
    expected = len({(f["variant"], f["data_type"], f["destination"]["domain"]) for f in doc["flows"]
                    if f["status"] == "violation"})
    assert expected == 3
    cells = report.js("return [...document.querySelectorAll('table.matrix td.cell.violation')]"
                      ".map(c => [c.closest('table').dataset.variant, c.textContent])")
    assert cells == [["consent_withheld", "1"]] * 3
    assert report.js("return document.querySelectorAll('table.matrix td.cell.consented').length") == 1
    assert report.js("return document.querySelectorAll('table.matrix td.cell.allowed').length") == 1
    red = report.js("return getComputedStyle(document.querySelector('td.cell.violation')).backgroundColor")
    assert red == "rgb(248, 201, 196)"


def test_hostile_payload_is_shown_as_text_and_never_runs(report: Browser) -> None:
    from selenium.webdriver.common.by import By

    assert report.js("return typeof window.__pwned") == "undefined"
    assert report.js("return document.querySelectorAll('script').length") == 0
    assert report.js("return document.querySelectorAll('img[src=\"x\"], [onerror]').length") == 0
    raw = report.driver.find_element(By.CSS_SELECTOR, "pre.payload.raw")
    assert raw.is_displayed()
    assert "<script>window.__pwned=1</script>" in raw.text
    assert '<img src=x onerror="window.__pwned=2">' in raw.text


def test_canary_highlight(report: Browser) -> None:
    marks = report.js("return [...document.querySelectorAll('mark.canary')].map(m => [m.textContent, m.dataset.type])")
    assert marks == [[IMEI, "imei"]]
    visible = report.js("const r = document.querySelector('mark.canary').getBoundingClientRect();"
                        "return r.width > 0 && r.height > 0")
    assert visible


def test_no_network_request(report: Browser) -> None:
    urls = requested_urls(report.page_log)
    assert urls, "the performance log recorded nothing: the check would prove nothing"
    assert all(u.startswith(("file://", "data:")) for u in urls), urls
    assert [u for u in urls if u.startswith("file://")] == [report.url]
    resources = report.js("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith("data:") for name in resources), resources
    # the screenshot (a data: PNG, allowed by img-src data:) did load
    assert report.js("const i = document.querySelector('img.shot'); return i.complete && i.naturalWidth") == 8


def test_no_console_error(report: Browser) -> None:
    # none is expected at all: the page has no script, no external resource and nothing the CSP blocks
    # (a CSP violation would show here as a SEVERE "Refused to ..." message)
    assert report.console == []


def test_full_payload_expands_and_downloads(report: Browser) -> None:
    from selenium.webdriver.common.by import By

    full = report.driver.find_element(By.CSS_SELECTOR, "details.full pre.payload.full")
    assert not full.is_displayed()
    report.driver.find_element(By.CSS_SELECTOR, "details.full > summary").click()
    assert full.is_displayed() and "<script>window.__pwned=1</script>" in full.text
    report.driver.find_element(By.CSS_SELECTOR, "details.full a[download]").click()
    target = report.downloads / "event-2.bin"
    deadline = time.monotonic() + 10
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.read_bytes() == HOSTILE_PAYLOAD.encode()
    assert report.driver.current_url.startswith("file://")  # a download, not a navigation
    assert report.driver.get_log("browser") == []


def test_escaping_alone_keeps_the_payload_inert(browser: Browser, tmp_path: Path) -> None:
    """Defence in depth: the same page without its CSP still runs nothing from the payload.
    (Last in the module: it navigates the shared browser away from the report.)"""
    html = render_report_html(browser_doc())
    start = html.index('<meta http-equiv="Content-Security-Policy"')
    without_csp = html[:start] + html[html.index(">", start) + 1:]
    assert "Content-Security-Policy" not in without_csp
    path = tmp_path / "no-csp.html"
    path.write_text(without_csp, encoding="utf-8")
    browser.load(path)
    time.sleep(0.2)  # an onerror would have fired by now
    assert browser.js("return typeof window.__pwned") == "undefined"
    assert browser.js("return document.querySelectorAll('script').length") == 0


def test_the_network_check_sees_a_request(browser: Browser, tmp_path: Path) -> None:
    """Control for test_no_network_request: a page that does ask for an http:// image shows in the log.
    (Port 9 is on Chromium's unsafe-port list: the request is logged and refused, nothing connects.)"""
    path = tmp_path / "control.html"
    path.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    browser.load(path)
    assert "http://127.0.0.1:9/x.png" in requested_urls(browser.driver.get_log("performance"))
    assert browser.js("return performance.getEntriesByType('resource').map(e => e.name)") == [
        "http://127.0.0.1:9/x.png"]
