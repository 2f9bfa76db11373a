"""One scenario on 1, 2 and 4 virtual phones at once, against one phone alone.

    python benchmarks/fleet.py [--phones 1,2,4] [--idle 3]

Starts the largest number of virtual phones asked for (behind a private adb server), then runs a
short messenger scenario (the built-in pre_consent variant and one where the user refuses, each
idling ``--idle`` seconds) first with ``harness run --device S1`` (the baseline: one phone alone)
and then with ``harness run --devices S1,...,Sn`` for each n.  Prints, per n: the wall time, its
ratio to one phone alone, and the harness's own CPU time per phone-run (user + system of the
`harness` processes: the parent and its workers, measured with getrusage on the finished command;
the phones' processes are not the harness and are not counted).

The machine matters: the virtual phones run on the same cores as the harness (a JVM per app, a
portal per phone), so with 2 cores the curve shows what the host can carry, not what the harness
costs; the CPU per phone-run is the harness's own figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """name: fleet_bench
app: com.example.messenger
variants:
  refused:
    consent: withheld
    ui: [{{tapOn: Reject}}]
idle: {idle}
steps:
  - launchApp
  - consentUi
  - idle: {idle}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _harness(*args: str, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the command and its workers) and the exit status of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "harness.cli", *args], env=env, capture_output=True, text=True,
                            check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"harness {' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", default="1,2,4", help="numbers of phones at once (default 1,2,4)")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds each variant idles")
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.phones.split(",")})
    if not counts or counts[0] < 1 or counts[-1] > 8:
        raise SystemExit("--phones: numbers from 1 to 8")
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(_free_port()), "HARNESS_HOME": str(folder / "home")}
        os.environ.update({k: env[k] for k in ("ANDROID_ADB_SERVER_PORT", "HARNESS_HOME")})
        from harness.virtual.manager import PhoneManager

        scenario = folder / "fleet_bench.yaml"
        scenario.write_text(SCENARIO.format(idle=args.idle))  # top-level idle: pre_consent's too
        print(f"starting {counts[-1]} virtual phones ...")
        phones = [PhoneManager().start(state=folder / f"phone{i}") for i in range(counts[-1])]
        try:
            serials = [p.serial for p in phones]
            _harness("run", str(scenario), "--device", serials[0], "--out", str(folder / "warm"), env=env)  # warm-up
            alone, alone_cpu, _ = _harness("run", str(scenario), "--device", serials[0], "--out",
                                           str(folder / "alone"), env=env)
            print(f"{'phones':>6} {'wall s':>8} {'x alone':>8} {'harness CPU s / phone-run':>26}")
            print(f"{'alone':>6} {alone:8.1f} {1.0:8.2f} {alone_cpu:26.2f}")
            for n in counts:
                wall, cpu, _ = _harness("run", str(scenario), "--devices", ",".join(serials[:n]), "--out",
                                        str(folder / f"fleet{n}"), env=env)
                print(f"{n:>6} {wall:8.1f} {wall / alone:8.2f} {cpu / n:26.2f}")
        finally:
            for phone in phones:
                PhoneManager().stop(phone.serial)
            subprocess.run([sys.executable, "-c", "from harness.device.adb import adb_binary; import subprocess; "
                            "subprocess.run([adb_binary(), 'kill-server'], check=False)"], env=env, check=False)
    print(f"\n{os.cpu_count()} cores here; the phones share them with the harness.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
