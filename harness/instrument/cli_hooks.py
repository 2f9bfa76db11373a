"""``harness hooks list``: the hook modules of the agent and the APIs each one hooks.

    harness hooks list [--module NAME] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from harness.errors import ConfigError
from harness.instrument.agent import ModuleInfo, catalogue


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "hooks", help="list the hook modules and the APIs they hook",
        description="Show the hook agent's catalogue: modules (for --hooks) and their targets.")
    sub = parser.add_subparsers(dest="hooks_command", metavar="SUBCOMMAND", required=True)
    lst = sub.add_parser("list", help="list hook modules and targets")
    lst.add_argument("--module", metavar="NAME", help="only this module")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=run_list)


def _select(name: str | None) -> list[ModuleInfo]:
    mods = catalogue()
    if name is None:
        return mods
    chosen = [m for m in mods if m.name == name]
    if not chosen:
        raise ConfigError(f"--module {name}: no such hook module (known: {', '.join(m.name for m in mods)})")
    return chosen


def run_list(args: argparse.Namespace) -> int:
    mods = _select(args.module)
    if args.json:
        sys.stdout.write(json.dumps([dataclasses.asdict(m) for m in mods], indent=1) + "\n")
        return 0
    out: list[str] = []
    for m in mods:
        out.append(f"{m.name}: {m.description}")
        for t in m.targets:
            notes = [n for n in (t.runtime and f"{t.runtime} only", t.library, "optional" if t.optional else None) if n]
            extra = f"  [{', '.join(notes)}]" if notes else ""
            count = f" ({len(t.overloads)} overloads)" if t.kind == "java" else ""
            out.append(f"    {t.name}{count}{extra}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
