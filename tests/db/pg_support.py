"""A throwaway PostgreSQL server for the tests: Debian's binaries, ``initdb`` + ``postgres`` in a temp
folder, a free TCP port on 127.0.0.1 (password authentication) and a Unix socket in the folder.

``initdb`` refuses to run as root, so as root (CI) the server's programs run as the ``postgres``
system user (made by Debian's postgresql package) through ``runuser``, in a folder it owns.
The postmaster runs as a child of the test process (not daemonized by ``pg_ctl start``), so ``stop``
(``pg_ctl stop -m immediate``, then SIGKILL if need be) reaps it and removes the folder: no
postgres process, not even a zombie, outlives the session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port

USER = "harness"
PASSWORD = "s3cret-pw'\"x"     # quotes: the DSN and the masking must cope
NOT_INSTALLED = "PostgreSQL is not installed: apt-get install postgresql"


def bin_dir() -> Path | None:
    """The newest installed server's bin folder (/usr/lib/postgresql/N/bin), else one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
                   if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def why_not() -> str | None:
    """Why no server can be started here, or None."""
    if bin_dir() is None:
        return NOT_INSTALLED
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as (apt-get install postgresql)"
    return None


@dataclass
class PgServer:
    folder: Path
    port: int
    bindir: Path
    as_postgres: bool
    process: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def dsn(self, database: str = "postgres", *, password: str | None = PASSWORD) -> str:
        """A URL DSN over TCP (the password percent-encoded)."""
        from urllib.parse import quote

        secret = f":{quote(password, safe='')}" if password is not None else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def socket_dsn(self, database: str = "postgres") -> str:
        """A key=value DSN over the Unix socket (trusted: no password)."""
        return f"host={self.socket_dir} port={self.port} user={USER} dbname={database}"

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False,
                              cwd=self.folder)

    def start(self) -> None:
        pwfile = self.folder / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_postgres:
            entry = pwd.getpwnam("postgres")
            for path in (self.folder, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        done = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                         "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale", "--encoding=UTF8",
                         "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        # the postmaster is our child (through runuser), not daemonized by pg_ctl: stopped, it is reaped
        # here, never left a zombie of init's
        command = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                   "-k", str(self.socket_dir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                   "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=40"]
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen([*prefix, *command], stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.folder)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.process.returncode}): {self._log()}")
            ready = subprocess.run([str(self.bindir / "pg_isready"), "-q", "-h", str(self.socket_dir),
                                    "-p", str(self.port)], capture_output=True, timeout=30, check=False)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres did not accept connections within 60 s: {self._log()}")

    def _log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (whatever state it is in), reap it, and remove its folder."""
        process = self.process
        if process is not None and process.poll() is None:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop",
                      timeout=60)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()  # runuser; then the postmaster itself, by its pid file
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int((self.data / "postmaster.pid").read_text().split("\n", 1)[0]), signal.SIGKILL)
                process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> PgServer:
    """A running server in a new temp folder (the caller stops it)."""
    bindir = bin_dir()
    assert bindir is not None, NOT_INSTALLED
    as_postgres = os.geteuid() == 0
    last: Exception | None = None
    for _attempt in range(3):  # a free port may be taken by someone else before the server binds it
        # not under pytest's basetemp: as root that is a 0700 folder the postgres user cannot enter
        folder = Path(tempfile.mkdtemp(prefix="harness-pg-", dir="/tmp"))
        server = PgServer(folder, free_port(), bindir, as_postgres)
        try:
            server.start()
            return server
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            last = exc
            server.stop()
    raise RuntimeError(f"could not start PostgreSQL: {last}")
