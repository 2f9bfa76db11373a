"""The run file: one SQLite database (WAL journal) per run, and how it is opened.

Durability (documented contract):

* The file uses ``journal_mode=WAL`` with ``synchronous=NORMAL``.  Every commit is atomic and,
  once ``COMMIT`` returns, survives the death of the harness process (SIGKILL, crash): the
  committed frames are in the ``-wal`` file, and the next connection replays them (WAL recovery).
* Ordinary batch commits are *not* fsynced, so a power loss or kernel crash may lose the last
  few batches.  Step boundaries (``EventWriter.mark_step``) and ``close()`` commit with
  ``synchronous=FULL`` (fsync), so everything up to the last step boundary survives power loss too.

Tables (``SCHEMA`` below is the reference): ``meta`` (key -> JSON value: run id, created, harness
and frida versions, device serial, counters), ``device_facts``, ``variants``, ``steps``,
``canaries``, ``targets`` (process, pid, instrumentation mode, detach reason) and ``events``
(every ``Event`` field; ``dest`` split into columns, ``data`` a BLOB, ``stack``/``headers`` JSON).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from harness.errors import StoreError

SCHEMA_VERSION = 2
PAGE_SIZE = 16384

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                      -- JSON
);
CREATE TABLE IF NOT EXISTS device_facts (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    facts TEXT NOT NULL                      -- JSON object
);
CREATE TABLE IF NOT EXISTS variants (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    settings TEXT,                           -- JSON, optional
    started  REAL
);
CREATE TABLE IF NOT EXISTS steps (
    variant  TEXT NOT NULL DEFAULT '',
    idx      INTEGER NOT NULL,
    name     TEXT NOT NULL,
    started  REAL NOT NULL,
    finished REAL,
    PRIMARY KEY (variant, idx)
);
CREATE TABLE IF NOT EXISTS canaries (
    id     INTEGER PRIMARY KEY,
    name   TEXT,
    format TEXT NOT NULL,                    -- "yaml" | "json"
    text   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS targets (
    id            INTEGER PRIMARY KEY,
    process       TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    mode          TEXT NOT NULL,             -- spawn | attach | attach-after-launch | reattach
    variant       TEXT,
    attached      REAL NOT NULL,
    detached      REAL,
    detach_reason TEXT,                      -- frida's reason, e.g. process-terminated
    skipped       TEXT                       -- JSON list of hooks the agent could not install
);
CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY,        -- assigned by the store, unique in the run
    ts           REAL NOT NULL,
    variant      TEXT,
    step         INTEGER,
    process      TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    api          TEXT NOT NULL,
    dest_host    TEXT,
    dest_ip      TEXT,
    dest_port    INTEGER,
    dest_scheme  TEXT,
    dest_url     TEXT,
    dest_address TEXT,
    has_dest     INTEGER NOT NULL DEFAULT 0,
    data         BLOB,
    data_len     INTEGER,
    value        TEXT,
    stack        TEXT,                       -- JSON list, NULL when empty
    sdk          TEXT,
    headers      TEXT,                       -- JSON list of [name, value], NULL when empty
    source       TEXT                        -- NULL: the hooks; "mitm", "pcap": the other capture paths
);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind);
CREATE INDEX IF NOT EXISTS events_variant ON events (variant, step);
"""

EVENT_COLUMNS = (
    "id", "ts", "variant", "step", "process", "pid", "kind", "api",
    "dest_host", "dest_ip", "dest_port", "dest_scheme", "dest_url", "dest_address", "has_dest",
    "data", "data_len", "value", "stack", "sdk", "headers", "source",
)

INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)

def select_events(conn: sqlite3.Connection) -> str:
    """``SELECT`` of ``EVENT_COLUMNS`` for this run: a run of schema 1 (before ``source``) reads NULL there,
    so runs recorded by an earlier harness stay readable without being changed."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    columns = [name if name in present else f"NULL AS {name}" for name in EVENT_COLUMNS]
    return f"SELECT {', '.join(columns)} FROM events"


def _pragmas(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    # Checkpoint (which fsyncs) every 64 MiB of WAL instead of every 4 MiB: halves the insert
    # cost of 1 KiB payloads; the writer also checkpoints at step boundaries and at close.
    conn.execute(f"PRAGMA wal_autocheckpoint={(64 << 20) // PAGE_SIZE}")


def connect_new(path: Path) -> sqlite3.Connection:
    """Create the run file at ``path`` (which must not exist) with the schema."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before the first table: payloads are ~1 KiB
        _pragmas(conn)
        conn.executescript(f"BEGIN;\n{SCHEMA}\nCOMMIT;")
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        return conn
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"{path}: cannot create run file: {exc}") from exc


def connect_existing(path: Path) -> sqlite3.Connection:
    """Open an existing run file; a missing, foreign or corrupt file is a ``StoreError`` naming it."""
    if not path.is_file():
        raise StoreError(f"{path}: no such run file")
    try:
        # mode=rw: never create the file; WAL recovery still runs, so a run whose writer was
        # killed (SIGKILL) opens with everything committed before the kill.
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
        )
        _pragmas(conn)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a readable run file ({exc})") from exc
    if row is None:
        conn.close()
        raise StoreError(f"{path}: not a run file (no schema version)")
    try:
        version = int(row[0])
    except (TypeError, ValueError):
        conn.close()
        raise StoreError(f"{path}: meta schema_version: not a number ({row[0]!r}); the run is damaged") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(f"{path}: run file schema {version} is newer than this harness ({SCHEMA_VERSION})")
    return conn
