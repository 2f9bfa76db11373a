"""Run metadata: the ``meta`` key/value table (JSON values) and the ``RunMeta`` a run starts with."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness import __version__

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunMeta:
    """What a run records about itself when it is created."""

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: float = field(default_factory=time.time)
    harness_version: str = __version__
    frida_client_version: str | None = None
    frida_server_version: str | None = None
    device_serial: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_items(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created": self.created,
            "harness_version": self.harness_version,
            "frida_client_version": self.frida_client_version,
            "frida_server_version": self.frida_server_version,
            "device_serial": self.device_serial,
            **dict(self.extra),
        }


def write_meta(conn: sqlite3.Connection, items: Mapping[str, Any]) -> None:
    """Upsert ``items`` (JSON-encoded) into ``meta``; the caller handles the transaction."""
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [(key, json.dumps(value)) for key, value in items.items()],
    )


def read_meta(conn: sqlite3.Connection) -> dict[str, Any]:
    """The meta table; a value that is not JSON (a damaged or edited run) is kept as its text and
    logged, so one bad key does not make the run unreadable."""
    out: dict[str, Any] = {}
    for key, value in conn.execute("SELECT key, value FROM meta"):
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError, RecursionError):
            log.warning("run meta %r is not JSON (%.40r); kept as text", key, value)
            out[str(key)] = value if isinstance(value, str) else repr(value)
    return out
