"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

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


@pytest_asyncio.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database, once on SQLite and once on PostgreSQL (when configured), dropped after.

    Every test that touches the database runs on both engines; a test narrows that with
    `@pytest.mark.parametrize("database_url", [...], indirect=True)`.
    """
    engine = request.param
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'lotgenoot.db'}"
        return
    server_url = _postgres_url()
    name = f"lotgenoot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url.replace("+asyncpg", ""))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A database migrated to head."""
    db = Database(database_url)
    await upgrade(db)
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock on a Monday morning in Amsterdam (08:00 UTC = 09:00 CET)."""
    return FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
