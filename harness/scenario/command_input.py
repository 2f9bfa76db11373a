"""What every command builder shares: its inputs, its result, and reading its argument's shape.

A command's argument is written as Maestro writes it: nothing (``- back``), a scalar for the
command's main field (``- tapOn: Accept``, ``- launchApp: com.example.app``), or a mapping of
fields.  ``command_fields`` and ``scalar_or`` read those shapes; every problem is reported at its
node and the builder returns None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from harness.scenario import defaults, names
from harness.scenario.reader import Reader, is_null

NOT_OPTIONAL = {"optional": "only tapOn, longPressOn and doubleTapOn can be optional"}


@dataclass
class StepInput:
    """What a builder may use: the file's reader and the flow's default ``appId``."""

    r: Reader
    app_id: str | None = None
    #: what a bare ``idle`` waits (the scenario's ``idle:``)
    idle_seconds: float = defaults.IDLE_SECONDS


@dataclass
class Built:
    args: dict[str, Any]
    label: str | None = None
    #: tapOn/longPressOn ``repeat: N``: the loader wraps the step in ``repeat {times: N}``
    repeat: int | None = None


#: ``builder(inputs, argument node, what)``; a bare command (``- back``) gets a null node at its place
Builder = Callable[[StepInput, yaml.Node, str], Built | None]


def command_fields(c: StepInput, node: yaml.Node, what: str, allowed: tuple[str, ...], *,
                   required: tuple[str, ...] = (),
                   unsupported: dict[str, str] | None = None) -> dict[str, yaml.Node] | None:
    """The command's mapping (a bare command: no fields); None once reported."""
    if is_null(node):
        if required:
            c.r.fail(node, f"{what}: {' and '.join(f'`{k}`' for k in required)} required")
            return None
        return {}
    return c.r.fields(node, what, allowed, required=required, unsupported={**NOT_OPTIONAL, **(unsupported or {})})


def need(c: StepInput, node: yaml.Node, fields: dict[str, yaml.Node] | None, key: str, message: str) -> bool:
    """Whether ``key`` was given; if not (and nothing else was reported), say ``message``."""
    if fields is None:
        return False
    if key not in fields:
        c.r.fail(node, message)
        return False
    return True


def label_of(c: StepInput, fields: dict[str, yaml.Node], what: str) -> str | None:
    return c.r.text(fields["label"], f"{what}.label") if "label" in fields else None


def scalar_or(c: StepInput, node: yaml.Node, what: str, key: str, allowed: tuple[str, ...], *,
               unsupported: dict[str, str] | None = None) -> dict[str, yaml.Node] | None:
    """Commands written ``cmd: VALUE`` or ``cmd: {KEY: VALUE, ...}``: the fields, VALUE under ``key``."""
    if isinstance(node, yaml.ScalarNode) and not is_null(node):
        return {key: node}
    return command_fields(c, node, what, allowed, unsupported=unsupported)


def package_of(c: StepInput, fields: dict[str, yaml.Node], key: str, what: str) -> str | None:
    """The package name under ``key`` (checked)."""
    value = c.r.text(fields[key], f"{what}.{key}")
    if value is None:
        return None
    try:
        return names.package(value)
    except ValueError as exc:
        c.r.fail(fields[key], f"{what}.{key}: {exc}")
        return None
