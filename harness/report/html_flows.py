"""The flow matrix (data type x destination, one per variant) and the flows detail table."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from harness.report.html_parts import badge, destination, event_links, status_class, step, table
from harness.report.html_text import anchor, chain, esc, esc_list, num, utc
from harness.report.shape import Flow, VariantInfo

#: a matrix cell holding several flows takes the colour of the first of these it holds
STATUS_ORDER = ("violation", "suspected", "observed", "allowed", "consented")
_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}


def column_key(f: Flow) -> tuple[str, str, str]:
    """A matrix column: one destination (channel, domain, or host or IP when no domain, country)."""
    d = f["destination"]
    return (d["channel"], d["domain"] or d["host"] or d["ip"] or "unknown", d["country"])


def cell_status(flows: Iterable[Flow]) -> str:
    return min((f["status"] for f in flows), key=lambda s: _RANK.get(s, len(_RANK)))


def _column_head(key: tuple[str, str, str], flows: list[Flow]) -> str:
    hosts = sorted({f["destination"]["host"] or "" for f in flows} - {""})
    ips = sorted({f["destination"]["ip"] or "" for f in flows} - {""})
    orgs = sorted({f["destination"]["organisation"] or "" for f in flows} - {""})
    title = "; ".join(
        part for part in (
            "hosts: " + ", ".join(hosts) if hosts else "",
            "IPs: " + ", ".join(ips) if ips else "",
            "organisation: " + ", ".join(orgs) if orgs else "",
        ) if part
    )
    channel, name, country = key
    via = " · SMS" if channel == "sms" else ""
    return f'<th title="{esc(title)}">{esc(name)}<br><span class="muted">{esc(country)}{via}</span></th>'


def _cell(flows: list[Flow]) -> str:
    if not flows:
        return '<td class="cell empty"></td>'
    status = cell_status(flows)
    events = sum(f["events"] for f in flows)
    title = f"{status}: " + ", ".join(f"{f['id']} ({f['events']} events, {f['status']})" for f in flows)
    first = flows[0]
    links = f'<a href="#{anchor("flow-", first["id"])}">{num(events)}</a>'
    if len(flows) > 1:
        links += "".join(
            f' <a class="small" href="#{anchor("flow-", f["id"])}">{esc(f["id"])}</a>' for f in flows[1:]
        )
    return f'<td class="cell {status_class(status)}" title="{esc(title)}">{links}</td>'


def _matrix(name: str, consent: str, flows: list[Flow]) -> str:
    columns: dict[tuple[str, str, str], list[Flow]] = {}
    cells: dict[tuple[str, tuple[str, str, str]], list[Flow]] = {}
    for f in flows:
        key = column_key(f)
        columns.setdefault(key, []).append(f)
        cells.setdefault((f["data_type"], key), []).append(f)
    order = sorted(columns, key=lambda k: (-sum(f["events"] for f in columns[k]), k))
    data_types = sorted({f["data_type"] for f in flows})
    head = '<th>data type \\ destination</th>' + "".join(_column_head(k, columns[k]) for k in order)
    rows = "".join(
        f"<tr><th>{esc(t)}</th>" + "".join(_cell(cells.get((t, k), [])) for k in order) + "</tr>"
        for t in data_types
    )
    title = f'<h3 id="{anchor("matrix-", name)}">{esc(name)} <span class="muted">consent: {esc(consent)}</span></h3>'
    if not flows:
        return title + '<p class="muted">no personal data left the phone in this variant</p>'
    return (
        f'{title}<table class="matrix" data-variant="{esc(name)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def matrix_section(variants: list[VariantInfo], flows: list[Flow]) -> str:
    """One matrix per variant (the document's variants in order, then any other a flow names)."""
    by_variant: dict[str, list[Flow]] = {v["name"]: [] for v in variants}
    consent = {v["name"]: v["consent"] for v in variants}
    for f in flows:
        by_variant.setdefault(f["variant"], []).append(f)
        consent.setdefault(f["variant"], f["consent"])
    legend = "".join(
        f'<span class="badge {s}">{s}</span>' for s in STATUS_ORDER
    )
    parts = [_matrix(name, consent[name], fl) for name, fl in by_variant.items()]
    return (
        '<section id="matrix"><h2>Flow matrix</h2>'
        f'<p class="legend small">cells: events carrying the data type to the destination; colour: {legend}</p>'
        + "".join(parts) + "</section>"
    )


def _flow_row(f: Flow, findings: Collection[int], prefix: str) -> str:
    refusal = '<span class="badge refusal">after refusal</span>' if f["after_refusal"] else "no"
    first = step(f["first_step"], f["first_step_label"])
    if f["first_ts"] is not None:
        first += f'<br><span class="muted">{utc(f["first_ts"])}</span>'
    return (
        f'<tr id="{anchor(prefix, f["id"])}"><td>{esc(f["id"])}</td>'
        f"<td>{esc(f['variant'])}<br><span class=\"muted\">{esc(f['consent'])}</span></td>"
        f"<td>{esc(f['data_type'])}<br><span class=\"muted\">{esc(f['confidence'])}</span></td>"
        f"<td>{destination(f['destination'])}</td><td>{esc(f['process'])}</td><td>{esc(f['sdk'])}</td>"
        f"<td class=\"n\">{num(f['events'])}</td><td class=\"n\">{num(f['bytes'])}</td>"
        f"<td class=\"chain\">{'<br>'.join(chain(e) for e in f['encodings']) or '—'}</td>"
        f"<td>{esc_list(f['places'], '<br>')}</td>"
        f"<td>{esc_list(f['values'], '<br>')}</td><td>{first}</td>"
        f"<td>{event_links(f['evidence'], findings, f['evidence_total'])}</td>"
        f"<td>{badge(f['status'])}</td><td>{refusal}</td><td>{esc_list(f['allowed_by'])}</td></tr>"
    )


FLOW_HEADERS = ["Id", "Variant", "Data type", "Destination", "Process", "SDK", "Events", "Bytes", "Encodings",
                "Places", "Values", "First step", "Evidence events", "Status", "After refusal", "Allowed by"]


def flows_table(flows: list[Flow], findings: Collection[int] = (), prefix: str = "flow-") -> str:
    """Every field of every flow, each row anchored ``id="flow-ID"`` (``prefix`` + id)."""
    return table(FLOW_HEADERS, (_flow_row(f, findings, prefix) for f in flows), cls="flows", empty="no flow")


def flows_section(flows: list[Flow], findings: Collection[int]) -> str:
    return f'<section id="flows"><h2>Flows ({num(len(flows))})</h2>{flows_table(flows, findings)}</section>'
