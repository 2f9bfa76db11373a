"""Typed reads of YAML nodes, each problem reported at its node's ``FILE:LINE:COL``.

Every read returns the value, or ``None`` once it has reported why it could not (so one pass finds
every problem).  Strings are ``${NAME}``-substituted (``harness.scenario.env``) as they are read.
A string field takes any scalar as written (``inputText: 0123`` types ``0123``); numbers and
booleans also accept a string that reads as one after substitution (``timeout: ${WAIT}``).
Mapping keys are checked against what the field allows: an unknown key gets a "did you mean", a
Maestro key the harness does not honour names the reason.  Merge keys (``<<: *base``) are applied:
a key written in the mapping wins over a merged one; a key written twice is an error.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

import yaml

from harness.scenario.env import EnvError, Scope
from harness.scenario.model import Location
from harness.scenario.source import Problems, node_location, suggest

_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


def kind(node: yaml.Node) -> str:
    """What a node is, for "expected X, got Y" messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {_NULL: "nothing (null)", _BOOL: "a boolean", _INT: "a number", _FLOAT: "a number"}.get(
        node.tag, f"the string {str(node.value)[:40]!r}")


def is_null(node: yaml.Node | None) -> bool:
    return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL)


class Reader:
    """Reads the nodes of one file (``file`` as shown in errors) with one ``Scope``."""

    def __init__(self, file: str, scope: Scope, problems: Problems) -> None:
        self.file = file
        self.scope = scope
        self.problems = problems

    def with_scope(self, scope: Scope) -> Reader:
        return Reader(self.file, scope, self.problems)

    def at(self, node: yaml.Node) -> Location:
        return node_location(self.file, node)

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.add(self.at(node), message)

    def fields(self, node: yaml.Node, what: str, allowed: Collection[str], *, required: Collection[str] = (),
               unsupported: Mapping[str, str] = {}) -> dict[str, yaml.Node] | None:
        """A mapping's values by key; unknown, unsupported, duplicate and missing keys reported.
        Returns None only when ``node`` is not a mapping."""
        pairs = self.pairs(node, what)
        if pairs is None:
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, key, value in pairs:
            if key in unsupported:
                self.fail(key_node, f"{what}: `{key}` is not supported by the harness: {unsupported[key]}")
            elif key not in allowed:
                self.fail(key_node, f"{what}: unknown key {key!r}{suggest(key, allowed)}")
            else:
                out[key] = value
        for key in required:
            if key not in out:
                self.fail(node, f"{what}: `{key}` is required")
        return out

    def pairs(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str, yaml.Node]] | None:
        """A mapping's (key node, key, value node), keys as written; None (reported) if not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what}: expected a mapping, got {kind(node)}")
            return None
        merged: dict[str, tuple[yaml.Node, str, yaml.Node]] = {}
        own: dict[str, tuple[yaml.Node, str, yaml.Node]] = {}
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE:
                for pair in self._merge(value, what):  # `<<: *base`: keys not given here
                    merged.setdefault(pair[1], pair)
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _NULL:
                self.fail(key_node, f"{what}: a key must be a plain string, got {kind(key_node)}")
                continue
            key = str(key_node.value)
            if key in own:
                self.fail(key_node, f"{what}: {key!r} is given twice")
                continue
            own[key] = (key_node, key, value)
        return [pair for key, pair in merged.items() if key not in own] + list(own.values())

    def _merge(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str, yaml.Node]]:
        """The pairs a merge key brings (the first mapping of a list wins, as in YAML)."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: list[tuple[yaml.Node, str, yaml.Node]] = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.fail(source, f"{what}: `<<` merges a mapping or a list of mappings, got {kind(source)}")
                continue
            out.extend(self.pairs(source, what) or ())
        return out

    def items(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what}: expected a list, got {kind(node)}")
            return None
        return list(node.value)

    def text(self, node: yaml.Node, what: str, *, empty: bool = False) -> str | None:
        """A scalar as written, ``${NAME}`` substituted."""
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL:
            self.fail(node, f"{what}: expected a string, got {kind(node)}")
            return None
        value = self.substitute(node, str(node.value), what)  # as written: `on` stays `on`
        if value is not None and not value and not empty:
            self.fail(node, f"{what}: must not be empty")
            return None
        return value

    def substitute(self, node: yaml.Node, raw: str, what: str) -> str | None:
        try:
            return self.scope.substitute(raw)
        except EnvError as exc:
            self.fail(node, f"{what}: {exc}")
            return None

    def number(self, node: yaml.Node, what: str, *, minimum: float | None = None,
               maximum: float | None = None, unit: str = "") -> float | None:
        expected = f"a number{unit}"
        if not isinstance(node, yaml.ScalarNode) or node.tag in (_NULL, _BOOL):
            self.fail(node, f"{what}: expected {expected}, got {kind(node)}")
            return None
        text = self.substitute(node, str(node.value), what)
        if text is None:
            return None
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.fail(node, f"{what}: expected {expected}, got {kind(node)}")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = (f"between {minimum:g} and {maximum:g}" if minimum is not None and maximum is not None
                      else f"at least {minimum:g}" if minimum is not None else f"at most {maximum:g}")
            self.fail(node, f"{what}: {value:g} is out of range (expected {bounds})")
            return None
        return value

    def integer(self, node: yaml.Node, what: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
        value = self.number(node, what, minimum=minimum, maximum=maximum, unit=" (a whole number)")
        if value is None:
            return None
        if value != int(value):
            self.fail(node, f"{what}: expected a whole number, got {value:g}")
            return None
        return int(value)

    def millis(self, node: yaml.Node, what: str) -> float | None:
        """Maestro's milliseconds as seconds."""
        value = self.number(node, what, minimum=0, maximum=24 * 3600 * 1000, unit=" of milliseconds")
        return None if value is None else value / 1000.0

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag not in (_NULL, _INT, _FLOAT):
            text = self.substitute(node, str(node.value), what)
            if text is None:
                return None
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
        self.fail(node, f"{what}: expected true or false, got {kind(node)}")
        return None

    def choice(self, node: yaml.Node, what: str, choices: Collection[str], *, fold: bool = False) -> str | None:
        """One of ``choices`` (case-insensitively, returned as spelt in ``choices``, when ``fold``)."""
        text = self.text(node, what)
        if text is None:
            return None
        for option in choices:
            if text == option or (fold and text.lower() == option.lower()):
                return option
        self.fail(node, f"{what}: {text!r} is not one of {', '.join(choices)}{suggest(text, choices)}")
        return None

    def texts(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str]] | None:
        """A list of strings with their nodes (bad items reported and left out)."""
        items = self.items(node, what)
        if items is None:
            return None
        out = []
        for i, item in enumerate(items):
            value = self.text(item, f"{what}[{i}]")
            if value is not None:
                out.append((item, value))
        return out
