"""A scenario's ``expect:`` rules: what they mean, how they are checked, and how they judge flows.

``expect`` is a list of entries; each names the variants it covers (``variant:`` or ``variants:``,
a name, a list, or ``all``; all when omitted) and one or more rules:

    no_leak: [TYPES]               no flow of these data types (a family such as ``contact`` covers
                                   contact.name, contact.phone ...)
    allowed_domains: [DOMAINS]     every network flow goes to these domains (or their subdomains);
                                   in a variant where consent was withheld, a flow to them is allowed,
                                   not a violation
    forbidden_domains: [DOMAINS]   no flow goes to these domains
    no_third_party: true           no flow to a third party
    allowed_countries: [CC]        every network flow goes to these countries (ISO codes); "local"
                                   (the phone's own network) always passes, "unknown" fails
    forbidden_countries: [CC]      no flow goes to these countries
    max_flows: N                   at most N flows
    allowed_data: [TYPES]          in a withheld variant, flows of these types are allowed, not
                                   violations (e.g. a crash report's build id)

Each rule of each entry is one expectation (``E2.no_leak``), pass or fail with the flows that fail
it.  Rules judge flows of seeded or known values (confidence "canary"); SMS flows have no domain or
country and are judged only by ``no_leak``, ``max_flows`` and ``allowed_data``.
``check_rule`` is the one place that says what a rule's argument may be: the scenario loader calls
it to report a mistake at its line, ``parse_rules`` when a run's stored rules are read back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.detect.canaries import FINDING_TYPES
from harness.errors import ConfigError
from harness.report.shape import Expectation, Flow

SCOPE_KEYS = ("variant", "variants")
LIST_RULES = ("no_leak", "allowed_domains", "forbidden_domains", "allowed_countries", "forbidden_countries",
              "allowed_data")
RULES = (*LIST_RULES, "no_third_party", "max_flows")
ALL = "all"
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$)(?:{_LABEL}\.)*{_LABEL}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_MAX_ITEMS = 1000


@dataclass(frozen=True)
class Rule:
    id: str
    rule: str
    variants: tuple[str, ...] | None      # None: every variant
    argument: tuple[str, ...] | int | bool

    def covers(self, variant: str) -> bool:
        return self.variants is None or variant in self.variants

    def argument_json(self) -> list[str] | int | bool:
        return list(self.argument) if isinstance(self.argument, tuple) else self.argument


def data_types() -> tuple[str, ...]:
    """Every data type a rule may name: the finding types and their families."""
    families = sorted({t.split(".", 1)[0] for t in FINDING_TYPES if "." in t})
    return (*FINDING_TYPES, *(f for f in families if f not in FINDING_TYPES))


def check_rule(rule: str, value: Any) -> tuple[tuple[str, ...] | int | bool, list[tuple[int | None, str]]]:
    """``value`` as the rule's argument, and the problems found (item index or None, message)."""
    if rule == "no_third_party":
        if value is not True and value is not False:
            return False, [(None, "expected true or false")]
        return bool(value), []
    if rule == "max_flows":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            return 0, [(None, "expected a whole number from 0 to 1000000")]
        return int(value), []
    if rule not in LIST_RULES:
        return (), [(None, f"unknown rule {rule!r}")]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        return (), [(None, "expected a list (or one value)")]
    if len(items) > _MAX_ITEMS:
        return (), [(None, f"at most {_MAX_ITEMS} entries")]
    problems: list[tuple[int | None, str]] = []
    out: list[str] = []
    types = data_types()
    for index, item in enumerate(items):
        where = index if isinstance(value, list) else None
        if not isinstance(item, str):
            problems.append((where, f"expected a string, got {type(item).__name__}"))
            continue
        if rule in ("no_leak", "allowed_data"):
            if item not in types:
                problems.append((where, f"undefined data type {item!r}"))
            out.append(item)
        elif rule.endswith("_domains"):
            domain = item.strip().lower().rstrip(".")
            if not _DOMAIN.match(domain):
                problems.append((where, f"{item!r} is not a domain name"))
            out.append(domain)
        else:
            code = item.strip().upper()
            if not _COUNTRY.match(code):
                problems.append((where, f"{item!r} is not a two-letter ISO 3166-1 country code"))
            out.append(code)
    return tuple(out), problems


def scope(value: Any, variants: Sequence[str]) -> tuple[tuple[str, ...] | None, list[str]]:
    """A ``variant(s):`` value as variant names (None: all) and the problems found."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None, ["expected a variant name, a list of them, or all"]
    if ALL in names:
        return None, []
    missing = [n for n in names if n not in variants]
    return tuple(names), [f"undefined variant {n!r} (defined: {', '.join(variants)})" for n in missing]


def parse_rules(raw: Any, variants: Sequence[str], origin: str) -> list[Rule]:
    """The rules of a stored ``expect`` list; a mistake is a ``ConfigError`` naming ``origin`` and the field."""
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{origin}: expect: expected a list of rules")
    rules: list[Rule] = []
    for number, entry in enumerate(raw, start=1):
        what = f"{origin}: expect[{number - 1}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{what}: expected a mapping")
        covered: tuple[str, ...] | None = None
        for key in SCOPE_KEYS:
            if key in entry:
                covered, scope_problems = scope(entry[key], variants)
                if scope_problems:
                    raise ConfigError(f"{what}.{key}: {scope_problems[0]}")
        for key, value in entry.items():
            if key in SCOPE_KEYS:
                continue
            argument, problems = check_rule(str(key), value)
            if problems:
                index, message = problems[0]
                raise ConfigError(f"{what}.{key}{'' if index is None else f'[{index}]'}: {message}")
            rules.append(Rule(f"E{number}.{key}", str(key), covered, argument))
    return rules


def type_matches(data_type: str, names: Iterable[str]) -> bool:
    return any(data_type == name or data_type.startswith(name + ".") for name in names)


def domain_matches(flow: Flow, domains: Iterable[str]) -> bool:
    host = (flow["destination"]["host"] or "").lower()
    return any(host == d or host.endswith("." + d) or flow["destination"]["domain"] == d for d in domains)


def allowing_rules(flow: Flow, rules: Iterable[Rule]) -> list[str]:
    """The ids of the rules that allow ``flow`` where consent was withheld."""
    allowed: list[str] = []
    for rule in rules:
        if not rule.covers(flow["variant"]) or not isinstance(rule.argument, tuple):
            continue
        by_type = rule.rule == "allowed_data" and type_matches(flow["data_type"], rule.argument)
        by_domain = (rule.rule == "allowed_domains" and flow["destination"]["channel"] == "net"
                     and domain_matches(flow, rule.argument))
        if by_type or by_domain:
            allowed.append(rule.id)
    return allowed


def _failing(rule: Rule, flows: list[Flow]) -> list[Flow]:
    arg = rule.argument
    net = [f for f in flows if f["destination"]["channel"] == "net"]
    if rule.rule == "no_leak" and isinstance(arg, tuple):
        return [f for f in flows if type_matches(f["data_type"], arg)]
    if rule.rule == "allowed_domains" and isinstance(arg, tuple):
        return [f for f in net if not domain_matches(f, arg)]
    if rule.rule == "forbidden_domains" and isinstance(arg, tuple):
        return [f for f in net if domain_matches(f, arg)]
    if rule.rule == "no_third_party" and arg is True:
        return [f for f in net if f["destination"]["party"] == "third"]
    if rule.rule == "allowed_countries" and isinstance(arg, tuple):
        return [f for f in net if f["destination"]["country"] != "local" and f["destination"]["country"] not in arg]
    if rule.rule == "forbidden_countries" and isinstance(arg, tuple):
        return [f for f in net if f["destination"]["country"] in arg]
    if rule.rule == "max_flows" and isinstance(arg, int) and not isinstance(arg, bool):
        return flows if len(flows) > arg else []
    return []  # allowed_data: judged through the consent check


def evaluate(rules: Iterable[Rule], flows: list[Flow]) -> list[Expectation]:
    results: list[Expectation] = []
    for rule in rules:
        covered = [f for f in flows if f["confidence"] == "canary" and rule.covers(f["variant"])]
        failing = _failing(rule, covered)
        where = "every variant" if rule.variants is None else ", ".join(rule.variants)
        shown = rule.argument_json()
        shown_text = ", ".join(shown) if isinstance(shown, list) else str(shown).lower()
        if failing:
            sample = "; ".join(_describe(f) for f in failing[:3]) + (" ..." if len(failing) > 3 else "")
            what = (f"{len(covered)} flows, at most {rule.argument} allowed" if rule.rule == "max_flows"
                    else f"{len(failing)} flow{'s' if len(failing) != 1 else ''}: {sample}")
            message = f"{rule.rule} ({shown_text}) fails in {where}: {what}"
        else:
            message = f"{rule.rule} ({shown_text}) holds in {where} ({len(covered)} flows checked)"
        results.append(Expectation(id=rule.id, rule=rule.rule, variants=list(rule.variants or [ALL]),
                                   argument=shown, status="fail" if failing else "pass", message=message,
                                   flows=[f["id"] for f in failing]))
    return results


def _describe(flow: Flow) -> str:
    dest = flow["destination"]
    where = dest["host"] or "?"
    if dest["country"] not in ("unknown",):
        where += f" [{dest['country']}]"
    return f"{flow['data_type']} to {where} in {flow['variant']}"
