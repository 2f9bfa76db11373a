"""The virtual phone's logcat ring buffers, kept in SQLite so they survive daemon restarts.

Entries carry the buffer they belong to (``main``, ``system``, ``crash``, ``events``, ``radio``),
a host timestamp, pid/tid, priority letter, tag and message.  Readers that follow the log
(``logcat`` without ``-d``) wait on a condition that every append notifies.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BUFFERS = ("main", "system", "crash", "events", "radio")
PRIORITIES = "VDIWEF"
#: The pid system_server's log lines carry (fixed: it never restarts on the virtual phone).
SYSTEM_SERVER_PID = 1423
#: Like logd's default 256 KiB per buffer, keep the log bounded: drop the oldest past this many.
MAX_ENTRIES = 20000


@dataclass(frozen=True)
class LogEntry:
    id: int
    buffer: str
    ts: float
    pid: int
    tid: int
    priority: str
    tag: str
    message: str


class LogBuffer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._changed = threading.Condition()
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, buffer TEXT NOT NULL,"
                " ts REAL NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL, priority TEXT NOT NULL,"
                " tag TEXT NOT NULL, message TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        # `with conn:` commits each append: a crash loses nothing that was logged.
        return sqlite3.connect(self.path, timeout=30)

    def append(self, priority: str, tag: str, message: str, *, pid: int, tid: int, buffer: str = "main",
               ts: float | None = None) -> int:
        if priority not in PRIORITIES or len(priority) != 1:
            raise ValueError(f"log priority must be one of {PRIORITIES}, got {priority!r}")
        if buffer not in BUFFERS:
            raise ValueError(f"unknown log buffer {buffer!r}")
        conn = self._connect()
        try:
            with conn:
                cursor = conn.execute(
                    "INSERT INTO entries (buffer, ts, pid, tid, priority, tag, message) VALUES (?,?,?,?,?,?,?)",
                    (buffer, time.time() if ts is None else ts, pid, tid, priority, tag, message))
                entry_id = int(cursor.lastrowid or 0)
                if entry_id % 1000 == 0:
                    conn.execute("DELETE FROM entries WHERE id <= ?", (entry_id - MAX_ENTRIES,))
        finally:
            conn.close()
        with self._changed:
            self._changed.notify_all()
        return entry_id

    def entries(self, after_id: int = 0, buffers: tuple[str, ...] = BUFFERS) -> list[LogEntry]:
        """Entries newer than ``after_id`` in the given buffers, oldest first."""
        marks = ",".join("?" * len(buffers))
        conn = self._connect()
        try:
            rows = conn.execute(
                f"SELECT id, buffer, ts, pid, tid, priority, tag, message FROM entries "
                f"WHERE id > ? AND buffer IN ({marks}) ORDER BY id", (after_id, *buffers)).fetchall()
        finally:
            conn.close()
        return [LogEntry(*row) for row in rows]

    def last_id(self) -> int:
        conn = self._connect()
        try:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
        finally:
            conn.close()

    def clear(self, buffers: tuple[str, ...] = BUFFERS) -> None:
        conn = self._connect()
        try:
            with conn:
                conn.execute(f"DELETE FROM entries WHERE buffer IN ({','.join('?' * len(buffers))})", buffers)
        finally:
            conn.close()

    def wait(self, timeout: float) -> None:
        """Block until something is appended (in this process) or ``timeout`` passes."""
        with self._changed:
            self._changed.wait(timeout)
