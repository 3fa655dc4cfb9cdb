"""SQLAlchemy's aiosqlite dialect, with one trip to aiosqlite's thread per statement.

SQLAlchemy's adapter makes a cursor, executes, fetches and closes it as four separate requests
to the connection's worker thread; each request is a hand-over between threads that costs
about 150 µs here, while SQLite answers a keyed statement in a few µs. A bot turn of ten
statements spent most of its time handing over. This cursor runs all four steps in a single
request and keeps what SQLAlchemy reads afterwards (description, rows, rowcount, lastrowid).
Server-side (streaming) cursors are left as SQLAlchemy makes them.

BEGIN is the same: the engine asks for it when a transaction starts (see `bot.db.engine`), and
it is sent in the trip of the transaction's first statement rather than in one of its own.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, list[Any], int, int | None]


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
            begin, adapted.begin_with = adapted.begin_with, None
            connection = self._connection
            outcome: Outcome = await connection._execute(
                _run, connection._conn, begin, operation, parameters, many
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Also lets BEGIN travel with the transaction's first statement (`begin_with`)."""

    __slots__ = ("begin_with",)
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin_with: str | None = None

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.begin_with is not None:
            # a streaming cursor makes its own trips; the transaction must be open before it
            begin, self.begin_with = self.begin_with, None
            try:
                await_(self._connection.execute(begin))
            except Exception as error:
                self._handle_exception(error)
        return super().cursor(server_side)

    def commit(self) -> None:
        if self._nothing_begun():
            return
        super().commit()

    def rollback(self) -> None:
        # the pool rolls back every connection it gets back, nearly always after a commit: with
        # no transaction open, that would be a trip to the thread for nothing
        if self._nothing_begun() or not self._connection._conn.in_transaction:
            return
        super().rollback()

    def _nothing_begun(self) -> bool:
        """True (and forgets the BEGIN) when no statement ran since the BEGIN was asked for."""
        pending = self.begin_with is not None
        self.begin_with = None
        return pending


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """What `create_async_engine(..., module=...)` uses in place of SQLAlchemy's adapter."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    import aiosqlite

    return OneTripDBAPI(aiosqlite, sqlite3)
