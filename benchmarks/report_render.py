"""How long a report and a diff take, and how large the HTML page is, for a big run.

    python benchmarks/report_render.py [--events 10000] [--findings 500] [--payload 1024]

Makes two run stores like `harness run` writes them (three variants; ``--events`` events each, of
which ``--findings`` carry a canary in one of several encodings; the rest are ordinary requests,
DNS answers and reads; 1 KiB payloads), then times, in this process:

- the report document of one run (three passes over the run, the detector, flows, evidence);
- the HTML render of that document, and its size;
- ``harness diff`` of the two runs (two report documents and their diff), end to end.

Goals (issue 12): HTML under 3 s and under 20 MB; the diff under 2 s.  Prints the figures and,
as a baseline from the same process, the time of a plain `harness detect`-style pass over the
same run (the detector alone), so the report's cost reads as a ratio on any machine.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.compare.diff import diff_reports  # noqa: E402
from harness.compare.geo import GeoDb  # noqa: E402
from harness.detect.canaries import load_canaries_text  # noqa: E402
from harness.detect.destinations import Destinations, TrackerDb  # noqa: E402
from harness.detect.detector import Detector  # noqa: E402
from harness.detect.inputs import iter_run_items  # noqa: E402
from harness.events import Dest, Event  # noqa: E402
from harness.record.store import RunStore  # noqa: E402
from harness.report.build import ReportOptions, build_report  # noqa: E402
from harness.report.html import render_report_html  # noqa: E402

CANARIES = """identifiers:
  android_id: 3f1c9a7be2d04c51
  imei: "358240051111110"
contacts:
  - {name: Ann Canary, phones: ["+14155550134"], emails: [ann.canary@example.org]}
"""
VALUES = ("3f1c9a7be2d04c51", "358240051111110", "+14155550134", "ann.canary@example.org")
HOSTS = ("analytics.tracker.example", "sdk.tracker.example", "api.messenger.example", "ads.tracker.example")
VARIANTS = (("pre_consent", "withheld"), ("accepted", "given"), ("rejected", "withheld"))


def _leak(rng: random.Random, value: str) -> bytes:
    form = rng.randrange(4)
    if form == 0:
        return f'{{"id":"{value}"}}'.encode()
    if form == 1:
        return base64.b64encode(gzip.compress(value.encode()))
    if form == 2:
        return f"h={hashlib.sha256(value.encode()).hexdigest()}".encode()
    return f"v={value}".encode()


def make_run(path: Path, events: int, findings: int, payload: int, seed: int) -> Path:
    rng = random.Random(seed)
    per_step = events // len(VARIANTS) // 4
    leaking = set(rng.sample(range(per_step * 4 * len(VARIANTS)), findings))
    meta = {"command": "run", "scenario_name": "bench", "variants": [v for v, _ in VARIANTS],
            "expect": [{"variant": "all", "forbidden_countries": ["CN"]}], "app": "com.example.app"}
    with RunStore.create(path, meta) as store:
        writer = store.writer()
        number = 0
        for variant, consent in VARIANTS:
            store.add_variant(variant, {"consent": consent})
            writer.set_variant(variant)
            for step in range(1, 5):
                writer.mark_step(step, f"/bench/bench.yaml:{10 + step}:5 step {step}")
                batch = []
                for _ in range(per_step):
                    host = rng.choice(HOSTS)
                    body = bytes(rng.getrandbits(8) % 26 + 97 for _ in range(payload))
                    if number in leaking:
                        leak = b"&" + _leak(rng, rng.choice(VALUES)) + b"&"
                        at = rng.randrange(payload - len(leak)) if payload > len(leak) else 0
                        body = body[:at] + leak + body[at + len(leak):]
                    kind = ("http.request", "tls.write", "net.dns", "id.read")[number % 4] if number not in leaking \
                        else "http.request"
                    batch.append(Event(
                        id=0, ts=time.time(), kind=kind, api="okhttp3.RealCall.execute", process="com.example.app",
                        pid=4242, variant=variant, step=step,
                        dest=Dest(host=host, port=443, scheme="https", url=f"https://{host}/v1/c") if kind != "id.read"
                        else None,
                        data=body if kind in ("http.request", "tls.write") else None,
                        value="203.0.113.7" if kind == "net.dns" else None, sdk="com.tracker.sdk"))
                    number += 1
                writer.put(batch)
        writer.flush()
        store.add_canaries(CANARIES, name="run")
        store.update_meta({"variant_results": {v: {"status": "ok"} for v, _ in VARIANTS}, "stop_reason": "completed"})
    return path


def timed(label: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:7.3f} s")
    return result, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--findings", type=int, default=500)
    parser.add_argument("--payload", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        folder = Path(tmp)
        print(f"making two runs of {args.events} events, {args.findings} with canaries ...")
        run_a = make_run(folder / "a.run", args.events, args.findings, args.payload, seed=1)
        run_b = make_run(folder / "b.run", args.events, args.findings, args.payload, seed=2)
        geo, trackers = GeoDb.bundled(), TrackerDb.bundled()

        def detect_only() -> int:
            canaries = load_canaries_text(CANARIES, "bench")
            detector = Detector(canaries, destinations=Destinations(trackers, [], "com.example.app"))
            return sum(len(detector.scan_item(item, lambda _n: None)) for item in iter_run_items(run_a))

        found, baseline = timed("baseline: the detector alone over run A", detect_only)
        doc, built = timed("report document of run A", build_report, run_a, ReportOptions(geo=geo, trackers=trackers))
        page, rendered = timed("HTML render", render_report_html, doc)
        size = len(page.encode("utf-8"))

        def diff() -> object:
            options = ReportOptions(geo=geo, trackers=trackers)
            return diff_reports(build_report(run_a, options), build_report(run_b, options))

        _diff_doc, diffed = timed("harness diff A B (two reports + the diff)", diff)
    print()
    print(f"findings {found}, flows {len(doc['flows'])}, evidence explained {len(doc['findings'])}, "
          f"timeline {len(doc['timeline'])}")
    print(f"HTML: built + rendered in {built + rendered:.2f} s (goal < 3 s), {size / 1e6:.2f} MB (goal < 20 MB); "
          f"report / detector alone: {built / baseline:.2f}x")
    print(f"diff: {diffed:.2f} s (goal < 2 s); diff / (2 x detector alone): {diffed / (2 * baseline):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
