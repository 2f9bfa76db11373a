"""``harness pcap start|stop|pull|import``: PCAPdroid over adb, and its PCAP into a run (see ``pcapdroid``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.files import check_output


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pcap", help="PCAPdroid captures (no root): start, stop, pull, import into a run",
        description="Drive PCAPdroid over adb and import its capture's connections into a run (source: pcap).")
    sub = parser.add_subparsers(dest="pcap_command", metavar="ACTION", required=True)
    start = sub.add_parser("start", help="start a capture into Download/PCAPdroid/NAME")
    start.add_argument("--app", metavar="PKG", help="capture this app only")
    start.add_argument("--name", default="traffic.pcap", help="the file name (default traffic.pcap)")
    stop = sub.add_parser("stop", help="stop the capture")
    pull = sub.add_parser("pull", help="copy the capture to this host")
    pull.add_argument("--name", default="traffic.pcap")
    pull.add_argument("file", type=Path, metavar="FILE")
    pull.add_argument("--force", action="store_true", help="replace FILE")
    for each in (start, stop, pull):
        each.add_argument("--device", metavar="SERIAL", help="the phone (default: $ANDROID_SERIAL or the only one)")
    imported = sub.add_parser("import", help="add a PCAP's connections to a run as net.connect events")
    imported.add_argument("run", type=Path, metavar="RUN")
    imported.add_argument("pcap", type=Path, metavar="FILE.pcap")
    parser.set_defaults(func=run_pcap)


def run_pcap(args: argparse.Namespace) -> int:
    if args.pcap_command == "import":
        from harness.capture.pcapdroid import import_pcap

        added, skipped = import_pcap(args.run, args.pcap)
        sys.stdout.write(f"{args.run}: {added} connections added from {args.pcap}"
                         f"{f' ({skipped} packets were not TCP/UDP over IP)' if skipped else ''}\n")
        return 0
    from harness.capture.pcapdroid import PcapDroid
    from harness.device.device import Device
    from harness.run.api import pick_device

    droid = PcapDroid(Device.connect(pick_device(args.device)))
    if args.pcap_command == "start":
        droid.start(args.name, args.app)
    elif args.pcap_command == "stop":
        droid.stop()
    else:
        check_output(args.file, force=args.force, what="capture")
        droid.shell.pull(droid.remote_path(args.name), str(args.file))
        sys.stdout.write(f"{args.file}\n")
    return 0
