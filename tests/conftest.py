"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.migrate import upgrade

POSTGRES_URL_VARIABLE = "LOTGENOOT_TEST_POSTGRES_URL"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run PostgreSQL tests")
    return url


# Migrating a database costs more than most tests (on PostgreSQL, creating one too), so a test
# that asks for `database` starts from a copy of one migrated per session (per xdist worker):
# a copy of the file on SQLite, a database created from a migrated template on PostgreSQL. The
# migrations insert no rows, so the copy is exactly what `upgrade` makes. A test that asks only
# for `database_url` (to migrate it itself) still gets an empty database.


def _apart(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to the end on an event loop of its own: the session's templates are made
    while a test's loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, work).result()


def _migrate(url: str) -> None:
    async def run() -> None:
        db = Database(url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    _apart(run())


async def _admin(statement: str) -> None:
    admin = await asyncpg.connect(_postgres_url().replace("+asyncpg", ""))
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "lotgenoot.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """The name of a migrated PostgreSQL database that tests' databases are created from."""
    name = f"lotgenoot_template_{uuid.uuid4().hex[:12]}"
    _apart(_admin(f'CREATE DATABASE "{name}"'))
    try:
        _migrate(_postgres_url().rsplit("/", 1)[0] + f"/{name}")
        yield name
    finally:
        _apart(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest_asyncio.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database, once on SQLite and once on PostgreSQL (when configured), dropped after:
    migrated when the test also asks for `database`, empty otherwise.

    Every test that touches the database runs on both engines; a test narrows that with
    `@pytest.mark.parametrize("database_url", [...], indirect=True)`.
    """
    migrated = "database" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "lotgenoot.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    server_url = _postgres_url()
    template = request.getfixturevalue("migrated_postgres_template") if migrated else None
    name = f"lotgenoot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url.replace("+asyncpg", ""))
    try:
        from_template = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{from_template}')
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A database migrated to head (a copy of the session's migrated one)."""
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock on a Monday morning in Amsterdam (08:00 UTC = 09:00 CET)."""
    return FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
