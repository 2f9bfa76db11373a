"""``harness validate`` and ``harness schema``: check scenario files, print their JSON Schema.

    harness validate FILE... [--env NAME=VALUE]... [--variants a,b]
    harness schema scenario [--path]

``validate`` reads every file (and the flow files they run) and reports every problem of every
file in one go, one ``FILE:LINE:COL: message`` line each on stderr; a file without problems gets
``FILE: ok`` on stdout.  Exit status 2 if any file has a problem, else 0.  Never a traceback: a
file that is not YAML, not UTF-8, too large, too deep or an alias bomb is a located problem like
any other.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.errors import ConfigError, ScenarioError
from harness.scenario.env import parse_env_overrides
from harness.scenario.load import load_scenario, select_variants
from harness.scenario.schema import schema_path, schema_text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate", help="check scenario files; every problem as FILE:LINE:COL",
        description="Check scenario files (and the Maestro flow files they run) and report every problem "
                    "of every file, one FILE:LINE:COL: message line each.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a scenario YAML file")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set a scenario parameter (${NAME}), over the file's env (repeatable)")
    parser.add_argument("--variants", metavar="a,b", help="also check that these variants are defined")
    parser.set_defaults(func=run_validate)

    schema = subparsers.add_parser("schema", help="print a JSON Schema (for editors)",
                                   description="Print the JSON Schema of a harness file format.")
    schema.add_argument("format", choices=["scenario", "report", "diff"],
                        help="scenario: the scenario YAML; report, diff: the JSON of harness report/diff --json")
    schema.add_argument("--path", action="store_true", help="print where the schema file is instead (scenario only)")
    schema.set_defaults(func=run_schema)


def run_validate(args: argparse.Namespace) -> int:
    overrides = parse_env_overrides(args.env)
    wanted = args.variants.split(",") if args.variants else []
    failed = False
    for file in args.files:
        try:
            scenario = load_scenario(file, overrides)
            if wanted:
                select_variants(scenario, wanted)
        except ScenarioError as exc:
            failed = True
            for line in exc.problems:
                sys.stderr.write(f"{line}\n")
            continue
        sys.stdout.write(f"{file}: ok\n")
    sys.stdout.flush()
    return 2 if failed else 0


def run_schema(args: argparse.Namespace) -> int:
    if args.format != "scenario":
        if args.path:
            raise ConfigError(f"--path: the {args.format} schema is made from the code, not kept in a file")
        from harness.report.schema import schema_text as document_schema

        sys.stdout.write(document_schema(args.format))
        return 0
    sys.stdout.write(f"{schema_path()}\n" if args.path else schema_text())
    return 0
