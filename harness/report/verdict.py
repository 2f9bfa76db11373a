"""The answer first: pass, fail or broken, and the exit status every command shares (DESIGN.md).

0 everything holds; 1 a violation or a failed expectation; 3 a variant failed or is incomplete, or
the run was cut short (the scenario broke, not the app's privacy).  A broken run with violations is
still broken (3), and its privacy answer ("fail") is kept beside it, so neither hides the other.
"""

from __future__ import annotations

from harness.record.status import COMPLETE, INTERRUPTED
from harness.report.shape import Expectation, RunInfo, VariantInfo, Verdict, VerdictInfo, Violation

EXIT_PASS, EXIT_FAIL, EXIT_COULD_NOT_RUN, EXIT_BROKEN = 0, 1, 2, 3


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def verdict_of(run: RunInfo, variants: list[VariantInfo], violations: list[Violation],
               expectations: list[Expectation]) -> VerdictInfo:
    failed = [e for e in expectations if e["status"] == "fail"]
    broken = [v["name"] for v in variants if v["status"] not in ("ok",)]
    cut_short = run["status"] not in (COMPLETE, INTERRUPTED) or run["stop_reason"] == INTERRUPTED
    privacy_fails = bool(violations or failed)
    privacy: list[str] = []
    status: Verdict
    if violations:
        privacy.append(f"{_plural(len(violations), 'violation')} (personal data sent without consent): "
                       f"{violations[0]['message']}" + (" ..." if len(violations) > 1 else ""))
    if failed:
        privacy.append(f"{_plural(len(failed), 'expectation')} failed: {failed[0]['message']}")
    if broken or cut_short:
        why = [f"variant {name} {next(v['status'] for v in variants if v['name'] == name)}" for name in broken]
        if cut_short:
            why.append(f"the run is {run['status']}" + (f" ({run['stop_reason']})" if run["stop_reason"] else ""))
        headline = f"BROKEN: {'; '.join(why)}"
        headline += f"; privacy in what ran: FAIL, {'; '.join(privacy)}" if privacy_fails else \
            "; privacy in what ran: nothing found without consent"
        status, code = "broken", EXIT_BROKEN
    elif privacy_fails:
        headline, status, code = f"FAIL: {'; '.join(privacy)}", "fail", EXIT_FAIL
    else:
        held = f"; {_plural(len(expectations), 'expectation')} hold" if expectations else ""
        judged = any(v["consent"] in ("given", "withheld") for v in variants)
        answer = "no personal data sent without consent" if judged else \
            "no consent variants in this run (a trace): its flows are listed, not judged"
        headline, status, code = f"PASS: {answer}{held}", "pass", EXIT_PASS
    return VerdictInfo(status=status, exit_code=code, headline=headline, violations=len(violations),
                       failed_expectations=len(failed), broken_variants=broken,
                       privacy="fail" if privacy_fails else "pass")
