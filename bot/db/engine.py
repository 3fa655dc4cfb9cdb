"""The engine and the one unit-of-work helper every use case opens its transaction with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from bot.db.sqlite_driver import (
    SQLITE_BUSY_TIMEOUT_MS,
    WRITE_BEGIN,
    OneTripConnection,
    one_trip_dbapi,
)
from bot.db.writer_queue import WriterQueue

READ_ONLY = "lotgenoot_read_only"
IN_THREAD = "lotgenoot_in_thread"


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL lets readers run beside the writer; BEGIN IMMEDIATE avoids the lock-upgrade deadlock.

    A deferred SQLite transaction that reads and then writes fails at once with SQLITE_BUSY when
    another connection wrote meanwhile, whatever the busy timeout; taking the write lock up front
    makes concurrent use cases queue on the busy timeout instead (SQLAlchemy's pysqlite notes).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        begin = "BEGIN" if read_only else WRITE_BEGIN
        driver_connection = connection.connection.dbapi_connection
        if isinstance(driver_connection, OneTripConnection):
            driver_connection.begin_with = begin
            driver_connection.keep_in_thread = connection.get_execution_options().get(
                IN_THREAD, False
            )
        else:
            connection.exec_driver_sql(begin)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` with the per-dialect settings Lotgenoot relies on.

    Bound parameters (Telegram ids, names, texts) stay out of error messages and tracebacks.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, module=one_trip_dbapi(), **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """Owns the engine; `transaction()` is the only way use cases touch the database."""

    def __init__(
        self, url: str, *, engine: AsyncEngine | None = None, **engine_kwargs: Any
    ) -> None:
        """`engine`: one made before by `create_engine(url)` and disposed since, kept for its
        compiled statements (the test suite hands one from test to test)."""
        self.url = url
        self.engine = engine if engine is not None else create_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._sqlite_writers = WriterQueue() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(
        self, *, urgent: bool = False, background: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back when it raises.

        `urgent` (short bookkeeping such as the sender's) goes first in SQLite's writer queue.
        `background` (the scheduler's scans and clean-ups, which read and write many rows) runs
        SQLite's statements in aiosqlite's thread, so the event loop answers people meanwhile;
        other write transactions run theirs on the loop (see `bot.db.sqlite_driver`).
        """
        async with AsyncExitStack() as stack:
            if self._sqlite_writers is not None:
                await stack.enter_async_context(self._sqlite_writers.turn(urgent=urgent))
            session = await stack.enter_async_context(self._sessions())
            await stack.enter_async_context(session.begin())
            if background and self._sqlite_writers is not None:
                await session.connection(execution_options={IN_THREAD: True})
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction that sees one moment and blocks no writer (exports, reports).

        On SQLite a deferred BEGIN in WAL mode reads a snapshot without the write lock; on
        PostgreSQL a repeatable-read, read-only transaction does the same.
        """
        options: dict[str, Any] = {READ_ONLY: True}
        if self.dialect == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
            options["postgresql_readonly"] = True
        async with self._sessions() as session:
            await session.connection(execution_options=options)
            try:
                yield session
            finally:
                await session.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()
