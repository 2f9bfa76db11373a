"""Leak detector throughput against ripgrep, on generated realistic traffic.

    .venv/bin/python benchmarks/detect_throughput.py [--mb 200] [--keep DIR [--reuse]] [--workers N] [--runs 2]

Generates about ``--mb`` MB of egress events (JSON telemetry, form posts, gzip'd JSON, protobuf,
raw binary, and one ~4 MB upload per 5,000 events; about 1% carrying one of 20 canaries in some
encoding), writes them as a JSONL export and as one raw file of the request bytes (``--reuse``
analyses what an earlier run kept in ``--keep DIR``), then measures:

1. the raw multi-pattern layer (the canary automaton with every form of the 20 canaries) over the
   request bytes, against ``rg -a -F -f PATTERNS`` over the same bytes (same patterns), each the
   best of 3 runs (rg searches one file on one thread);
2. the whole pipeline (``harness detect --jsonl`` minus printing: read, parse HTTP, peel every
   layer, match, structural detectors) in one process, in a fresh process, against the same rg
   figure; the best of ``--runs`` runs, with glibc's default allocator settings;
3. the pipeline process's peak memory (VmHWM) against the largest single event, in a separate run
   with a fixed mmap threshold (so freed large buffers are not kept and counted);
4. 2 and 3 again as ``harness detect --jsonl`` runs them by default on this machine: on one worker
   process per core (``--workers N`` to choose; the figure is skipped on a single core), with the
   peak memory growth of the worker that grew most.

Figures only: speed is never asserted (DESIGN.md: measured in benchmarks, never in tests).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from harness.detect import Detector, load_canaries
from harness.events import Dest, Event

CANARY_YAML = """\
identifiers:
  imei: "352099001761481"
  android_id: "9774d56d682e549c"
  advertising_id: "38400000-8cf0-11bd-b23e-10b96e40000d"
  serial: "R58M42XKQ7B"
  imsi: "272031234567890"
  iccid: "8935301234567890124"
  wifi_mac: "02:1a:11:f0:3c:5e"
  phone_number: "+353 87 123 4567"
contacts:
  - {name: "Aoife Byrne", phones: ["+353861112222"], emails: ["aoife.byrne@example.org"]}
  - {name: "Ciarán Ó Dálaigh", phones: ["+353851234999"], emails: ["ciaran.odalaigh@example.net"]}
  - {name: "Siobhan Kavanagh", phones: ["+447700900123"]}
sms:
  - {address: "+353869998888", body: "Meet me at the usual place at 7"}
  - {body: "Your verification code is 449201 do not share it"}
location: {lat: 53.3438, lon: -6.2546}
accounts: ["seeded.user@gmail.com"]
"""
HOSTS = ("app-measurement.com", "api.example.com", "graph.facebook.com", "events.tracker.example",
         "settings.crashlytics.com", "telemetry.vendor-rom.example")
WORDS = ("screen_view", "session_start", "purchase", "login", "scroll", "click", "settings", "theme",
         "notification_open", "app_update", "first_open", "engagement", "dark", "en_IE", "Pixel 7")


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _proto_field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


class Traffic:
    """Realistic-looking request bytes; ``canary_rate`` of them carry a canary in some encoding."""

    def __init__(self, seed: int, canary_values: list[str], canary_rate: float = 0.01) -> None:
        self.rng = random.Random(seed)
        self.canary_values = canary_values
        self.canary_rate = canary_rate

    def _json_body(self, extra: str | None = None, params_count: int | None = None) -> bytes:
        rng = self.rng
        count = params_count if params_count is not None else rng.randint(10, 120)
        params = [{"name": rng.choice(WORDS), "value": rng.randint(0, 10**6), "ratio": round(rng.random(), 6),
                   "label": " ".join(rng.choices(WORDS, k=4))} for _ in range(count)]
        doc = {"app": "com.example.messenger", "ts": 1_732_800_000_000 + rng.randint(0, 10**8),
               "session": str(uuid.UUID(int=rng.getrandbits(128))), "sdk_version": "21.5.0",
               "device": {"model": "Pixel 7", "os": "14", "locale": "en_IE", "screen": "1080x2400"},
               "blob": base64.b64encode(rng.randbytes(48)).decode(), "events": params}
        if extra is not None:
            doc["x"] = extra
        return json.dumps(doc).encode()

    def _form_body(self, extra: str | None = None) -> bytes:
        rng = self.rng
        pairs = [(rng.choice(WORDS), " ".join(rng.choices(WORDS, k=3))) for _ in range(rng.randint(20, 200))]
        if extra is not None:
            pairs.insert(rng.randint(0, len(pairs)), ("v", extra))
        return "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs).encode()

    def _protobuf_body(self, extra: str | None = None) -> bytes:
        rng = self.rng
        items = b"".join(
            _proto_field(3, _proto_field(1, rng.choice(WORDS).encode()) + _proto_field(2, rng.randint(0, 10**9))
                         + _proto_field(3, rng.randbytes(rng.randint(4, 24))))
            for _ in range(rng.randint(20, 300))
        )
        head = _proto_field(1, 1_732_800_000 + rng.randint(0, 10**6)) + _proto_field(2, b"com.example.messenger")
        tail = _proto_field(9, extra.encode()) if extra is not None else b""
        return head + items + tail

    def _canary_text(self) -> str:
        rng = self.rng
        value = rng.choice(self.canary_values)
        form = rng.choice(("plain", "base64", "sha256", "md5", "gzip64", "url"))
        if form == "base64":
            return base64.b64encode(value.encode()).decode()
        if form == "sha256":
            return hashlib.sha256(value.encode()).hexdigest()
        if form == "md5":
            return hashlib.md5(value.encode()).hexdigest().upper()
        if form == "gzip64":
            return base64.b64encode(gzip.compress(value.encode())).decode()
        return quote(value, safe="") if form == "url" else value

    def request(self, big: bool = False) -> tuple[str, bytes]:
        """One request; ``big`` makes it a ~4 MB JSON upload (a crash dump or a batch of a day)."""
        rng = self.rng
        host = rng.choice(HOSTS)
        extra = self._canary_text() if rng.random() < self.canary_rate else None
        kind = "big" if big else rng.choices(("json", "form", "gzip", "proto", "binary"),
                                             weights=(40, 20, 20, 15, 5))[0]
        headers = {"Host": host, "User-Agent": "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/UQ1A)",
                   "Authorization": "Bearer " + base64.urlsafe_b64encode(rng.randbytes(96)).decode().rstrip("="),
                   "Cookie": f"sid={rng.getrandbits(64):x}; consent=1"}
        if kind == "json":
            body, headers["Content-Type"] = self._json_body(extra), "application/json"
        elif kind == "big":
            body, headers["Content-Type"] = self._json_body(extra, 30_000), "application/json"
        elif kind == "form":
            body, headers["Content-Type"] = self._form_body(extra), "application/x-www-form-urlencoded"
        elif kind == "gzip":
            body = gzip.compress(self._json_body(extra), 6)
            headers["Content-Type"], headers["Content-Encoding"] = "application/json", "gzip"
        elif kind == "proto":
            body, headers["Content-Type"] = self._protobuf_body(extra), "application/x-protobuf"
        else:
            body = rng.randbytes(rng.randint(2_000, 30_000)) + (extra.encode() if extra else b"")
        headers["Content-Length"] = str(len(body))
        head = f"POST /v1/{rng.choice(WORDS)}?id={rng.getrandbits(32)} HTTP/1.1\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        return host, head.encode() + body


def generate(directory: Path, megabytes: int, canary_values: list[str]) -> tuple[int, int, int]:
    """Write traffic.jsonl and traffic.bin; return (events, bytes, largest event)."""
    traffic = Traffic(7, canary_values)
    target = megabytes * 1_000_000
    total = count = largest = 0
    with (directory / "traffic.jsonl").open("w") as jsonl, (directory / "traffic.bin").open("wb") as raw:
        while total < target:
            host, data = traffic.request(big=count % 5000 == 2500)
            count += 1
            event = Event(id=count, ts=0.0, kind="tls.write", api="SSL_write", process="com.example.messenger",
                          pid=4242, dest=Dest(host=host, port=443, scheme="https"), data=data)
            jsonl.write(json.dumps(event.to_json()) + "\n")
            raw.write(data + b"\n")
            total += len(data)
            largest = max(largest, len(data))
    return count, total, largest


def _raw_events(path: Path) -> Iterator[bytes]:
    with path.open("rb") as jsonl:
        for line in jsonl:
            yield base64.b64decode(json.loads(line)["data"])


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pipeline_child(directory: Path, workers: int) -> None:
    """Run in a fresh process so its peak memory is the pipeline's alone (and its workers')."""
    from harness.detect.inputs import iter_jsonl_items
    from harness.detect.parallel import detect_jsonl

    detector = Detector(load_canaries(directory / "canaries.yaml"))
    baseline = _hwm_mb()
    errors: list[object] = []
    start = time.perf_counter()
    growth: dict[int, tuple[float, float]] = {}  # worker pid -> (first RSS seen, last VmHWM)
    done = threading.Event()
    watcher = threading.Thread(target=_watch_workers, args=(growth, done), daemon=True)
    watcher.start()
    if workers > 1:
        found = detect_jsonl(detector, directory / "traffic.jsonl", workers, errors.append)
    else:
        found = detector.detect_items(iter_jsonl_items(directory / "traffic.jsonl", errors.append))
    findings = sum(1 for _ in found)
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    worker_growth = max((hwm - first for first, hwm in growth.values()), default=0.0)
    print(json.dumps({"seconds": elapsed, "findings": findings, "baseline_mb": baseline, "peak_mb": _hwm_mb(),
                      "worker_growth_mb": worker_growth, "errors": len(errors)}))


def _watch_workers(growth: dict[int, tuple[float, float]], done: threading.Event) -> None:
    """Poll the worker processes' RSS and VmHWM (/proc) until ``done``."""
    while not done.wait(0.02):
        for child in multiprocessing.active_children():
            try:
                status = Path(f"/proc/{child.pid}/status").read_text()
            except OSError:
                continue
            fields = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status.splitlines()
                      if line.startswith(("VmRSS:", "VmHWM:"))}
            if child.pid is not None and len(fields) == 2:
                first = growth.get(child.pid, (fields["VmRSS"], 0.0))[0]
                growth[child.pid] = (first, fields["VmHWM"])


def _pipeline(directory: Path, workers: int, *, fixed_mmap_threshold: bool) -> dict[str, float]:
    """One pipeline run in a fresh process.  Speed runs use glibc's defaults, as a user's run does;
    memory runs fix the mmap threshold so glibc does not serve freed large buffers from its heap,
    and the child's peak RSS follows what it really holds at once (that costs about 15% in speed)."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"} if fixed_mmap_threshold else None
    child = subprocess.run([sys.executable, __file__, "--pipeline-child", str(directory), "--workers", str(workers)],
                           capture_output=True, text=True, check=True, env=env)
    stats: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return stats


def _report_pipeline(directory: Path, workers: int, *, rg_mbps: float, total: int, largest: int, runs: int) -> None:
    timed = [_pipeline(directory, workers, fixed_mmap_threshold=False) for _ in range(runs)]
    best = min(timed, key=lambda stats: stats["seconds"])
    pipe_mbps = total / 1e6 / best["seconds"]
    label = "whole pipeline, 1 process:" if workers <= 1 else f"whole pipeline, {workers} workers:"
    print(f"{label:28s} {pipe_mbps:8.1f} MB/s  = {pipe_mbps / rg_mbps:.2f}x rg  (best of {runs}; "
          f"{int(best['findings'])} findings, {int(best['errors'])} read errors)")
    stats = _pipeline(directory, workers, fixed_mmap_threshold=True)
    if workers <= 1:
        growth = stats["peak_mb"] - stats["baseline_mb"]
        print(f"  peak memory: {stats['peak_mb']:.1f} MB (after imports and automaton {stats['baseline_mb']:.1f} MB; "
              f"growth while streaming {growth:.1f} MB = {growth * 1e6 / largest:.1f}x the largest event, "
              f"capture {total / 1e6:.0f} MB)")
    else:
        worker_growth = stats["worker_growth_mb"]
        print(f"  peak memory growth of the worker that grew most: {worker_growth:.1f} MB = "
              f"{worker_growth * 1e6 / largest:.1f}x the largest event")


def _scan_all(detector: Detector, buffers: list[bytes]) -> None:
    for data in buffers:
        detector.matcher.raw_matches(data)


def _best_seconds(action: Callable[..., object], runs: int, *args: object) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200, help="megabytes of traffic to generate (default 200)")
    parser.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="also time the pipeline on this many worker processes (default: one per core, "
                             "as harness detect does)")
    parser.add_argument("--runs", type=int, default=2, help="timed runs of each pipeline figure; the best counts")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: analyse the traffic already generated there instead of generating it")
    parser.add_argument("--pipeline-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pipeline_child:
        pipeline_child(args.pipeline_child, args.workers)
        return
    rg = shutil.which("rg")
    directory = args.keep or Path(tempfile.mkdtemp(prefix="detect-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "canaries.yaml").write_text(CANARY_YAML, encoding="utf-8")
    canaries = load_canaries(directory / "canaries.yaml")
    detector = Detector(canaries)
    patterns = detector.matcher.patterns
    (directory / "patterns.txt").write_bytes(b"\n".join(patterns) + b"\n")
    print(f"canaries: {len(canaries.values)} values + location -> {len(patterns)} patterns")
    start = time.perf_counter()
    stats_file = directory / "traffic.stats.json"
    if args.reuse:
        if args.keep is None or not stats_file.exists():
            parser.error("--reuse needs --keep DIR holding traffic generated by an earlier run")
        generated = json.loads(stats_file.read_text())
        if generated["mb"] != args.mb:
            parser.error(f"{directory} holds {generated['mb']} MB of traffic, not --mb {args.mb}")
        count, total, largest = generated["events"], generated["bytes"], generated["largest"]
        how = "reused"
    else:
        count, total, largest = generate(directory, args.mb, [c.value for c in canaries.values])
        stats_file.write_text(json.dumps({"mb": args.mb, "events": count, "bytes": total, "largest": largest}))
        how = f"generated in {time.perf_counter() - start:.1f} s"
    print(f"traffic: {count} events, {total / 1e6:.1f} MB, largest event {largest / 1e3:.1f} kB "
          f"({how}) in {directory}")

    rg_mbps = float("nan")
    if rg:
        cmd = [rg, "-a", "-F", "--count-matches", "-f", str(directory / "patterns.txt"), str(directory / "traffic.bin")]
        counted = subprocess.run(cmd, capture_output=True, text=True, check=False)  # also warms the page cache
        rg_mbps = total / 1e6 / _best_seconds(lambda: subprocess.run(cmd, capture_output=True, check=False), 3)
        print(f"rg -F -f PATTERNS:            {rg_mbps:8.1f} MB/s  (best of 3; "
              f"{counted.stdout.strip() or 0} matching lines)")
    else:
        print("rg not found: install ripgrep (scripts/setup.sh does) for the baseline")

    buffers = list(_raw_events(directory / "traffic.jsonl")) if total <= 400_000_000 else []
    matches = sum(len(detector.matcher.raw_matches(data)) for data in buffers)
    raw_mbps = total / 1e6 / _best_seconds(_scan_all, 3, detector, buffers)
    print(f"raw multi-pattern layer:      {raw_mbps:8.1f} MB/s  = {raw_mbps / rg_mbps:.2f}x rg  "
          f"(best of 3; {matches} matches)")
    del buffers

    _report_pipeline(directory, 1, rg_mbps=rg_mbps, total=total, largest=largest, runs=args.runs)
    if args.workers > 1:
        _report_pipeline(directory, args.workers, rg_mbps=rg_mbps, total=total, largest=largest,
                         runs=args.runs)
    if args.keep is None:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
