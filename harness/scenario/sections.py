"""The ``canaries:`` and ``expect:`` sections of a scenario.

``canaries`` is ``auto`` (values generated per run) or a mapping in the detector's canary format
(``harness.detect.canaries``: identifiers, contacts, sms, location, accounts), checked by the
detector's own reader, which may also hold ``auto: true`` to add generated values to the declared
ones.  The device's identifiers are always added by the runner, whatever this says.

``expect`` is stored as written (strings substituted) for the verdict stage, which defines its
meaning.  What is checked now: it is a list of mappings; where an entry names variants (``variant:``
or ``variants:``, a name or a list) each must be defined (``pre_consent`` always is) — an
*undefined variant*; where it names data types (``data:``, a type or a list: ``imei``,
``contact.phone``, or a family such as ``contact``) each must be a type the detector reports, and
one the scenario seeds (identifiers and ``installed_apps``, the phone's package list read at the end
of every run, always are; contacts, SMS, location and accounts only when ``canaries`` declares them
or is ``auto``) — an *undefined canary*.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import yaml

from harness.compare.expect import RULES, SCOPE_KEYS, check_rule, data_types, scope
from harness.detect.canaries import IDENTIFIER_TYPES, CanarySet
from harness.errors import DetectError
from harness.scenario.model import CanarySpec
from harness.scenario.reader import Reader, is_null, kind
from harness.scenario.source import suggest

_SECTIONS = ("identifiers", "contacts", "sms", "location", "accounts")
#: the canary section a finding type's value comes from (identifiers: always there)
_SECTION_OF = {"contact": "contacts", "sms": "sms", "location": "location", "account": "accounts"}
_ORIGIN = "\x00canaries"
_JSON_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float")}


def read_canaries(r: Reader, node: yaml.Node) -> CanarySpec | None:
    if isinstance(node, yaml.ScalarNode) and not is_null(node):
        if r.choice(node, "canaries", ("auto",)) is None:
            return None
        return CanarySpec(auto=True)
    pairs = r.pairs(node, "canaries (auto, or the detector's canary format)")
    if pairs is None:
        return None
    auto = False
    declared: dict[str, Any] = {}
    nodes: dict[str, yaml.Node] = {}
    for key_node, key, value in pairs:
        if key == "auto":
            auto = bool(r.boolean(value, "canaries.auto"))
        elif key not in _SECTIONS:
            r.fail(key_node, f"canaries: unknown section {key!r}{suggest(key, (*_SECTIONS, 'auto'))}")
        else:
            declared[key] = to_python(r, value, f"canaries.{key}", as_written=True)
            nodes[key] = value
    try:
        CanarySet.from_mapping(declared, origin=_ORIGIN)
    except DetectError as exc:
        field, _, message = str(exc).removeprefix(f"{_ORIGIN}: ").partition(": ")
        r.fail(_find(node, field) or node, f"canaries.{field}: {message}" if message else f"canaries: {exc}")
        return None
    return CanarySpec(declared=declared, auto=auto)


def _find(root: yaml.Node, field: str) -> yaml.Node | None:
    """The node at a detector field path (``contacts[0].phones[1]``) under ``root``."""
    node: yaml.Node | None = root
    for part in field.replace("[", ".[").split("."):
        if node is None or not part:
            continue
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            index = int(part[1:-1])
            node = node.value[index] if isinstance(node, yaml.SequenceNode) and index < len(node.value) else None
        elif isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
        else:
            node = None
    return node


def read_expect(r: Reader, node: yaml.Node, variants: Collection[str], canaries: CanarySpec) -> Any:
    """``expect`` as written (a list of rule entries, see ``harness.compare.expect``), every entry
    checked: its variants defined, its rules known, their arguments valid, each mistake at its line."""
    items = r.items(node, "expect")
    if items is None:
        return None
    for i, item in enumerate(items):
        what = f"expect[{i}]"
        pairs = r.pairs(item, what) or []
        if not [key for _, key, _ in pairs if key not in SCOPE_KEYS]:
            r.fail(item, f"{what}: no rule (one of {', '.join(RULES)})")
        for key_node, key, value in pairs:
            plain = to_python(r, value, f"{what}.{key}")
            if key in SCOPE_KEYS:
                _, problems = scope(plain, list(variants))
                for problem in problems:
                    ref = problem.split("'")[1] if problem.startswith("undefined") else ""
                    hint = suggest(ref, variants) if ref else ""
                    at = _item_node(value, ref) if ref else value
                    r.fail(at, f"{what}.{key}: {problem.replace(' (defined', hint + ' (defined', 1)}")
                continue
            if key not in RULES:
                r.fail(key_node, f"{what}: unknown rule {key!r}{suggest(key, RULES)} (rules: {', '.join(RULES)})")
                continue
            argument, rule_problems = check_rule(key, plain)
            for index, problem in rule_problems:
                at = value.value[index] if index is not None and isinstance(value, yaml.SequenceNode) else value
                r.fail(at, f"{what}.{key}: {problem}{_type_hint(problem)}")
            if key in ("no_leak", "allowed_data") and not rule_problems and isinstance(argument, tuple):
                nodes = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for ref_node, ref in zip(nodes, argument, strict=False):
                    _check_seeded(r, ref_node, ref, f"{what}.{key}", canaries)
    return to_python(r, node, "expect")


def _item_node(node: yaml.Node, text: str) -> yaml.Node:
    if isinstance(node, yaml.SequenceNode):
        return next((item for item in node.value if isinstance(item, yaml.ScalarNode) and item.value == text), node)
    return node


def _type_hint(problem: str) -> str:
    if not problem.startswith("undefined data type"):
        return ""
    return suggest(problem.split("'")[1], data_types())


def _check_seeded(r: Reader, node: yaml.Node, ref: str, what: str, canaries: CanarySpec) -> None:
    family = ref.split(".", maxsplit=1)[0]
    if ref in IDENTIFIER_TYPES or canaries.auto or family not in _SECTION_OF:
        return
    if _SECTION_OF[family] not in canaries.declared:
        r.fail(node, f"{what}: {ref!r} names a canary the scenario does not seed "
                     f"(add `{_SECTION_OF[family]}` to canaries, or use canaries: auto)")


def _names(r: Reader, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str]]:
    if isinstance(node, yaml.SequenceNode):
        return r.texts(node, what) or []
    text = r.text(node, what)
    return [] if text is None else [(node, text)]


def to_python(r: Reader, node: yaml.Node, what: str, *, as_written: bool = False) -> Any:
    """The plain, JSON-ready value of ``node``: strings substituted; null, booleans and numbers as
    YAML reads them (or, when ``as_written``, as the text written: a canary ``0123`` stays
    ``"0123"``, as the detector reads it); any other scalar (a date, ``!!binary``) as written."""
    if isinstance(node, yaml.MappingNode):
        return {key: to_python(r, value, f"{what}.{key}", as_written=as_written)
                for _, key, value in r.pairs(node, what) or ()}
    if isinstance(node, yaml.SequenceNode):
        return [to_python(r, item, f"{what}[{i}]", as_written=as_written) for i, item in enumerate(node.value)]
    if node.tag not in _JSON_TAGS or (as_written and not is_null(node)):
        return r.substitute(node, str(node.value), what)
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError):
        r.fail(node, f"{what}: cannot read {kind(node)}")
        return None
