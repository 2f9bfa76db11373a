"""Helpers of the ``harness db`` tests: the CLI as a user runs it, and a database's contents as counts
and checksums per table (to show that a second push changes nothing)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from harness.cli import main

#: Columns that say when something was written, not what: left out of a table's checksum on demand.
WHEN_COLUMNS = {"runs": "pushed_at", "harness_schema_migrations": "applied_at"}


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def harness(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def query(dsn: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """The rows of one statement (none for a statement without rows), committed."""
    with psycopg.connect(dsn) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description is not None else []


def tables(dsn: str) -> list[str]:
    return [r[0] for r in query(dsn, "SELECT table_name FROM information_schema.tables "
                                     "WHERE table_schema = 'public' ORDER BY table_name")]


def state(dsn: str, *, without_times: bool = False) -> dict[str, tuple[int, str]]:
    """Per table: its row count and an md5 of every row's text (ordered), sequences' positions too."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(dsn) as conn:
        for table in tables(dsn):
            columns = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s ORDER BY ordinal_position", (table,))]
            if without_times:
                columns = [c for c in columns if c != WHEN_COLUMNS.get(table)]
            row_text = "ROW(" + ", ".join(f't."{c}"' for c in columns) + ")::text"
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg({row_text}, E'\\n' ORDER BY {row_text}), '')) "
                f'FROM "{table}" t').fetchone()
            out[table] = (int(count), str(digest))
        for (sequence,) in conn.execute("SELECT sequence_name FROM information_schema.sequences "
                                        "WHERE sequence_schema = 'public'").fetchall():
            last = conn.execute(f'SELECT last_value, is_called FROM "{sequence}"').fetchone()
            out[f"sequence {sequence}"] = (int(last[0]), str(last[1]))
    return out
