"""Reaching the fleet database: the DSN, the driver, and errors that never show a password.

The DSN is ``--dsn URL`` (``postgresql://user:password@host:5432/db`` or libpq's ``key=value``
form), else ``$HARNESS_DSN``, else libpq's own ``PG*`` variables (``PGHOST``, ``PGDATABASE``,
``PGUSER``, ``PGPASSWORD``, ``PGSERVICE`` ...).  Every message that shows a DSN shows it through
``mask_dsn``: the password replaced by ``***``; a driver's message is cleaned the same way.

The driver, psycopg 3, is an optional extra (``pip install 'android-privacy-harness[db]'``): it is
imported only when a command talks to a server, and its absence is a ``DatabaseError`` saying so.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from harness import __version__
from harness.errors import DatabaseError

if TYPE_CHECKING:
    import psycopg

ENV_DSN = "HARNESS_DSN"
#: libpq variables that say which server to reach; with one of them set, an empty DSN is enough.
LIBPQ_TARGET_VARS = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")
CONNECT_TIMEOUT = 10
MISSING_DRIVER = "harness db needs psycopg: pip install 'android-privacy-harness[db]'"

# postgresql://user:secret@host -> postgresql://user:***@host (the user part ends at the last @)
_URL_PASSWORD = re.compile(r"(?P<head>^[a-z][a-z0-9+.-]*://[^/?#@:]*:)(?P<secret>[^/?#]*)(?P<tail>@)", re.IGNORECASE)
# ?password=secret&... in a URL
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<secret>[^&#]*)", re.IGNORECASE)
# password=secret or password = 'sec ret\'s' in key=value form
_KV_PASSWORD = re.compile(r"(?P<head>(?:^|\s)password\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE)


def psycopg_module() -> Any:
    """The psycopg module, or a ``DatabaseError`` telling how to install it."""
    try:
        import psycopg
    except ImportError as exc:
        raise DatabaseError(MISSING_DRIVER) from exc
    return psycopg


def mask_dsn(dsn: str) -> str:
    """``dsn`` with its password (URL user part, ``?password=`` or ``password=``) shown as ``***``."""
    if "://" in dsn:
        dsn = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", dsn, count=1)
        return _QUERY_PASSWORD.sub(lambda m: f"{m['head']}***", dsn)
    return _KV_PASSWORD.sub(lambda m: f"{m['head']}***", dsn)


def _secrets(dsn: str) -> list[str]:
    """The passwords a message could contain: the DSN's (as written and as parsed) and $PGPASSWORD."""
    found = [m["secret"] for pattern in (_URL_PASSWORD, _QUERY_PASSWORD, _KV_PASSWORD) for m in pattern.finditer(dsn)]
    try:
        from psycopg.conninfo import conninfo_to_dict

        parsed = conninfo_to_dict(dsn).get("password")
        if parsed:
            found.append(str(parsed))
    except Exception:  # no driver, or a DSN it cannot parse: the patterns above still apply
        pass
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return sorted({s.strip("'") for s in found if len(s.strip("'")) >= 3}, key=len, reverse=True)


def clean_message(text: str, dsn: str) -> str:
    """A driver's message on one line, without any password of ``dsn``."""
    for secret in _secrets(dsn):
        text = text.replace(secret, "***")
    return " ".join(text.split()) or "no detail"


def resolve_dsn(given: str | None) -> str:
    """The DSN to use: ``--dsn``, else ``$HARNESS_DSN``, else ``""`` when libpq's variables name a
    server; a ``DatabaseError`` when nothing says which database."""
    if given:
        return given
    if os.environ.get(ENV_DSN):
        return os.environ[ENV_DSN]
    if any(os.environ.get(name) for name in LIBPQ_TARGET_VARS):
        return ""
    raise DatabaseError(f"no database given: use --dsn postgresql://USER@HOST/DB, or set ${ENV_DSN} "
                        "(or libpq's PGHOST, PGDATABASE ...)")


def shown(dsn: str) -> str:
    """How a DSN is named in messages."""
    if dsn:
        return mask_dsn(dsn)
    where = os.environ.get("PGSERVICE") or os.environ.get("PGHOST") or os.environ.get("PGHOSTADDR") or "localhost"
    return f"the database of libpq's PG* variables ({where})"


def connect(dsn: str) -> psycopg.Connection[Any]:
    """An open connection (autocommit: every change is made in an explicit transaction), or a
    one-line ``DatabaseError`` naming the masked DSN."""
    pg = psycopg_module()
    extra: dict[str, Any] = {"application_name": f"harness {__version__}"}
    try:
        keys = pg.conninfo.conninfo_to_dict(dsn)
    except pg.ProgrammingError as exc:
        raise DatabaseError(f"{mask_dsn(dsn)}: not a database URL or conninfo: {clean_message(str(exc), dsn)}") \
            from None
    if "connect_timeout" not in keys and not os.environ.get("PGCONNECT_TIMEOUT"):
        extra["connect_timeout"] = CONNECT_TIMEOUT
    try:
        conn: psycopg.Connection[Any] = pg.connect(dsn, autocommit=True, **extra)
    except pg.Error as exc:
        raise DatabaseError(f"cannot connect to {shown(dsn)}: {clean_message(str(exc), dsn)}") from None
    return conn


def failure(exc: BaseException, dsn: str, doing: str) -> DatabaseError:
    """A driver error met while ``doing`` something, as a one-line ``DatabaseError``."""
    return DatabaseError(f"{shown(dsn)}: {doing}: {clean_message(str(exc), dsn)}")
