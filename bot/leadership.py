"""Exactly one process schedules and sends; if it dies another takes over within seconds.

The same leases keep a second process from polling the same bot (bot.polling): it waits as a
standby, with one line in its log, and takes over when the poller stops.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own: when
the process dies, PostgreSQL closes that connection and frees the lock at once. On SQLite all
processes share one machine, so an exclusive `flock` on a file beside the database does the same
job (the kernel releases it when the process dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from asyncio import FIRST_COMPLETED
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.engine import Database

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 7_404_212
LEADER = "the leader (scheduler and sender)"
# the poller's advisory lock: this base plus the bot's id, so bots sharing a server don't collide
POLLER_LOCK_BASE = 7_404_213 * 10**11
POLLER = "the poller (takes this bot's updates from Telegram)"


class Lease(Protocol):
    """A claim to leadership that can be tried, checked and given up."""

    async def try_acquire(self) -> bool: ...

    async def still_held(self) -> bool: ...

    async def release(self) -> None: ...


class PostgresLease:
    """pg_try_advisory_lock on a dedicated connection."""

    def __init__(self, database: Database, key: int = LEADER_LOCK_KEY) -> None:
        self._database = database
        self._key = key
        self._connection: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        connection = await self._database.engine.connect()
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.scalar(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            log.warning("lost the leader connection; stepping down")
            self._connection = None
            return False
        return True

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                )
                await self._connection.commit()
            await self._connection.close()
            self._connection = None


class FileLease:
    """An exclusive flock on `<database file>.leader`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: IO[str] | None = None

    async def try_acquire(self) -> bool:
        handle = self._path.open("a", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    async def still_held(self) -> bool:
        return self._handle is not None

    async def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def lease_for(database: Database) -> Lease:
    """The right kind of lease for the database's engine."""
    if database.dialect == "postgresql":
        return PostgresLease(database)
    return FileLease(_beside(database, "leader"))


def poller_lease_for(database: Database, bot_id: int) -> Lease:
    """The lease that lets one process at a time poll the bot with this id."""
    if database.dialect == "postgresql":
        return PostgresLease(database, POLLER_LOCK_BASE + bot_id)
    return FileLease(_beside(database, f"poller-{bot_id}"))


def _beside(database: Database, suffix: str) -> Path:
    database_file = database.engine.url.database or "lotgenoot.db"
    return Path(f"{database_file}.{suffix}")


async def lead_while_possible(
    lease: Lease,
    duties: DutiesFactory,
    stop: asyncio.Event,
    *,
    retry_s: float = 1.0,
    role: str = LEADER,
) -> None:
    """Until `stop`: wait to take the `role`, run the duties while the lease holds, repeat.
    Waiting is said once in the log, each time this process becomes a standby."""
    standing_by = False
    while not stop.is_set():
        try:
            elected = await lease.try_acquire()
        except Exception:
            log.exception("could not ask to be %s", role)
            elected = False
        if elected:
            log.info("this process is now %s", role)
            standing_by = False
            await _serve_term(lease, duties, stop, retry_s)
            await lease.release()
            continue
        if not standing_by:
            log.info("another process is %s; this one waits as a standby", role)
            standing_by = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=retry_s)


class DutiesFactory(Protocol):
    """The leader's work: runs until the event it is given is set."""

    async def __call__(self, until: asyncio.Event) -> None: ...


async def _serve_term(
    lease: Lease, duties: DutiesFactory, stop: asyncio.Event, every_s: float
) -> None:
    """Run the duties while the lease holds; a crash in them gives the role up, not the process."""
    demoted = asyncio.Event()
    work = asyncio.create_task(duties(demoted), name="leader-duties")
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set() and not work.done():
            await asyncio.wait({work, stopping}, timeout=every_s, return_when=FIRST_COMPLETED)
            if not await lease.still_held():
                break
    finally:
        stopping.cancel()
        demoted.set()
        try:
            await work
        except Exception:
            log.exception("the leader's duties failed; giving up the role so another can lead")
