"""`harness trace --local --spawn -- PROG` end to end through harness.cli.main, then `harness export`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.events import Event
from harness.instrument.session import Decoder
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.run import trace as trace_module
from harness.testing.agents import CONTRACT_AGENT
from harness.testing.processes import ChildProcess


@pytest.fixture
def agent_args(agent: tuple[str, Decoder], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No extra arguments with the real agent; else the contract agent and its decoder."""
    if agent[0] != CONTRACT_AGENT:
        return []
    script = tmp_path / "agent.js"
    script.write_text(CONTRACT_AGENT)
    monkeypatch.setattr(trace_module, "default_decoder", lambda: agent[1])
    return ["--agent-script", str(script)]


def test_trace_spawn_then_export(agent_args: list[str], udp_sender_exe: Path, udp_port: int, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "trace.run"
    argv = ["trace", "--local", "--hooks", "native_net", "--out", str(run), *agent_args,
            "--spawn", "--", str(udp_sender_exe), str(udp_port), "hello-trace", "3", "5", "300"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "3 events (net.send 3)" in out and "process-terminated" in out and "spawn" in out

    assert main(["export", str(run), "--jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    events = [Event.from_json(json.loads(line)) for line in lines]
    assert [e.data for e in events] == [b"hello-trace"] * 3
    assert [e.id for e in events] == [1, 2, 3]
    assert json.loads(lines[0])["data"] == "aGVsbG8tdHJhY2U="

    jsonl = tmp_path / "out.jsonl"
    assert main(["export", str(run), "--jsonl", str(jsonl)]) == 0
    assert jsonl.read_text().splitlines() == lines

    har = tmp_path / "out.har"
    assert main(["export", str(run), "--har", str(har)]) == 0
    log = json.loads(har.read_text())["log"]
    assert log["version"] == "1.2" and log["entries"] == []  # UDP sends are not HTTP

    # an existing run is not overwritten without --force
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*argv[:1], "--force", *argv[1:]]) == 0


def test_trace_user_errors_exit_2(tmp_path: Path, agent_args: list[str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "x.run"
    assert main(["trace", "--local", "--pid", "999999", "--out", str(run), *agent_args]) == 2
    assert "no running process with pid 999999" in capsys.readouterr().err
    assert not run.exists()
    assert main(["trace", "--local", "--spawn", "--out", str(run), *agent_args]) == 2
    assert "--spawn needs the command" in capsys.readouterr().err
    assert main(["trace", "--local", "--spawn", "--out", str(run), *agent_args, "--", "no-such-prog-4f1c"]) == 2
    assert "--spawn: no program 'no-such-prog-4f1c' on PATH" in capsys.readouterr().err
    assert main(["trace", "--local", "--pid", "1", "--hooks", "nope", "--out", str(run)]) == 2
    assert "unknown module(s) nope" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.run"), "--jsonl"]) == 2
    assert "missing.run: no such run file" in capsys.readouterr().err


# Ctrl-C raises KeyboardInterrupt even when the tests were started in the background, where the
# shell leaves SIGINT ignored and Python then keeps it so (a user's foreground `harness` has it).
RUNNER = """
import signal
import sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from harness.cli import main
if sys.argv[1] == "contract":
    from harness.run import trace
    from harness.testing.agents import decode_contract_batch
    trace.default_decoder = lambda: decode_contract_batch
sys.exit(main(sys.argv[2:]))
"""


def test_ctrl_c_stops_cleanly_and_keeps_the_events(agent_args: list[str], unique_sender: Path, udp_port: int,
                                                   popen: Callable[..., ChildProcess],
                                                   tmp_path: Path) -> None:
    target = popen(unique_sender, udp_port, "until-ctrl-c", -1, 10)
    run = tmp_path / "int.run"
    mode = "contract" if agent_args else "real"
    trace = subprocess.Popen(
        [sys.executable, "-c", RUNNER, mode, "trace", "--local", "--pid", str(target.pid), "--hooks",
         "native_net", "--out", str(run), *agent_args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert trace.stderr is not None
        line = trace.stderr.readline()  # the first progress line: recording has started
        assert "events" in line
        time.sleep(0.5)
        trace.send_signal(signal.SIGINT)
        out, err = trace.communicate(timeout=30)
    finally:
        if trace.poll() is None:
            trace.kill()
    assert trace.returncode == 0, err
    assert "stopped: interrupted" in out and "application-requested" in out
    assert target.poll() is None  # the traced process keeps running
    events = list(iter_events(run))
    assert len(events) >= 5 and {e.data for e in events} == {b"until-ctrl-c"}
    assert RunStore.open(run).meta()["stop_reason"] == "interrupted"


def test_trace_by_name_for_a_duration(agent_args: list[str], unique_sender: Path, udp_port: int,
                                      popen: Callable[..., ChildProcess], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    target = popen(unique_sender, udp_port, "timed", -1, 10)
    time.sleep(0.2)
    run = tmp_path / "timed.run"
    assert main(["trace", "--local", "--process", unique_sender.name, "--hooks", "native_net",
                 "--duration", "0.6", "--out", str(run), *agent_args]) == 0
    out = capsys.readouterr().out
    assert "stopped: duration" in out and f"pid {target.pid}, attach" in out
    store = RunStore.open(run)
    meta = store.meta()
    assert meta["stop_reason"] == "duration" and meta["events_not_stored"] == 0
    assert meta["frida_client_version"] and meta["hooks"] == ["native_net"]
    assert store.device_facts()["frida"]["access"] == "full"  # type: ignore[index]
    assert store.count_by_kind()["net.send"] >= 3


def test_sizes_a_user_gives_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "x.run"
    for option, value in (("--max-data", "99999999999"), ("--max-data", "-1"), ("--duration", "0"),
                          ("--duration", "nan")):
        assert main(["trace", "--local", "--pid", "1", option, value, "--out", str(run)]) == 2
        assert option in capsys.readouterr().err
    assert not run.exists()
