"""Compile the virtual phone's Java sources (the Android API stubs, apps) on first use.

``compile_sources(dirs)`` compiles every ``*.java`` below the given folders into
``<cache>/java/<hash>/`` (``$HARNESS_CACHE_DIR`` or ``~/.cache/harness``), where the hash covers
the sources, the extra classpath and the javac version, so unchanged sources are compiled once.
Two processes compiling at once is safe: each compiles into its own temporary folder and renames
it into place; the loser discards its copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from harness import config
from harness.errors import ToolMissingError, VirtualPhoneError

log = logging.getLogger(__name__)

JDK_PACKAGE = "openjdk-17-jdk-headless"
STUBS_DIR = Path(__file__).resolve().parent / "java"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissingError(f"`{name}` is not installed: install the Debian package {JDK_PACKAGE} "
                               f"(apt-get install {JDK_PACKAGE})")
    return path


def javac_executable() -> str:
    return _tool("javac")


def java_executable() -> str:
    """The `java` launcher that runs virtual-phone apps."""
    return _tool("java")


def cache_dir() -> Path:
    return config.cache_dir("java")


@lru_cache(maxsize=4)
def _javac_version(javac: str) -> str:
    out = subprocess.run([javac, "-version"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).strip()


def _sources(src_dirs: Sequence[Path]) -> list[tuple[Path, Path]]:
    files: list[tuple[Path, Path]] = []
    for d in src_dirs:
        if not d.is_dir():
            raise VirtualPhoneError(f"no such Java source folder: {d}")
        files.extend((d, p) for p in sorted(d.rglob("*.java")))
    return files


def compile_sources(src_dirs: Sequence[Path], *, classpath: Sequence[Path] = (), release: int = 17) -> Path:
    """Compile all ``*.java`` under ``src_dirs`` (against ``classpath``); returns the classes folder."""
    javac = javac_executable()
    files = _sources(src_dirs)
    h = hashlib.sha256(f"{_javac_version(javac)}\nrelease {release}\n".encode())
    for cp in classpath:
        h.update(f"cp {cp}\n".encode())
    for base, f in files:
        h.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes() + b"\0")
    out = cache_dir() / h.hexdigest()[:24]
    if (out / ".complete").is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=".build-"))
    try:
        cmd = [javac, "--release", str(release), "-nowarn", "-encoding", "UTF-8", "-d", str(tmp)]
        if classpath:
            cmd += ["-cp", os.pathsep.join(str(p) for p in classpath)]
        argfile = tmp / ".sources"
        argfile.write_text("\n".join(f'"{f}"' for _, f in files), encoding="utf-8")
        log.info("compiling %d Java sources into %s", len(files), out)
        res = subprocess.run([*cmd, f"@{argfile}"], capture_output=True, text=True, check=False)
        argfile.unlink()
        if res.returncode != 0:
            raise VirtualPhoneError(f"javac failed for {', '.join(str(d) for d in src_dirs)}:\n"
                                    f"{(res.stdout + res.stderr).strip()}")
        (tmp / ".complete").write_text("ok\n", encoding="utf-8")
        try:
            tmp.rename(out)
        except OSError:  # another process finished first: use its copy
            if not (out / ".complete").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def stubs_classpath() -> Path:
    """The compiled Android API stubs (harness/virtual/runtime/java)."""
    return compile_sources([STUBS_DIR])
