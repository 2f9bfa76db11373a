"""Writing output files without destroying anything the user did not ask us to replace.

Rules every command follows for a file it writes:

* an existing file is replaced only with ``--force``, and ``--force`` replaces only a regular
  file (never a device node such as ``/dev/full``, a folder, a socket or a pipe);
* a command never writes over one of its own inputs (compared by inode, so another spelling or a
  hard link of the same file is caught too);
* the output is written to a temporary file beside it and renamed over the destination once it is
  complete, so a failure or a signal leaves the old file (or nothing), never half a file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from harness.errors import ConfigError


def _same_file(a: Path, b: Path) -> bool:
    """The same file (by inode), or the same name once resolved (an input's companion file, such
    as a run's WAL, need not exist yet to be one)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.samefile(b)
    except OSError:
        return False


def check_output(path: Path, *, force: bool, inputs: Iterable[Path] = (), what: str = "output") -> None:
    """Refuse to write ``path`` when that would overwrite an input, a non-regular file, or an
    existing file without ``force``; a ``ConfigError`` that names the path."""
    for source in inputs:
        if _same_file(path, source):
            raise ConfigError(f"{path}: is the {what}'s own input ({source}); choose another file")
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise ConfigError(f"{path}: is a dangling symbolic link; remove it or choose another file") from None
        return
    except OSError as exc:
        raise ConfigError(f"{path}: cannot use as {what}: {exc.strerror}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: is not a regular file (a device, socket or pipe); --force replaces "
                          "only regular files")
    if not force:
        raise ConfigError(f"{path}: already exists (use --force to replace it)")


def temporary_sibling(path: Path, tag: str = "tmp") -> Path:
    """A new, unused name in ``path``'s folder (created empty, mode 0600)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{tag}", dir=path.parent)
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def _replacing(path: Path, mode: int, binary: bool, encoding: str) -> Iterator[IO[Any]]:
    """A handle on a new temporary file beside ``path`` (created with ``mode`` less the umask, as
    ``open`` would create ``path``: no umask juggling, so safe among threads); on a clean exit it is
    fsynced and renamed over ``path``, on any exception (a signal included) removed."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_output(path: Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A command's output file: written under a temporary name and renamed over ``path`` when the
    block ends cleanly (see ``_replacing``); an ``OSError`` is a ``ConfigError`` naming ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _replacing(path, 0o666, binary, encoding) as handle:
            yield handle
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def write_atomic(path: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Replace ``path`` with ``data``: a crash leaves the old content or the new, never half (see
    ``_replacing``).  The folder must exist; an ``OSError`` is raised as it is."""
    with _replacing(path, mode, True, "utf-8") as handle:
        handle.write(data)
