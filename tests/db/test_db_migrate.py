"""The fleet database's schema: every migration on a fresh database, a second migrate changes nothing,
a failing migration leaves the version before it, and a database newer than the harness is refused by
every command (never touched)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from harness.db.migrate import MIGRATIONS_TABLE, Migration, latest_version, migrate, migrations, schema_sql
from harness.db.queries import QUERIES
from tests.compare.compare_support import make_run
from tests.db.db_support import harness, query, state, tables


def created_tables() -> set[str]:
    return set(re.findall(r"^CREATE TABLE (?:IF NOT EXISTS )?(\w+)", schema_sql(), re.MULTILINE))


def test_a_fresh_database_gets_every_migration(dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = migrations()
    assert [m.version for m in shipped] == list(range(1, len(shipped) + 1)) and shipped[0].name == "0001_init.sql"
    done = harness(capsys, "db", "migrate", "--dsn", dsn)
    assert done.code == 0, done.err
    assert done.out == f"schema version {latest_version()}: applied {', '.join(m.name for m in shipped)}\n"
    rows = query(dsn, f"SELECT version, name, harness_version FROM {MIGRATIONS_TABLE} ORDER BY version")
    assert [(v, n) for v, n, _ in rows] == [(m.version, m.name) for m in shipped]
    assert set(tables(dsn)) == created_tables() >= {
        MIGRATIONS_TABLE, "runs", "devices", "builds", "variants", "flows", "violations", "expectations",
        "findings", "events"}


def test_migrate_twice_is_a_no_op(dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness(capsys, "db", "migrate", "--dsn", dsn).code == 0
    before = state(dsn)  # applied_at included: nothing is applied again
    again = harness(capsys, "db", "migrate", "--dsn", dsn)
    assert again.code == 0
    assert again.out == f"schema version {latest_version()}: already up to date, nothing applied\n"
    assert state(dsn) == before
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert migrate(conn) == []


def test_a_failing_migration_leaves_the_version_before_it(dsn: str) -> None:
    shipped = migrations()
    broken = Migration(len(shipped) + 1, "0099_broken.sql", "CREATE TABLE half_done (x int);\nSELECT 1 / 0;")
    with psycopg.connect(dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            migrate(conn, [*shipped, broken])
        assert conn.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone() == (len(shipped),)
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        fixed = Migration(broken.version, "0099_fixed.sql", "CREATE TABLE half_done (x int);")
        assert migrate(conn, [*shipped, fixed]) == [fixed]
        assert conn.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone() == (fixed.version,)


def test_a_database_newer_than_the_harness_is_refused(dsn: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert harness(capsys, "db", "migrate", "--dsn", dsn).code == 0
    newer = latest_version() + 1
    query(dsn, f"INSERT INTO {MIGRATIONS_TABLE} (version, name, harness_version) VALUES (%s, %s, %s)",
          (newer, f"{newer:04d}_future.sql", "9.9.9"))
    before = state(dsn)
    run = make_run(tmp_path / "r.run", {"v": []}, consent={"v": "given"})
    for command in (["migrate"], ["push", str(run)], ["query", "flows-by-build"]):
        done = harness(capsys, "db", *command, "--dsn", dsn)
        assert done.code == 2, command
        assert done.err.count("\n") == 1 and done.err.startswith("harness: "), done.err
        assert f"schema is version {newer}, newer than this harness" in done.err
        assert f"(version {latest_version()})" in done.err and "upgrade the harness" in done.err
    assert state(dsn) == before  # untouched: no run pushed, nothing migrated


def test_a_query_on_a_database_without_the_schema_says_what_to_do(
        dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    done = harness(capsys, "db", "query", "countries-by-vendor", "--dsn", dsn)
    assert done.code == 2
    assert done.err == ("harness: the database has no harness schema yet: run `harness db migrate` or push a run "
                        "(`harness db push RUN`)\n")
    assert tables(dsn) == []  # a query creates nothing


def test_schema_prints_every_migration_and_the_queries_their_sql(capsys: pytest.CaptureFixture[str]) -> None:
    """No server needed."""
    schema = harness(capsys, "db", "schema")
    assert schema.code == 0
    assert MIGRATIONS_TABLE in schema.out
    for migration in migrations():
        assert migration.sql.strip() in schema.out
    listed = harness(capsys, "db", "query", "--list")
    assert listed.code == 0
    for name, named_query in QUERIES.items():
        assert f"{name}: {named_query.summary}" in listed.out
        assert "\n".join(f"    {line}" for line in named_query.sql.splitlines()) in listed.out
        sql = harness(capsys, "db", "query", name, "--sql")
        assert (sql.code, sql.out) == (0, named_query.sql + ";\n")


def test_a_pusher_needs_no_create_rights_once_the_schema_is_there(
        dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The owner migrates; a role that may only read, insert and delete pushes and queries."""
    assert harness(capsys, "db", "migrate", "--dsn", dsn).code == 0
    database = dsn.rsplit("/", 1)[1]
    role = f"pusher_{database}"
    query(dsn, f'CREATE ROLE "{role}" LOGIN PASSWORD \'pusher-pw\'')
    try:
        query(dsn, f'REVOKE CREATE ON SCHEMA public FROM PUBLIC; '
                   f'GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"; '
                   f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        pusher = dsn.split("://", 1)[0] + f"://{role}:pusher-pw@" + dsn.split("@", 1)[1]
        run = make_run(tmp_path / "r.run", {"v": []}, consent={"v": "given"})
        for _twice in range(2):
            done = harness(capsys, "db", "push", str(run), "--dsn", pusher, "--replace")
            assert done.code == 0, done.err
        assert harness(capsys, "db", "query", "countries-by-vendor", "--dsn", pusher).code == 0
        denied = harness(capsys, "db", "query", "countries-by-vendor", "--dsn", pusher.replace("pusher-pw", "nope"))
        assert denied.code == 2 and "pusher-pw" not in denied.err
    finally:
        query(dsn, f'DROP OWNED BY "{role}"; DROP ROLE "{role}"')
