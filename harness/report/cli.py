"""``harness report RUN`` and ``harness diff RUN_A RUN_B``: verdicts in every form.

    harness report RUN [--html F] [--json F] [--junit F] [--har F] [--geoip DB]... [--trackers F] [--force]
    harness diff RUN_A RUN_B [--html F] [--json F] [--junit F] [--geoip DB]... [--trackers F] [--force]

Both print the terminal form (verdict first) and write the files asked for (``-`` for ``--json``:
standard output, then the terminal form goes to stderr).  RUN is a run folder or a run file.
``--force`` replaces existing output files and, for ``diff``, compares runs of different scenarios.

Exit status: 0 everything holds; 1 a violation, a failed expectation, or (diff) a regression;
2 could not run (bad input); 3 a variant failed or the run is incomplete.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from harness.errors import ConfigError
from harness.files import atomic_output, check_output
from harness.record.store import sidecars
from harness.report.shape import DiffDoc, ReportDoc


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html", type=Path, metavar="FILE", help="one self-contained HTML page")
    parser.add_argument("--json", metavar="FILE",
                        help="the document as JSON (schema: harness schema report); - for stdout")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="JUnit XML for CI")
    parser.add_argument("--geoip", type=Path, action="append", default=[], metavar="DB",
                        help="a MaxMind-format database (.mmdb) for countries and networks instead of the bundled "
                             "one (repeat for a country and an ASN database)")
    parser.add_argument("--trackers", type=Path, metavar="FILE", help="a tracker list instead of the bundled one")
    parser.add_argument("--force", action="store_true", help="replace existing output files")


def register(subparsers: Any) -> None:
    report = subparsers.add_parser(
        "report", help="the verdict of a run: violations, expectations, flows, countries",
        description="Report what personal data left the phone in a run, per consent variant, with the verdict.")
    report.add_argument("run", type=Path, metavar="RUN", help="a run folder (harness run --out) or a run file")
    _common(report)
    report.add_argument("--har", type=Path, metavar="FILE", help="the HTTP and TLS events as HAR 1.2")
    report.set_defaults(func=run_report)
    diff = subparsers.add_parser(
        "diff", help="what changed between two runs of one scenario (two builds)",
        description="Compare two runs of the same scenario: flows added, removed and changed, new data "
                    "types and destinations, destinations that moved country.")
    diff.add_argument("run_a", type=Path, metavar="RUN_A", help="the baseline run (build A)")
    diff.add_argument("run_b", type=Path, metavar="RUN_B", help="the run to judge (build B)")
    _common(diff)
    diff.set_defaults(func=run_diff)


def _options(args: argparse.Namespace) -> Any:
    from harness.compare.geo import GeoDb
    from harness.detect.destinations import TrackerDb
    from harness.report.build import ReportOptions

    geo = GeoDb.load(*args.geoip) if args.geoip else GeoDb.bundled()
    trackers = TrackerDb.load(args.trackers) if args.trackers else TrackerDb.bundled()
    return ReportOptions(geo=geo, trackers=trackers)


def _say(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def load_report(run: Path, options: Any, *, quiet: bool = False) -> ReportDoc:
    """The report document of ``run`` (a folder or a run file); notes about the run go to stderr."""
    from harness.record.status import status_notice
    from harness.report.build import build_report
    from harness.run.folder import store_path

    store = store_path(run)
    message, _code = status_notice(store)
    if message is not None:
        _say(f"harness: {message}")
    doc = build_report(store, options, folder=run if run.is_dir() else None,
                       progress=None if quiet or not sys.stderr.isatty() else _say)
    for problem in options.problems[:20]:
        _say(f"harness: {problem}")
    if len(options.problems) > 20:
        _say(f"harness: ... and {len(options.problems) - 20} more problems")
    return doc


Writer = Callable[[Any], bytes]


def write_outputs(doc: Any, outputs: dict[str, Path | None], writers: dict[str, Writer], *, force: bool,
                  inputs: list[Path]) -> list[Path]:
    """Each requested form of ``doc`` written atomically; all checked before the first is written."""
    wanted = [(kind, path) for kind, path in outputs.items() if path is not None]
    for kind, path in wanted:
        check_output(path, force=force, inputs=inputs, what=f"{kind} output")
    written = []
    for kind, path in wanted:
        data = writers[kind](doc)
        with atomic_output(path, binary=True) as out:
            out.write(data)
        written.append(path)
    return written


def json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=True, indent=1) + "\n").encode("ascii")


def report_writers() -> dict[str, Writer]:
    from harness.report.html import render_report_html
    from harness.report.junit import report_junit

    return {"html": lambda d: render_report_html(d).encode("utf-8"), "json": json_bytes, "junit": report_junit}


def diff_writers() -> dict[str, Writer]:
    from harness.report.html import render_diff_html
    from harness.report.junit import diff_junit

    return {"html": lambda d: render_diff_html(d).encode("utf-8"), "json": json_bytes, "junit": diff_junit}


def _console(to_stderr: bool) -> Console:
    stream = sys.stderr if to_stderr else sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=True, width=None if stream.isatty() else 160)


def _inputs(*runs: Path) -> list[Path]:
    from harness.run.folder import store_path

    return [p for run in runs for p in sidecars(store_path(run))]


def run_report(args: argparse.Namespace) -> int:
    from harness.report.terminal import print_report

    to_stdout = args.json == "-"
    outputs = {"html": args.html, "json": None if to_stdout or args.json is None else Path(args.json),
               "junit": args.junit, "har": args.har}
    inputs = _inputs(args.run)
    for kind, path in outputs.items():  # refused before the run is read, not after
        if path is not None:
            check_output(path, force=args.force, inputs=inputs, what=f"{kind} output")
    doc = load_report(args.run, _options(args))
    writers = report_writers()
    har = outputs.pop("har")
    write_outputs(doc, outputs, writers, force=True, inputs=inputs)
    if har is not None:
        _write_har(args.run, har)
    if to_stdout:
        sys.stdout.write(json_bytes(doc).decode("ascii"))
        sys.stdout.flush()
    print_report(doc, _console(to_stdout))
    return doc["verdict"]["exit_code"]


def _write_har(run: Path, path: Path) -> None:
    from harness.record.har import build_har
    from harness.run.folder import store_path

    errors: list[Exception] = []
    data = json.dumps(build_har(store_path(run), on_error=errors.append), indent=1, ensure_ascii=True) + "\n"
    with atomic_output(path, binary=True) as out:
        out.write(data.encode("ascii"))
    for error in errors[:20]:
        _say(f"harness: {error}")


def _scenario_name(run: Path) -> str | None:
    from harness.record.view import RunView
    from harness.run.folder import store_path

    name = RunView(store_path(run)).meta.get("scenario_name")
    return str(name) if name is not None else None


def run_diff(args: argparse.Namespace) -> int:
    from harness.compare.diff import diff_reports
    from harness.report.terminal import print_diff

    to_stdout = args.json == "-"
    outputs = {"html": args.html, "json": None if to_stdout or args.json is None else Path(args.json),
               "junit": args.junit}
    inputs = _inputs(args.run_a, args.run_b)
    for kind, path in outputs.items():
        if path is not None:
            check_output(path, force=args.force, inputs=inputs, what=f"{kind} output")
    name_a, name_b = _scenario_name(args.run_a), _scenario_name(args.run_b)
    if name_a != name_b and not args.force:
        raise ConfigError(f"{args.run_a} is a run of scenario {name_a!r} and {args.run_b} of {name_b!r}: a build "
                          "diff compares two runs of one scenario (use --force to compare them anyway)")
    options = _options(args)
    a = load_report(args.run_a, options)
    b = load_report(args.run_b, options)
    doc: DiffDoc = diff_reports(a, b, forced=name_a != name_b)
    write_outputs(doc, outputs, diff_writers(), force=True, inputs=inputs)
    if to_stdout:
        sys.stdout.write(json_bytes(doc).decode("ascii"))
        sys.stdout.flush()
    print_diff(doc, _console(to_stdout))
    broken = [x["run"]["path"] for x in (a, b) if x["verdict"]["status"] == "broken"]
    if broken:
        _say(f"harness: warning: {', '.join(broken)}: a variant failed or the run is incomplete; "
             "the diff compares what ran")
        return 3
    return doc["verdict"]["exit_code"]
