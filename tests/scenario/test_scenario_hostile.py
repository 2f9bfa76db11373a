"""Files made to hurt a YAML reader: each is one located problem, fast, in bounded memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_support import located, write

from harness.scenario import flows, source
from harness.scenario.load import validate


def _one(path: Path) -> tuple[int, int, str]:
    found = located(validate(path))
    assert len(found) == 1, found
    return found[0]


def test_a_file_nested_too_deep(tmp_path: Path) -> None:
    block = "steps:\n" + "".join("  " * i + "- x:\n" for i in range(200))
    line, col, message = _one(write(tmp_path, "deep.yaml", block))
    assert (line, message) == (source.MAX_DEPTH // 2 + 1, f"nested more than {source.MAX_DEPTH} deep")
    flow = tmp_path / "flow.yaml"
    flow.write_text("steps: " + "[" * 100_000 + "]" * 100_000 + "\n")
    line, col, message = _one(flow)
    assert line == 1 and col > 1 and "nest" in message


def test_an_alias_bomb(tmp_path: Path) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\nsteps: *a9\n")
    line, _, message = _one(path)
    assert line == 5 and "expands to more than 100000 YAML nodes" in message


def test_an_alias_inside_what_it_stands_for(tmp_path: Path) -> None:
    path = write(tmp_path, "loop.yaml", "app: com.a.b\nsteps: &s\n  - repeat: {times: 1, commands: *s}\n")
    assert _one(path) == (3, 34, "alias *s is inside the node it stands for (a loop)")


def test_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as out:
        out.write(b"app: com.a.b\nsteps:\n")
        for _ in range(10):
            out.write(b"  - back\n" * 20_000)
    line, _, message = _one(path)
    assert line > 100_000 and f"passes {source.MAX_FILE_BYTES} bytes here" in message


def test_subflows_that_multiply_each_other(tmp_path: Path) -> None:
    for i in range(12):
        body = "".join(f"- runFlow: f{i + 1}.yaml\n" for _ in range(50)) if i < 11 else "- back\n"
        write(tmp_path, f"f{i}.yaml", body)
    path = write(tmp_path, "s.yaml", "app: com.a.b\nsteps:\n  - runFlow: f0.yaml\n")
    _, _, message = _one(path)
    assert f"more than {flows.MAX_STEPS} steps" in message


@pytest.mark.parametrize(("content", "where", "expected"), [
    (b"app: com.a.b\nsteps:\n  - inputText: \"\xff\"\n", (3, 17), "byte 0xff is not UTF-8"),
    (b"app: com.a.b\nsteps:\n  - inputText: \"a\x07b\"\n", (3, 18), "character U+0007 is not allowed"),
    (b"app: com.a.b\nsteps: [back\n", (3, 1), "not valid YAML"),
    (b"app: com.a.b\n\tsteps: []\n", (2, 1), "not valid YAML"),
    (b"app: &x com.a.b\nsteps: [*y]\n", (2, 9), "not valid YAML: found undefined alias"),
    (b"app: com.a.b\napp: !!python/object:os.system echo\nsteps: [back]\n", (2, 1), "'app' is given twice"),
    (b"%YAML 1.1\n%YAML 1.1\n---\napp: x\n", (2, 1), "not valid YAML"),
])
def test_malformed_bytes_are_located(tmp_path: Path, content: bytes, where: tuple[int, int], expected: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    found = located(validate(path))
    assert any((line, col) == where and expected in message for line, col, message in found), found


def test_what_is_not_a_file(tmp_path: Path) -> None:
    assert _one(tmp_path)[:2] == (1, 1)
    assert "No such file" in _one(tmp_path / "missing.yaml")[2]
