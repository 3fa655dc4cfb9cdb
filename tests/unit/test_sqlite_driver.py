"""The one-trip SQLite cursor behaves as SQLAlchemy's own: rows, counts, errors, transactions."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import CursorResult, Result, event, text
from sqlalchemy.exc import IntegrityError

from bot.db.engine import Database


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE)"))
    yield database
    await database.dispose()


def _path(database: Database) -> str:
    return database.url.split("///", 1)[1]


async def _bodies(database: Database) -> list[str]:
    async with database.snapshot() as session:
        return list((await session.execute(text("SELECT body FROM notes ORDER BY id"))).scalars())


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)  # as SQLAlchemy's own driver gives for a write
    return result.rowcount


async def test_rows_counts_and_ids_come_back(db: Database) -> None:
    async with db.transaction() as session:
        inserted = await session.execute(text("INSERT INTO notes (body) VALUES ('a'), ('b')"))
        assert _rowcount(inserted) == 2
        changed = await session.execute(text("UPDATE notes SET body = body || '!'"))
        assert _rowcount(changed) == 2
        missing = await session.execute(text("DELETE FROM notes WHERE body = 'nobody'"))
        assert _rowcount(missing) == 0
        returned = await session.execute(
            text("INSERT INTO notes (body) VALUES (:body) RETURNING id"), {"body": "c"}
        )
        assert returned.scalar_one() == 3
        await session.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "d"}, {"body": "e"}]
        )
    assert await _bodies(db) == ["a!", "b!", "c", "d", "e"]


async def test_a_constraint_error_is_sqlalchemys_and_rolls_the_transaction_back(
    db: Database,
) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO notes (body) VALUES ('once')"))
            await session.execute(text("INSERT INTO notes (body) VALUES ('once')"))
    assert await _bodies(db) == []
    async with db.transaction() as session:  # the pooled connection is usable again
        await session.execute(text("INSERT INTO notes (body) VALUES ('once')"))
    assert await _bodies(db) == ["once"]


async def test_a_write_transaction_holds_the_lock_from_its_first_read(db: Database) -> None:
    """BEGIN IMMEDIATE travels with the first statement, so even a read takes the write lock."""
    other = sqlite3.connect(_path(db), timeout=0, isolation_level=None)
    try:
        async with db.transaction() as session:
            await session.execute(text("SELECT count(*) FROM notes"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO notes (body) VALUES ('from elsewhere')")
        other.execute("INSERT INTO notes (body) VALUES ('from elsewhere')")
    finally:
        other.close()
    assert await _bodies(db) == ["from elsewhere"]


async def test_a_snapshot_sees_one_moment_and_blocks_no_writer(db: Database) -> None:
    async with db.snapshot() as reading:
        before = (await reading.execute(text("SELECT count(*) FROM notes"))).scalar_one()
        async with db.transaction() as writing:
            await writing.execute(text("INSERT INTO notes (body) VALUES ('later')"))
        streamed = await (await reading.connection()).stream(text("SELECT body FROM notes"))
        assert [row async for row in streamed] == []
        after = (await reading.execute(text("SELECT count(*) FROM notes"))).scalar_one()
    assert before == after == 0
    assert await _bodies(db) == ["later"]


async def test_a_stream_as_first_statement_runs_inside_the_snapshot(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO notes (body) VALUES ('first')"))
    async with db.snapshot() as reading:
        streamed = await (await reading.connection()).stream(text("SELECT body FROM notes"))
        async with db.transaction() as writing:
            await writing.execute(text("INSERT INTO notes (body) VALUES ('second')"))
        assert [body for (body,) in [row async for row in streamed]] == ["first"]


async def test_a_transaction_without_statements_commits(db: Database) -> None:
    async with db.transaction():
        pass
    async with db.snapshot():
        pass
    assert await _bodies(db) == []


async def test_writes_run_on_the_event_loop_and_snapshots_and_scans_in_the_worker_thread(
    db: Database,
) -> None:
    await db.engine.dispose()  # new connections, each with a function telling its thread

    @event.listens_for(db.engine.sync_engine, "connect")
    def _thread_function(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection._conn.create_function("thread", 0, threading.get_ident)

    def thread_of(session_result: Any) -> int:
        return int(session_result.scalar_one())

    async with db.transaction() as writing:
        first = thread_of(await writing.execute(text("SELECT thread()")))
        await writing.execute(text("INSERT INTO notes (body) VALUES ('x')"))
        second = thread_of(await writing.execute(text("SELECT thread()")))
    async with db.snapshot() as reading:
        read = thread_of(await reading.execute(text("SELECT thread()")))
    async with db.transaction(background=True) as scanning:  # the scheduler's scans
        await scanning.execute(text("INSERT INTO notes (body) VALUES ('y')"))
        scanned = thread_of(await scanning.execute(text("SELECT thread()")))
    async with db.transaction() as writing:  # and the next write is back on the loop
        after = thread_of(await writing.execute(text("SELECT thread()")))
    assert first == second == after == threading.get_ident()
    assert read != threading.get_ident()
    assert scanned != threading.get_ident()
    assert await _bodies(db) == ["x", "y"]


async def test_a_lock_held_by_another_process_is_waited_for_off_the_event_loop(
    db: Database,
) -> None:
    other = sqlite3.connect(_path(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes (body) VALUES ('elsewhere')")
    wrote = asyncio.Event()

    async def write() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO notes (body) VALUES ('here')"))
        wrote.set()

    writing = asyncio.create_task(write())
    for _ in range(20):  # the loop keeps turning while the write waits for the lock
        await asyncio.sleep(0)
    assert not wrote.is_set()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, timeout=10)
    assert await _bodies(db) == ["elsewhere", "here"]
