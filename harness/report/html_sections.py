"""The report page's sections before the evidence: verdict, variants, violations, expectations, countries,
capture paths."""

from __future__ import annotations

from collections.abc import Collection

from harness.report.html_parts import badge, destination, event_links, flow_link, flow_links, step, table
from harness.report.html_text import esc, esc_list, num, png_data_url
from harness.report.shape import CaptureInfo, CountryRow, Expectation, VariantInfo, VerdictInfo, Violation

_VERDICT_LABEL = {"pass": "PASS", "fail": "FAIL", "broken": "BROKEN"}


def plural(n: int, word: str) -> str:
    return f"{num(n)} {word}" + ("" if n == 1 else "s")


def headline(label: str, text: str) -> str:
    """The headline, led by the verdict's label unless it already is."""
    if text.lstrip().upper().startswith(label):
        return esc(text)
    return f'<span class="label">{label}</span> {esc(text)}'


def verdict_banner(v: VerdictInfo) -> str:
    """The answer first: a coloured banner; a broken run also says its privacy answer."""
    status = v["status"] if v["status"] in _VERDICT_LABEL else "broken"
    counts = [plural(v["violations"], "violation"), plural(v["failed_expectations"], "failed expectation")]
    if v["broken_variants"]:
        counts.append("broken variants: " + esc_list(v["broken_variants"]))
    counts.append(f"exit status {num(v['exit_code'])}")
    privacy = ""
    if status == "broken":
        answer = "PASS" if v["privacy"] == "pass" else "FAIL"
        what = "no violation" if v["violations"] == 0 else plural(v["violations"], "violation")
        privacy = f'<p class="privacy">privacy: {answer} ({what} in what did run)</p>'
    return (
        f'<section id="verdict" class="verdict {status}" role="status">'
        f'<p class="headline">{headline(_VERDICT_LABEL[status], v["headline"])}</p>'
        f'<p class="counts">{" · ".join(counts)}</p>{privacy}</section>'
    )


def _variant_row(v: VariantInfo) -> str:
    name = esc(v["name"]) + (' <span class="muted small">built-in</span>' if v["builtin"] else "")
    violations = badge(num(v["violations"]), "violation") if v["violations"] else "0"
    return (
        f"<tr><td>{name}</td><td>{esc(v['consent'])}</td>"
        f"<td>{badge(v['status'])}</td><td>{esc(v['reason'])}</td>"
        f"<td class=\"n\">{num(v['failed_step'])}</td><td class=\"n\">{num(v['events'])}</td>"
        f"<td class=\"n\">{num(v['flows'])}</td><td class=\"n\">{violations}</td></tr>"
    )


def _screenshots(v: VariantInfo) -> str:
    figures = []
    for shot in v["screenshots"]:
        url = png_data_url(shot["png_base64"])
        caption = f"<figcaption>{esc(shot['name'])} · {esc(shot['path'])}</figcaption>"
        if url is None:
            figures.append(f'<figure><p class="muted">not embedded: {esc(shot["path"])}</p>{caption}</figure>')
        else:
            figures.append(f'<figure><img class="shot" alt="{esc(shot["name"])}" src="{url}">{caption}</figure>')
    return f'<div class="shots">{"".join(figures)}</div>' if figures else ""


def variants_section(variants: list[VariantInfo]) -> str:
    rows = [_variant_row(v) for v in variants]
    failed = []
    for v in variants:
        if v["failed_step"] is None and not v["screenshots"]:
            continue
        title = f"{esc(v['name'])}: " + (
            f"failed at step {num(v['failed_step'])}" if v["failed_step"] is not None else "screenshots"
        )
        reason = f"<p>{esc(v['reason'])}</p>" if v["reason"] else ""
        failed.append(f'<div class="failed-step"><h3>{title}</h3>{reason}{_screenshots(v)}</div>')
    return (
        '<section id="variants"><h2>Variants</h2>'
        + table(["Variant", "Consent", "Status", "Reason", "Failed step", "Events", "Flows", "Violations"],
                rows, empty="no variant")
        + "".join(failed) + "</section>"
    )


def _violation_row(v: Violation, flows: Collection[str], findings: Collection[int]) -> str:
    refusal = ' <span class="badge refusal">after refusal</span>' if v["after_refusal"] else ""
    return (
        f"<tr><td>{flow_link(v['flow'], flows)}</td><td>{esc(v['message'])}{refusal}</td>"
        f"<td>{esc(v['variant'])}</td><td>{esc(v['data_type'])}</td><td>{destination(v['destination'])}</td>"
        f"<td>{esc(v['process'])}</td><td>{esc(v['sdk'])}</td>"
        f"<td>{step(v['first_step'], v['first_step_label'])}</td>"
        f"<td>{event_links(v['evidence'], findings)}</td></tr>"
    )


def violations_section(violations: list[Violation], flows: Collection[str], findings: Collection[int]) -> str:
    return (
        f'<section id="violations"><h2>Violations ({num(len(violations))})</h2>'
        + table(["Flow", "Message", "Variant", "Data type", "Destination", "Process", "SDK", "First step",
                 "Evidence events"],
                (_violation_row(v, flows, findings) for v in violations), empty="no violation")
        + "</section>"
    )


def _argument(arg: list[str] | int | bool) -> str:
    if isinstance(arg, bool):
        return "yes" if arg else "no"
    if isinstance(arg, int):
        return num(arg)
    if isinstance(arg, list):
        return esc_list(str(a) for a in arg)
    return esc(str(arg))


def expectations_section(expectations: list[Expectation], flows: Collection[str]) -> str:
    rows = (
        f"<tr><td>{esc(e['id'])}</td><td>{esc(e['rule'])}</td><td>{esc_list(e['variants'], none='all')}</td>"
        f"<td>{_argument(e['argument'])}</td><td>{badge(e['status'])}</td><td>{esc(e['message'])}</td>"
        f"<td>{flow_links(e['flows'], flows)}</td></tr>"
        for e in expectations
    )
    return (
        '<section id="expectations"><h2>Expectations</h2>'
        + table(["Id", "Rule", "Variants", "Argument", "Result", "Message", "Failing flows"], rows,
                empty="the scenario states no expectation")
        + "</section>"
    )


def countries_section(countries: list[CountryRow]) -> str:
    rows = (
        f"<tr><td>{esc(c['country'])}</td><td>{esc(c['name'])}</td><td class=\"n\">{num(c['flows'])}</td>"
        f"<td class=\"n\">{badge(num(c['violations']), 'violation') if c['violations'] else '0'}</td>"
        f"<td>{esc_list(c['data_types'])}</td><td>{esc_list(c['hosts'])}</td></tr>"
        for c in countries
    )
    return (
        '<section id="countries"><h2>Countries</h2>'
        + table(["Code", "Country", "Flows", "Violations", "Data types", "Hosts"], rows, empty="no flow")
        + "</section>"
    )


def capture_section(capture: CaptureInfo | None) -> str:
    """The capture paths and their cross-check: hook coverage gaps, proxy bypasses, refused TLS."""
    if capture is None:  # a report made before the second capture path existed
        return '<section id="capture"><h2>Capture paths</h2><p class="muted">not in this report</p></section>'
    route = esc(capture["proxy"]) if "mitm" in capture["paths"] else "not used"
    facts = (
        f"<p>paths: {esc_list(capture['paths'])} · proxy: {route} · proxy requests "
        f"{num(capture['proxy_requests'])}, also seen by the hooks {num(capture['matched'])} · CA in "
        f"{esc_list(capture['ca_stores'])} · QUIC blocked by {esc_list(capture['quic_blocked'], none='nothing')}</p>"
    )
    notes = "".join(f'<p class="muted">{esc(n)}</p>' for n in capture["notes"])
    gaps = (
        f"<tr><td>{esc(g['variant'])}</td><td>{esc(g['host'])}</td><td>{esc(g['url'])}</td>"
        f"<td class=\"n\">{num(g['events'])}</td><td>{event_links(g['evidence'], (), g['events'])}</td></tr>"
        for g in capture["gaps"]
    )
    bypasses = (
        f"<tr><td>{esc(b['variant'])}</td><td>{esc(b['process'])}</td><td>{esc(b['sdk'])}</td>"
        f"<td>{esc(b['destination'])}{'' if b['port'] is None else ':' + esc(str(b['port']))}</td>"
        f"<td>{esc(b['transport'])}</td><td>{esc(b['message'])}</td><td class=\"n\">{num(b['events'])}</td>"
        f"<td>{event_links(b['evidence'], (), b['events'])}</td></tr>"
        for b in capture["bypasses"]
    )
    refused = (
        f"<tr><td>{esc(t['variant'])}</td><td>{esc(t['host'])}</td>"
        f"<td class=\"n\">{esc(None if t['port'] is None else str(t['port']))}</td>"
        f"<td>{esc(t['error'])}</td><td class=\"n\">{num(t['events'])}</td></tr>"
        for t in capture["tls_failures"]
    )
    return (
        '<section id="capture"><h2>Capture paths</h2>' + facts + notes
        + "<h3>Hook coverage gaps: the proxy saw it, no hook did</h3>"
        + table(["Variant", "Host", "URL", "Requests", "Proxy events"], gaps, empty="none")
        + "<h3>Proxy bypasses: the hooks saw it, the proxy did not</h3>"
        + table(["Variant", "Process", "SDK", "Destination", "Transport", "Why", "Events", "Hook events"], bypasses,
                empty="none")
        + "<h3>TLS refused by the app</h3>"
        + table(["Variant", "Host", "Port", "Error", "Times"], refused, empty="none")
        + "</section>"
    )
