"""The evidence sections: findings (payload as sent, decoded layer with the canary marked, the full
bytes one click away) and the timeline of events grouped by variant and step."""

from __future__ import annotations

import math
from collections.abc import Collection

from harness.report.html_parts import flow_link, flow_links, step
from harness.report.html_text import (
    DISPLAY_CAP,
    anchor,
    bytes_text,
    chain,
    cut,
    decode_base64,
    esc,
    highlighted,
    num,
    relative,
)
from harness.report.shape import FindingEvidence, TimelineEvent, VariantInfo


def _payload_pane(title: str, body: str, cls: str) -> str:
    return f'<div class="pane"><h4>{title}</h4><pre class="payload {cls}">{body}</pre></div>'


def _full_payload(f: FindingEvidence) -> str:
    """A <details> with the whole payload as text and a download link, when the document carries it."""
    if f["full_base64"] is None:
        if not f["raw_truncated"]:
            return ""
        return (f'<p class="muted small">full payload ({num(f["data_len"])} bytes): too large for the page; '
                f'<code>harness export RUN --jsonl</code>, event {num(f["event_id"])}</p>')
    data = decode_base64(f["full_base64"])
    if data is None:
        return '<p class="muted small">full payload: not valid base64 in the document</p>'
    name = anchor("event-", f["event_id"]) + ".bin"
    return (
        f'<details class="full"><summary>full payload ({num(len(data))} bytes)</summary>'
        f'<p class="small"><a download="{name}" href="data:application/octet-stream;base64,{f["full_base64"]}">'
        f"download {name}</a></p>"
        f'<pre class="payload full">{esc(bytes_text(data))}</pre></details>'
    )


def finding_block(f: FindingEvidence, first_of_event: bool, known_flows: Collection[str],
                  step_labels: dict[int, str | None]) -> str:
    """One finding: what, where, how it was encoded, and the two payload panes."""
    ident = f' id="{anchor("event-", f["event_id"])}"' if first_of_event else ""
    raw, raw_cut = cut(f["raw_excerpt"])
    decoded, decoded_cut = cut(f["decoded"])
    raw_note = " (excerpt)" if f["raw_truncated"] or raw_cut else ""
    decoded_note = " (excerpt)" if f["decoded_truncated"] or decoded_cut else ""
    flow = flow_link(f["flow"], known_flows) if f["flow"] is not None else "—"
    facts = (
        f"<b>encoding</b> <span class=\"chain\">{chain(f['encoding'])}</span> · <b>where</b> {esc(f['where'])}"
        f" · <b>host</b> {esc(f['host'])} · <b>kind</b> {esc(f['kind'])} · <b>api</b> {esc(f['api'])}"
        f"<br><b>flow</b> {flow} · <b>variant</b> {esc(f['variant'])}"
        f" · {step(f['step'], step_labels.get(f['event_id']))} · <b>size</b> {num(f['data_len'])} bytes"
    )
    full = _full_payload(f) if first_of_event else ""
    return (
        f'<article class="finding"{ident}><h3>event {num(f["event_id"])} · {esc(f["data_type"])} '
        f'<span class="muted">canary</span> <code>{esc(f["canary"])}</code></h3><p class="small">{facts}</p>'
        '<div class="panes">'
        + _payload_pane(f"payload as sent{raw_note}", esc(raw), "raw")
        + _payload_pane(f"decoded layer{decoded_note}", highlighted(decoded, f["highlights"]), "decoded")
        + f"</div>{full}</article>"
    )


def findings_section(findings: list[FindingEvidence], known_flows: Collection[str],
                     timeline: list[TimelineEvent]) -> str:
    labels = {e["id"]: e["step_label"] for e in timeline}
    seen: set[int] = set()
    blocks = []
    for f in findings:
        first = f["event_id"] not in seen
        seen.add(f["event_id"])
        blocks.append(finding_block(f, first, known_flows, labels))
    body = "".join(blocks) or '<p class="muted">no finding</p>'
    return (
        f'<section id="findings"><h2>Findings ({num(len(findings))})</h2>'
        f'<p class="small muted">payload panes show at most {num(DISPLAY_CAP)} characters; '
        "the full payload, when recorded, is one click away</p>"
        f"{body}</section>"
    )


_TIMELINE_HEADERS = ("Time", "Event", "Step", "Process", "Kind", "API", "Destination", "SDK", "Size", "Flows")


def _first_ts(timeline: list[TimelineEvent]) -> float:
    finite = [e["ts"] for e in timeline if isinstance(e["ts"], int | float) and math.isfinite(e["ts"])]
    return min(finite) if finite else 0.0


def timeline_section(timeline: list[TimelineEvent], total: int, variants: list[VariantInfo],
                     known_flows: Collection[str], with_finding: Collection[int]) -> str:
    """The events, one table per variant (each lays out alone: ten thousand rows stay fast to show),
    a group row whenever the step changes."""
    t0 = _first_ts(timeline)
    groups: dict[str | None, list[TimelineEvent]] = {v["name"]: [] for v in variants}
    for e in timeline:
        groups.setdefault(e["variant"], []).append(e)
    span = len(_TIMELINE_HEADERS)
    head = "<thead><tr>" + "".join(f"<th>{h}</th>" for h in _TIMELINE_HEADERS) + "</tr></thead>"
    tables: list[str] = []
    for variant, events in groups.items():
        if not events:
            continue
        rows = [f'<tr class="group"><th colspan="{span}">variant {esc(variant, "(none)")} '
                f'<span class="muted">({num(len(events))} events)</span></th></tr>']
        current: tuple[int | None, str | None] | None = None
        for e in events:
            if (e["step"], e["step_label"]) != current:
                current = (e["step"], e["step_label"])
                rows.append(f'<tr class="step"><th colspan="{span}">{step(*current)}</th></tr>')
            ident = (f'<a href="#{anchor("event-", e["id"])}">{num(e["id"])}</a>' if e["id"] in with_finding
                     else num(e["id"]))
            rows.append(
                f"<tr><td>{relative(e['ts'], t0)}</td><td>{ident}</td><td>{num(e['step'])}</td>"
                f"<td>{esc(e['process'])}</td><td>{esc(e['kind'])}</td><td>{esc(e['api'])}</td>"
                f"<td>{esc(e['destination'])}</td><td>{esc(e['sdk'])}</td><td>{num(e['data_len'])}</td>"
                f"<td>{flow_links(e['flows'], known_flows)}</td></tr>"
            )
        # the estimated height lets the browser skip laying out a table until it is scrolled to
        tables.append(f'<div class="tl" style="contain-intrinsic-size:auto {len(rows) * 20}px">'
                      f'<table class="timeline">{head}<tbody>{"".join(rows)}</tbody></table></div>')
    left_out = ""
    if total > len(timeline):
        left_out = (f'<p class="warning">the timeline shows {num(len(timeline))} of {num(total)} events: '
                    f"{num(total - len(timeline))} left out (the full list: <code>harness export --jsonl</code>)</p>")
    body = "".join(tables) or '<p class="muted">no event</p>'
    return f'<section id="timeline"><h2>Timeline</h2>{left_out}{body}</section>'
