"""Random mutations of a valid scenario (bytes, keys, types): only located ScenarioErrors come out."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_support import LOCATED

from harness.errors import ConfigError
from harness.scenario.load import load_scenario, validate
from harness.scenario.model import Scenario

VALID = """\
name: ${NAME}
app: {package: com.example.messenger}
targets: [com.example.messenger, system_server, com.vendor.*]
hooks: [network, contacts]
canaries:
  auto: true
  contacts: [{name: Ann Example, phones: ["+14155550123"]}]
  location: {lat: 53.3, lon: -6.2}
env: {NAME: fuzz, BUTTON: Accept}
first_party: [example.com]
idle: 2
variants:
  accepted:
    consent: given
    permissions: {READ_CONTACTS: grant}
    appops: {android:read_contacts: allow}
    settings: {secure.upload_log_pref: "1"}
    ui: [{tapOn: "${BUTTON}"}]
  pre_consent: {settings: {secure.upload_log_pref: "0"}}
steps:
  - launchApp: {clearState: true}
  - runFlow: sub.yaml
  - runFlow: {when: {visible: Chats}, commands: [{tapOn: {id: send, index: 1}}], env: {X: y}}
  - repeat: {times: 2, commands: [{swipe: {direction: UP}}, {swipe: {start: "10%,10%", end: "20,20"}}]}
  - retry: {maxRetries: 2, commands: [{assertVisible: Chats}]}
  - extendedWaitUntil: {notVisible: {text: Loading}, timeout: 3000}
  - consentUi
  - grant: {package: com.example.messenger, permission: READ_SMS}
  - appops: {package: com.example.messenger, ops: {READ_SMS: deny}}
  - setting: {global.x: 1}
  - shell: [echo, hi]
  - idle
expect:
  - {variant: accepted, no_leak: [imei, contact.phone]}
"""
SUB = "appId: com.example.messenger\nenv: {WHO: me}\n---\n- inputText: ${WHO}\n- pressKey: Enter\n- back\n"
YAML_BYTES = st.sampled_from([b":", b"-", b"[", b"]", b"{", b"}", b"&a", b"*a", b"!", b"|", b">", b"'", b'"',
                              b"%", b"@", b"`", b"#", b",", b"\n", b"\t", b" ", b"${", b"}", b"<<", b"---\n",
                              b"\xff", b"\x00", b"\xc3", b"9" * 40, b"~", b"? "])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["${NAME}", "${NOPE}", "${a.b}", "$${X}", "50%,80%",
                                                           "sub.yaml", "missing.yaml", "auto", "all", "given"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12),
                                                                                              inner, max_size=3),
                      max_leaves=6)
KEYS = st.one_of(st.text(max_size=15), st.sampled_from(["tapOn", "steps", "variants", "consent", "runFlow", "<<",
                                                        "commands", "when", "visible", "text", "point", "file"]))


def _check(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sub.yaml").write_text(SUB)
        path = root / "s.yaml"
        path.write_bytes(text)
        found = validate(path)
        assert all(isinstance(line, str) and LOCATED.match(line) for line in found), found
        try:
            assert isinstance(load_scenario(path), Scenario)
        except ConfigError as exc:  # ScenarioError is one
            lines = getattr(exc, "problems", [str(exc)])
            assert lines and all(LOCATED.match(line) for line in lines), lines
            assert lines == found


def test_the_seed_is_valid() -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "sub.yaml").write_text(SUB)
        path = Path(folder) / "s.yaml"
        path.write_text(VALID)
        assert validate(path) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), YAML_BYTES | st.binary(max_size=4)),
                      min_size=1, max_size=6))
def test_byte_mutations(edits: list[tuple[float, int, bytes]]) -> None:
    data = bytearray(VALID.encode())
    for where, cut, insert in edits:
        at = int(where * len(data))
        data[at:at + cut] = insert
    _check(bytes(data))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_structure_mutations(data: st.DataObject) -> None:
    document = yaml.safe_load(VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        paths = _paths(document)
        path = data.draw(st.sampled_from(paths[1:]))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "rename", "delete"]))
        if action == "replace":
            parent[path[-1]] = data.draw(VALUES)
        elif action == "rename" and isinstance(parent, dict):
            parent[data.draw(KEYS)] = parent.pop(path[-1])
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    _check(yaml.safe_dump(document, allow_unicode=True).encode())
