"""Shell round-trip and push throughput through ``Device`` vs raw adbutils, on one virtual phone.

Starts a private adb server and a virtual phone, then alternates raw adbutils and Device runs
(same commands, same files) so both see the same machine load.  Prints each figure and the ratio
Device/raw (goal: Device costs <= 1.2x).

    python benchmarks/adb_roundtrip.py [--rounds 200] [--push-mb 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="shell round trips per side")
    parser.add_argument("--push-mb", type=int, default=20, help="size of the pushed file")
    parser.add_argument("--pushes", type=int, default=5)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="bench-harness-")
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(_free_port())
    os.environ["HARNESS_HOME"] = home
    import adbutils

    from harness.device.adb import adb_binary
    from harness.device.device import Device
    from harness.virtual.manager import PhoneManager

    subprocess.run([adb_binary(), "start-server"], check=True, capture_output=True)
    manager = PhoneManager()
    phone = manager.start(state=Path(home) / "state")
    try:
        client = adbutils.AdbClient()
        raw = client.device(phone.serial)
        device = Device(client.device(phone.serial), client)
        device.shell(["true"])  # warm both paths (feature query, sandbox caches)
        raw.shell2("true", v2=True)

        raw_rt: list[float] = []
        dev_rt: list[float] = []
        for _ in range(args.rounds // 10):  # interleave in blocks so load drifts hit both
            raw_rt += _timed(lambda: raw.shell2("echo ping", v2=True), 10)
            dev_rt += _timed(lambda: device.shell(["echo", "ping"]), 10)

        payload = Path(home) / "push.bin"
        payload.write_bytes(os.urandom(args.push_mb * 1024 * 1024))
        raw_push: list[float] = []
        dev_push: list[float] = []
        verified_push: list[float] = []
        for _ in range(args.pushes):
            raw_push += _timed(lambda: raw.sync.push(str(payload), "/data/local/tmp/bench.bin"), 1)
            dev_push += _timed(lambda: device.push(str(payload), "/data/local/tmp/bench.bin"), 1)
            verified_push += _timed(lambda: device.push(str(payload), "/data/local/tmp/bench.bin", verify=True), 1)

        raw_ms = statistics.median(raw_rt) * 1000
        dev_ms = statistics.median(dev_rt) * 1000
        raw_mbs = args.push_mb / statistics.median(raw_push)
        dev_mbs = args.push_mb / statistics.median(dev_push)
        verified_mbs = args.push_mb / statistics.median(verified_push)
        print(f"shell round trip (median of {len(raw_rt)}): adbutils {raw_ms:.2f} ms, Device {dev_ms:.2f} ms, "
              f"Device/adbutils = {dev_ms / raw_ms:.2f}x")
        print(f"push {args.push_mb} MB (median of {args.pushes}): adbutils {raw_mbs:.1f} MB/s, "
              f"Device {dev_mbs:.1f} MB/s, Device cost = {raw_mbs / dev_mbs:.2f}x "
              f"(with verify=True: {verified_mbs:.1f} MB/s, {raw_mbs / verified_mbs:.2f}x)")
        print("goal: Device costs <= 1.20x on both")
    finally:
        manager.stop(phone.serial)
        subprocess.run([adb_binary(), "kill-server"], capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
