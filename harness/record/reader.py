"""Reading a run back: ``iter_events(run_path)`` yields every stored ``Event`` in id order.

Works on a run that is still being written (it sees what is committed) and on one whose writer
was killed: opening the file replays the WAL.  A missing or corrupt run is a ``StoreError`` that
names the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from harness.errors import StoreError
from harness.events import Event
from harness.record import schema
from harness.record.rows import RowError, row_event

#: Told about each stored event that cannot be read (a tampered or damaged row); the rest is read.
OnRowError = Callable[[StoreError], None]

def iter_events(
    run_path: Path | str, *, kinds: frozenset[str] | set[str] | None = None, variant: str | None = None,
    id_range: tuple[int, int] | None = None, on_error: OnRowError | None = None,
) -> Iterator[Event]:
    """Every event of the run at ``run_path`` (optionally only ``kinds`` / one ``variant`` / ids in
    ``first <= id < end`` of ``id_range``), by id.  A row that cannot be read is a ``StoreError``
    naming the run, the event and the column: passed to ``on_error`` (and skipped) when given,
    raised otherwise."""
    path = Path(run_path)
    conn = schema.connect_existing(path)
    clauses: list[str] = []
    params: list[object] = []
    if kinds is not None:
        clauses.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params.extend(sorted(kinds))
    if variant is not None:
        clauses.append("variant = ?")
        params.append(variant)
    if id_range is not None:
        clauses.append("id >= ? AND id < ?")
        params.extend(id_range)
    sql = schema.select_events(conn) + (f" WHERE {' AND '.join(clauses)}" if clauses else "") + " ORDER BY id"
    try:
        cur = conn.execute(sql, params)
        while True:
            rows = cur.fetchmany(1000)
            if not rows:
                return
            for row in rows:
                try:
                    event = row_event(row)
                except RowError as exc:
                    error = StoreError(f"{path}: {exc}")
                    if on_error is None:
                        raise error from None
                    on_error(error)
                    continue
                yield event
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read events: {exc}") from exc
    finally:
        conn.close()


def id_bounds(run_path: Path | str) -> tuple[int, int] | None:
    """The smallest and largest event id of the run, or None if it holds no event."""
    path = Path(run_path)
    conn = schema.connect_existing(path)
    try:
        low, high = conn.execute("SELECT MIN(id), MAX(id) FROM events").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read events: {exc}") from exc
    finally:
        conn.close()
    return None if low is None else (int(low), int(high))


def count_events(run_path: Path | str) -> int:
    path = Path(run_path)
    conn = schema.connect_existing(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read events: {exc}") from exc
    finally:
        conn.close()
