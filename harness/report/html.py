"""The HTML forms of the report: ``render_report_html`` (one run) and ``render_diff_html`` (two builds).

Each returns one self-contained HTML5 page, made only from the document (``harness.report.shape``):
no script, no network request of any kind (no CDN, font, stylesheet or image from elsewhere), a
Content-Security-Policy that forbids them all first in <head>, so it works from a file:// URL and
from a mail attachment alike.  Everything from the document is escaped (see ``html_text``): captured
payloads are hostile.  The result holds no lone surrogate, so ``.encode("utf-8")`` never raises.

Page order: verdict, device and run, variants (with failed steps' screenshots), violations,
expectations, flow matrix, flows, countries, capture paths (the proxy/hooks cross-check), findings
(payloads with the canary marked), timeline.
"""

from __future__ import annotations

from harness.report.html_diff import render_diff_html
from harness.report.html_evidence import findings_section, timeline_section
from harness.report.html_flows import flows_section, matrix_section
from harness.report.html_parts import facts_section, page
from harness.report.html_sections import (
    capture_section,
    countries_section,
    expectations_section,
    variants_section,
    verdict_banner,
    violations_section,
)
from harness.report.html_text import esc, utc
from harness.report.shape import ReportDoc

__all__ = ["render_diff_html", "render_report_html"]

_NAV = (
    '<nav><a href="#verdict">verdict</a><a href="#facts">device and run</a><a href="#variants">variants</a>'
    '<a href="#violations">violations</a><a href="#expectations">expectations</a><a href="#matrix">flow matrix</a>'
    '<a href="#flows">flows</a><a href="#countries">countries</a><a href="#capture">capture</a>'
    '<a href="#findings">findings</a>'
    '<a href="#timeline">timeline</a></nav>'
)


def render_report_html(doc: ReportDoc) -> str:
    """One run's report as one self-contained HTML page (no script, no network)."""
    run = doc["run"]
    flow_ids = {f["id"] for f in doc["flows"]}
    with_finding = {f["event_id"] for f in doc["findings"]}
    title = f"harness report: {run['scenario'] or run['path']}"
    body = [
        f"<h1>{esc(title)}</h1>",
        verdict_banner(doc["verdict"]),
        _NAV,
        facts_section(doc["device"], run, doc["geoip"]),
        variants_section(doc["variants"]),
        violations_section(doc["violations"], flow_ids, with_finding),
        expectations_section(doc["expectations"], flow_ids),
        matrix_section(doc["variants"], doc["flows"]),
        flows_section(doc["flows"], with_finding),
        countries_section(doc["countries"]),
        capture_section(doc.get("capture")),
        findings_section(doc["findings"], flow_ids, doc["timeline"]),
        timeline_section(doc["timeline"], doc["timeline_total"], doc["variants"], flow_ids, with_finding),
        f'<footer>{esc(doc["schema"])} · harness {esc(run["harness_version"])} · generated {utc(doc["generated"])}'
        "</footer>",
    ]
    return page(title, body)
