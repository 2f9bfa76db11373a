"""``harness db``: fleet results in PostgreSQL.

    harness db push RUN... [--dsn URL] [--events] [--payloads] [--replace] [--geoip DB]... [--trackers F]
    harness db query NAME [--dsn URL] [--data-type T] [--since DATE] [--json]
    harness db query --list | --sql NAME
    harness db migrate [--dsn URL]
    harness db schema

The DSN: ``--dsn``, else ``$HARNESS_DSN``, else libpq's ``PG*`` variables (see ``harness.db.connect``).
``push`` brings the database to the latest schema first, then pushes each run in its own
transaction; a run already there (same run id) is skipped, ``--replace`` re-imports it.  A run that
cannot be read is named (``harness: RUN: ...``) and the others are still pushed.  Exit status of
``push``: 0 every run pushed (or already there), 1 some failed, 2 none could be pushed or the
database could not be used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.db import connect as db
from harness.db.migrate import check_version, latest_version, migrate, schema_sql
from harness.db.push import PushResult, describe, push_run, readable
from harness.db.queries import QUERIES, NamedQuery, named
from harness.detect.render import safe_text
from harness.errors import ConfigError, HarnessError


def _dsn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dsn", metavar="URL",
                        help="the database: postgresql://USER[:PASSWORD]@HOST[:PORT]/DB or libpq key=value "
                             "(default: $HARNESS_DSN, else libpq's PG* variables)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="fleet results in PostgreSQL: push runs, ask questions over them",
                                   description="Collect many runs in PostgreSQL and ask questions over all of them "
                                               "(SQLite stays the store of each run).")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    push = sub.add_parser("push", help="push runs (folders or run files) into the database",
                          description="Push each run in one transaction; a run already there is skipped.")
    push.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="a run folder or a run file")
    _dsn(push)
    push.add_argument("--events", action="store_true", help="also every event (without its bytes)")
    push.add_argument("--payloads", action="store_true",
                      help="also what was captured: event bytes and read values (with --events), and the findings' "
                           "payload excerpts and full payloads")
    push.add_argument("--replace", action="store_true", help="re-import runs that are already in the database")
    push.add_argument("--geoip", type=Path, action="append", default=[], metavar="DB",
                      help="a MaxMind-format database (.mmdb) for countries instead of the bundled one (repeatable)")
    push.add_argument("--trackers", type=Path, metavar="FILE", help="a tracker list instead of the bundled one")
    push.set_defaults(func=run_push)

    query = sub.add_parser("query", help="ask one of the named questions over every pushed run",
                           description="Run a named query: " + "; ".join(f"{q.name}: {q.summary}"
                                                                          for q in QUERIES.values()))
    query.add_argument("name", nargs="?", metavar="NAME", help=" | ".join(QUERIES))
    _dsn(query)
    query.add_argument("--data-type", metavar="T", help="only this data type (a family such as contact covers "
                                                        "contact.*)")
    query.add_argument("--since", metavar="DATE", help="only runs started on or after DATE (YYYY-MM-DD, UTC)")
    query.add_argument("--json", action="store_true", help="the rows as JSON")
    query.add_argument("--list", action="store_true", help="list the queries with their SQL")
    query.add_argument("--sql", action="store_true", help="print the query's SQL instead of running it")
    query.set_defaults(func=run_query)

    migrate_ = sub.add_parser("migrate", help="bring the database to this harness's schema (nothing else)")
    _dsn(migrate_)
    migrate_.set_defaults(func=run_migrate)

    schema = sub.add_parser("schema", help="print the schema's SQL (every migration, in order)")
    schema.set_defaults(func=run_schema)


def _say(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def _loader(args: argparse.Namespace) -> Any:
    """Builds a run's report document, with the country and tracker data loaded once."""
    from harness.compare.geo import GeoDb
    from harness.detect.destinations import TrackerDb
    from harness.report.build import ReportOptions
    from harness.report.cli import load_report

    geo = GeoDb.load(*args.geoip) if args.geoip else GeoDb.bundled()
    trackers = TrackerDb.load(args.trackers) if args.trackers else TrackerDb.bundled()
    return lambda run: load_report(run, ReportOptions(geo=geo, trackers=trackers), quiet=True)


def run_push(args: argparse.Namespace) -> int:
    dsn = db.resolve_dsn(args.dsn)
    pg = db.psycopg_module()
    load = _loader(args)
    total, failed = len(args.runs), 0
    outcomes: dict[str, int] = {"pushed": 0, "replaced": 0, "skipped": 0}
    with db.connect(dsn) as conn:
        try:
            migrate(conn, say=_say)
        except pg.Error as exc:
            raise db.failure(exc, dsn, "cannot apply the schema") from None
        for index, run in enumerate(args.runs, 1):
            try:
                result: PushResult = push_run(conn, run, load, events=args.events, payloads=args.payloads,
                                              replace=args.replace)
            except HarnessError as exc:
                failed += 1
                _say(f"harness: {readable(exc, run)}")
                continue
            except pg.Error as exc:
                failed += 1
                _say(f"harness: {run}: not pushed: {db.clean_message(str(exc), dsn)}")
                if conn.broken or conn.closed:
                    rest = total - index
                    failed += rest
                    _say(f"harness: lost the connection to {db.shown(dsn)}; {rest} runs not pushed")
                    break
                continue
            outcomes[result.outcome] += 1
            for problem in result.problems[:20]:
                _say(f"harness: {problem}")
            _say(f"[{index}/{total}] {describe(result)}")
    sys.stdout.write(f"{outcomes['pushed']} pushed, {outcomes['replaced']} replaced, "
                     f"{outcomes['skipped']} already there, {failed} failed\n")
    if failed == 0:
        return 0
    return 2 if failed == total else 1


def _since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--since {text!r}: not a date (YYYY-MM-DD, or an ISO 8601 time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def run_query(args: argparse.Namespace) -> int:
    if args.list:
        print_queries(list(QUERIES.values()), with_sql=True)
        return 0
    if not args.name:
        raise ConfigError(f"name a query: {', '.join(QUERIES)} (harness db query --list shows them)")
    query = named(args.name)
    if args.sql:
        sys.stdout.write(query.sql + ";\n")
        return 0
    parameters = {"data_type": args.data_type, "since": _since(args.since)}
    dsn = db.resolve_dsn(args.dsn)
    pg = db.psycopg_module()
    with db.connect(dsn) as conn:
        try:
            check_version(conn)
            cur = conn.execute(query.sql, parameters)
            columns = [c.name for c in cur.description or ()]
            rows = cur.fetchall()
        except pg.Error as exc:
            raise db.failure(exc, dsn, f"query {query.name} failed") from None
    if args.json:
        sys.stdout.write(rows_json(query, parameters, columns, rows))
    else:
        print_rows(query, columns, rows)
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    dsn = db.resolve_dsn(args.dsn)
    pg = db.psycopg_module()
    with db.connect(dsn) as conn:
        try:
            applied = migrate(conn, say=_say)
        except pg.Error as exc:
            raise db.failure(exc, dsn, "cannot apply the schema") from None
    latest = latest_version()
    if applied:
        sys.stdout.write(f"schema version {latest}: applied {', '.join(m.name for m in applied)}\n")
    else:
        sys.stdout.write(f"schema version {latest}: already up to date, nothing applied\n")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_sql())
    return 0


# ---- query results: a rich table (captured text escaped) or JSON ---------------------------------
def plain(value: Any) -> Any:
    """A value from the database as JSON: times as ISO 8601 in UTC, numbers as numbers."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def cell(value: Any) -> Text:
    """A value as a table cell: None as ``-``, lists joined, every text escaped (it was captured)."""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return Text(moment.strftime("%Y-%m-%d %H:%M:%S"))
    value = plain(value)
    if value is None:
        return safe_text(None)
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, list):
        return safe_text(", ".join("-" if v is None else str(v) for v in value))
    return safe_text(str(value))


def rows_json(query: NamedQuery, parameters: dict[str, Any], columns: Sequence[str],
              rows: Sequence[Sequence[Any]]) -> str:
    doc = {"query": query.name, "parameters": {k: plain(v) for k, v in parameters.items()},
           "columns": list(columns), "rows": [{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]}
    return json.dumps(doc, ensure_ascii=True, indent=1) + "\n"


def print_rows(query: NamedQuery, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               console: Console | None = None) -> None:
    console = console or Console(file=sys.stdout, highlight=False, soft_wrap=False,
                                 width=None if sys.stdout.isatty() else 240)
    if not rows:
        console.print(Text(f"{query.name}: no rows"))
        return
    table = Table(title=Text(f"{query.name}: {len(rows)} rows"))
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell(v) for v in row))
    console.print(table)


def print_queries(queries: Sequence[NamedQuery], *, with_sql: bool) -> None:
    """The named queries, each with its summary (and its SQL), as plain text."""
    for query in queries:
        sys.stdout.write(f"{query.name}: {query.summary}\n")
        if with_sql:
            sys.stdout.write("\n" + "\n".join(f"    {line}" for line in query.sql.splitlines()) + "\n\n")
