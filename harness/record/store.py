"""The run store: one SQLite file per run (see ``schema`` for the tables and the durability).

``RunStore.create(path, meta)`` starts a run, ``RunStore.open(path)`` reopens one; metadata
(device facts, variants, canaries, targets and their detach reasons) is written through the store,
events through its single ``writer()`` (a thread fed by a bounded queue).  Safe to use from several
threads: one connection, guarded by a lock.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import StoreError
from harness.events import MODES, InstrumentMode
from harness.record import schema
from harness.record.meta import RunMeta, read_meta, write_meta
from harness.record.status import recorder_identity
from harness.record.writer import EventWriter

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class TargetRecord:
    """One process the harness instrumented during the run."""

    id: int
    process: str
    pid: int
    mode: str  # an InstrumentMode, as stored (a damaged run may hold anything)
    variant: str | None
    attached: float
    detached: float | None
    detach_reason: str | None
    skipped: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class StepRecord:
    variant: str | None
    index: int
    name: str
    started: float
    finished: float | None


def sidecars(path: Path) -> list[Path]:
    """The run file and the WAL files SQLite keeps next to it."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


class RunStore:
    """A run file opened for writing (and reading its metadata)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()
        self._writer: EventWriter | None = None
        self._closed = False

    @classmethod
    def create(cls, path: Path | str, meta: RunMeta | Mapping[str, Any] | None = None, *,
               overwrite: bool = False) -> RunStore:
        """Start a new run at ``path``; an existing run is a ``StoreError`` unless ``overwrite``.

        ``meta`` is a ``RunMeta`` or a mapping of extra keys over ``RunMeta()``'s defaults.
        """
        path = Path(path)
        if path.exists():
            if not overwrite:
                raise StoreError(f"{path}: run already exists (use --force to overwrite it)")
            for p in sidecars(path):
                p.unlink(missing_ok=True)
        conn = schema.connect_new(path)
        store = cls(path, conn)
        items = meta.to_items() if isinstance(meta, RunMeta) else {**RunMeta().to_items(), **(meta or {})}
        store.update_meta({**items, "events_received": 0, "events_written": 0,
                           "backpressure_waits": 0, "backpressure_timeouts": 0, "recorder": recorder_identity()})
        return store

    @classmethod
    def open(cls, path: Path | str) -> RunStore:
        """Reopen an existing run (to append or to read its metadata)."""
        path = Path(path)
        return cls(path, schema.connect_existing(path))

    # ---- metadata --------------------------------------------------------------------------

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            with self._lock:
                cur = self._conn.execute(sql, params)
                return cur.lastrowid or 0
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write to the run: {exc}") from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the run: {exc}") from exc

    def update_meta(self, items: Mapping[str, Any]) -> None:
        """Set run metadata keys (JSON values); committed with the next commit of the run."""
        try:
            with self._lock:
                write_meta(self._conn, items)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write to the run: {exc}") from exc

    def meta(self) -> dict[str, Any]:
        with self._lock:
            return read_meta(self._conn)

    def set_device_facts(self, facts: Mapping[str, Any]) -> None:
        self._write("INSERT OR REPLACE INTO device_facts (id, facts) VALUES (1, ?)",
                    (json.dumps(dict(facts), sort_keys=True),))

    def device_facts(self) -> dict[str, Any] | None:
        rows = self._read("SELECT facts FROM device_facts WHERE id = 1")
        return json.loads(rows[0][0]) if rows else None

    def add_variant(self, name: str, settings: Mapping[str, Any] | None = None) -> None:
        self._write(
            "INSERT INTO variants (name, position, settings) VALUES (?, (SELECT COUNT(*) FROM variants), ?) "
            "ON CONFLICT(name) DO UPDATE SET settings = excluded.settings",
            (name, json.dumps(dict(settings)) if settings is not None else None))

    def variants(self) -> list[str]:
        return [r[0] for r in self._read("SELECT name FROM variants ORDER BY position")]

    def add_canaries(self, text: str, name: str | None = None, fmt: str = "yaml") -> None:
        """Keep the canary file (YAML or JSON text) the run seeded, verbatim."""
        self._write("INSERT INTO canaries (name, format, text) VALUES (?, ?, ?)", (name, fmt, text))

    def canaries(self) -> list[tuple[str | None, str, str]]:
        return [(r[0], r[1], r[2]) for r in self._read("SELECT name, format, text FROM canaries ORDER BY id")]

    def add_target(self, process: str, pid: int, mode: InstrumentMode, variant: str | None = None,
                   skipped: Sequence[Mapping[str, Any]] = ()) -> int:
        """Record an instrumented process; returns the target id for ``target_detached``."""
        if mode not in MODES:
            raise StoreError(
                f"{self.path}: unknown instrumentation mode {mode!r} (one of {', '.join(MODES)})")
        return self._write(
            "INSERT INTO targets (process, pid, mode, variant, attached, skipped) VALUES (?, ?, ?, ?, ?, ?)",
            (process, pid, mode, variant, time.time(), json.dumps([dict(s) for s in skipped])))

    def target_detached(self, target_id: int, reason: str) -> None:
        self._write("UPDATE targets SET detached = ?, detach_reason = ? WHERE id = ?",
                    (time.time(), reason, target_id))

    def targets(self) -> list[TargetRecord]:
        rows = self._read("SELECT id, process, pid, mode, variant, attached, detached, detach_reason, "
                          "skipped FROM targets ORDER BY id")
        return [TargetRecord(id=r[0], process=r[1], pid=r[2], mode=r[3], variant=r[4], attached=r[5],
                             detached=r[6], detach_reason=r[7], skipped=tuple(json.loads(r[8] or "[]")))
                for r in rows]

    def steps(self) -> list[StepRecord]:
        rows = self._read("SELECT variant, idx, name, started, finished FROM steps ORDER BY started, idx")
        return [StepRecord(r[0] or None, *r[1:]) for r in rows]

    def count_by_kind(self) -> dict[str, int]:
        return dict(self._read("SELECT kind, COUNT(*) FROM events GROUP BY kind ORDER BY kind"))

    # ---- events ----------------------------------------------------------------------------

    def writer(self, **options: Any) -> EventWriter:
        """The run's event writer (started on first call; options as for ``EventWriter``)."""
        if self._closed:
            raise StoreError(f"{self.path}: the run is closed")
        if self._writer is None:
            self._writer = EventWriter(self._conn, self._lock, str(self.path), **options)
        return self._writer

    def close(self) -> None:
        """Close the writer (durable commit) and the file; idempotent."""
        if self._closed:
            return
        try:
            if self._writer is not None:
                self._writer.close()  # commits the counters and "closed", durably
            else:
                self.update_meta({"closed": time.time()})
        finally:
            self._closed = True
            with self._lock:
                if self._conn.in_transaction:
                    self._conn.execute("COMMIT")
                self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RunSlot:
    """Room for a new run at ``path``: an existing file is checked (``harness.files.check_output``:
    only a regular file, only with ``force``) and moved aside with its WAL files, so that a run
    that fails to start puts it back (``restore``) and one that starts deletes it (``discard_old``).
    A harness killed in between leaves both: the new run where it belongs, the old one beside it
    under ``.NAME.previous-PID``."""

    def __init__(self, path: Path, *, force: bool) -> None:
        from harness.files import check_output

        check_output(path, force=force, what="run")
        self.path = path
        self._aside: list[tuple[Path, Path]] = []
        if path.exists():
            stem = path.with_name(f".{path.name}.previous-{os.getpid()}")
            for src in sidecars(path):
                if src.exists():
                    dst = stem.with_name(stem.name + src.name[len(path.name):])
                    os.replace(src, dst)
                    self._aside.append((src, dst))

    def restore(self) -> None:
        """Remove the new run (if any) and put the old one back."""
        for p in sidecars(self.path):
            p.unlink(missing_ok=True)
        for src, dst in self._aside:
            os.replace(dst, src)
        self._aside = []

    def discard_old(self) -> None:
        for _src, dst in self._aside:
            dst.unlink(missing_ok=True)
        self._aside = []
