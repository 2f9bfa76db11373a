"""``harness run SCENARIO``: replay a scenario under its consent variants and record everything.

    harness run SCENARIO [--device SERIAL | --virtual [PROFILE] | --devices LIST|all] [--out DIR] [--variants a,b]
                         [--ui uiautomator2|shell] [--env NAME=VALUE]... [--force] [--reconnect-timeout S]
                         [--capture auto|hooks|both]

The run folder (``harness.run.folder``) gets the run store, the artifacts and a copy of the
scenario.  The device is ``--device``, else ``$ANDROID_SERIAL``, else the only one connected;
``--virtual`` starts a fresh virtual phone for the run and stops it afterwards; ``--devices`` runs
it on many phones at once (``harness.run.fleet``).  ``--capture`` adds a second capture path: an
in-process mitmproxy the phone is routed to (``harness.capture``); ``auto`` (the default) uses it
where its CA can go where every app trusts it (root, a writable system store), else the hooks alone,
and says so; ``both`` uses it with the CA in the user store at least.

Ends with the run's report (``harness.report``: verdict first), also written into the run folder as
report.json, report.html and junit.xml.

Exit status: 0 every variant ran to its end and nothing was sent without consent; 1 a violation
or a failed expectation; 2 the run could not start (an invalid scenario, no device); 3 a variant
failed or is incomplete, or the run was interrupted (the scenario broke, not the app's privacy;
the report still shows what was found in what ran).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.run.api import RunRequest, run_scenario


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run", help="replay a scenario under its consent variants and record what leaves the phone",
        description="Run a scenario file on a phone, once per consent variant, from a clean state each time.")
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="the scenario YAML file")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--device", metavar="SERIAL", help="the phone (default: $ANDROID_SERIAL or the only one)")
    where.add_argument("--virtual", nargs="?", const="default", metavar="PROFILE",
                       help="start a fresh virtual phone (profile: default) for the run, stopped after")
    where.add_argument("--devices", metavar="LIST",
                       help="run on many phones at once: SERIAL,SERIAL@HOST:PORT,... (a phone on another adb "
                            "server) or all; one run folder per phone under --out, then a merged matrix")
    parser.add_argument("--out", type=Path, metavar="DIR", help="the run folder (default: runs/NAME-TIME)")
    parser.add_argument("--variants", metavar="LIST", help="comma-separated variants to run (default: all)")
    parser.add_argument("--ui", choices=("uiautomator2", "shell"), default="uiautomator2",
                        help="how to drive the screen (shell: `uiautomator dump` + `input`, where the "
                             "uiautomator2 server cannot run)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="override a scenario parameter (repeatable)")
    parser.add_argument("--force", action="store_true", help="replace the run folder if it holds a run")
    parser.add_argument("--geoip", type=Path, action="append", default=[], metavar="DB",
                        help="a MaxMind-format database (.mmdb) for the report's countries instead of the bundled "
                             "one (repeat for a country and an ASN database)")
    parser.add_argument("--trackers", type=Path, metavar="FILE", help="a tracker list instead of the bundled one")
    parser.add_argument("--capture", choices=("auto", "hooks", "mitm", "both"), default="auto",
                        help="capture paths: hooks (frida), both (frida and an in-process mitmproxy the phone is "
                             "routed to over adb reverse; needs root for the CA), auto (both where the CA can go "
                             "into the system store, else hooks; the default); mitm alone is not implemented yet")
    parser.add_argument("--reconnect-timeout", type=float, default=30.0, metavar="S",
                        help="how long to wait for a phone that went away (default 30)")
    parser.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    request = RunRequest(
        scenario=args.scenario, out=args.out, device=args.device, virtual=args.virtual,
        variants=args.variants.split(",") if args.variants else None, env=tuple(args.env), ui=args.ui,
        force=args.force, reconnect_timeout=args.reconnect_timeout, geoip=tuple(args.geoip), trackers=args.trackers,
        capture=args.capture,
    )
    if args.devices is not None:
        from harness.run.fleet import run_fleet

        return run_fleet(request, args.devices)
    return run_scenario(request).exit_code
