"""Durable JSON files for the phone's private state: write-then-rename, fsync'd before the rename."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from harness.errors import VirtualPhoneError


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` atomically: a crash leaves either the old or the new content, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VirtualPhoneError(f"{path}: unreadable phone state: {exc}") from None
