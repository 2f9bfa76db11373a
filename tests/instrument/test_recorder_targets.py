"""Targets that crash, and spawned targets' lifetime: the last events before a crash are stored and
the run says which signal; spawned targets end with the trace unless --keep-running."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.testing.programs import compile_c

# crasher PORT MODE: 20 sendto() calls, then it dies at once: MODE "segv" (a write to NULL) or
# "abort" (abort()).  Nothing runs between the last send and the signal.
CRASHER_C = r"""
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short) atoi(argv[1]));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char msg[32];
  for (int i = 0; i < 20; i++) {
    snprintf(msg, sizeof msg, "last-words-%02d", i);
    sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &to, sizeof to);
  }
  if (strcmp(argv[2], "abort") == 0) abort();
  *(volatile int *) 0 = 1;
  return 0;
}
"""


@pytest.fixture(scope="module")
def crasher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_c(CRASHER_C, tmp_path_factory.mktemp("crasher"), "crasher")


def trace(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    # output through files, not pipes: a target left running keeps the trace's stdio open
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run([sys.executable, "-m", "harness.cli", "trace", *argv], stdout=out, stderr=err,
                              text=True, timeout=timeout, check=False)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())


@pytest.mark.parametrize(("mode", "signame"), [("segv", "SIGSEGV"), ("abort", "SIGABRT")])
def test_a_crashing_target_s_last_events_are_stored(mode: str, signame: str, crasher: Path, udp_port: int,
                                                     tmp_path: Path) -> None:
    run = tmp_path / "crash.run"
    proc = trace("--local", "--hooks", "native_net", "--out", str(run), "--spawn", "--", str(crasher),
                 str(udp_port), mode)
    assert proc.returncode == 0, proc.stderr
    assert [e.data for e in iter_events(run)] == [f"last-words-{i:02d}".encode() for i in range(20)]
    assert f"process-crashed: {signame}" in proc.stdout
    store = RunStore.open(run)
    try:
        [target] = store.targets()
        assert target.detach_reason is not None and target.detach_reason.startswith(f"process-crashed: {signame}")
        [crash] = store.meta()["crashes"]
        assert crash["signal"] == signame and crash["process"] == "crasher"
    finally:
        store.close()


def test_spawned_target_ends_with_the_trace_unless_kept(udp_sender_exe: Path, udp_port: int,
                                                        tmp_path: Path) -> None:
    def running() -> list[int]:
        out = subprocess.run(["pgrep", "-f", f"{udp_sender_exe} {udp_port} alive"], capture_output=True,
                             text=True, check=False).stdout
        return [int(p) for p in out.split()]

    argv = ["--local", "--hooks", "native_net", "--duration", "1", "--spawn", "--", str(udp_sender_exe),
            str(udp_port), "alive", "-1", "50"]
    ended = trace("--out", str(tmp_path / "a.run"), *argv)
    assert ended.returncode == 0, ended.stderr
    assert not running()
    kept = trace("--out", str(tmp_path / "b.run"), "--keep-running", *argv)
    try:
        assert kept.returncode == 0, kept.stderr
        time.sleep(0.3)
        [pid] = running()
        assert f"pid {pid}" in kept.stdout
    finally:
        subprocess.run(["pkill", "-f", f"{udp_sender_exe} {udp_port} alive"], check=False)
