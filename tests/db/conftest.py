"""Fixtures for ``harness db``: one real PostgreSQL server per test session (tests/db/pg_support.py),
a fresh database per test, and helpers that run the CLI and fingerprint a database's contents.

Skipped, with the reason, when PostgreSQL is not installed (``apt-get install postgresql``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest

from tests.db.pg_support import PgServer, start_server, why_not

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server of its own for the session, stopped at the end (also when tests fail)."""
    reason = why_not()
    if reason is not None:
        pytest.skip(reason)
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dsn(pg_server: PgServer) -> Iterator[str]:
    """A URL DSN (with a password) of a new, empty database, dropped after the test."""
    name = f"t{os.getpid()}_{next(_names)}"
    with psycopg.connect(pg_server.socket_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.dsn(name)
    with psycopg.connect(pg_server.socket_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
