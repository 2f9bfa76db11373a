"""The text pytest shows when a scenario item fails: one line per flow, the run folder last.

Everything in it that was captured (hosts, SDK and process names, step labels) comes from the
phone and is hostile: ``printable`` shows control characters (an ANSI escape, a carriage return)
as ``\\xNN``, so a report can neither colour nor rewrite the terminal it is printed on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

#: Evidence ids shown per flow (the report keeps up to 50; the run folder has every one).
EVIDENCE_SHOWN = 20


def printable(text: object) -> str:
    """``text`` with every non-printable character written as ``\\xNN`` / ``\\uXXXX``."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in str(text))


def flow_line(flow: Mapping[str, Any]) -> str:
    """One flow (a report ``Flow`` or ``Violation``): data type, destination, party, SDK/process,
    first step, evidence event ids."""
    dest = flow["destination"]
    where = dest.get("host") or dest.get("domain") or dest.get("ip") or "?"
    if dest.get("channel") == "sms":
        place = f"SMS to {where}"
    else:
        place = f"{where} (country {dest.get('country') or 'unknown'}, {dest.get('party') or 'unknown'} party)"
    by = f"SDK {flow['sdk']} in {flow['process'] or '?'}" if flow.get("sdk") else f"process {flow['process'] or '?'}"
    step = flow.get("first_step_label") or (f"step {flow['first_step']}" if flow.get("first_step") is not None
                                            else "before the first step")
    evidence: Sequence[int] = flow.get("evidence") or []
    total = int(flow.get("evidence_total", len(evidence)))
    ids = ", ".join(map(str, evidence[:EVIDENCE_SHOWN])) + (f" ... ({total} in all)" if total > EVIDENCE_SHOWN else "")
    refusal = " [only after refusal]" if flow.get("after_refusal") else ""
    return printable(f"{flow['data_type']} -> {place} by {by}; first step: {step}; "
                     f"evidence events: {ids or '-'}{refusal}")


def failure_text(title: str, flows: Iterable[Mapping[str, Any]], run_folder: Path | str | None,
                 extra: Iterable[str] = ()) -> str:
    lines = [printable(title)]
    lines += [f"  {flow_line(flow)}" for flow in flows]
    lines += [printable(line) for line in extra if line]
    if run_folder is not None:
        lines.append(f"run folder: {printable(run_folder)}")
    return "\n".join(lines)


def variant_violations(doc: Mapping[str, Any], variant: str) -> list[Mapping[str, Any]]:
    """The report's violations in ``variant`` (``Violation`` records, in report order)."""
    return [v for v in doc["violations"] if v["variant"] == variant]


def _folder(doc: Mapping[str, Any], with_folder: bool) -> str | None:
    return str(doc["run"]["path"]) if with_folder else None


def variant_failure(doc: Mapping[str, Any], variant: Mapping[str, Any], *, with_folder: bool = True) -> str | None:
    """Why the consent check of ``variant`` fails (its violations), or None when it holds."""
    mine = variant_violations(doc, variant["name"])
    if not mine:
        return None
    return failure_text(f"{variant['name']} (consent {variant['consent']}): {len(mine)} violation(s): personal data "
                        "sent without consent", mine, _folder(doc, with_folder))


def variant_broken(doc: Mapping[str, Any], variant: Mapping[str, Any], *, with_folder: bool = True) -> str | None:
    """Why ``variant`` itself broke (the runner's reason, and its violations so far), or None when
    it ran to its end."""
    if variant["status"] == "ok":
        return None
    step = f"failed step: {variant['failed_step']}" if variant.get("failed_step") is not None else ""
    shots = [f"screenshot: {s['path']}" for s in variant.get("screenshots") or []]
    reason = variant["reason"] or "no reason recorded"
    return failure_text(f"{variant['name']}: the variant {variant['status']}: {reason}",
                        variant_violations(doc, variant["name"]),
                        _folder(doc, with_folder), [step, *shots])


def expectation_failure(doc: Mapping[str, Any], expectation: Mapping[str, Any], *,
                        with_folder: bool = True) -> str | None:
    """Why ``expectation`` fails (the flows that break it), or None when it passes."""
    if expectation["status"] == "pass":
        return None
    flows = {f["id"]: f for f in doc["flows"]}
    return failure_text(f"{expectation['id']}: {expectation['message']}",
                        [flows[f] for f in expectation["flows"] if f in flows], _folder(doc, with_folder))


def report_summary(doc: Mapping[str, Any]) -> str:
    """The whole report in the same form: the verdict, then each broken variant, each variant's
    violations and each failed expectation, then the run folder."""
    parts = [printable(doc["verdict"]["headline"])]
    for variant in doc["variants"]:
        text = variant_broken(doc, variant, with_folder=False) or variant_failure(doc, variant, with_folder=False)
        if text:
            parts.append(text)
    for expectation in doc["expectations"]:
        text = expectation_failure(doc, expectation, with_folder=False)
        if text:
            parts.append(text)
    parts.append(f"run folder: {printable(doc['run']['path'])}")
    return "\n".join(parts)
