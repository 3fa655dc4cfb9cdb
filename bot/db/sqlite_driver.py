"""SQLAlchemy's aiosqlite dialect, with write transactions run on the event loop.

aiosqlite runs every statement in the connection's worker thread; each request is a hand-over
between threads (about 150 µs of latency and 100-175 µs of CPU here) while SQLite answers a
keyed statement in a few µs. A bot turn of six statements spent most of its time handing over,
and while it did, it held SQLite's one write lock, so every other turn waited on the hand-overs.

So statements of a write transaction (BEGIN IMMEDIATE) run directly on the event loop: they hold
the write lock anyway, so nothing else could write meanwhile, and they are short keyed
statements. What could stall the loop stays in aiosqlite's thread:
- background write transactions (the scheduler's scans), which read and write many rows;
- waiting for the write lock held by another process: BEGIN is tried without waiting, and if the
  lock is taken, it is waited for (with the busy timeout) in the thread;
- read-only snapshots (exports, reports), which read a lot while the bot goes on;
- server-side (streaming) cursors, which SQLAlchemy makes as usual.
In the thread, a statement still makes one request rather than SQLAlchemy's four (cursor,
execute, fetch, close), and BEGIN travels with the transaction's first statement (`begin_with`,
set by `bot.db.engine` when a transaction starts).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, list[Any], int, int | None]
WRITE_BEGIN = "BEGIN IMMEDIATE"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _begin_without_waiting(connection: sqlite3.Connection, begin: str) -> bool:
    """BEGIN at once, or False when another process holds the lock it needs: waiting for it
    here would stall the event loop for up to the busy timeout."""
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        connection.execute(begin)
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # BUSY_RECOVERY etc. too
            raise
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    return True


def _run(
    connection: sqlite3.Connection,
    begin: str | None,
    operation: str,
    parameters: Any,
    many: bool,
) -> Outcome:
    """Runs in aiosqlite's thread: the whole life of one cursor, after a pending BEGIN."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is a single request to the worker thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        """Nothing is open in the thread between statements."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._trip(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._trip(operation, seq_of_parameters, many=True)

    def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        try:
            await_(self._trip_async(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip_async(self, operation: Any, parameters: Any, many: bool) -> None:
        adapted = self._adapt_connection
        assert isinstance(adapted, OneTripConnection)
        async with adapted._execute_mutex:
            sqlite = self._connection._conn
            begin = adapted.take_begin()
            if begin is not None and adapted.on_loop and _begin_without_waiting(sqlite, begin):
                begin = None
            if adapted.on_loop and begin is None:
                outcome = _run(sqlite, None, operation, parameters, many)
            else:
                outcome = await self._connection._execute(
                    _run, sqlite, begin, operation, parameters, many
                )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Lets BEGIN travel with the transaction's first statement (`begin_with`), and runs a
    write transaction's statements, commit and rollback on the event loop (`on_loop`)."""

    __slots__ = ("begin_with", "keep_in_thread", "on_loop")
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin_with: str | None = None
        self.keep_in_thread = False  # a background write transaction (`bot.db.engine`)
        self.on_loop = False

    def take_begin(self) -> str | None:
        """The pending BEGIN, if any; a write transaction's statements from now on run on the
        event loop."""
        begin, self.begin_with = self.begin_with, None
        if begin is not None:
            self.on_loop = begin == WRITE_BEGIN and not self.keep_in_thread
        return begin

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.begin_with is not None:
            # a streaming cursor makes its own trips; the transaction must be open before it
            begin = self.take_begin()
            try:
                await_(self._connection.execute(begin))
            except Exception as error:
                self._handle_exception(error)
        return super().cursor(server_side)

    def commit(self) -> None:
        if self._nothing_begun():
            return
        if self._end_on_loop():
            self._on_loop(self._connection._conn.commit)
            return
        super().commit()

    def rollback(self) -> None:
        # the pool rolls back every connection it gets back, nearly always after a commit: with
        # no transaction open, that would be a trip to the thread for nothing
        sqlite = self._connection._connection  # None once aiosqlite closed it
        if self._nothing_begun() or sqlite is None or not sqlite.in_transaction:
            self.on_loop = False
            return
        if self._end_on_loop():
            self._on_loop(self._connection._conn.rollback)
            return
        super().rollback()

    def _end_on_loop(self) -> bool:
        on_loop, self.on_loop = self.on_loop, False
        return on_loop

    def _on_loop(self, end: Callable[[], None]) -> None:
        try:
            end()
        except Exception as error:
            self._handle_exception(error)

    def _nothing_begun(self) -> bool:
        """True (and forgets the BEGIN) when no statement ran since the BEGIN was asked for."""
        pending = self.begin_with is not None
        self.begin_with = None
        return pending


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """What `create_async_engine(..., module=...)` uses in place of SQLAlchemy's adapter."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        # write transactions use the connection from the event loop's thread too (one at a time)
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    import aiosqlite

    return OneTripDBAPI(aiosqlite, sqlite3)
