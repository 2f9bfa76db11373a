"""Files a command writes or reads that must not be destroyed, and runs that are damaged or cut short.

Each case here was found by a hostile user: `export RUN --jsonl RUN` destroyed the run, export
overwrote files silently, `trace --out /dev/full --force` replaced the device node, a directory as
`--out` raised IsADirectoryError, a tampered row gave a traceback, and `export | head -1` raised
BrokenPipeError.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.record.reader import iter_events
from harness.record.status import INCOMPLETE, run_status
from harness.record.store import RunStore
from harness.testing.factories import make_event


@pytest.fixture
def run(tmp_path: Path) -> Path:
    path = tmp_path / "r.run"
    with RunStore.create(path) as store:
        store.writer().put([make_event("net.send", data=f"event-{i}".encode()) for i in range(50)])
    return path


def test_export_never_writes_over_its_own_run(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = run.read_bytes()
    for target in (run, tmp_path / "." / "r.run", run.with_name("r.run-wal")):
        assert main(["export", str(run), "--jsonl", str(target), "--force"]) == 2
        assert "own input" in capsys.readouterr().err or not target.exists()
    link = tmp_path / "hard.run"
    os.link(run, link)
    assert main(["export", str(run), "--har", str(link), "--force"]) == 2
    assert "own input" in capsys.readouterr().err
    assert run.read_bytes() == before
    assert len(list(iter_events(run))) == 50


def test_export_replaces_a_file_only_with_force(run: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.jsonl"
    out.write_text("keep me\n")
    assert main(["export", str(run), "--jsonl", str(out)]) == 2
    assert "already exists (use --force" in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
    assert main(["export", str(run), "--jsonl", str(out), "--force"]) == 0
    assert len(out.read_text().splitlines()) == 50
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".events.jsonl.")]  # no temporary left


def test_force_never_replaces_a_device_or_a_folder(run: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(run), "--jsonl", "/dev/full", "--force"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    assert main(["export", str(run), "--har", str(folder), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err
    for out in ("/dev/full", str(folder)):
        assert main(["trace", "--local", "--pid", "1", "--out", out, "--force"]) == 2
        err = capsys.readouterr().err
        assert "not a regular file" in err or "is a folder" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and folder.is_dir()


def test_a_failed_write_leaves_the_old_file(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "events.jsonl"
    out.write_text("old\n")

    def broken(*_args: object, **_kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("harness.record.jsonl.export_jsonl", broken)
    monkeypatch.setattr("harness.record.cli.export_jsonl", broken)
    assert main(["export", str(run), "--jsonl", str(out), "--force"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "old\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".events.jsonl.")]


def test_a_tampered_row_is_named_and_the_rest_exported(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(run)
    conn.execute("UPDATE events SET stack = '[not json' WHERE id = 3")
    conn.execute("UPDATE events SET ts = 'yesterday' WHERE id = 7")
    conn.execute("UPDATE events SET data = 12 WHERE id = 9")
    conn.execute("UPDATE events SET headers = '[[1, 2, 3]]' WHERE id = 11")
    conn.commit()
    conn.close()
    assert main(["export", str(run), "--jsonl"]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 46
    assert f"{run}: event 3: stack: not valid JSON" in err
    assert f"{run}: event 7: ts: expected int or float, found str" in err
    assert f"{run}: event 9: data: expected bytes, found int" in err
    assert f"{run}: event 11: headers:" in err
    assert "Traceback" not in err


def test_a_damaged_schema_version_is_a_located_error(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(run)
    conn.execute("UPDATE meta SET value = 'x1' WHERE key = 'schema_version'")
    conn.execute("UPDATE meta SET value = '{broken' WHERE key = 'run_id'")
    conn.commit()
    conn.close()
    assert main(["export", str(run), "--jsonl"]) == 2
    assert f"{run}: meta schema_version: not a number" in capsys.readouterr().err


def test_a_run_whose_recorder_died_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "dead.run"
    child = subprocess.run([sys.executable, "-c", (
        "import os, sys\n"
        "from harness.record.store import RunStore\n"
        "from harness.testing.factories import make_event\n"
        "store = RunStore.create(sys.argv[1])\n"
        "w = store.writer()\n"
        "w.put([make_event('net.send', data=b'x', ts=1800000000.0)])\n"
        "w.flush()\n"
        "os._exit(0)\n"), str(path)], check=True, capture_output=True, text=True)
    assert child.returncode == 0
    status = run_status(path)
    assert status.state == INCOMPLETE and status.last_event == 1800000000.0
    message = status.message()
    assert message is not None and "2027-01-15 08:00:00 UTC" in message
    export = subprocess.run([sys.executable, "-m", "harness.cli", "export", str(path), "--jsonl"],
                            capture_output=True, text=True, check=False)
    assert export.returncode == 3 and "incomplete run" in export.stderr
    assert len(export.stdout.splitlines()) == 1


def test_broken_pipe_ends_quietly(run: Path) -> None:
    proc = subprocess.run(f"{sys.executable} -m harness.cli export {run} --jsonl | head -1", shell=True,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 1 and json.loads(proc.stdout)["id"] == 1
    assert proc.stderr == ""
    # a larger export, so that the pipe breaks in the middle of writing
    with RunStore.open(run) as store:
        store.writer().put([make_event("net.send", data=b"y" * 4000) for _ in range(3000)])
    proc = subprocess.run(f"set -o pipefail; {sys.executable} -m harness.cli export {run} --jsonl | head -1",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, check=False)
    assert proc.returncode == 141 and proc.stderr == ""


def test_logs_go_to_stderr_never_stdout() -> None:
    # a fresh process: the CLI's logging set-up is what a user gets (pytest's own handlers aside)
    proc = subprocess.run([sys.executable, "-c", (
        "import logging\n"
        "from harness import cli\n"
        "cli._configure_logging(0)\n"
        "logging.getLogger('harness.record.writer').warning('run writer is 5 events behind; producer blocked')\n")],
        capture_output=True, text=True, check=True)
    assert proc.stdout == "" and "producer blocked" in proc.stderr


def test_detect_names_a_tampered_row_and_keeps_the_other_findings(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leaky.run"
    imei = "356938035643809"
    with RunStore.create(path) as store:
        store.writer().put([make_event("http.request", data=f"imei={imei}&n={i}".encode()) for i in range(4)])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE events SET dest_port = 'https' WHERE id = 2")
    conn.commit()
    conn.close()
    canaries = tmp_path / "c.yaml"
    canaries.write_text(f"identifiers: {{imei: '{imei}'}}\n")
    for workers in ("1", "2"):
        assert main(["detect", "--canaries", str(canaries), str(path), "--json", "--workers", workers]) == 1
        out, err = capsys.readouterr()
        assert sorted({f["source"]["event_id"] for f in json.loads(out)["findings"]}) == [1, 3, 4]
        assert f"{path}: event 2: dest_port: expected int, found str" in err
