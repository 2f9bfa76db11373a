from __future__ import annotations

from pathlib import Path

import pytest
from detect_support import CANARY_YAML


@pytest.fixture
def canary_file(tmp_path: Path) -> Path:
    path = tmp_path / "canaries.yaml"
    path.write_text(CANARY_YAML, encoding="utf-8")
    return path
