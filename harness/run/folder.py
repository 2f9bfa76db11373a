"""A run folder (``harness run --out DIR``) and how commands find the store in one.

    DIR/events.run      the run store (every event stamped with variant and step)
    DIR/artifacts/      per variant: logcat, takeScreenshot images, and for a failed step its
                        screenshot, UI hierarchy and logcat
    DIR/scenario/       a copy of the scenario and every subflow it ran

Every command that takes a run (``export``, ``detect``, later ``report`` and ``diff``) accepts the
folder as well as the store file: ``store_path`` resolves it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from harness.errors import ConfigError

STORE_NAME = "events.run"
ARTIFACTS = "artifacts"
SCENARIO = "scenario"


def store_path(path: Path) -> Path:
    """The run store a command should read: ``path`` itself, or ``path/events.run`` for a run folder."""
    if path.is_dir():
        store = path / STORE_NAME
        if not store.is_file():
            raise ConfigError(f"{path}: a folder without a run store ({STORE_NAME}); give a run folder made by "
                              "`harness run` or a run file")
        return store
    return path


def safe_name(text: str) -> str:
    """``text`` as a file name part (variant names and screenshot names come from scenario files)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80]
    return cleaned or "unnamed"


def prepare(folder: Path, *, force: bool) -> None:
    """Make ``folder`` a new run folder: refused when it holds anything but a previous run (replaced
    only with ``force``), and when it is a file."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: is a file; --out takes a folder for the run")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / STORE_NAME).exists():
            raise ConfigError(f"{folder}: a folder that is not a run folder and is not empty; choose another --out")
        if not force:
            raise ConfigError(f"{folder}: a run folder already exists (use --force to replace it)")
        for name in (ARTIFACTS, SCENARIO):
            shutil.rmtree(folder / name, ignore_errors=True)
    (folder / ARTIFACTS).mkdir(parents=True, exist_ok=True)


def copy_sources(folder: Path, sources: Iterable[Path]) -> None:
    """Copy the scenario and its subflows into ``folder/scenario/`` (relative to the first one)."""
    sources = list(sources)
    if not sources:
        return
    base = sources[0].resolve().parent
    target = folder / SCENARIO
    for source in sources:
        resolved = source.resolve()
        try:
            relative = resolved.relative_to(base)
        except ValueError:
            relative = Path("outside") / safe_name(str(resolved))
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(resolved, destination)


def artifact_dir(folder: Path, variant: str) -> Path:
    path = folder / ARTIFACTS / safe_name(variant)
    path.mkdir(parents=True, exist_ok=True)
    return path
