"""The event's capture path (``source``: None for the hooks, "mitm", "pcap") through the store and the
JSONL export; runs of schema 1 (before the column) stay readable, unchanged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from harness.cli import main
from harness.record.reader import iter_events
from harness.record.schema import EVENT_COLUMNS
from harness.record.store import RunStore
from harness.testing.factories import make_event


def test_source_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "r.run"
    with RunStore.create(run) as store:
        store.writer().put([make_event("http.request"), make_event("http.request", source="mitm")])
    assert [e.source for e in iter_events(run)] == [None, "mitm"]
    assert main(["export", str(run), "--jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "source" not in records[0] and records[1]["source"] == "mitm"


def test_a_schema_1_run_reads_without_source(tmp_path: Path) -> None:
    run = tmp_path / "old.run"
    with RunStore.create(run) as store:
        store.writer().put([make_event("http.request")])
    conn = sqlite3.connect(run)
    older = [c for c in EVENT_COLUMNS if c != "source"]  # the table as an earlier harness wrote it
    conn.execute("ALTER TABLE events RENAME TO events_new")
    conn.execute(f"CREATE TABLE events AS SELECT {', '.join(older)} FROM events_new")
    conn.execute("DROP TABLE events_new")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    (event,) = iter_events(run)
    assert event.source is None and event.kind == "http.request"
    columns = {row[1] for row in sqlite3.connect(run).execute("PRAGMA table_info(events)")}
    assert "source" not in columns  # read, never changed
