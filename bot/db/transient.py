"""Which database errors are worth running the same transaction again for.

A lock held longer than SQLite's busy timeout, a PostgreSQL serialization failure or deadlock,
and a connection that dropped are about timing, not about the work: the same work succeeds a
moment later. Anything else (a constraint, a bug) would fail again, so it is not retried.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock
SQLITE_LOCKED_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_transient(error: BaseException) -> bool:
    """True for a database error that the same transaction may not meet on a second try."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause: BaseException | None = error.orig
    while cause is not None:
        if isinstance(cause, sqlite3.OperationalError):
            code = getattr(cause, "sqlite_errorcode", None)
            if code is not None:
                return code & 0xFF in SQLITE_LOCKED_CODES
            return "locked" in str(cause) or "busy" in str(cause)
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(sqlstate, str):
            return sqlstate in RETRYABLE_SQLSTATES or sqlstate.startswith("08")
        cause = cause.__cause__
    return False
