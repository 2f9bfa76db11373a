"""Hook throughput: 50,000 1 KiB UDP sendto() calls, hooked by native_net, into a run store.

    .venv/bin/python benchmarks/hook_throughput.py [--calls N] [--size BYTES] [--runs R]

A C program (compiled here with gcc) times its own loop of sendto() calls to a local UDP socket.
It runs unhooked, then spawned through the harness's session layer (Tracer + AgentSession) with
the real agent's ``native_net`` module (or, until that exists, the contract test agent) feeding a
RunStore, then with a naive agent (one send() per call, below).  Prints whether every event and
its bytes reached the store, the hooked loop's slowdown, and events/s (calls / hooked loop time,
and end to end until everything is stored).  Goals: none lost, slowdown <= 1.5x, events/s >= 7x
the naive agent's.  Then a sustained burst several times the recorder window (the bound on what
the agent holds that the run has not committed, ``RecorderWindow``) gives the store's full rate
and the window in seconds of it (goal: about one second).  Figures only: nothing here asserts a
time.
"""

from __future__ import annotations

import argparse
import importlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.instrument.devices import open_local
from harness.instrument.session import AgentConfig, Decoder, RecorderWindow
from harness.instrument.tracer import Tracer
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.testing.agents import CONTRACT_AGENT, decode_contract_batch
from harness.testing.programs import compile_c

LOOP_C = r"""
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
/* bench PORT CALLS SIZE OUTFILE [LINGER_MS]: payload i starts with "%08ld-" i; loop time in ns ->
   OUTFILE; then waits LINGER_MS before exiting */
int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short) atoi(argv[1]));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long calls = atol(argv[2]);
  size_t size = (size_t) atol(argv[3]);
  char *buf = malloc(size);
  memset(buf, 'A', size);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < calls; i++) {
    char head[16];
    snprintf(head, sizeof head, "%08ld-", i);
    memcpy(buf, head, 9);
    sendto(fd, buf, size, 0, (struct sockaddr *) &to, sizeof to);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  FILE *out = fopen(argv[4], "w");
  fprintf(out, "%lld\n", (long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
  fclose(out);
  long linger_ms = argc > 5 ? atol(argv[5]) : 0;
  struct timespec linger = { linger_ms / 1000, (linger_ms % 1000) * 1000000L };
  if (linger_ms > 0) nanosleep(&linger, NULL);
  return 0;
}
"""

# One message per hooked call: what a first hook usually looks like.
NAIVE_AGENT = r"""
'use strict';
let maxData = 65536;
rpc.exports = {
  init(params) {
    maxData = params.maxData;
    Interceptor.attach(Module.getGlobalExportByName('sendto'), {
      onEnter(args) {
        const len = args[2].toInt32();
        const data = args[1].readByteArray(Math.min(len, maxData));
        send({ type: 'harness:batch', events: [{ type: 'net:send', ts: Date.now() / 1000, pid: Process.id,
               api: 'libc.sendto', data_off: 0, data_size: data.byteLength, data_len: len }] }, data);
      }
    });
    return { hooked: ['libc!sendto'], skipped: [] };
  },
  flush() {},
};
"""


def real_agent() -> tuple[str, Decoder] | None:
    try:
        agent = importlib.import_module("harness.instrument.agent")
        messages = importlib.import_module("harness.instrument.messages")
    except ModuleNotFoundError:
        return None
    return agent.agent_source(), messages.decode_batch


def loop_seconds(path: Path) -> float:
    return int(path.read_text()) / 1e9


def unhooked(exe: Path, port: int, calls: int, size: int, work: Path) -> float:
    out = work / "plain.ns"
    subprocess.run([str(exe), str(port), str(calls), str(size), str(out)], check=True)
    return loop_seconds(out)


def hooked(exe: Path, port: int, calls: int, size: int, work: Path, *, source: str, decode: Decoder,
           name: str, options: dict[str, int], linger_ms: int) -> tuple[float, float, int, int]:
    """(loop seconds, end-to-end seconds, events stored, events whose bytes are exact)."""
    run = work / f"{name}.run"
    out = work / f"{name}.ns"
    store = RunStore.create(run, overwrite=True)
    tracer = Tracer(open_local(), source=source, config=AgentConfig(modules=("native_net",), options=options),
                    sink=store.writer(), decode=decode, listener=store)
    started = time.perf_counter()
    tracer.spawn([str(exe), str(port), str(calls), str(size), str(out), str(linger_ms)])
    tracer.wait(600)
    tracer.stop()
    store.close()
    end_to_end = time.perf_counter() - started
    stored = exact = 0
    tail = b"A" * (size - 9)
    for ev in iter_events(run, kinds={"net.send"}):
        if ev.data is not None and ev.data[:9] == b"%08d-" % stored and ev.data[9:] == tail:
            exact += 1
        stored += 1
    return loop_seconds(out), end_to_end, stored, exact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3, help="unhooked runs (the median is used)")
    parser.add_argument("--ring-mb", type=int, default=0,
                        help="native_net ring size in MiB (agent option ringBytes; 0: the agent's default)")
    parser.add_argument("--linger-ms", type=int, default=0,
                        help="the program waits this long after its loop before exiting (0: exits at once, "
                             "so whatever the agent still holds must be flushed at exit)")
    parser.add_argument("--window-calls", type=int, default=400_000,
                        help="calls of the sustained burst that measures the recorder window (0: skip)")
    args = parser.parse_args()
    agent = real_agent()
    source, decode = agent or (CONTRACT_AGENT, decode_contract_batch)
    label = "real agent, native_net" if agent else "contract test agent (plain JS batching; no real agent yet)"
    with tempfile.TemporaryDirectory() as tmp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
        work = Path(tmp)
        rx.bind(("127.0.0.1", 0))
        port = rx.getsockname()[1]
        exe = compile_c(LOOP_C, work, "udp_bench")
        base = statistics.median(unhooked(exe, port, args.calls, args.size, work) for _ in range(args.runs))
        print(f"unhooked loop: {args.calls} x {args.size} B sendto in {base * 1e3:.1f} ms")
        results = {}
        for name, src, dec in (("batched", source, decode), ("naive", NAIVE_AGENT, decode_contract_batch)):
            options = {"ringBytes": args.ring_mb << 20} if args.ring_mb else {}
            loop, e2e, stored, exact = hooked(exe, port, args.calls, args.size, work, source=src, decode=dec,
                                              name=name, options=options, linger_ms=args.linger_ms)
            results[name] = (loop, e2e, stored, exact)
            title = label if name == "batched" else "naive agent (one send() per call)"
            print(f"{title}:")
            print(f"  stored {stored}/{args.calls} events, {exact} with exact bytes -> "
                  f"{'ALL' if exact == stored == args.calls else 'MISSING/ALTERED'}")
            print(f"  hooked loop {loop * 1e3:.1f} ms: slowdown {loop / base:.2f}x, "
                  f"{args.calls / loop:,.0f} events/s in the process")
            print(f"  end to end (spawn .. all stored) {e2e:.2f} s: {args.calls / e2e:,.0f} events/s")
        ratio = results["naive"][0] / results["batched"][0]
        print(f"events/s vs naive: {ratio:.1f}x (goal >= 7x); slowdown goal <= 1.5x")
        if agent and args.window_calls:
            window(exe, port, args.window_calls, args.size, work, source=source, decode=decode)
    return 0


def window(exe: Path, port: int, calls: int, size: int, work: Path, *, source: str, decode: Decoder) -> None:
    """A burst several times the recorder window: the store's full rate, and the window in seconds of it."""
    _loop, e2e, stored, _exact = hooked(exe, port, calls, size, work, source=source, decode=decode,
                                        name="window", options={}, linger_ms=0)
    rate = stored / e2e
    w = RecorderWindow()
    record = 48 + ((size + 7) & ~7)
    held = min(w.ring_records, w.ring_bytes // record)
    print(f"recorder window, sustained burst of {calls} x {size} B ({calls * size / 2**20:.0f} MiB):")
    print(f"  stored {stored}/{calls}; full rate (spawn .. all stored) {rate:,.0f} events/s")
    print(f"  window: ring {w.ring_records} records / {w.ring_bytes >> 20} MiB -> {held} of these events = "
          f"{held / rate:.2f} s at that rate (+ {2 * w.window_events} JS-path events); "
          f"goal: about 1 s, what a SIGKILL of the harness can lose")


if __name__ == "__main__":
    sys.exit(main())
