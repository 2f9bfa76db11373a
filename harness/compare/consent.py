"""The consent diff: which flows happened although the user withheld consent.

Per flow, by its variant's ``consent``:

- withheld (``pre_consent`` included: nobody was asked yet): a flow of seeded or known personal data
  is a **violation**, or **allowed** when an expectation covering the variant allows it
  (``allowed_domains``, ``allowed_data``);
- given: **consented**;
- no consent state (a ``harness trace`` run): **observed**;
- an unseeded value that merely has the shape of an identifier: **suspected**, never a violation
  (it may be someone else's number), whatever the variant.

A withheld flow whose data type, destination domain, process and SDK appear in no variant where
consent was given is marked ``after_refusal``: more data after No than after Yes.  The built-in
``pre_consent`` variant never is (the user has not refused anything yet).
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.compare.expect import Rule, allowing_rules
from harness.report.shape import Flow, Violation
from harness.scenario.model import PRE_CONSENT


def _shape(flow: Flow) -> tuple[str, str | None, str | None, str | None]:
    return flow["data_type"], flow["destination"]["domain"], flow["process"], flow["sdk"]


def judge(flows: list[Flow], rules: Iterable[Rule], *, given_ran: bool) -> list[Violation]:
    """Set every flow's ``status``, ``after_refusal`` and ``allowed_by``; return the violations.
    ``given_ran``: a variant where consent was given ran to its end (else nothing to compare with)."""
    rules = list(rules)
    with_consent = {_shape(f) for f in flows if f["consent"] == "given" and f["confidence"] == "canary"}
    violations: list[Violation] = []
    for flow in flows:
        if flow["confidence"] != "canary":
            flow["status"] = "suspected"
            continue
        if flow["consent"] == "given":
            flow["status"] = "consented"
            continue
        if flow["consent"] != "withheld":
            flow["status"] = "observed"
            continue
        flow["after_refusal"] = given_ran and flow["variant"] != PRE_CONSENT and _shape(flow) not in with_consent
        allowed = allowing_rules(flow, rules)
        if allowed:
            flow["status"], flow["allowed_by"] = "allowed", allowed
            continue
        flow["status"] = "violation"
        violations.append(_violation(flow))
    return violations


def _violation(flow: Flow) -> Violation:
    dest = flow["destination"]
    to = dest["host"] or dest["domain"] or "an unknown destination"
    if dest["country"] not in ("unknown",):
        to += f" [{dest['country']}]"
    by = flow["sdk"] or flow["process"] or "an unknown process"
    when = "before anyone was asked" if flow["variant"] == PRE_CONSENT else f"with consent withheld ({flow['variant']})"
    extra = "; sent only after the user refused" if flow["after_refusal"] else ""
    return Violation(
        flow=flow["id"], variant=flow["variant"], data_type=flow["data_type"], destination=dest,
        process=flow["process"], sdk=flow["sdk"], first_step=flow["first_step"],
        first_step_label=flow["first_step_label"], evidence=flow["evidence"], after_refusal=flow["after_refusal"],
        message=f"{flow['data_type']} to {to} by {by} {when}{extra}",
    )
