"""Building blocks of the HTML pages: the page shell, tables, badges, links and the facts sections.

Every function returns markup; every value from the document goes through ``esc`` (or ``num``,
``utc``...), every class name is picked from a fixed set, every id and href is made by ``anchor``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from harness.report.html_style import CSP, CSS
from harness.report.html_text import anchor, esc, num, utc, yes_no
from harness.report.shape import Destination, DeviceInfo, GeoInfo, RunInfo

#: the only class names a value from the document can select (anything else gets no class)
STATUS_CLASSES = frozenset({
    "violation", "allowed", "consented", "observed", "suspected", "pass", "fail", "broken", "ok",
    "failed", "incomplete", "interrupted", "aborted", "refusal",
})


def page(title: str, body: Iterable[str]) -> str:
    """One self-contained HTML5 document: the CSP first in <head>, inline CSS, no script."""
    head = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta charset="utf-8"><meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
    )
    return head + "".join(body) + "\n</body></html>\n"


def status_class(status: str | None) -> str:
    return status if status in STATUS_CLASSES else ""


def badge(text: str | None, status: str | None = None) -> str:
    """A small label coloured by ``status`` (default: the text itself) when it is a known status."""
    cls = status_class(text if status is None else status)
    return f'<span class="badge {cls}">{esc(text)}</span>'


def table(headers: Sequence[str], rows: Iterable[str], cls: str = "", empty: str = "none") -> str:
    """A table; ``headers`` are fixed labels of this module (markup), ``rows`` rendered ``<tr>``s."""
    body = "".join(rows)
    if not body:
        return f'<p class="muted">{empty}</p>'
    head = "".join(f"<th>{h}</th>" for h in headers)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def kv_table(rows: Iterable[tuple[str, str]], cls: str = "") -> str:
    """A two-column table of (fixed label, rendered value)."""
    return f'<table class="{cls}"><tbody>' + "".join(
        f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows
    ) + "</tbody></table>"


def flow_link(flow_id: str, known: Collection[str], prefix: str = "flow-") -> str:
    """A link to a flow's row when the page has it, else the id as text."""
    if flow_id in known:
        return f'<a href="#{anchor(prefix, flow_id)}">{esc(flow_id)}</a>'
    return esc(flow_id)


def flow_links(flow_ids: Iterable[str], known: Collection[str], prefix: str = "flow-") -> str:
    return " ".join(flow_link(f, known, prefix) for f in flow_ids) or "—"


def event_links(event_ids: Iterable[int], with_finding: Collection[int], total: int | None = None) -> str:
    """Event ids, each a link to its finding (``#event-N``) when the page shows one."""
    parts = [
        f'<a href="#{anchor("event-", e)}">{num(e)}</a>' if e in with_finding else num(e) for e in event_ids
    ]
    shown = len(parts)
    text = " ".join(parts) or "—"
    if total is not None and total > shown:
        text += f' <span class="muted">({num(total - shown)} more)</span>'
    return text


def destination(d: Destination, short: bool = False) -> str:
    """A destination: domain first, then host, IP, country, organisation, network and party."""
    main = d["domain"] or d["host"] or d["ip"]
    parts = [f"<b>{esc(main)}</b>"]
    if d["host"] and d["host"] != main:
        parts.append(f"<span class=\"muted\">host</span> {esc(d['host'])}")
    if d["ip"] and d["ip"] != main:
        parts.append(f"<span class=\"muted\">IP</span> {esc(d['ip'])}")
    parts.append(f"<span class=\"muted\">country</span> {esc(d['country'])}")
    if not short:
        if d["organisation"]:
            parts.append(f"<span class=\"muted\">org</span> {esc(d['organisation'])}")
        if d["network"]:
            parts.append(f"<span class=\"muted\">network</span> {esc(d['network'])}")
        parts.append(f"<span class=\"muted\">party</span> {esc(d['party'], 'unknown')}")
        if d["channel"] != "net":
            parts.append(f"<span class=\"muted\">via</span> {esc(d['channel'])}")
    return "<br>".join(parts)


def step(index: int | None, label: str | None) -> str:
    """A scenario step with its label; no index means before step 0 (the event record's convention)."""
    text = "before step 0" if index is None else f"step {num(index)}"
    return f"{text}: {esc(label)}" if label else text


def device_rows(d: DeviceInfo) -> list[tuple[str, str]]:
    android = esc(d["android"])
    if d["sdk"] is not None:
        android += f" (SDK {num(d['sdk'])})"
    return [
        ("Model", esc(d["model"])),
        ("Manufacturer", esc(d["manufacturer"])),
        ("Android", android),
        ("Fingerprint", f"<b>{esc(d['fingerprint'])}</b>"),
        ("Security patch", f"<b>{esc(d['security_patch'])}</b>"),
        ("Build id", esc(d["build_id"])),
        ("Serial", esc(d["serial"])),
        ("Rooted", yes_no(d["rooted"])),
        ("frida-server", esc(d["frida_server"])),
    ]


def run_rows(r: RunInfo) -> list[tuple[str, str]]:
    return [
        ("Scenario", esc(r["scenario"])),
        ("Scenario file", esc(r["scenario_file"])),
        ("App", esc(r["app"])),
        ("Run folder", esc(r["path"])),
        ("Status", badge(r["status"], "ok" if r["status"] == "complete" else r["status"])),
        ("Stop reason", esc(r["stop_reason"])),
        ("Events", num(r["events"])),
        ("Events lost", num(r["events_lost"])),
        ("Started", utc(r["started"])),
        ("Ended", utc(r["ended"])),
        ("Harness", esc(r["harness_version"])),
    ]


def geoip_line(g: GeoInfo) -> str:
    return (
        f'<p class="small">country data: {esc(g["name"])}, {esc(g["date"])} '
        f'<span class="muted">(licence: {esc(g["licence"])})</span></p>'
    )


def facts_section(device: DeviceInfo, run: RunInfo, geoip: GeoInfo) -> str:
    return (
        '<section id="facts"><h2>Device and run</h2><div class="facts">'
        f"<div><h3>Device</h3>{kv_table(device_rows(device), 'device')}</div>"
        f"<div><h3>Run</h3>{kv_table(run_rows(run), 'run')}</div>"
        f"</div>{geoip_line(geoip)}</section>"
    )
