"""``harness detect`` on worker processes: the same output as one process, for JSONL and run inputs,
and a clear error (earlier findings kept) when a worker dies."""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import sys
from pathlib import Path

import pytest
from detect_support import http_request

from harness.cli import main
from harness.detect import cli as detect_cli
from harness.detect import parallel
from harness.detect.detector import Detector
from harness.events import Event
from harness.record.store import RunStore
from harness.testing import make_event

IMEI = "352099001761481"


def _events(count: int) -> list[Event]:
    bodies = [f"imei={IMEI}".encode(), gzip.compress(b'{"email": "aoife.byrne@example.org"}'), b"x" * 3000,
              b'{"n": "490154203237518", "pos": "53.34381,-6.25462"}']
    return [dataclasses.replace(make_event(data=http_request(f"/v1/{i}?id=9774d56d682e549c",
                                                             body=bodies[i % len(bodies)])), id=i + 1)
            for i in range(count)]


def _jsonl(path: Path, events: list[Event]) -> Path:
    lines = [json.dumps(event.to_json()) for event in events]
    lines.insert(5, '{"id": "broken", "data": "QUJD"}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run_store(path: Path, events: list[Event]) -> Path:
    store = RunStore.create(path)
    writer = store.writer()
    writer.put(events)
    writer.close()
    store.close()
    return path


def _detect(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["detect", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_jsonl_on_workers_equals_one_process(tmp_path: Path, canary_file: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(parallel, "RANGE_BYTES", 2000)  # many ranges, each a few events
    monkeypatch.setattr(parallel, "_BLOCK", 500)
    capture = _jsonl(tmp_path / "c.jsonl", _events(40))
    one = _detect(capsys, "--canaries", str(canary_file), "--jsonl", str(capture), "--json", "--workers", "1")
    two = _detect(capsys, "--canaries", str(canary_file), "--jsonl", str(capture), "--json", "--workers", "2")
    assert one == two
    code, out, err = two
    assert code == 1 and f"{capture}:6: malformed event record" in err  # the broken line, named
    findings = json.loads(out)["findings"]
    assert [f["source"]["event_id"] for f in findings] == sorted(f["source"]["event_id"] for f in findings)
    assert {f["type"] for f in findings} >= {"imei", "android_id", "contact.email", "location"}
    table = _detect(capsys, "--canaries", str(canary_file), "--jsonl", str(capture), "--workers", "2")[1]
    assert "40 egress items" in table


def test_run_store_on_workers_equals_one_process(tmp_path: Path, canary_file: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(parallel, "RUN_EVENTS", 7)
    events = _events(30)
    run = _run_store(tmp_path / "t.run", [*events, make_event(kind="id.read", value=IMEI)])
    one = _detect(capsys, "--canaries", str(canary_file), str(run), "--json", "--workers", "1")
    two = _detect(capsys, "--canaries", str(canary_file), str(run), "--json", "--workers", "2")
    assert one == two and one[0] == 0
    assert len({f["source"]["event_id"] for f in json.loads(one[1])["findings"]}) == 30
    empty = _run_store(tmp_path / "empty.run", [])
    assert _detect(capsys, "--canaries", str(canary_file), str(empty), "--json", "--workers", "2")[:2] == (
        0, '{"findings": []}\n')


def test_a_range_that_kills_its_worker_is_reported_and_skipped_and_the_rest_analysed(
        tmp_path: Path, canary_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(parallel, "RANGE_BYTES", 1)  # one line per range (lines are longer than a block)
    monkeypatch.setattr(parallel, "_BLOCK", 200)
    capture = _jsonl(tmp_path / "c.jsonl", _events(12))
    real_scan = Detector.scan_item

    def dies_on_event_9(self: Detector, item: object, on_notice: object = None, *, budget: object = None) -> object:
        if getattr(item, "source").index == 9:  # noqa: B009 - typed loosely on purpose
            os._exit(3)  # as the OOM killer would: no exception, no cleanup
        return real_scan(self, item, on_notice, budget=budget)  # type: ignore[arg-type]

    monkeypatch.setattr(Detector, "scan_item", dies_on_event_9)
    code, out, err = _detect(capsys, "--canaries", str(canary_file), "--jsonl", str(capture), "--json",
                             "--workers", "2")
    assert code == 1, err
    assert f"harness: {capture}:10: the lines from here" in err and "a detector worker died" in err
    assert err.count("harness: ") == 2  # that range and the malformed line, nothing else
    seen = {f["source"]["event_id"] for f in json.loads(out)["findings"]}
    assert seen == set(range(1, 13)) - {9}  # every other event was analysed, in order


def test_worker_count_defaults_to_the_cores_for_large_captures(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    capture = _jsonl(tmp_path / "c.jsonl", _events(3))
    args = argparse.Namespace(jsonl=capture, run=None, har=None, workers=None)
    assert detect_cli._workers(args) == 1  # small: in this process
    monkeypatch.setattr(detect_cli, "POOL_THRESHOLD", capture.stat().st_size)
    assert detect_cli._workers(args) == len(os.sched_getaffinity(0))
    assert detect_cli._workers(argparse.Namespace(jsonl=None, run=None, har=capture, workers=4)) == 1
    assert detect_cli._workers(argparse.Namespace(jsonl=capture, run=None, har=None, workers=3)) == min(
        3, len(os.sched_getaffinity(0)))  # never more than the cores (see test_detect_workers)


def test_worker_count_must_be_positive(canary_file: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["detect", "--canaries", str(canary_file), "--jsonl", str(tmp_path / "x"), "--workers", "0"])
    assert exited.value.code == 2
    assert "--workers: expected a whole number of at least 1, got '0'" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_terminal_sees_progress(tmp_path: Path, canary_file: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str], workers: str) -> None:
    monkeypatch.setattr(parallel, "RANGE_BYTES", 2000)
    monkeypatch.setattr(parallel, "_BLOCK", 500)
    monkeypatch.setattr(detect_cli._Progress, "EVERY", 0.0)
    capture = _jsonl(tmp_path / "c.jsonl", _events(600))
    code, _, err = _detect(capsys, "--canaries", str(canary_file), "--jsonl", str(capture), "--workers", workers)
    assert code == 1 and "detect:" not in err  # not a terminal: no progress lines
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = _detect(capsys, "--canaries", str(canary_file), "--jsonl", str(capture), "--workers", workers)
    lines = [line for line in err.splitlines() if line.startswith("detect: ")]
    assert lines and all("egress items analysed" in line for line in lines)
    assert int(lines[-1].split()[1]) <= 600
