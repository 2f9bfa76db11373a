"""The fleet database's schema: versioned migrations, applied in order, each in its own transaction.

Migrations are the SQL files ``harness/db/migrations/NNNN_name.sql`` (package data), numbered from
0001 without gaps; never edit one that has shipped, add the next.  What a database has is recorded in
``harness_schema_migrations`` (version, name, applied_at, harness_version), which ``migrate`` creates.
A database at a version this harness does not know (made by a newer harness) is refused, never
touched.  Concurrent migrators (two pushes at once) queue on an advisory lock, so each migration
is applied once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from harness import __version__
from harness.errors import DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "harness_schema_migrations"
TABLE_SQL = f"""CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    version         integer PRIMARY KEY,      -- the migration's number (0001_init.sql: 1)
    name            text NOT NULL,            -- its file name
    applied_at      timestamptz NOT NULL DEFAULT now(),
    harness_version text NOT NULL             -- the harness that applied it
);"""
#: pg_advisory_xact_lock key shared by every harness that migrates (b"harnessdb" as a number).
LOCK_KEY = 0x6861726E657373
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str          # the file name
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with the harness, in order (checked: numbered 1..N without gaps)."""
    folder = resources.files("harness.db").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise DatabaseError(f"the harness's migrations are not numbered 1..N: {[m.name for m in found]}; "
                            "the installation is damaged")
    return found


def schema_sql(available: Sequence[Migration] | None = None) -> str:
    """The whole schema as SQL: the migrations table, then every migration in order."""
    parts = [f"-- {MIGRATIONS_TABLE}: which migrations a database has (created by `harness db migrate`)",
             TABLE_SQL]
    for migration in available if available is not None else migrations():
        parts.append(f"\n-- ===== migration {migration.version}: {migration.name} =====\n{migration.sql.rstrip()}")
    return "\n".join(parts) + "\n"


def latest_version(available: Sequence[Migration] | None = None) -> int:
    found = available if available is not None else migrations()
    return found[-1].version if found else 0


def current_version(conn: Any) -> int | None:
    """The database's schema version: ``None`` without a migrations table, 0 when it is empty."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (MIGRATIONS_TABLE,)).fetchone()
    if not row or not row[0]:
        return None
    version = conn.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone()[0]
    return int(version) if version is not None else 0


def newer_message(version: int, latest: int) -> str:
    return (f"the database's schema is version {version}, newer than this harness ({__version__}) knows "
            f"(version {latest}): it was written by a newer harness; upgrade the harness "
            "(pip install -U 'android-privacy-harness[db]'), the database is left untouched")


def check_version(conn: Any, available: Sequence[Migration] | None = None) -> int:
    """For readers (``harness db query``): the schema version, refused when missing, old or newer."""
    latest = latest_version(available)
    version = current_version(conn)
    if not version:
        raise DatabaseError("the database has no harness schema yet: run `harness db migrate` or push a run "
                            "(`harness db push RUN`)")
    if version > latest:
        raise DatabaseError(newer_message(version, latest))
    if version < latest:
        raise DatabaseError(f"the database's schema is version {version}, this harness needs {latest}: "
                            "run `harness db migrate`")
    return version


def migrate(conn: Any, available: Sequence[Migration] | None = None,
            say: Callable[[str], None] | None = None) -> list[Migration]:
    """Bring the database on ``conn`` (autocommit) to the latest schema; the migrations applied.

    One transaction per migration, each taking the advisory lock and reading the version again, so
    a failing migration leaves the database at the one before it, and concurrent migrators apply
    each migration once.  A database newer than the harness is a ``DatabaseError``."""
    found = list(available) if available is not None else migrations()
    latest = latest_version(found)
    applied: list[Migration] = []
    while True:
        with conn.transaction():
            version = current_version(conn)  # first without the lock or DDL: a pusher may not have CREATE rights
            if version is not None and version > latest:
                raise DatabaseError(newer_message(version, latest))
            if version == latest and latest > 0:
                return applied
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute(TABLE_SQL)
            version = current_version(conn) or 0
            if version > latest:
                raise DatabaseError(newer_message(version, latest))
            pending = [m for m in found if m.version > version]
            if not pending:
                return applied
            migration = pending[0]
            log.info("applying migration %s", migration.name)
            if say is not None:
                say(f"db: applying migration {migration.name}")
            conn.execute(migration.sql)
            conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (version, name, harness_version) VALUES (%s, %s, %s)",
                         (migration.version, migration.name, __version__))
            applied.append(migration)
