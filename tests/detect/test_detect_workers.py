"""Worker processes: capped at the cores, killed with their detector, and a broken pipe left alone."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_support import jsonl_text, record, write

from harness.cli import build_parser
from harness.detect import cli as detect_cli
from harness.detect import parallel
from harness.detect.workers import available_cores


def _capture(tmp_path: Path, lines: int = 40) -> Path:
    return write(tmp_path / "c.jsonl", jsonl_text([json.dumps(record(id=i + 1)) for i in range(lines)]))


def test_the_worker_count_is_capped_at_the_cores(tmp_path: Path, canary_file: Path,
                                                 caplog: pytest.LogCaptureFixture,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    capture = _capture(tmp_path)
    cores = available_cores()
    with caplog.at_level(logging.WARNING):
        args = argparse.Namespace(jsonl=capture, run=None, har=None, workers=100_000)
        assert detect_cli._workers(args) == cores
    assert f"100000 worker processes asked for; using {cores}, the cores this process may run on" in caplog.text
    started: list[int] = []
    real_pool = parallel._Pool

    class CountingPool(real_pool):  # type: ignore[misc,valid-type]
        def __init__(self, workers: int, *rest: object) -> None:
            started.append(workers)
            super().__init__(workers, *rest)

    monkeypatch.setattr(parallel, "_Pool", CountingPool)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 500)
    code = build_parser().parse_args(["detect", "--canaries", str(canary_file), "--jsonl", str(capture),
                                      "--workers", "100000", "--json"])
    assert code.func(code) == 0
    assert started == [cores] and len(json.loads(capsys.readouterr().out)["findings"]) == 40


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"  # a zombie is dead, only not yet reaped


SLOW_DETECT = """
import sys, time
from harness.cli import main
from harness.detect import parallel

def slow(*args):
    time.sleep(120)
    return [], 0

parallel._scan_lines = slow  # the workers are forked from this module: they inherit it
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_killed_detector(tmp_path: Path, canary_file: Path) -> None:
    capture = _capture(tmp_path)
    detector = subprocess.Popen([sys.executable, "-c", SLOW_DETECT, "detect", "--canaries", str(canary_file),
                                 "--jsonl", str(capture), "--workers", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < min(2, available_cores()):
            time.sleep(0.1)
            workers = [pid for pid in _children(detector.pid)
                       if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert workers, "the detector started no worker"
        time.sleep(0.5)  # past the workers' initializer
        detector.send_signal(signal.SIGKILL)
        detector.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "workers outlived their killed detector"
    finally:
        detector.kill()
        detector.wait(10)
        for pid in workers:  # ours: never leave them behind, even when the test fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


class _ClosedPipe:
    """A stdout whose reader has gone, as ``harness detect ... | head -1`` leaves it."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize(("workers", "output"), [("1", "--json"), ("2", "--json"), ("2", "--no-structural")])
def test_a_broken_pipe_reaches_the_caller_unchanged(tmp_path: Path, canary_file: Path,
                                                    monkeypatch: pytest.MonkeyPatch, workers: str,
                                                    output: str) -> None:
    capture = _capture(tmp_path)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 500)
    args = build_parser().parse_args(["detect", "--canaries", str(canary_file), "--jsonl", str(capture),
                                      "--workers", workers, output])
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    with pytest.raises(BrokenPipeError):  # for harness.cli.main to end quietly; never wrapped or swallowed
        args.func(args)
    import multiprocessing

    assert multiprocessing.active_children() == []  # the pool was shut down before the output
