"""The build diff page: two runs of one scenario (build A, the baseline; build B, the candidate)."""

from __future__ import annotations

from collections.abc import Collection

from harness.report.html_flows import flows_table
from harness.report.html_parts import badge, device_rows, event_links, flow_links, geoip_line, page, table
from harness.report.html_sections import headline, plural
from harness.report.html_text import anchor, esc, esc_list, num, utc
from harness.report.shape import DiffDoc, DiffVerdict, FlowChange, MovedCountry, NewDestination, RunSide


def _banner(v: DiffVerdict) -> str:
    status = "pass" if v["status"] == "pass" else "fail"
    return (
        f'<section id="verdict" class="verdict {status}" role="status">'
        f'<p class="headline">{headline(status.upper(), v["headline"])}</p>'
        f'<p class="counts">{plural(v["regressions"], "regression")} · exit status {num(v["exit_code"])}</p>'
        "</section>"
    )


def _run_rows(side: RunSide) -> list[tuple[str, str]]:
    r = side["run"]
    return [
        ("Run folder", esc(r["path"])),
        ("Scenario", esc(r["scenario"])),
        ("App", esc(r["app"])),
        ("Status", badge(r["status"], "ok" if r["status"] == "complete" else r["status"])),
        ("Events", num(r["events"])),
        ("Started", utc(r["started"])),
    ]


_PROMINENT = frozenset({"Fingerprint", "Security patch"})


def _sides(a: RunSide, b: RunSide) -> str:
    """Both sides' facts in two columns; the rows where they differ are marked."""
    rows = []
    for (label, va), (_, vb) in zip(device_rows(a["device"]) + _run_rows(a),
                                    device_rows(b["device"]) + _run_rows(b), strict=True):
        classes = " ".join(c for c in ("prominent" if label in _PROMINENT else "",
                                       "differs" if va != vb else "") if c)
        rows.append(f'<tr class="{classes}"><th>{label}</th><td>{va}</td><td>{vb}</td></tr>')
    return table(["", "A (baseline)", "B (candidate)"], rows, cls="sides")


def _new_destinations(items: list[NewDestination], known: Collection[str]) -> str:
    rows = (
        f"<tr><td>{esc(d['domain'])}</td><td>{esc(d['host'])}</td><td>{esc(d['country'])}</td>"
        f"<td>{esc_list(d['data_types'])}</td><td>{flow_links(d['flows'], known, 'b-flow-')}</td></tr>"
        for d in items
    )
    return table(["Domain", "Host", "Country", "Data types", "Flows (B)"], rows, empty="none")


def _moved(items: list[MovedCountry], known: Collection[str]) -> str:
    rows = (
        f"<tr><td>{esc(m['domain'])}</td><td>{esc(m['host'])}</td>"
        f"<td>{esc_list(m['a_countries'])} → <b>{esc_list(m['b_countries'])}</b></td>"
        f"<td>{esc_list(m['data_types'])}</td><td>{flow_links(m['flows'], known, 'b-flow-')}</td></tr>"
        for m in items
    )
    return table(["Domain", "Host", "Countries A → B", "Data types", "Flows (B)"], rows, empty="none")


def _changed(items: list[FlowChange]) -> str:
    rows = []
    for c in items:
        moved = ' <span class="badge violation">moved country</span>' if c["moved_country"] else ""
        changes = "<br>".join(esc(x) for x in c["changes"]) or "—"
        rows.append(
            f'<tr id="{anchor("b-flow-", c["b"]["id"])}"><td>{esc(c["key"])}{moved}</td><td>{changes}</td>'
            f"<td>{esc(c['a']['id'])}: {event_links(c['a']['evidence'], (), c['a']['evidence_total'])}</td>"
            f"<td>{esc(c['b']['id'])}: {event_links(c['b']['evidence'], (), c['b']['evidence_total'])}</td></tr>"
        )
    return table(["Flow", "Changes", "Evidence events (A)", "Evidence events (B)"], rows, empty="none")


def render_diff_html(doc: DiffDoc) -> str:
    """The build diff as one self-contained HTML page (no script, no network)."""
    a, b = doc["a"], doc["b"]
    known_b = {f["id"] for f in doc["added"]} | {c["b"]["id"] for c in doc["changed"]}
    title = f"harness diff: {a['run']['scenario'] or a['run']['path']} (A → B)"
    forced = ""
    if doc["forced"]:
        forced = ('<p class="warning">forced: the two runs are of different scenarios (--force); '
                  "differences may come from the scenarios, not the builds</p>")
    new_types = " ".join(badge(t, "violation") for t in doc["new_data_types"]) or '<span class="muted">none</span>'
    body = [
        f"<h1>Build diff <span class=\"muted\">{esc(a['device']['fingerprint'])} → "
        f"{esc(b['device']['fingerprint'])}</span></h1>",
        _banner(doc["verdict"]),
        forced,
        '<nav><a href="#sides">builds</a><a href="#new-data-types">new data types</a>'
        '<a href="#new-destinations">new destinations</a><a href="#moved-country">moved country</a>'
        '<a href="#added">added</a><a href="#removed">removed</a><a href="#changed">changed</a></nav>',
        f'<section id="sides"><h2>Builds</h2>{_sides(a, b)}{geoip_line(doc["geoip"])}</section>',
        f'<section id="new-data-types"><h2>New data types</h2><p>{new_types}</p></section>',
        f'<section id="new-destinations"><h2>New destinations ({num(len(doc["new_destinations"]))})</h2>'
        f'{_new_destinations(doc["new_destinations"], known_b)}</section>',
        f'<section id="moved-country"><h2>Destinations that moved country ({num(len(doc["moved_country"]))})</h2>'
        f'{_moved(doc["moved_country"], known_b)}</section>',
        f'<section id="added"><h2>Flows added in B ({num(len(doc["added"]))})</h2>'
        f'{flows_table(doc["added"], prefix="b-flow-")}</section>',
        f'<section id="removed"><h2>Flows removed (in A only) ({num(len(doc["removed"]))})</h2>'
        f'{flows_table(doc["removed"], prefix="a-flow-")}</section>',
        f'<section id="changed"><h2>Flows changed ({num(len(doc["changed"]))})</h2>'
        f'{_changed(doc["changed"])}</section>',
        f'<footer>{esc(doc["schema"])} · generated {utc(doc["generated"])}</footer>',
    ]
    return page(title, body)
