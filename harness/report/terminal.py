"""The report on a terminal: the verdict first, then violations, expectations and the flow matrix.

Every cell is built as ``rich.text.Text`` through ``safe_text`` (never parsed as markup, control
characters shown escaped): captured hosts and values can neither style the output nor move the cursor.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.detect.render import safe_text
from harness.report.shape import CaptureInfo, DiffDoc, Flow, ReportDoc

_VERDICT_STYLE = {"pass": "bold white on green", "fail": "bold white on red", "broken": "bold black on yellow"}
_STATUS_STYLE = {"violation": "bold red", "allowed": "yellow", "consented": "green", "observed": "", "suspected": "dim"}


def literal(value: str, style: str = "") -> Text:
    """Whole text (never cut), control and other non-printable characters shown escaped."""
    return Text("".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                        for c in value), style=style)


def _where(flow: Flow) -> str:
    dest = flow["destination"]
    text = dest["host"] or dest["domain"] or "?"
    if dest["country"] != "unknown":
        text += f" [{dest['country']}]"
    return text


def print_report(doc: ReportDoc, console: Console) -> None:
    verdict = doc["verdict"]
    console.print(literal(f" {verdict['headline']} ", _VERDICT_STYLE.get(verdict["status"], "bold")))
    device = doc["device"]
    facts = ", ".join(x for x in (device["manufacturer"], device["model"],
                                  f"Android {device['android']}" if device["android"] else None,
                                  f"patch {device['security_patch']}" if device["security_patch"] else None) if x)
    console.print(literal(f"run {doc['run']['path']} ({doc['run']['status']}, {doc['run']['events']} events)"
                            + (f" on {facts}" if facts else "")))
    if device["fingerprint"]:
        console.print(literal(f"build {device['fingerprint']}"))
    variants = Table(title=Text("Variants"))
    for column in ("variant", "consent", "status", "events", "flows", "violations", "reason"):
        variants.add_column(column)
    for v in doc["variants"]:
        status = Text(v["status"], style="" if v["status"] == "ok" else "bold yellow")
        violations = Text(str(v["violations"]), style="bold red" if v["violations"] else "")
        variants.add_row(safe_text(v["name"]), Text(v["consent"]), status, Text(str(v["events"])),
                         Text(str(v["flows"])), violations, safe_text(v["reason"]))
    console.print(variants)
    if doc["violations"]:
        table = Table(title=Text(f"Violations ({len(doc['violations'])})", style="bold red"))
        for column in ("variant", "data", "to", "party", "by", "first step", "evidence"):
            table.add_column(column)
        flows = {f["id"]: f for f in doc["flows"]}
        for violation in doc["violations"]:
            flow = flows[violation["flow"]]
            table.add_row(safe_text(violation["variant"]), safe_text(violation["data_type"]), safe_text(_where(flow)),
                          safe_text(flow["destination"]["party"]), safe_text(violation["sdk"] or violation["process"]),
                          safe_text(violation["first_step_label"]),
                          Text(", ".join(map(str, violation["evidence"][:5]))
                               + (" ..." if flow["evidence_total"] > 5 else "")))
        console.print(table)
    if doc["expectations"]:
        table = Table(title=Text("Expectations"))
        for column in ("id", "result", "message"):
            table.add_column(column)
        for e in doc["expectations"]:
            table.add_row(safe_text(e["id"]), Text(e["status"], style="green" if e["status"] == "pass" else "bold red"),
                          literal(e["message"]))
        console.print(table)
    print_flows(doc["flows"], console, title=f"What left the phone ({doc['run']['events']} events recorded)")
    capture = doc.get("capture")
    if capture is not None:  # reports written before the second capture path have none
        print_capture(capture, console)
    if doc["countries"]:
        console.print(literal("Countries: " + "; ".join(
            f"{c['name']} ({c['country']}): {c['flows']} flows" for c in doc["countries"])
            + f"  [country data: {doc['geoip']['name']}, {doc['geoip']['date']}]"))


def _ids(ids: list[int], total: int) -> Text:
    return Text(", ".join(map(str, ids[:5])) + (" ..." if total > 5 else ""))


def print_capture(capture: CaptureInfo, console: Console) -> None:
    """The capture paths, then the cross-check: hook coverage gaps, proxy bypasses, refused handshakes."""
    if "mitm" not in capture["paths"]:
        console.print(Text("Capture: hooks only"))
        for note in capture["notes"]:
            console.print(literal(f"  note: {note}"))
        return
    console.print(literal(f"Capture: hooks and proxy ({capture['proxy'] or 'proxy'}): {capture['proxy_requests']} "
                          f"proxy requests, {capture['matched']} also seen by the hooks; CA in "
                          f"{', '.join(capture['ca_stores']) or '-'}; QUIC blocked by "
                          f"{', '.join(capture['quic_blocked']) or 'nothing'}"))
    for note in capture["notes"]:
        console.print(literal(f"  note: {note}"))
    if capture["gaps"]:
        table = Table(title=Text(f"Hook coverage gaps ({len(capture['gaps'])}): the proxy saw it, no hook did",
                                 style="bold yellow"))
        for column in ("variant", "host", "url", "requests", "evidence"):
            table.add_column(column)
        for gap in capture["gaps"]:
            table.add_row(safe_text(gap["variant"]), safe_text(gap["host"]), safe_text(gap["url"]),
                          Text(str(gap["events"])), _ids(gap["evidence"], gap["events"]))
        console.print(table)
    if capture["bypasses"]:
        table = Table(title=Text(f"Proxy bypasses ({len(capture['bypasses'])}): the hooks saw it, the proxy did not",
                                 style="bold yellow"))
        for column in ("variant", "by", "to", "transport", "why", "events", "evidence"):
            table.add_column(column)
        for bypass in capture["bypasses"]:
            port = f":{bypass['port']}" if bypass["port"] is not None else ""
            table.add_row(safe_text(bypass["variant"]), safe_text(bypass["sdk"] or bypass["process"]),
                          safe_text(f"{bypass['destination']}{port}"), Text(bypass["transport"]),
                          safe_text(bypass["message"]), Text(str(bypass["events"])),
                          _ids(bypass["evidence"], bypass["events"]))
        console.print(table)
    for failure in capture["tls_failures"]:
        console.print(literal(f"TLS refused by the app: {failure['host']}:{failure['port']} in {failure['variant']} "
                              f"({failure['events']}x): {failure['error']}", "yellow"))
    if not (capture["gaps"] or capture["bypasses"]):
        console.print(Text("Cross-check: no hook coverage gap, no proxy bypass."))


def print_flows(flows: list[Flow], console: Console, title: str) -> None:
    if not flows:
        console.print(Text("Nothing seeded was found leaving the phone."))
        return
    table = Table(title=Text(title))
    for column in ("flow", "variant", "data", "to", "by", "events", "encodings", "first step", "status"):
        table.add_column(column)
    for flow in flows:
        status = flow["status"] + (" (after refusal)" if flow["after_refusal"] else "")
        table.add_row(Text(flow["id"]), safe_text(flow["variant"]), safe_text(flow["data_type"]),
                      safe_text(_where(flow)), safe_text(flow["sdk"] or flow["process"]), Text(str(flow["events"])),
                      safe_text(", ".join(flow["encodings"][:3])), safe_text(flow["first_step_label"]),
                      Text(status, style=_STATUS_STYLE.get(flow["status"], "")))
    console.print(table)


def print_diff(doc: DiffDoc, console: Console) -> None:
    verdict = doc["verdict"]
    console.print(literal(f" {verdict['headline']} ", _VERDICT_STYLE.get(verdict["status"], "bold")))
    for label, side in (("A", doc["a"]), ("B", doc["b"])):
        device = side["device"]
        console.print(literal(f"{label}: {side['run']['path']}  build {device['fingerprint'] or '?'}  "
                              f"patch {device['security_patch'] or '?'}"))
    if doc["forced"]:
        console.print(Text("warning: the runs are of different scenarios (--force)", style="yellow"))
    if doc["new_data_types"]:
        console.print(literal("New data types: " + ", ".join(doc["new_data_types"])))
    for new in doc["new_destinations"]:
        console.print(literal(f"New destination: {new['host']} [{new['country']}] ({', '.join(new['data_types'])})"))
    for moved in doc["moved_country"]:
        console.print(literal(f"Moved country: {moved['host']} {','.join(moved['a_countries'])} -> "
                                f"{','.join(moved['b_countries'])}"))
    if doc["added"]:
        print_flows(doc["added"], console, title="Flows added (in B only)")
    if doc["removed"]:
        print_flows(doc["removed"], console, title="Flows removed (in A only)")
    if doc["changed"]:
        table = Table(title=Text("Flows changed"))
        for column in ("flow", "changes"):
            table.add_column(column)
        for change in doc["changed"]:
            table.add_row(safe_text(change["key"]), safe_text("; ".join(change["changes"])))
        console.print(table)
    if not (doc["added"] or doc["removed"] or doc["changed"]):
        console.print(Text("The two runs sent the same flows."))
