"""The HTML report and diff pages: sections in order, strict CSP, hostile text escaped, highlights, payloads."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from PIL import Image

from harness.report.html import render_diff_html, render_report_html
from harness.report.html_text import DISPLAY_CAP, anchor, bytes_text, esc, highlighted, merge_spans
from harness.report.shape import Highlight, ReportDoc
from harness.testing.reports import (
    IMEI,
    diff_doc,
    finding,
    flow,
    report_doc,
    screenshot,
    timeline_event,
    variant,
    verdict,
    violation_flow,
)

# every tag the renderers emit: anything else in a page means data got out of its text
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "section", "nav", "p", "span", "div",
    "a", "b", "br", "code", "pre", "mark", "table", "thead", "tbody", "tr", "th", "td", "article", "details",
    "summary", "img", "figure", "figcaption", "footer",
}
ATTRIBUTES = {"id", "class", "href", "src", "alt", "title", "download", "data-type", "data-variant", "colspan", "role",
              "lang", "http-equiv", "content", "charset", "name", "style"}
HOSTILE = (
    '<script>alert(1)</script>"><img src=x onerror=alert(1)>\'><svg onload=alert(1)>javascript:alert(1) '
    "https://evil.example/x.js </style></textarea><!-- \x00\x01\x1b\x7f\x85 \ud800 \udfff\u202eevil\u202c\u2066"
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class Page(HTMLParser):
    """The tags, attributes, ids and text of a page (text as the browser would show it)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.marks: list[str] = []
        self._in_mark = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self._in_mark += 1
            self.marks.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._in_mark -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_mark:
            self.marks[-1] += data

    def attr_values(self, name: str) -> list[str]:
        return [a[name] or "" for _, a in self.tags if name in a]

    def ids(self) -> list[str]:
        return self.attr_values("id")


def hostile(value: Any) -> Any:
    """``value`` with every string in it (at any depth) replaced by HOSTILE."""
    if isinstance(value, str):
        return HOSTILE
    if isinstance(value, list):
        return [hostile(v) for v in value]
    if isinstance(value, dict):
        return {k: hostile(v) for k, v in value.items()}
    return value


def png_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (4, 6), (200, 30, 30)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def assert_only_our_markup(html: str, unique_ids: bool = True) -> Page:
    """The page parses to our tags only: no script/iframe/object/embed, no on* attribute, no href but
    ``#anchor`` or a data: download we made, no src but a data: PNG, ids of [A-Za-z0-9_-] only."""
    html.encode("utf-8")  # never raises: no lone surrogate got through
    page = Page(html)
    assert {t for t, _ in page.tags} <= ALLOWED_TAGS
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
        assert set(attrs) <= ATTRIBUTES, (tag, attrs)
    for href in page.attr_values("href"):
        assert re.fullmatch(r"#[A-Za-z0-9_-]+|data:application/octet-stream;base64,[A-Za-z0-9+/=]*", href), href
    for src in page.attr_values("src"):
        assert re.fullmatch(r"data:image/png;base64,[A-Za-z0-9+/=]+", src), src
    for value in page.attr_values("href") + page.attr_values("src"):
        assert "http:" not in value and "https:" not in value and "javascript:" not in value
    for style in page.attr_values("style"):
        assert re.fullmatch(r"contain-intrinsic-size:auto \d+px", style), style
    for ident in page.ids():
        assert re.fullmatch(r"[A-Za-z0-9_-]+", ident), ident
    if unique_ids:  # (a hostile document gives every flow the same id)
        assert len(page.ids()) == len(set(page.ids())), "duplicate ids"
    for bad in ("\x00", "\x01", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ud800"):
        assert bad not in html
    return page


def test_report_has_every_section_in_order_and_the_csp_first() -> None:
    html = render_report_html(report_doc())
    assert html.startswith("<!DOCTYPE html>")
    head = html[html.index("<head>") + len("<head>"):]
    assert head.startswith('<meta http-equiv="Content-Security-Policy" content="')
    content = Page(html).tags[2][1]["content"] or ""
    assert content.startswith(CSP)
    assert "script-src" not in content and "<script" not in html
    order = ["verdict", "facts", "variants", "violations", "expectations", "matrix", "flows", "countries",
             "findings", "timeline"]
    positions = [html.index(f'<section id="{name}"') for name in order]
    assert positions == sorted(positions)
    text = "".join(Page(html).text)
    for fact in ("Pixel 7", "Google", "14 (SDK 34)", "2024-01-05", "UQ1A.240105.004", "17.26.2",
                 "2023-11-14 22:13:20 UTC", "country data: test country table, 2025-01-01", "CC0-1.0"):
        assert fact in text, fact


def test_report_escapes_every_hostile_string() -> None:
    doc: ReportDoc = hostile(report_doc(variants=[variant(screenshots=[screenshot()])]))
    html = render_report_html(doc)
    page = assert_only_our_markup(html, unique_ids=False)
    text = "".join(page.text)
    # shown as text, not dropped: the reader sees what was sent
    assert '<script>alert(1)</script>"><img src=x onerror=alert(1)>' in text
    assert "\\u0000\\u0001\\u001b\\u007f\\u0085 \\ud800 \\udfff\\u202eevil\\u202c\\u2066" in text
    assert "&lt;script&gt;" in html


def test_diff_escapes_every_hostile_string() -> None:
    html = render_diff_html(hostile(diff_doc(forced=True)))
    text = "".join(assert_only_our_markup(html, unique_ids=False).text)
    assert '<script>alert(1)</script>"><img src=x onerror=alert(1)>' in text


def test_verdict_banner_pass_fail_broken() -> None:
    passing = render_report_html(report_doc(verdict=verdict(status="pass", exit_code=0, headline="PASS: nothing left",
                                                            violations=0, failed_expectations=0, privacy="pass")))
    assert '<section id="verdict" class="verdict pass"' in passing
    assert "privacy:" not in passing
    broken = render_report_html(report_doc(verdict=verdict(status="broken", exit_code=3, headline="variant X broke",
                                                           broken_variants=["consent_withheld"], violations=2)))
    text = "".join(Page(broken).text)
    assert '<section id="verdict" class="verdict broken"' in broken
    assert "BROKEN variant X broke" in text  # led by the verdict when the headline is not
    assert "privacy: FAIL (2 violations in what did run)" in text
    assert "broken variants: consent_withheld" in text
    odd = render_report_html(report_doc(verdict=verdict(status="weird")))  # type: ignore[arg-type]
    assert 'class="verdict broken"' in odd


def test_highlights_mark_the_canary() -> None:
    page = Page(render_report_html(report_doc()))
    assert page.marks == [IMEI]
    text = f"a={IMEI}&b={IMEI}"
    marked = Page(highlighted(text, [{"start": 2, "end": 17, "data_type": "imei"},
                                     {"start": 20, "end": 35, "data_type": "imei"}]))
    assert marked.marks == [IMEI, IMEI]
    assert "".join(marked.text) == text


def test_overlapping_and_out_of_range_highlights_are_clamped_and_merged() -> None:
    text = "0123456789"
    spans: list[Highlight] = [
        {"start": 2, "end": 5, "data_type": "imei"}, {"start": 4, "end": 7, "data_type": "android_id"},
        {"start": 6, "end": 6, "data_type": "x"}, {"start": 8, "end": 3, "data_type": "x"},
        {"start": -5, "end": 1, "data_type": "a"}, {"start": 9, "end": 10_000, "data_type": "b"},
        {"start": 50, "end": 60, "data_type": "c"},
    ]
    assert merge_spans(spans, len(text)) == [(0, 1, ["a"]), (2, 7, ["imei", "android_id"]), (9, 10, ["b"])]
    page = Page(highlighted(text, spans))
    assert page.marks == ["0", "23456", "9"]
    assert "".join(page.text) == text
    assert [a["data-type"] for t, a in page.tags if t == "mark"] == ["a", "imei android_id", "b"]


def test_long_payloads_are_cut_with_the_full_bytes_one_click_away() -> None:
    body = "x" * (DISPLAY_CAP + 500) + IMEI
    raw = body.encode() + b"\x00\xff\xfe\n"
    f = finding(raw_excerpt=body, decoded=body, full_base64=base64.b64encode(raw).decode(), data_len=len(raw))
    html = render_report_html(report_doc(findings=[f]))
    page = assert_only_our_markup(html)
    assert page.marks == []  # the canary lies beyond the displayed cut: its span is clamped away
    assert "payload as sent (excerpt)" in html and "decoded layer (excerpt)" in html
    assert '<details class="full"><summary>full payload (' in html
    assert "x" * DISPLAY_CAP + IMEI + "\\x00\\xff\\xfe\n" in "".join(page.text)
    download = [a for t, a in page.tags if t == "a" and "download" in a]
    assert download == [{"download": "event-2.bin",
                         "href": "data:application/octet-stream;base64," + base64.b64encode(raw).decode()}]
    broken = render_report_html(report_doc(findings=[finding(full_base64="not base64!")]))
    assert "not valid base64" in broken and "download=" not in broken


def test_bytes_text_shows_unprintable_bytes_as_escapes() -> None:
    assert bytes_text("é\t\n".encode() + b"\x00\x1b\x80\xc3") == "é\t\n\\x00\\x1b\\x80\\xc3"
    assert bytes_text("\u0085".encode()) == "\\u0085"


def test_lone_surrogates_and_controls_never_break_the_page() -> None:
    payload = f"a\ud800b\x00c {IMEI} \udfff"
    f = finding(raw_excerpt=payload, decoded=payload)
    html = render_report_html(report_doc(findings=[f]))
    page = assert_only_our_markup(html)
    assert page.marks == [IMEI]  # offsets still right: escaping happens after the splice
    assert "a\\ud800b\\u0000c" in "".join(page.text)
    assert esc("\ud83d\ude00") == "\\ud83d\\ude00" and esc("😀") == "😀"


def test_screenshots_embed_only_real_pngs() -> None:
    png = png_base64()
    gif = base64.b64encode(b"GIF89a" + b"\x00" * 20).decode()
    v = variant(name="consent_withheld", status="failed", failed_step=2, reason="button Reject not found",
                screenshots=[screenshot(name="ok", png_base64=png), screenshot(name="gif", path="a/gif.png",
                                                                               png_base64=gif),
                             screenshot(name="bad", path="a/bad.png", png_base64="***"),
                             screenshot(name="none", path="a/none.png")])
    page = assert_only_our_markup(render_report_html(report_doc(variants=[v])))
    assert page.attr_values("src") == ["data:image/png;base64," + png]
    text = "".join(page.text)
    assert "failed at step 2" in text and "button Reject not found" in text
    for path in ("a/gif.png", "a/bad.png", "a/none.png"):
        assert f"not embedded: {path}" in text


def test_links_go_to_anchors_that_exist() -> None:
    html = render_report_html(report_doc())
    page = assert_only_our_markup(html)
    ids = set(page.ids())
    assert {"flow-F1", "flow-F2", "event-2"} <= ids
    for href in page.attr_values("href"):
        if href.startswith("#"):
            assert href[1:] in ids, href
    # violation evidence: event 2 has a finding (a link), event 1 has none (text)
    assert '<a href="#event-2">2</a>' in html
    assert '<a href="#event-1">' not in html
    assert '<a href="#flow-F2">F2</a>' in html  # the expectation's failing flow


def test_anchors_are_sanitised_and_distinct() -> None:
    assert anchor("flow-", "F1") == "flow-F1"
    odd = [anchor("flow-", "F 1"), anchor("flow-", "F_1"), anchor("flow-", '"><x'), anchor("event-", -3)]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", a) for a in odd)
    assert len(set(odd)) == len(odd)
    doc = report_doc(flows=[flow(id="F 1"), flow(id="F_1")], violations=[], expectations=[], findings=[])
    page = assert_only_our_markup(render_report_html(doc))
    assert set(page.attr_values("href")) & {f"#{i}" for i in page.ids()} == set(page.attr_values("href"))


def test_flow_matrix_cells() -> None:
    flows = [
        flow(id="F1"),
        violation_flow(id="F2"),
        violation_flow(id="F3", data_type="android_id", status="allowed", after_refusal=False),
        # two flows in one cell (two processes): the violation colours it, the counts add up
        violation_flow(id="F4", data_type="android_id", process="com.other", events=4),
        violation_flow(id="F5", data_type="location", status="suspected", destination=flow()["destination"] | {
            "domain": "maps.example", "host": "api.maps.example", "country": "DE"}),
    ]
    html = render_report_html(report_doc(flows=flows))
    matrices = re.findall(r'<table class="matrix" data-variant="([^"]*)">(.*?)</table>', html)
    assert [name for name, _ in matrices] == ["consent_given", "consent_withheld"]
    withheld = matrices[1][1]
    assert withheld.count('class="cell violation"') == 2
    assert withheld.count('class="cell suspected"') == 1
    assert '<a href="#flow-F3">5</a> <a class="small" href="#flow-F4">F4</a>' in withheld
    assert 'title="hosts: api.maps.example; IPs: 203.0.113.7' in withheld


def test_timeline_groups_by_variant_and_step_and_says_what_was_left_out() -> None:
    timeline = [
        timeline_event(id=1, ts=100.0, step=0, step_label="launch"),
        timeline_event(id=2, ts=101.5, step=1, step_label="tap Accept"),
        timeline_event(id=3, ts=102.25, variant="consent_withheld", step=None, step_label=None, flows=[]),
        timeline_event(id=4, ts=103.0, variant=None, step=None, step_label=None, flows=["F9"]),
    ]
    html = render_report_html(report_doc(timeline=timeline, timeline_total=10))
    section = html[html.index('<section id="timeline"'):]
    text = "".join(Page(section).text)
    assert "the timeline shows 4 of 10 events: 6 left out" in text
    assert text.index("variant consent_given") < text.index("step 0: launch") < text.index("step 1: tap Accept")
    assert text.index("variant consent_withheld") < text.index("before step 0") < text.index("variant (none)")
    assert "+0.000\u202fs" in text and "+1.500\u202fs" in text and "+2.250\u202fs" in text
    assert '<a href="#event-2">2</a>' in section and '<a href="#flow-F1">F1</a>' in section
    assert ">F9<" in section and 'href="#flow-F9"' not in section  # not in the page: no link


def test_diff_page() -> None:
    html = render_diff_html(diff_doc(forced=True))
    page = assert_only_our_markup(html)
    text = "".join(page.text)
    head = html[html.index("<head>") + len("<head>"):]
    assert head.startswith(f'<meta http-equiv="Content-Security-Policy" content="{CSP}')
    order = ["verdict", "sides", "new-data-types", "new-destinations", "moved-country", "added", "removed",
             "changed"]
    positions = [html.index(f'<section id="{name}"') for name in order]
    assert positions == sorted(positions)
    assert '<tr class="prominent differs"><th>Fingerprint</th>' in html
    assert '<tr class="prominent differs"><th>Security patch</th>' in html
    assert "runs/build-a" in text and "runs/build-b" in text
    assert "forced: the two runs are of different scenarios" in text
    assert "3 regressions" in text and "DE → CN" in text and "moved country" in text
    assert "F4: 7 8 9" in text  # a changed flow with its evidence
    assert {"b-flow-F5", "a-flow-F2", "b-flow-F4"} <= set(page.ids())
    assert "forced:" not in render_diff_html(diff_doc())


@pytest.mark.parametrize("render", [render_report_html, render_diff_html])
def test_no_network_reference_at_all(render: Any) -> None:
    html = render(report_doc() if render is render_report_html else diff_doc())
    assert not re.search(r"(?i)(src|href)\s*=\s*\"?(https?:|//)", html)
    assert "@import" not in html and "url(" not in html and "@font-face" not in html
