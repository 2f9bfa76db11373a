"""``harness validate`` and ``harness schema scenario``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_support import EXAMPLES, LOCATED, write

from harness.cli import main

#: the must-show: a misspelt key, a wrong type, an unknown command and an undefined variant
FOUR_MISTAKES = """\
name: four mistakes
app: com.example.messenger
canaries: auto
variants:
  accepted:
    consent: given
    permisions: {READ_CONTACTS: grant}
steps:
  - launchApp
  - idle: a while
  - tapOnn: Accept
expect:
  - variant: acepted
    no_leak: [imei]
"""


def test_four_mistakes_four_located_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "four.yaml", FOUR_MISTAKES)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:7:5", f"{path}:10:11", f"{path}:11:5",
                                                          f"{path}:13:14"]
    assert "unknown key 'permisions' (did you mean 'permissions'?)" in lines[0]
    assert "expected a number of seconds, got the string 'a while'" in lines[1]
    assert "unknown command 'tapOnn' (did you mean 'tapOn'?)" in lines[2]
    assert "undefined variant 'acepted' (did you mean 'accepted'?)" in lines[3]


def test_every_file_in_one_go(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.yaml", FOUR_MISTAKES)
    worse = write(tmp_path, "worse.yaml", "app: com.a.b\nsteps: [evalScript]\n")
    good = EXAMPLES[0]
    assert main(["validate", str(bad), str(good), str(worse), str(tmp_path / "missing.yaml")]) == 2
    out, err = capsys.readouterr()
    assert out == f"{good}: ok\n"
    files = [line.split(":", 1)[0] for line in err.splitlines()]
    assert files == [str(bad)] * 4 + [str(worse), str(tmp_path / "missing.yaml")]
    assert all(LOCATED.match(line) for line in err.splitlines())


def test_valid_files_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, EXAMPLES)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{path}: ok" for path in EXAMPLES] and err == ""


def test_env_and_variants_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "s.yaml", "app: com.a.b\nvariants: {a: {consent: given}}\nsteps: [{inputText: '${WHO}'}]\n")
    assert main(["validate", str(path)]) == 2
    assert "WHO is not defined" in capsys.readouterr().err
    assert main(["validate", "--env", "WHO=me", str(path)]) == 0
    assert main(["validate", "--env", "WHO=me", "--variants", "a,pre_consent", str(path)]) == 0
    capsys.readouterr()
    assert main(["validate", "--env", "WHO=me", "--variants", "a,b", str(path)]) == 2
    assert "--variants: undefined variant 'b'" in capsys.readouterr().err
    assert main(["validate", "--env", "WHO", str(path)]) == 2
    assert "harness: --env 'WHO': expected NAME=VALUE" in capsys.readouterr().err


def test_schema_scenario_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "scenario"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Android privacy harness scenario" and "steps" in schema["properties"]
    assert main(["schema", "scenario", "--path"]) == 0
    assert Path(capsys.readouterr().out.strip()).name == "scenario.schema.json"


def test_hostile_files_never_give_a_traceback(tmp_path: Path) -> None:
    """A real ``harness validate`` process on files made to break a parser."""
    files = [
        write(tmp_path, "deep.yaml", "steps: " + "[" * 5000 + "]" * 5000 + "\n"),
        write(tmp_path, "bomb.yaml", "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10) if i else 'x'}]\n"
                                             for i in range(9)) + "steps: *a8\n"),
        write(tmp_path, "loop.yaml", "app: com.a.b\nsteps: &s [{repeat: {times: 1, commands: *s}}]\n"),
    ]
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"steps:\n" + b"  - back\n" * 200_000)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    result = subprocess.run([sys.executable, "-m", "harness.cli", "validate", *map(str, files), str(huge),
                             str(binary), str(tmp_path)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 6 and all(LOCATED.match(line) for line in lines), lines
