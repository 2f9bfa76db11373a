"""Scenario parameters: ``${NAME}`` in any string of a scenario or flow file.

Where a name's value comes from, lowest precedence first:

1. a Maestro flow file's header ``env:`` (defaults for that file only);
2. what the caller sees: the scenario's ``env:`` (its values may use names defined before them),
   overridden by ``--env NAME=VALUE`` (``harness run``/``validate``); inside a subflow, the scope
   of the flow that runs it;
3. ``runFlow``'s (or ``retry``'s) own ``env:`` for the commands it runs.

``${NAME}`` of a name defined nowhere is an error located at the string.  ``$${`` writes a literal
``${``.  Only names are substituted: ``${output.x}`` or ``${a + b}`` (Maestro's JavaScript
expressions) are errors, as is a ``${`` that is never closed.  The host's environment variables are
not read: a scenario means the same on every machine unless ``--env`` says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from harness.errors import ConfigError
from harness.scenario.source import suggest

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(r"\$(\$?)\{([^{}]*)\}|\$\{")


class EnvError(Exception):
    """One ``${...}`` that cannot be substituted (the reader locates it)."""


class Scope:
    """The names visible to the strings of one flow."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})

    def child(self, defaults: Mapping[str, str] = {}, overrides: Mapping[str, str] = {}) -> Scope:
        """The scope of a subflow: its ``defaults`` under this scope, its ``overrides`` over it."""
        return Scope({**defaults, **self.values, **overrides})

    def substitute(self, text: str) -> str:
        """``text`` with every ``${NAME}`` replaced; raises ``EnvError`` naming the first bad one."""
        if "$" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            if match.group(2) is None:
                raise EnvError("`${` is never closed by `}` (write `$${` for a literal `${`)")
            escaped, name = match.group(1), match.group(2)
            if escaped:
                return "${" + name + "}"
            if not NAME.match(name.strip()):
                raise EnvError(f"`${{{name}}}`: only ${{NAME}} is substituted here; "
                               "JavaScript expressions are not supported")
            name = name.strip()
            if name not in self.values:
                hint = suggest(name, self.values)
                raise EnvError(f"`${{{name}}}`: {name} is not defined in env or with --env{hint}")
            return self.values[name]

        return _TOKEN.sub(replace, text)


def parse_env_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` (``--env`` arguments) as a mapping; raises ``ConfigError``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not NAME.match(name):
            raise ConfigError(f"--env {item!r}: expected NAME=VALUE with NAME of letters, digits and _")
        out[name] = value
    return out
