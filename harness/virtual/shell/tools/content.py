"""``content query|insert|update|delete`` over the phone's providers (Content.java, Android 12+).

Argument errors print the usage and ``[ERROR] message`` on stdout (Content.Parser does) [U];
provider errors print ``Error while accessing provider:<authority>`` and a stack trace on stderr;
both exit 0, as the real command does.  ``--where`` takes only the small grammar of
``harness.virtual.system.provider_sql`` and never reaches SQLite as text.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.system.provider_sql import ProviderSqlError, SqlValue
from harness.virtual.system.providers import ProviderError, ProviderStore

USAGE = """usage: adb shell content [subcommand] [options]

usage: adb shell content insert --uri <URI> [--user <USER_ID>] --bind <BINDING> [--bind <BINDING>...] [--extra <BINDING>...]
  <URI> a content provider URI.
  <BINDING> binds a typed value to a column and is formatted:
  <COLUMN_NAME>:<TYPE>:<COLUMN_VALUE> where:
  <TYPE> specifies data type such as:
  b - boolean, s - string, i - integer, l - long, f - float, d - double, n - null
  Note: Omit the value for passing an empty string, e.g column:s:
  Example:
  # Add "new_setting" secure setting with value "new_value".
  adb shell content insert --uri content://settings/secure --bind name:s:new_setting --bind value:s:new_value

usage: adb shell content update --uri <URI> [--user <USER_ID>] [--where <WHERE>] [--extra <BINDING>...]

usage: adb shell content delete --uri <URI> [--user <USER_ID>] --bind <BINDING> [--bind <BINDING>...] [--where <WHERE>] [--extra <BINDING>...]

usage: adb shell content query --uri <URI> [--user <USER_ID>] [--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>] [--extra <BINDING>...]
  <PROJECTION> is a list of colon separated column names and is formatted:
  <COLUMN_NAME>[:<COLUMN_NAME>...]
  <SORT_ORDER> is the order in which rows in the result should be sorted.
"""  # noqa: E501  (the usage text is Android's, line for line)

_OPERATIONS = ("query", "insert", "update", "delete")
_EXECUTE_FRAMES = ("\tat com.android.commands.content.Content$Command.execute(Content.java:524)\n"
                   "\tat com.android.commands.content.Content.main(Content.java:735)\n"
                   "\tat com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)\n"
                   "\tat com.android.internal.os.RuntimeInit.main(RuntimeInit.java:359)\n")


class UsageError(ValueError):
    pass


@dataclass
class Command:
    operation: str
    uri: str | None = None
    binds: dict[str, SqlValue] = field(default_factory=dict)
    where: str | None = None
    projection: str | None = None
    sort: str | None = None


def parse_binding(text: str) -> tuple[str, SqlValue]:
    """``COL:TYPE:VALUE`` (``\\:`` escapes a colon in VALUE) -> (column, typed value)."""
    parts = re.split(r"(?<!\\):", text)
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise UsageError(f"Invalid binding: {text}")
    column, kind, raw = parts[0], parts[1][0], parts[2].replace("\\:", ":")
    try:
        if kind == "s":
            return column, raw
        if kind == "b":
            return column, 1 if raw.lower() == "true" else 0
        if kind in ("i", "l"):
            return column, int(raw)
        if kind in ("f", "d"):
            return column, float(raw)
        if kind == "n":
            return column, None
    except ValueError:
        raise UsageError(f'For input string: "{raw}"') from None
    raise UsageError(f"Unsupported type: {kind}")


def parse(argv: list[str]) -> Command:
    if not argv or argv[0] not in _OPERATIONS:
        raise UsageError(f"Unsupported operation: {argv[0] if argv else 'null'}")
    command = Command(argv[0])
    args = iter(argv[1:])
    for arg in args:
        value = next(args, None)
        if value is None and arg.startswith("--"):
            raise UsageError(f"Missing value for argument: {arg}")
        if arg == "--uri":
            command.uri = value
        elif arg == "--bind" and command.operation in ("insert", "update") and value is not None:
            column, typed = parse_binding(value)
            command.binds[column] = typed
        elif arg == "--where" and command.operation != "insert":
            command.where = value
        elif arg in ("--projection", "--sort") and command.operation == "query":
            setattr(command, arg[2:], value)
        elif arg not in ("--user", "--extra"):
            raise UsageError(f"Unsupported argument: {arg}")
    if command.uri is None:
        raise UsageError("Content provider URI not specified. Did you specify --uri argument?")
    if command.operation in ("insert", "update") and not command.binds:
        raise UsageError("Bindings not specified. Did you specify --bind argument(s)?")
    return command


def _format(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "BLOB"
    if isinstance(value, float):
        return f"{value:.1f}" if value.is_integer() and abs(value) < 1e7 else repr(value).replace("e+", "E")
    return str(value)


def _execute(store: ProviderStore, command: Command, ctx: ToolContext) -> None:
    uri = command.uri or ""
    if command.operation == "query":
        columns, rows = store.query(uri, command.projection, command.where, command.sort)
        if not rows:
            ctx.print("No result found.")
            return
        out = [f"Row: {index} " + ", ".join(f"{c}={_format(v)}" for c, v in zip(columns, row, strict=True))
               for index, row in enumerate(rows)]
        ctx.out(("\n".join(out) + "\n").encode("utf-8"))
    elif command.operation == "insert":
        store.insert(uri, command.binds)
    elif command.operation == "update":
        store.update(uri, command.binds, command.where)
    else:
        store.delete(uri, command.where)


def content(ctx: ToolContext, argv: list[str]) -> int:
    try:
        command = parse(argv)
    except UsageError as exc:
        ctx.out(f"{USAGE}\n[ERROR] {exc}\n".encode())
        return 0
    store = ctx.phone.providers
    authority = store.authority(command.uri or "")
    try:
        _execute(store, command, ctx)
    except (ProviderError, ProviderSqlError, sqlite3.Error) as exc:
        if isinstance(exc, ProviderError):
            java_class, message = exc.java_class, exc.message
        elif isinstance(exc, sqlite3.IntegrityError):
            java_class = "android.database.sqlite.SQLiteConstraintException"
            message = f"{exc} (code 1299 SQLITE_CONSTRAINT_NOTNULL)"
        else:
            java_class, message = "android.database.sqlite.SQLiteException", f"{exc} (code 1 SQLITE_ERROR)"
        trace = f"{java_class}: {message}\n"
        if java_class != "java.lang.IllegalStateException":
            # Thrown inside the provider: it reaches the shell through the binder parcel.
            trace += ("\tat android.database.DatabaseUtils.readExceptionFromParcel(DatabaseUtils.java:181)\n"
                      "\tat android.database.DatabaseUtils.readExceptionFromParcel(DatabaseUtils.java:151)\n"
                      f"\tat android.content.ContentProviderProxy.{command.operation}(ContentProviderNative.java:"
                      "482)\n")
        ctx.err(f"Error while accessing provider:{authority}\n{trace}{_EXECUTE_FRAMES}".encode())
    return 0
