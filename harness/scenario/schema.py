"""The JSON Schema of a scenario file, shipped with the package (``scenario.schema.json``).

It is for editors (yaml-language-server: ``# yaml-language-server: $schema=PATH`` at the top of a
scenario, the path printed by ``harness schema scenario --path``) and other tools: it knows the keys,
the commands and their argument shapes.  The loader (``load.py``) stays the authority: it also checks
names, references, files and values, and says where (``FILE:LINE:COL``); the two are kept consistent
by ``tests/scenario/test_scenario_schema.py``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_FILE = "scenario.schema.json"


def schema_text() -> str:
    """The schema as shipped (JSON text)."""
    return resources.files("harness.scenario").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


def schema_path() -> Path:
    """Where the shipped schema file is (for an editor's ``$schema=`` comment)."""
    return Path(str(resources.files("harness.scenario").joinpath(SCHEMA_FILE)))
