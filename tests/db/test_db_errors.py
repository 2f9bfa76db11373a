"""What a user sees when the database cannot be used: one line, exit 2, no password; where the DSN
comes from; the driver missing; and how text that PostgreSQL cannot hold is made storable."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.db.connect import MISSING_DRIVER, mask_dsn
from harness.db.rows import json_value, text, whole
from tests.compare.compare_support import make_run
from tests.conftest import free_port
from tests.db.db_support import harness, tables
from tests.db.pg_support import PASSWORD, USER, PgServer

SECRET = "hunter2-Secret"


@pytest.mark.parametrize(("dsn", "shown"), [
    (f"postgresql://fleet:{SECRET}@db.example:5432/runs", "postgresql://fleet:***@db.example:5432/runs"),
    (f"postgres://fleet:{quote('p@ss/w:rd', safe='')}@db.example/runs?sslmode=require",
     "postgres://fleet:***@db.example/runs?sslmode=require"),
    (f"postgresql://fleet@db.example/runs?sslmode=require&password={SECRET}&connect_timeout=3",
     "postgresql://fleet@db.example/runs?sslmode=require&password=***&connect_timeout=3"),
    (f"host=db.example user=fleet password={SECRET} dbname=runs",
     "host=db.example user=fleet password=*** dbname=runs"),
    ("host=db.example password = 'with \\' quote and space' dbname=runs", "host=db.example password = *** dbname=runs"),
    ("postgresql://fleet@db.example/runs", "postgresql://fleet@db.example/runs"),
])
def test_mask_dsn(dsn: str, shown: str) -> None:
    assert mask_dsn(dsn) == shown


def _one_line_without(secret: str, err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("harness: "), err
    assert secret not in err and quote(secret, safe="") not in err


def test_server_down_is_one_line_with_the_password_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dsn = f"postgresql://fleet:{SECRET}@127.0.0.1:{free_port()}/runs"
    run = make_run(tmp_path / "r.run", {"v": []}, consent={"v": "given"})
    for command in (["migrate"], ["push", str(run)], ["query", "flows-by-build"]):
        done = harness(capsys, "db", *command, "--dsn", dsn)
        assert done.code == 2
        _one_line_without(SECRET, done.err)
        assert done.err.startswith("harness: cannot connect to postgresql://fleet:***@127.0.0.1:"), done.err
        assert "Connection refused" in done.err


def test_a_wrong_password_or_database_is_one_line(pg_server: PgServer, dsn: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    wrong = dsn.replace(quote(PASSWORD, safe=""), SECRET)
    done = harness(capsys, "db", "migrate", "--dsn", wrong)
    assert done.code == 2
    _one_line_without(SECRET, done.err)
    assert "password authentication failed" in done.err and ":***@127.0.0.1" in done.err
    keywords = f"host=127.0.0.1 port={pg_server.port} user={USER} password='{SECRET}' dbname=no_such_db"
    done = harness(capsys, "db", "migrate", "--dsn", keywords)
    assert done.code == 2
    _one_line_without(SECRET, done.err)
    assert "password=*** dbname=no_such_db" in done.err


def test_the_dsn_comes_from_the_environment(pg_server: PgServer, dsn: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("HARNESS_DSN", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    done = harness(capsys, "db", "migrate")
    assert done.code == 2
    assert done.err.startswith("harness: no database given: use --dsn") and "$HARNESS_DSN" in done.err
    monkeypatch.setenv("HARNESS_DSN", dsn)
    assert harness(capsys, "db", "migrate").code == 0
    assert "runs" in tables(dsn)
    monkeypatch.delenv("HARNESS_DSN")
    database = dsn.rsplit("/", 1)[1]
    for name, value in {"PGHOST": str(pg_server.socket_dir), "PGPORT": str(pg_server.port), "PGUSER": USER,
                        "PGDATABASE": database}.items():
        monkeypatch.setenv(name, value)
    done = harness(capsys, "db", "query", "countries-by-vendor", "--json")
    assert done.code == 0, done.err
    assert done.json()["rows"] == []


def test_without_psycopg_harness_db_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    for command in (["migrate"], ["push", "some-run"], ["query", "flows-by-build"]):
        done = harness(capsys, "db", *command, "--dsn", "postgresql://fleet@db.example/runs")
        assert (done.code, done.err) == (2, f"harness: {MISSING_DRIVER}\n")
    assert MISSING_DRIVER == "harness db needs psycopg: pip install 'android-privacy-harness[db]'"
    assert harness(capsys, "db", "schema").code == 0  # what needs no server works without the driver
    assert harness(capsys, "db", "query", "--list").code == 0


def test_text_that_postgresql_cannot_hold_is_stored_escaped() -> None:
    assert text("plain 'quoted' \\ text; DROP TABLE x") == "plain 'quoted' \\ text; DROP TABLE x"
    assert text("a\x00b") == "a\\x00b"
    assert text("lone \udc80 surrogate") == "lone \\udc80 surrogate"
    assert text(None) is None and text(5) == "5"
    assert json_value({"k\x00": ["v\x00", 1, None, {"n": "\ud800"}]}) == {"k\\x00": ["v\\x00", 1, None,
                                                                                    {"n": "\\ud800"}]}
    assert whole(2**63) is None and whole(2**63 - 1) == 2**63 - 1 and whole(True) is None and whole("1") is None
    assert whole(2**31, 2**31) is None and whole(-(2**31), 2**31) == -(2**31)
