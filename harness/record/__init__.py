"""The run store: one SQLite (WAL) file per run.

    store.py    RunStore.create(path, meta) / RunStore.open(path); metadata tables; writer()
    writer.py   EventWriter: bounded queue -> one writer thread; back-pressure counted, never drops
    reader.py   iter_events(run_path) -> Iterator[Event]
    schema.py   the tables and the durability contract
    jsonl.py, har.py, cli.py   ``harness export RUN --jsonl [FILE] | --har FILE``
"""
