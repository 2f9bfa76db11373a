"""A run read, never written: what reports and diffs need besides the events.

``RunStore.open`` is for the recorder (closing it marks the run closed); readers of a run that may
still be recording, or whose recorder was killed, use ``RunView``, which only reads.  Damaged
metadata (a row that is not JSON) is a ``StoreError`` naming the run and the table.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import StoreError
from harness.record import schema
from harness.record.meta import read_meta


@dataclass(frozen=True)
class StepView:
    variant: str | None
    index: int
    name: str
    started: float
    finished: float | None


class RunView:
    """Read-only metadata of the run at ``path`` (the store file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        conn = schema.connect_existing(path)
        try:
            self.meta: dict[str, Any] = read_meta(conn)
            self.device_facts: dict[str, Any] = self._json_object(conn, "SELECT facts FROM device_facts WHERE id = 1",
                                                                  "device_facts")
            self.variant_settings: dict[str, dict[str, Any]] = {}
            for name, settings in self._rows(conn, "SELECT name, settings FROM variants ORDER BY position"):
                parsed = self._parse(settings, f"variants ({name})") if settings else {}
                self.variant_settings[str(name)] = parsed if isinstance(parsed, dict) else {}
            self.steps = [StepView(r[0] or None, int(r[1]), str(r[2]), float(r[3]), r[4])
                          for r in self._rows(conn, "SELECT variant, idx, name, started, finished FROM steps "
                                                    "ORDER BY started, idx")]
            self.canaries = [(str(r[0]) if r[0] is not None else f"#{n + 1}", str(r[1])) for n, r in
                             enumerate(self._rows(conn, "SELECT name, text FROM canaries ORDER BY id"))]
            counted = self._rows(conn, "SELECT COUNT(*), MIN(ts), MAX(ts) FROM events")[0]
            self.event_count, self.first_ts, self.last_ts = int(counted[0]), counted[1], counted[2]
        except (sqlite3.Error, ValueError, TypeError) as exc:
            raise StoreError(f"{path}: cannot read the run: {exc}") from exc
        finally:
            conn.close()

    def _rows(self, conn: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
        return conn.execute(sql).fetchall()

    def _parse(self, text: Any, what: str) -> Any:
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{self.path}: {what}: not JSON ({exc}); the run is damaged") from exc

    def _json_object(self, conn: sqlite3.Connection, sql: str, what: str) -> dict[str, Any]:
        rows = self._rows(conn, sql)
        if not rows:
            return {}
        value = self._parse(rows[0][0], what)
        return value if isinstance(value, dict) else {}
