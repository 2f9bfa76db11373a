"""The run-store reader against damaged and hostile runs: only located StoreErrors come out.

Rows are written with raw SQL (SQLite stores any type in any column), so every column can hold
what the schema does not allow; files are random bytes or truncated runs.  Whatever happens, the
reader yields the good rows intact and names each bad one (run, event id, column), and opening a
file that is not a run is a StoreError naming it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import StoreError
from harness.record import schema
from harness.record.reader import iter_events
from harness.record.status import run_status
from harness.record.store import RunStore
from harness.testing.factories import make_event

ANY = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True), st.text(max_size=20),
                st.binary(max_size=20))
JSONISH = st.one_of(ANY, st.sampled_from(["[", "[]", "[1]", '["a", 2]', "[[\"k\", \"v\"]]", "[[1, 2]]", "{}",
                                          "null", "[" * 5000 + "]" * 5000, '"text"', "[\"\\ud800\"]"]))


@st.composite
def columns(draw: st.DrawFn) -> dict[str, Any]:
    """Some columns of one row, replaced by values of any type."""
    chosen = draw(st.sets(st.sampled_from(schema.EVENT_COLUMNS[1:]), min_size=1, max_size=4))
    return {c: draw(JSONISH if c in ("stack", "headers") else ANY) for c in chosen}


def make_run(path: Path, n: int = 6) -> None:
    with RunStore.create(path) as store:
        store.writer().put([make_event("http.request", data=f"good-{i}".encode(), stack=("a.b", "c.d"),
                                       headers=(("Host", "x.example"),)) for i in range(n)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.lists(st.tuples(st.integers(1, 6), columns()), min_size=1, max_size=4))
def test_damaged_rows_are_named_and_the_rest_read(tmp_path_factory: Any,
                                                  damage: list[tuple[int, dict[str, Any]]]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "r.run"
    make_run(path)
    conn = sqlite3.connect(path)
    for event_id, values in damage:
        for column, value in values.items():
            # NOT NULL columns refuse NULL: SQLite itself keeps those
            with contextlib.suppress(sqlite3.IntegrityError, OverflowError):
                conn.execute(f"UPDATE events SET {column} = ? WHERE id = ?", (value, event_id))
    conn.commit()
    conn.close()
    errors: list[StoreError] = []
    events = list(iter_events(path, on_error=errors.append))
    for error in errors:
        assert isinstance(error, StoreError)
        assert str(error).startswith(f"{path}: event ")
    assert len(events) + len(errors) == 6
    for event in events:  # what is read is well-typed
        assert isinstance(event.ts, int | float) and isinstance(event.kind, str)
        assert event.data is None or isinstance(event.data, bytes)
        assert all(isinstance(f, str) for f in event.stack)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.headers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=4096), cut=st.integers(0, 40_000))
def test_files_that_are_not_runs_are_a_located_error(tmp_path_factory: Any, blob: bytes, cut: int) -> None:
    folder = tmp_path_factory.mktemp("notrun")
    junk = folder / "junk.run"
    junk.write_bytes(blob)
    truncated = folder / "cut.run"
    make_run(truncated)
    data = truncated.read_bytes()
    truncated.write_bytes(data[:cut])
    for path in (junk, truncated):
        try:
            list(iter_events(path, on_error=lambda e: None))
            run_status(path)
        except StoreError as exc:
            assert str(exc).startswith(str(path))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["closed", "stop_reason", "events_lost", "recorder", "schema_version", "stop_signal"]),
       value=ANY)
def test_damaged_meta_never_raises_anything_but_store_errors(tmp_path_factory: Any, key: str, value: Any) -> None:
    path = tmp_path_factory.mktemp("meta") / "m.run"
    make_run(path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
        conn.commit()
    except sqlite3.IntegrityError:
        pass
    finally:
        conn.close()
    try:
        status = run_status(path)
        assert status.state in ("complete", "interrupted", "aborted", "recording", "incomplete")
        status.message()
    except StoreError as exc:
        assert str(exc).startswith(str(path))
