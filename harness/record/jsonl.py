"""``harness export RUN --jsonl``: one DESIGN.md event record per line (``data`` as base64)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from harness.record.reader import OnRowError, iter_events


def export_jsonl(run_path: Path | str, out: IO[Any], on_error: OnRowError | None = None) -> int:
    """Write every event of the run to ``out``; returns how many (unreadable rows go to
    ``on_error``, as ``iter_events`` says)."""
    n = 0
    for event in iter_events(run_path, on_error=on_error):
        out.write(json.dumps(event.to_json(), ensure_ascii=True))
        out.write("\n")
        n += 1
    return n
