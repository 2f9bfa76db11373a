"""``push_run``: one run into the fleet database, in one transaction.

A run is identified by its own id (the run store's ``meta.run_id``): pushing a run the database
already holds changes nothing (``skipped``), unless ``replace`` — then its rows are deleted and
imported again, in the same transaction, so a reader sees the old run or the new one, never half.
The run's report document is built only when the run is imported (``ReportDoc`` via
``harness.report.cli.load_report``): a skipped run costs one query.  Events (``events=True``) go
in with COPY; their bytes and read values, and the findings' payload texts, only with ``payloads``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness import __version__
from harness.db import rows
from harness.errors import HarnessError, StoreError
from harness.record.reader import iter_events
from harness.record.view import RunView
from harness.report.shape import ReportDoc
from harness.run.folder import store_path

log = logging.getLogger(__name__)

Outcome = Literal["pushed", "replaced", "skipped"]
#: Builds a run's report document (the CLI: ``harness.report.cli.load_report`` with fresh options).
ReportLoader = Callable[[Path], ReportDoc]


@dataclass
class PushResult:
    run: Path
    run_id: str
    outcome: Outcome
    flows: int = 0
    violations: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)   # events that could not be read (skipped)


def run_id_of(run: Path) -> str:
    """The run's own id, or a ``StoreError`` (a run folder without a store is a ``ConfigError``)."""
    store = store_path(run)
    if not store.is_file():
        raise StoreError("no such run file or folder")
    value = RunView(store).meta.get("run_id")
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"{store}: the run has no run_id in its metadata; it cannot be told apart from others")
    return value


def _insert(cur: Any, table: str, columns: Sequence[str], values: Sequence[tuple[Any, ...]]) -> None:
    if values:
        marks = ", ".join(["%s"] * len(columns))
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)


def _row_id(cur: Any, table: str, columns: Sequence[str], row: tuple[Any, ...]) -> int:
    """The id of the device or build row with these facts, inserted when new (safe against a
    concurrent push of the same device: the unique identity decides)."""
    select = f"SELECT id FROM {table} WHERE identity = %s"
    found = cur.execute(select, (row[0],)).fetchone()
    if found is None:  # looked up first: a conflicting insert would still use up a sequence number
        marks = ", ".join(["%s"] * len(row))
        found = cur.execute(f"INSERT INTO {table} (identity, {', '.join(columns)}) VALUES ({marks}) "
                            "ON CONFLICT (identity) DO NOTHING RETURNING id", row).fetchone()
        if found is None:
            found = cur.execute(select, (row[0],)).fetchone()
    return int(found[0])


def _copy_events(cur: Any, store: Path, run_id: str, payloads: bool, problems: list[str]) -> int:
    count = 0
    columns = ", ".join(rows.EVENT_COLUMNS)
    with cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:
        for event in iter_events(store, on_error=lambda exc: problems.append(str(exc))):
            copy.write_row(rows.event_row(event, run_id, payloads=payloads))
            count += 1
    return count


def exists(conn: Any, run_id: str) -> bool:
    return conn.execute("SELECT 1 FROM runs WHERE run_id = %s", (run_id,)).fetchone() is not None


def push_run(conn: Any, run: Path, load: ReportLoader, *, events: bool = False, payloads: bool = False,
             replace: bool = False, run_id: str | None = None) -> PushResult:
    """Push ``run`` (a folder or a run file) on ``conn`` (autocommit; one transaction is opened here).

    A run that cannot be read raises its ``HarnessError`` before anything is written; a statement
    the database refuses raises the driver's error after the transaction is rolled back."""
    run_id = run_id or run_id_of(run)
    if not replace and exists(conn, run_id):
        return PushResult(run, run_id, "skipped")
    doc = load(run)
    store = store_path(run)
    result = PushResult(run, run_id, "pushed")
    with conn.transaction(), conn.cursor() as cur:
        if replace:
            cur.execute("DELETE FROM runs WHERE run_id = %s", (run_id,))
            result.outcome = "replaced" if cur.rowcount else "pushed"
        device_id = _row_id(cur, "devices", rows.DEVICE_COLUMNS, rows.device_row(doc["device"]))
        build_id = _row_id(cur, "builds", rows.BUILD_COLUMNS, rows.build_row(doc["device"]))
        run_row = rows.run_row(doc, run_id, str(run), device_id, build_id, events=events, payloads=payloads,
                               pushed_by=__version__)
        marks = ", ".join(["%s"] * len(rows.RUN_COLUMNS))
        cur.execute(f"INSERT INTO runs ({', '.join(rows.RUN_COLUMNS)}) VALUES ({marks}) "
                    "ON CONFLICT (run_id) DO NOTHING RETURNING run_id", run_row)
        if cur.fetchone() is None:  # another push of the same run committed meanwhile
            result.outcome = "skipped"
            return result
        _insert(cur, "variants", rows.VARIANT_COLUMNS, rows.variant_rows(doc, run_id))
        _insert(cur, "flows", rows.FLOW_COLUMNS, [rows.flow_row(f, run_id) for f in doc["flows"]])
        _insert(cur, "violations", rows.VIOLATION_COLUMNS,
                [rows.violation_row(v, run_id, n) for n, v in enumerate(doc["violations"])])
        _insert(cur, "expectations", rows.EXPECTATION_COLUMNS,
                [rows.expectation_row(e, run_id, n) for n, e in enumerate(doc["expectations"])])
        _insert(cur, "findings", rows.FINDING_COLUMNS,
                [rows.finding_row(f, run_id, n, payloads=payloads) for n, f in enumerate(doc["findings"])])
        if events:
            result.events = _copy_events(cur, store, run_id, payloads, result.problems)
    result.flows, result.violations = len(doc["flows"]), len(doc["violations"])
    return result


def describe(result: PushResult) -> str:
    """One line about a pushed run, for people."""
    if result.outcome == "skipped":
        return (f"{result.run}: run {result.run_id} is already in the database: skipped "
                "(--replace re-imports it)")
    counted = f"{result.flows} flows, {result.violations} violations"
    if result.events:
        counted += f", {result.events} events"
    verb = "replaced" if result.outcome == "replaced" else "pushed"
    return f"{result.run}: {verb} run {result.run_id} ({counted})"


def readable(exc: BaseException, run: Path) -> str:
    """A run's error as ``RUN: message`` (messages that already name the run are kept as they are)."""
    message = str(exc)
    return message if isinstance(exc, HarnessError) and message.startswith(str(run)) else f"{run}: {message}"
