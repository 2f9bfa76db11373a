"""The C byte scanners (harness/detect/_native_src/) against the pure-Python code they replaced.

    .venv/bin/python benchmarks/native_scans.py [--mb 4] [--repeat 5]

Generates about ``--mb`` MB of each kind of layer (sensor JSON dense with floats, analytics events JSON
with base64 blobs, form bodies, protobuf batches, random binary), runs each scanner on it as one layer and as 4 KB
layers (the detector sees many small layers: header values, fields, decoded runs; flatten only on
the binary kinds, as the peeler calls it), and prints the
throughput of the old code (tests/detect/reference_scans.py), of the new, and the speed-up.  The
outputs are compared too, so a figure is never for a scanner that gives something else.

Figures only: speed is never asserted (DESIGN.md: measured in benchmarks, never in tests).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "detect"))
import reference_scans as oracle  # the old code, kept as the tests' oracle

from harness.detect import decoders, protobuf
from harness.detect.structural import find_structural

Scanner = Callable[[bytes], object]
BINARY = ("protobuf batch", "random binary")
WORDS = ("screen_view", "session_start", "button_tap", "purchase", "settings", "home", "feed", "profile")


def telemetry(rng: random.Random, size: int) -> bytes:
    """Sensor telemetry: floats side by side, so most pairs are reported as coordinates."""
    out, total = [], 0
    while total < size:
        event = {
            "event": rng.choice(WORDS), "ts": round(1.7e9 + rng.random() * 1e6, 3),
            "session": f"{rng.getrandbits(64):016x}", "seq": rng.randrange(1 << 20),
            "battery": round(rng.random(), 4), "cpu": round(rng.random() * 100, 3),
            "accel": [round(rng.uniform(-9.81, 9.81), 5) for _ in range(3)],
            "gyro": [round(rng.uniform(-3, 3), 6) for _ in range(3)],
            "latency_ms": round(rng.expovariate(0.01), 2), "fps": round(rng.uniform(50, 60), 3),
            "payload": base64.b64encode(rng.randbytes(rng.randrange(24, 96))).decode(),
            "locale": "en_IE", "os": "Android 14", "model": "Pixel 7",
        }
        line = json.dumps(event, separators=(",", ":")).encode()
        out.append(line)
        total += len(line) + 1
    return b"\n".join(out)


def events(rng: random.Random, size: int) -> bytes:
    """Analytics events as benchmarks/detect_throughput.py makes them: a float every ~80 bytes."""
    out, total = [], 0
    while total < size:
        params = [{"name": rng.choice(WORDS), "value": rng.randint(0, 10**6), "ratio": round(rng.random(), 6),
                   "label": " ".join(rng.choices(WORDS, k=4))} for _ in range(rng.randint(10, 120))]
        doc = {"app": "com.example.messenger", "ts": 1_732_800_000_000 + rng.randint(0, 10**8),
               "session": str(uuid.UUID(int=rng.getrandbits(128))), "sdk_version": "21.5.0",
               "blob": base64.b64encode(rng.randbytes(48)).decode(), "events": params}
        out.append(json.dumps(doc).encode())
        total += len(out[-1]) + 1
    return b"\n".join(out)


def form(rng: random.Random, size: int) -> bytes:
    out, total = [], 0
    while total < size:
        pairs = {
            "v": "1", "tid": f"UA-{rng.randrange(10**8)}-1", "cid": f"{rng.getrandbits(32)}.{rng.getrandbits(32)}",
            "t": rng.choice(WORDS), "dp": "/" + "/".join(rng.choice(WORDS) for _ in range(3)),
            "dt": " ".join(rng.choice(WORDS) for _ in range(4)), "ul": "en-ie", "sr": "1080x2400",
            "ev": str(rng.randrange(1000)), "z": str(rng.getrandbits(48)),
        }
        body = "&".join(f"{key}={quote(value, safe='').replace('%20', '+')}" for key, value in pairs.items())
        out.append(body.encode())
        total += len(body) + 1
    return b"\n".join(out)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _ld(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def protobuf_batch(rng: random.Random, size: int) -> bytes:
    out, total = [], 0
    while total < size:
        event = (_ld(1, rng.choice(WORDS).encode()) + _varint(2 << 3) + _varint(rng.getrandbits(40))
                 + _ld(3, f"{rng.getrandbits(64):016x}".encode()) + _varint(4 << 3 | 1) + rng.randbytes(8)
                 + _ld(5, _ld(1, b"Pixel 7") + _ld(2, b"Android 14") + _ld(3, b"en_IE"))
                 + _ld(6, rng.randbytes(rng.randrange(8, 40))))
        out.append(_ld(1, event))
        total += len(out[-1])
    return b"".join(out)


def best(scanner: Scanner, layers: list[bytes], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for layer in layers:
            scanner(layer)
        times.append(time.perf_counter() - start)
    return min(times)


def _structural(scan: Callable[[bytes], Iterable[Any]]) -> Scanner:
    """Hits as tuples: the old and the new StructuralHit are different classes."""
    return lambda data: [(hit.type, hit.value, hit.start, hit.end) for hit in scan(data)]


SCANNERS: list[tuple[str, Scanner, Scanner]] = [
    ("protobuf.flatten", oracle.flatten, protobuf.flatten),
    ("base64_spans", oracle.base64_spans, decoders.base64_spans),
    ("hex_spans", oracle.hex_spans, decoders.hex_spans),
    ("find_structural", _structural(oracle.find_structural), _structural(find_structural)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=4, help="MB of each kind of layer (default 4)")
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs (default 5)")
    args = parser.parse_args()
    rng = random.Random(7)
    size = int(args.mb * 1e6)
    kinds = {"sensor JSON": telemetry(rng, size), "events JSON": events(rng, size), "form bodies": form(rng, size),
             "protobuf batch": protobuf_batch(rng, size), "random binary": rng.randbytes(size)}
    print(f"{'layer':<16} {'scanner':<17} {'layers':>7} {'old MB/s':>9} {'new MB/s':>9} {'speed-up':>9}")
    totals = {"old": 0.0, "new": 0.0}
    for kind, data in kinds.items():
        for cut in (None, 4096):
            layers = [data] if cut is None else [data[i:i + cut] for i in range(0, len(data), cut)]
            for name, old, new in SCANNERS:
                if name == "protobuf.flatten" and kind not in BINARY:
                    continue  # rejected at the first byte by both; peel only tries it on binary layers
                if [old(layer) for layer in layers] != [new(layer) for layer in layers]:
                    raise SystemExit(f"{name} gives something else than the old code on {kind}")
                old_time, new_time = best(old, layers, args.repeat), best(new, layers, args.repeat)
                totals["old"] += old_time
                totals["new"] += new_time
                label = "1 x whole" if cut is None else f"{len(layers)} x 4K"
                print(f"{kind:<16} {name:<17} {label:>9} {len(data) / old_time / 1e6:9.1f} "
                      f"{len(data) / new_time / 1e6:9.1f} {old_time / new_time:8.1f}x")
    print(f"all scanners, all layers: {totals['old']:.3f} s -> {totals['new']:.3f} s, "
          f"{totals['old'] / totals['new']:.1f}x")


if __name__ == "__main__":
    main()
