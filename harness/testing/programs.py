"""Small C programs for tests and benchmarks, compiled on the fly with gcc."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness.errors import InstrumentError, ToolMissingError

UDP_SENDER_C = r"""
/* udp_sender PORT PAYLOAD COUNT INTERVAL_MS [LINGER_MS]: the first sendto() happens before anything
   else; then it waits LINGER_MS before exiting. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short) atoi(argv[1]));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long count = argc > 3 ? atol(argv[3]) : 1;
  long interval_ms = argc > 4 ? atol(argv[4]) : 0;
  struct timespec pause = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
  for (long i = 0; count < 0 || i < count; i++) {
    sendto(fd, argv[2], strlen(argv[2]), 0, (struct sockaddr *) &to, sizeof to);
    if (interval_ms > 0) nanosleep(&pause, NULL);
  }
  long linger_ms = argc > 5 ? atol(argv[5]) : 0;
  struct timespec linger = { linger_ms / 1000, (linger_ms % 1000) * 1000000L };
  if (linger_ms > 0) nanosleep(&linger, NULL);
  return 0;
}
"""


def compile_c(source: str, out_dir: Path, name: str) -> Path:
    """Compile ``source`` with gcc -O2 into ``out_dir/name``; returns the executable."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise ToolMissingError("gcc is needed to build the test programs (apt-get install gcc)")
    src = out_dir / f"{name}.c"
    exe = out_dir / name
    src.write_text(source)
    proc = subprocess.run([gcc, "-O2", "-o", str(exe), str(src)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise InstrumentError(f"{src}: gcc failed: {proc.stderr.strip()}")
    return exe
