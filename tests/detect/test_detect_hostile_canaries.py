"""Hostile canary files: deep nesting, alias bombs and oversized canary sets are refused with the line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.detect import canaries, canary_yaml, load_canaries
from harness.errors import DetectError


def _refused(path: Path) -> str:
    with pytest.raises(DetectError) as info:
        load_canaries(path)
    return str(info.value)


def test_yaml_nested_5000_deep_is_refused_with_its_line(tmp_path: Path) -> None:
    for text in ("accounts: " + "[" * 5000 + "]" * 5000 + "\n",
                 "contacts:\n  " + "- " * 5000 + "x\n",  # block sequences, one in another
                 "x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"):
        path = tmp_path / "deep.yaml"
        path.write_text(text, encoding="utf-8")
        message = _refused(path)
        # libyaml, where PyYAML has it, refuses flow collections nested 1,000 deep before the check does
        assert re.match(rf"{re.escape(str(path))}:\d+: (nested more than {canary_yaml.MAX_DEPTH} deep|not valid YAML: "
                        r"exceeded maximum nesting depth)", message), message
        assert "\n" not in message


def test_alias_expansion_is_bounded_and_located(tmp_path: Path) -> None:
    """A contact of 2,000 phones, aliased 3,000 times: 6 million canary values from 53 KB."""
    path = tmp_path / "laughs.yaml"
    phones = ", ".join(f'"+3538{i:07d}"' for i in range(2000))
    path.write_text('identifiers: {imei: "352099001761481"}\ncontacts:\n'
                    f'  - &c {{name: "Aoife Byrne", phones: [{phones}]}}\n' + "  - *c\n" * 3000, encoding="utf-8")
    assert path.stat().st_size < 60_000
    started = time.monotonic()
    message = _refused(path)
    assert time.monotonic() - started < 10  # refused while counting, never expanded (a sanity bound)
    nodes_per_alias = 2000 + 6  # mapping, 2 keys, name, phones list, 2000 phones
    line = 3 + canary_yaml.MAX_NODES // nodes_per_alias
    assert message.startswith(f"{path}:{line}: the file expands to more than {canary_yaml.MAX_NODES} YAML nodes")


def test_too_many_canaries_are_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("accounts:\n" + "".join(f"  - user{i:05d}@example.org\n" for i in range(10_000)),
                    encoding="utf-8")
    message = _refused(path)
    assert message.startswith(f"{path}:{canaries.MAX_CANARIES + 2}: accounts[{canaries.MAX_CANARIES}]: ")
    assert f"more than {canaries.MAX_CANARIES} canary values" in message
    path.write_text("sms:\n  - body: \"" + "x" * 2000 + "\"\n", encoding="utf-8")
    assert "sms[0].body: a value of 2000 characters; at most 1024" in _refused(path)
    path.write_text("sms:\n" + "".join(f"  - body: \"{i:04d}{'y' * 1000}\"\n" for i in range(300)), encoding="utf-8")
    assert f"pass {canaries.MAX_TOTAL_CHARS} characters in all" in _refused(path)


def test_a_huge_or_endless_canary_file_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# " + "x" * canary_yaml.MAX_FILE_BYTES + "\n", encoding="utf-8")
    assert "larger than the" in _refused(path)
    assert "larger than the" in _refused(Path("/dev/zero"))


def test_the_cli_reports_a_bad_canary_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("accounts: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    har = tmp_path / "x.har"
    har.write_text(json.dumps({"log": {"entries": []}}), encoding="utf-8")
    assert main(["detect", "--canaries", str(path), "--har", str(har)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"harness: {path}:1: ") and "nest" in err and err.count("\n") == 1


def test_memory_per_canary_is_modest() -> None:
    """300 e-mail canaries made a 240 MB DFA (10,000 took 8.6 GB); the NFA they get now takes a few MB."""
    script = (
        "import resource\n"
        "from harness.detect import CanarySet, Detector\n"
        "def rss(): return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20\n"
        "cs = CanarySet.from_mapping({'accounts': [f'user{i:05d}@example.org' for i in range(300)]})\n"
        "before = rss(); detector = Detector(cs); print(rss() - before)\n"
    )
    grown = float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                 check=True).stdout)
    assert grown < 60, f"{grown:.0f} MB for 300 canaries"
