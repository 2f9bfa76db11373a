"""``harness export RUN --jsonl``: one DESIGN.md event record per line (``data`` as base64)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from harness.record.reader import iter_events


def export_jsonl(run_path: Path | str, out: TextIO) -> int:
    """Write every event of the run to ``out``; returns how many."""
    n = 0
    for event in iter_events(run_path):
        out.write(json.dumps(event.to_json(), ensure_ascii=True))
        out.write("\n")
        n += 1
    return n
