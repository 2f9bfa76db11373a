"""The shipped JSON Schema accepts what the loader accepts and knows the same names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from scenario_support import EXAMPLES
from test_scenario_commands import NORMAL_FORMS
from test_scenario_flows import MAESTRO_FLOW

from harness.instrument.config import all_modules
from harness.scenario import flows
from harness.scenario.load import SCENARIO_KEYS, load_scenario, validate
from harness.scenario.schema import schema
from harness.scenario.variants import VARIANT_KEYS

SCHEMA = schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _errors(document: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_shipped_examples_validate(path: Path) -> None:
    load_scenario(path)
    assert _errors(yaml.safe_load(path.read_text())) == []


@pytest.mark.parametrize(("written", "command", "args"), NORMAL_FORMS, ids=[c[0] for c in NORMAL_FORMS])
def test_every_command_the_loader_takes_validates(written: str, command: str, args: object) -> None:
    document = {"app": "com.example.app", "steps": yaml.safe_load(written)}
    assert _errors(document) == []


def test_a_maestro_flow_files_commands_validate_as_steps() -> None:
    _header, commands = yaml.safe_load_all(MAESTRO_FLOW)
    assert _errors({"app": "com.example.messenger", "steps": commands}) == []


@pytest.mark.parametrize("document", [
    {"app": "com.example.app", "steps": [], "varients": {}},           # an unknown top-level key
    {"app": "com.example.app"},                                        # no steps
    {"app": "com.example.app", "steps": [{"tapOnn": "x"}]},            # an unknown command
    {"app": "com.example.app", "steps": [{"assertWithAI": "x"}]},      # an unsupported one
    {"app": "com.example.app", "steps": [{"tapOn": {"txt": "x"}}]},    # an unknown argument key
    {"app": "com.example.app", "steps": [{"tapOn": "x", "back": None}]},
    {"app": "com.example.app", "steps": [{"shell": "reboot"}]},        # shell as a string
    {"app": "com.example.app", "steps": [], "variants": {"a": {"consent": "maybe"}}},
    {"app": "com.example.app", "steps": [], "variants": {"a": {"consent": "given", "permissions": ["X"]}}},
    {"app": "com.example.app", "steps": [], "hooks": ["networks"]},
])
def test_the_schema_refuses(document: dict[str, Any]) -> None:
    assert _errors(document)


def test_schema_and_loader_know_the_same_names() -> None:
    assert sorted(SCHEMA["properties"]) == sorted(SCENARIO_KEYS)
    assert SCHEMA["required"] == ["steps"]
    command = SCHEMA["$defs"]["command"]["anyOf"]
    assert sorted(command[1]["properties"]) == sorted(flows.COMMANDS)
    assert sorted(SCHEMA["$defs"]["variant"]["properties"]) == sorted(VARIANT_KEYS)
    assert SCHEMA["properties"]["hooks"]["anyOf"][1]["items"]["enum"] == list(all_modules())


@pytest.mark.parametrize("name", flows.COMMANDS)
def test_bare_commands_agree(tmp_path: Path, name: str) -> None:
    """``- NAME`` alone: the schema accepts it exactly when the loader does."""
    path = tmp_path / "s.yaml"
    path.write_text(f"app: com.example.app\nsteps:\n  - {name}\n")
    assert (validate(path) == []) == (_errors(yaml.safe_load(path.read_text())) == [])
