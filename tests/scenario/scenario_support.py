"""Helpers for the scenario loader's tests: write files, load them, read problems."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from harness.scenario.load import load_scenario, validate
from harness.scenario.model import Scenario, Step

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
#: FILE:LINE:COL: message
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>[0-9]+):(?P<col>[0-9]+): (?P<message>.+)$")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def scenario(folder: Path, body: str, *, app: str = "com.example.messenger", name: str = "s.yaml",
             env: dict[str, str] | None = None) -> Scenario:
    """Load a scenario made of ``app:`` plus ``body`` (dedented YAML)."""
    return load_scenario(write(folder, name, f"app: {app}\n" + textwrap.dedent(body).lstrip("\n")), env or {})


def problems(folder: Path, text: str, name: str = "s.yaml", env: dict[str, str] | None = None) -> list[str]:
    return validate(write(folder, name, text), env or {})


def located(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line, col, message) of each ``FILE:LINE:COL: message`` (asserting the shape)."""
    out = []
    for line in lines:
        match = LOCATED.match(line)
        assert match, f"not FILE:LINE:COL: {line!r}"
        out.append((int(match["line"]), int(match["col"]), match["message"]))
    return out


def step(folder: Path, command_yaml: str, **kwargs: object) -> Step:
    """The one step a ``steps:`` list of one command loads to."""
    body = "steps:\n" + textwrap.indent(textwrap.dedent(command_yaml).strip("\n"), "  ") + "\n"
    loaded = scenario(folder, body, **kwargs)  # type: ignore[arg-type]
    assert len(loaded.steps) == 1, loaded.steps
    return loaded.steps[0]
