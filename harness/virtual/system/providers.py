"""The virtual phone's content providers: contacts, SMS, call log and settings, in SQLite.

One database per provider, named as on Android (``contacts2.db``, ``mmssms.db``, ``calllog.db``,
``settings.db``) under the phone's private ``vphone/`` folder.  Each operation opens its own
connection and commits before returning, so concurrent shell streams are safe and every change
survives a daemon restart.  Columns follow the public contracts (ContactsContract, Telephony.Sms,
CallLog.Calls, Settings); the real providers have more columns and their exact order is unknown.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.virtual.system.provider_sql import SqlValue, parse_projection, parse_sort, parse_where

MIME_NAME = "vnd.android.cursor.item/name"
MIME_PHONE = "vnd.android.cursor.item/phone_v2"
MIME_EMAIL = "vnd.android.cursor.item/email_v2"
SETTINGS_NAMESPACES = ("system", "secure", "global")

_DATA_COLUMNS = ", ".join(f"data{i}" for i in range(1, 16))
_SCHEMAS = {
    "contacts2": f"""
        CREATE TABLE IF NOT EXISTS raw_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT,
            contact_id INTEGER, account_name TEXT, account_type TEXT, deleted INTEGER NOT NULL DEFAULT 0,
            display_name TEXT, display_name_alt TEXT, starred INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS data (_id INTEGER PRIMARY KEY AUTOINCREMENT,
            raw_contact_id INTEGER NOT NULL, mimetype TEXT NOT NULL, is_primary INTEGER NOT NULL DEFAULT 0,
            {_DATA_COLUMNS});
        -- Aggregation, reduced to its simplest form: one contact per raw contact.
        CREATE TRIGGER IF NOT EXISTS raw_contact_aggregate AFTER INSERT ON raw_contacts
            WHEN new.contact_id IS NULL
            BEGIN UPDATE raw_contacts SET contact_id = new._id WHERE _id = new._id; END;
        CREATE TRIGGER IF NOT EXISTS raw_contact_cascade AFTER DELETE ON raw_contacts
            BEGIN DELETE FROM data WHERE raw_contact_id = old._id; END;
        CREATE TRIGGER IF NOT EXISTS name_insert AFTER INSERT ON data WHEN new.mimetype = '{MIME_NAME}'
            BEGIN UPDATE raw_contacts SET display_name = new.data1,
                display_name_alt = COALESCE(new.data3 || ', ' || new.data2, new.data1)
                WHERE _id = new.raw_contact_id; END;
        CREATE TRIGGER IF NOT EXISTS name_update AFTER UPDATE ON data WHEN new.mimetype = '{MIME_NAME}'
            BEGIN UPDATE raw_contacts SET display_name = new.data1 WHERE _id = new.raw_contact_id; END;
        CREATE VIEW IF NOT EXISTS contacts AS SELECT contact_id AS _id, display_name, display_name_alt,
            starred, EXISTS(SELECT 1 FROM data d WHERE d.raw_contact_id = r._id
                AND d.mimetype = '{MIME_PHONE}') AS has_phone_number
            FROM raw_contacts r WHERE deleted = 0;
        CREATE VIEW IF NOT EXISTS phones AS SELECT d._id, d.raw_contact_id, r.contact_id, r.display_name,
            d.mimetype, d.is_primary, d.data1, d.data2, d.data3
            FROM data d JOIN raw_contacts r ON r._id = d.raw_contact_id WHERE d.mimetype = '{MIME_PHONE}';
        CREATE VIEW IF NOT EXISTS emails AS SELECT d._id, d.raw_contact_id, r.contact_id, r.display_name,
            d.mimetype, d.is_primary, d.data1, d.data2, d.data3
            FROM data d JOIN raw_contacts r ON r._id = d.raw_contact_id WHERE d.mimetype = '{MIME_EMAIL}';
    """,
    "mmssms": """
        CREATE TABLE IF NOT EXISTS sms (_id INTEGER PRIMARY KEY AUTOINCREMENT, thread_id INTEGER,
            address TEXT, person INTEGER, date INTEGER, date_sent INTEGER DEFAULT 0, protocol INTEGER,
            read INTEGER DEFAULT 0, status INTEGER DEFAULT -1, type INTEGER, reply_path_present INTEGER,
            subject TEXT, body TEXT, service_center TEXT, locked INTEGER DEFAULT 0, sub_id INTEGER DEFAULT 1,
            error_code INTEGER DEFAULT 0, creator TEXT, seen INTEGER DEFAULT 0);
    """,
    "calllog": """
        CREATE TABLE IF NOT EXISTS calls (_id INTEGER PRIMARY KEY AUTOINCREMENT, number TEXT,
            presentation INTEGER NOT NULL DEFAULT 1, date INTEGER, duration INTEGER DEFAULT 0,
            type INTEGER, new INTEGER DEFAULT 1, name TEXT, countryiso TEXT, is_read INTEGER DEFAULT 0);
    """,
    "settings": "".join(
        f"CREATE TABLE IF NOT EXISTS {ns} (_id INTEGER PRIMARY KEY AUTOINCREMENT, "
        f"name TEXT UNIQUE NOT NULL, value TEXT);" for ns in SETTINGS_NAMESPACES),
}


class ProviderError(Exception):
    """What a real provider would throw; ``java_class`` is the exception's class name."""

    def __init__(self, java_class: str, message: str) -> None:
        super().__init__(message)
        self.java_class = java_class
        self.message = message


@dataclass(frozen=True)
class Target:
    """Where one content URI reads and writes."""

    db: str
    view: str                                   # queried table or view
    table: str | None                           # base table for writes; None = read-only
    fixed: tuple[tuple[str, SqlValue], ...] = ()  # filter, and values implied on insert
    named: bool = False                         # the last path segment is a settings name


_TARGETS: dict[tuple[str, str], Target] = {
    ("com.android.contacts", "raw_contacts"): Target("contacts2", "raw_contacts", "raw_contacts"),
    ("com.android.contacts", "data"): Target("contacts2", "data", "data"),
    ("com.android.contacts", "contacts"): Target("contacts2", "contacts", None),
    ("com.android.contacts", "data/phones"): Target("contacts2", "phones", None),
    ("com.android.contacts", "data/emails"): Target("contacts2", "emails", None),
    ("sms", ""): Target("mmssms", "sms", "sms"),
    ("sms", "inbox"): Target("mmssms", "sms", "sms", (("type", 1),)),
    ("sms", "sent"): Target("mmssms", "sms", "sms", (("type", 2),)),
    ("sms", "draft"): Target("mmssms", "sms", "sms", (("type", 3),)),
    ("sms", "outbox"): Target("mmssms", "sms", "sms", (("type", 4),)),
    ("call_log", "calls"): Target("calllog", "calls", "calls"),
    **{("settings", ns): Target("settings", ns, ns, named=True) for ns in SETTINGS_NAMESPACES},
}


class ProviderStore:
    """Query and change the phone's providers by content URI."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for db, schema in _SCHEMAS.items():
            conn = sqlite3.connect(folder / f"{db}.db", timeout=30)
            try:
                conn.executescript(schema)   # runs in its own transaction
            finally:
                conn.close()

    @contextmanager
    def _connect(self, db: str, write: bool = True) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.folder / f"{db}.db", timeout=30, isolation_level=None)
        try:
            # Writers take the lock up front so two streams never deadlock upgrading a read lock.
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    @staticmethod
    def authority(uri: str) -> str:
        return uri.removeprefix("content://").split("/", 1)[0]

    def resolve(self, uri: str) -> tuple[Target, list[tuple[str, SqlValue]]]:
        """The target of ``uri`` and the filters its path adds (a trailing row id or settings name)."""
        if not uri.startswith("content://"):
            raise ProviderError("java.lang.IllegalArgumentException", f"Invalid URI: {uri}")
        authority = self.authority(uri)
        # query parameters such as ?caller_is_syncadapter=true select behaviour, not rows
        path = uri.removeprefix("content://" + authority).split("?", 1)[0].strip("/")
        if not any(a == authority for a, _ in _TARGETS):
            raise ProviderError("java.lang.IllegalStateException", f"Could not find provider: {authority}")
        if (authority, path) in _TARGETS:
            return _TARGETS[(authority, path)], []
        head, _, last = path.rpartition("/")
        target = _TARGETS.get((authority, head))
        if target is not None and (last.isdigit() or target.named):
            return target, [("name", last) if target.named else ("_id", int(last))]
        raise ProviderError("java.lang.IllegalArgumentException", f"Unknown URL {uri}")

    def columns(self, db: str, view: str) -> list[str]:
        with self._connect(db, write=False) as conn:
            return [col[1] for col in conn.execute(f'PRAGMA table_info("{view}")')]

    def _filter(self, target: Target, extra: list[tuple[str, SqlValue]], where: str | None,
                columns: list[str]) -> tuple[str, list[SqlValue]]:
        clauses = [f'"{col}" = ?' for col, _ in (*target.fixed, *extra)]
        params: list[SqlValue] = [value for _, value in (*target.fixed, *extra)]
        user_sql, user_params = parse_where(where, columns)
        if user_sql:
            clauses.append(f"({user_sql})")
            params += user_params
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def query(self, uri: str, projection: str | None = None, where: str | None = None,
              sort: str | None = None) -> tuple[list[str], list[tuple[SqlValue | bytes, ...]]]:
        target, extra = self.resolve(uri)
        columns = self.columns(target.db, target.view)
        selected = parse_projection(projection, columns)
        where_sql, params = self._filter(target, extra, where, columns)
        order = parse_sort(sort, columns)
        sql = (f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in selected)} FROM \"{target.view}\""
               f"{where_sql}{' ORDER BY ' + order if order else ''}")
        with self._connect(target.db, write=False) as conn:
            return selected, [tuple(row) for row in conn.execute(sql, params)]

    def _writable(self, uri: str, operation: str) -> tuple[Target, list[tuple[str, SqlValue]], list[str]]:
        target, extra = self.resolve(uri)
        if target.table is None:
            raise ProviderError("java.lang.UnsupportedOperationException", f"Cannot {operation} URI: {uri}")
        return target, extra, self.columns(target.db, target.table)

    def insert(self, uri: str, values: dict[str, SqlValue]) -> int:
        """Insert a row; returns its ``_id``.  Settings inserts replace an existing name."""
        target, extra, columns = self._writable(uri, "insert")
        row = {**dict(target.fixed), **dict(extra), **values}
        for name in row:
            if name not in columns:
                raise ProviderError("android.database.sqlite.SQLiteException",
                                    f"table {target.table} has no column named {name} (code 1 SQLITE_ERROR)")
        with self._connect(target.db) as conn:
            if target.table == "sms":
                row.setdefault("date", int(time.time() * 1000))
                row.setdefault("thread_id", self._thread_id(conn, row.get("address")))
            names = ", ".join(f'"{n}"' for n in row)
            upsert = ' ON CONFLICT(name) DO UPDATE SET value = excluded.value' if target.named else ""
            cursor = conn.execute(
                f'INSERT INTO "{target.table}" ({names}) VALUES ({", ".join("?" * len(row))}){upsert}',
                list(row.values()))
            if target.named:
                found = conn.execute(f'SELECT _id FROM "{target.table}" WHERE name = ?', (row.get("name"),))
                return int(found.fetchone()[0])
            return int(cursor.lastrowid or 0)

    @staticmethod
    def _thread_id(conn: sqlite3.Connection, address: SqlValue) -> int:
        """One conversation thread per address, as Telephony's threads table would give."""
        found = conn.execute("SELECT thread_id FROM sms WHERE address = ? LIMIT 1", (address,)).fetchone()
        if found is not None and found[0] is not None:
            return int(found[0])
        return int(conn.execute("SELECT COALESCE(MAX(thread_id), 0) + 1 FROM sms").fetchone()[0])

    def update(self, uri: str, values: dict[str, SqlValue], where: str | None = None) -> int:
        target, extra, columns = self._writable(uri, "update")
        for name in values:
            if name not in columns:
                raise ProviderError("android.database.sqlite.SQLiteException", f"no such column: {name}")
        where_sql, params = self._filter(target, extra, where, columns)
        assignments = ", ".join(f'"{n}" = ?' for n in values)
        with self._connect(target.db) as conn:
            cursor = conn.execute(f'UPDATE "{target.table}" SET {assignments}{where_sql}',
                                  [*values.values(), *params])
            return cursor.rowcount

    def delete(self, uri: str, where: str | None = None) -> int:
        target, extra, columns = self._writable(uri, "delete")
        where_sql, params = self._filter(target, extra, where, columns)
        with self._connect(target.db) as conn:
            return conn.execute(f'DELETE FROM "{target.table}"{where_sql}', params).rowcount

    # --- settings, the typed way the settings tool and PhoneState use them --------------------

    def get_setting(self, namespace: str, name: str) -> str | None:
        with self._connect("settings", write=False) as conn:
            row = conn.execute(f'SELECT value FROM "{namespace}" WHERE name = ?', (name,)).fetchone()
        return None if row is None else row[0]

    def put_setting(self, namespace: str, name: str, value: str | None) -> None:
        self.insert(f"content://settings/{namespace}", {"name": name, "value": value})

    def put_settings(self, namespace: str, values: Mapping[str, str | None]) -> None:
        """Several settings in one transaction."""
        with self._connect("settings") as conn:
            conn.executemany(f'INSERT INTO "{namespace}" (name, value) VALUES (?, ?) '
                             "ON CONFLICT(name) DO UPDATE SET value = excluded.value", list(values.items()))

    def delete_setting(self, namespace: str, name: str) -> int:
        with self._connect("settings") as conn:
            return conn.execute(f'DELETE FROM "{namespace}" WHERE name = ?', (name,)).rowcount

    def list_settings(self, namespace: str) -> list[tuple[str, str | None]]:
        with self._connect("settings", write=False) as conn:
            return [(r[0], r[1]) for r in conn.execute(f'SELECT name, value FROM "{namespace}" ORDER BY name')]
