"""The store survives SIGKILL of its writer (WAL recovery); back-pressure blocks and is counted."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.testing.factories import make_event

CHILD = r"""
import sys, time
from harness.record.store import RunStore
from harness.testing.factories import make_event

store = RunStore.create(sys.argv[1])
writer = store.writer(commit_every=10**9, commit_interval=3600)  # commits only when told
n = 0
def batch(tag, count):
    global n
    events = [make_event("net.send", data=f"{tag}{n + i:06d}".encode() + b"x" * 1000) for i in range(count)]
    n += count
    writer.put(events)
batch("stp", 500)
writer.mark_step(0, "first")        # durable: fsync + checkpoint into the main file
batch("wal", 500)
writer.flush()                      # committed, only in the WAL
print(n, flush=True)
for _ in range(10):                 # never committed; big enough to spill pages into the WAL
    batch("unc", 1000)
time.sleep(1.0)
print("ready", flush=True)
time.sleep(60)
"""


def test_run_is_readable_after_the_writer_is_sigkilled(tmp_path: Path) -> None:
    run = tmp_path / "killed.run"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(run)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        committed = int(child.stdout.readline())
        assert child.stdout.readline().strip() == "ready"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    wal = run.with_name(run.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the open below has to recover from the WAL
    events = list(iter_events(run))
    assert len(events) == committed == 1000
    assert [e.id for e in events] == list(range(1, 1001))
    assert [e.data[:9] for e in events if e.data] == (
        [f"stp{i:06d}".encode() for i in range(500)] + [f"wal{i:06d}".encode() for i in range(500, 1000)])
    store = RunStore.open(run)
    meta = store.meta()
    assert meta["events_written"] == 1000 and "closed" not in meta
    assert [s.name for s in store.steps()] == ["first"]
    store.close()


def test_backpressure_blocks_is_counted_and_never_drops(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    run = tmp_path / "bp.run"
    store = RunStore.create(run)
    writer = store.writer(max_pending=10, put_timeout=0.05)

    def produce() -> None:
        for _ in range(5):
            writer.put([make_event("net.send") for _ in range(10)])

    caplog.set_level(logging.WARNING, logger="harness.record.writer")
    with store._lock:  # stall the writer thread, as a slow disk would
        producer = threading.Thread(target=produce)
        producer.start()
        time.sleep(0.4)
        assert producer.is_alive()  # blocked, not dropping
    producer.join(10)
    stats = writer.stats()
    store.close()
    assert stats.backpressure_waits >= 1 and stats.backpressure_timeouts >= 1
    assert stats.backpressure_wait_s > 0.1
    assert any("producer blocked" in r.getMessage() for r in caplog.records)
    assert len(list(iter_events(run))) == 50
    meta = RunStore.open(run).meta()
    assert meta["events_received"] == meta["events_written"] == 50
    assert meta["backpressure_timeouts"] >= 1 and meta["backpressure_waits"] >= 1
