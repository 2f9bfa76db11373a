"""Fleet results in PostgreSQL (``harness db``): many runs, one place to ask questions.

Each run stays one SQLite file (``harness.record``); ``harness db push`` copies what its report
says — run, device and build, variants, flows, violations, expectations, findings, optionally the
events — into PostgreSQL, one transaction per run, keyed by the run's id.

    connect.py     the DSN (--dsn, $HARNESS_DSN, libpq's PG*), the optional driver, masked errors
    migrate.py     versioned migrations (migrations/NNNN_name.sql) and the schema version check
    rows.py        report document and events -> table rows (text made storable: NUL as \\x00)
    push.py        one run in one transaction; idempotent by run id, --replace re-imports
    queries.py     the named questions (flows-by-build, new-destinations, countries-by-vendor)
    cli.py         harness db push | query | migrate | schema; query results as a table or JSON
"""
