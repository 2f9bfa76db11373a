"""Durable JSON files for the phone's private state: write-then-rename, fsync'd before the rename."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import VirtualPhoneError
from harness.files import write_atomic


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` atomically: a crash leaves either the old or the new content, never half."""
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VirtualPhoneError(f"{path}: unreadable phone state: {exc}") from None
