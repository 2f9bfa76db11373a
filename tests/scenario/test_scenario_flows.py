"""Maestro flow files through runFlow, subflow errors, and ${NAME} parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_support import located, problems, scenario, write

from harness.errors import ConfigError, ScenarioError
from harness.scenario.env import parse_env_overrides
from harness.scenario.load import load_scenario
from harness.scenario.model import Selector, Step

#: a Maestro flow file as Maestro users write them: header, ---, commands
MAESTRO_FLOW = """\
appId: com.example.messenger
name: Accept consent and write a message
tags:
  - smoke
env:
  MESSAGE: hello from maestro
---
- launchApp:
    clearState: true
- runFlow:
    when:
      visible: "Help us improve Messenger"
    commands:
      - tapOn: "Accept"
- assertVisible:
    id: "title"
- tapOn:
    id: "message"
- inputText: ${MESSAGE}
- tapOn: Send
- stopApp
"""


def _flat(steps: tuple[Step, ...]) -> list[str]:
    out = []
    for step in steps:
        out.append(step.command)
        out.extend(f"  {c}" for c in _flat(step.args.get("commands", ())))
    return out


def test_a_maestro_flow_file_runs_unchanged_through_runflow(tmp_path: Path) -> None:
    flow = write(tmp_path, "flows/accept.yaml", MAESTRO_FLOW)
    loaded = scenario(tmp_path, """
        steps:
          - runFlow: flows/accept.yaml
          - idle: 3
    """, app="com.example.messenger")
    run, idle = loaded.steps
    assert run.command == "runFlow" and run.args["file"] == flow.resolve() and run.args["when"] is None
    assert _flat(run.args["commands"]) == ["launchApp", "runFlow", "  tapOn", "assertVisible", "tapOn", "inputText",
                                           "tapOn", "stopApp"]
    launch, when, visible, tap_message, text, send, stop = run.args["commands"]
    # the flow's appId is the default app of its launchApp and stopApp
    assert launch.args == {"appId": "com.example.messenger", "clearState": True, "stopApp": True}
    assert stop.args == {"appId": "com.example.messenger"}
    assert when.args["when"] == {"visible": Selector(text="Help us improve Messenger")}
    assert when.args["commands"][0].args["selector"] == Selector(text="Accept")
    assert visible.args["selector"] == Selector(id="title")
    assert tap_message.args["selector"] == Selector(id="message")
    assert text.args == {"text": "hello from maestro"}  # the flow's own env
    assert send.args["selector"] == Selector(text="Send")
    # steps of the flow file say where they are written
    assert (text.where.file, text.where.line, text.where.col) == (str(tmp_path / "flows/accept.yaml"), 19, 3)
    assert idle.args == {"seconds": 3.0}
    assert loaded.sources == ((tmp_path / "s.yaml").resolve(), flow.resolve())


def test_runflow_env_and_scenario_env_reach_the_flow(tmp_path: Path) -> None:
    write(tmp_path, "accept.yaml", MAESTRO_FLOW)
    loaded = scenario(tmp_path, """
        env: {WHO: bob}
        steps:
          - runFlow: accept.yaml
          - runFlow: {file: accept.yaml, env: {MESSAGE: "hi ${WHO}"}}
    """, env={"WHO": "carol"})
    texts = [s.args["text"] for run in loaded.steps for s in run.args["commands"] if s.command == "inputText"]
    assert texts == ["hello from maestro", "hi carol"]
    assert loaded.steps[1].args["env"] == {"MESSAGE": "hi carol"}
    assert loaded.sources == ((tmp_path / "s.yaml").resolve(), (tmp_path / "accept.yaml").resolve())


def test_a_flow_file_of_commands_only_keeps_the_callers_app(tmp_path: Path) -> None:
    write(tmp_path, "plain.yaml", "- launchApp\n- back\n")
    loaded = scenario(tmp_path, "steps:\n  - runFlow: plain.yaml\n")
    assert loaded.steps[0].args["commands"][0].args["appId"] is None


def test_a_missing_subflow_is_an_error_at_the_runflow_line(tmp_path: Path) -> None:
    found = located(problems(tmp_path, "app: com.example.app\nsteps:\n  - back\n  - runFlow: flows/login.yaml\n"))
    assert [(line, col) for line, col, _ in found] == [(4, 14)]
    assert "flow file 'flows/login.yaml' does not exist" in found[0][2]
    (tmp_path / "dir.yaml").mkdir()
    found = located(problems(tmp_path, "app: com.example.app\nsteps:\n  - runFlow: {file: dir.yaml}\n"))
    assert [(line, col) for line, col, _ in found] == [(3, 21)] and "is not a file" in found[0][2]


def test_problems_inside_a_subflow_are_located_in_it(tmp_path: Path) -> None:
    write(tmp_path, "sub.yaml", "appId: com.example.app\nfoo: 1\n---\n- tapOn: A\n- assertWithAI: looks fine\n")
    lines = problems(tmp_path, "app: com.example.app\nsteps:\n  - runFlow: sub.yaml\n")
    assert [line.split(": ")[0] for line in lines] == [f"{tmp_path}/sub.yaml:2:1", f"{tmp_path}/sub.yaml:5:3"]
    assert "unknown key 'foo'" in lines[0] and "assertWithAI" in lines[1]


def test_a_flow_that_runs_itself_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- runFlow: b.yaml\n")
    write(tmp_path, "b.yaml", "appId: com.example.app\n---\n- back\n- runFlow: a.yaml\n")
    found = located(problems(tmp_path, "app: com.example.app\nsteps:\n  - runFlow: a.yaml\n"))
    assert len(found) == 1 and "runs itself (s.yaml -> a.yaml -> b.yaml -> a.yaml)" in found[0][2]


def test_onflowstart_hooks_and_web_flows_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "web.yaml", "url: https://example.com\nonFlowStart: [back]\n---\n- back\n")
    found = located(problems(tmp_path, "app: com.example.app\nsteps:\n  - runFlow: web.yaml\n"))
    assert ["web flows" in m for _, _, m in found] == [True, False]
    assert "flow hooks are not supported" in found[1][2]


def test_env_substitution_everywhere_and_env_override(tmp_path: Path) -> None:
    body = """
        name: ${NAME}-scenario
        env:
          NAME: demo
          BUTTON: Accept
          GREETING: hello ${NAME}
        variants:
          yes: {consent: given, settings: {secure.upload_log_pref: "${PREF}"}, ui: [{tapOn: "${BUTTON}"}]}
        steps:
          - inputText: "${GREETING}, $${NOT_A_VARIABLE}"
          - consentUi
          - shell: [echo, "${BUTTON}"]
    """
    loaded = scenario(tmp_path, body, env={"PREF": "1"})  # PREF: only given with --env
    assert loaded.name == "demo-scenario"
    assert loaded.steps[0].args["text"] == "hello demo, ${NOT_A_VARIABLE}"
    assert loaded.steps[2].args["argv"] == ("echo", "Accept")
    assert loaded.variant("yes").ui[0].args["selector"] == Selector(text="Accept")
    overridden = scenario(tmp_path, body, env={"BUTTON": "Reject", "NAME": "x", "PREF": "0"})
    assert overridden.name == "x-scenario"
    assert overridden.steps[0].args["text"] == "hello x, ${NOT_A_VARIABLE}"
    assert overridden.variant("yes").ui[0].args["selector"] == Selector(text="Reject")
    assert overridden.variant("yes").settings == {"secure.upload_log_pref": "0"}
    assert overridden.env == {"NAME": "x", "BUTTON": "Reject", "GREETING": "hello x", "PREF": "0"}


def test_an_undefined_variable_is_an_error_where_it_is_used(tmp_path: Path) -> None:
    found = located(problems(tmp_path, """\
app: com.example.app
env: {BUTTON: Accept}
steps:
  - tapOn: ${BUTON}
  - inputText: "${output.name}"
  - inputText: "${unclosed"
"""))
    assert [(line, col) for line, col, _ in found] == [(4, 12), (5, 16), (6, 16)]
    assert "BUTON is not defined in env or with --env (did you mean 'BUTTON'?)" in found[0][2]
    assert "JavaScript expressions are not supported" in found[1][2]
    assert "never closed" in found[2][2]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "s.yaml", {"BUTON": "x"})
    assert len(caught.value.problems) == 2  # --env defines it


def test_parse_env_overrides() -> None:
    assert parse_env_overrides(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    for bad in ("A", "1A=2", "=x", "A B=1"):
        with pytest.raises(ConfigError, match="expected NAME=VALUE"):
            parse_env_overrides([bad])
