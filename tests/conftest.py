"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.migrate import upgrade

POSTGRES_URL_VARIABLE = "LOTGENOOT_TEST_POSTGRES_URL"
T = TypeVar("T")
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the tests marked slow go first: handed out one at a time (`make test` runs
    `--dist loadgroup`), they then spread over the workers at the start, and the suite does not
    end on one worker still running a demo while the others wait. A run without xdist keeps
    the order of the files, so that `-x` stops early on a quick test."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
        if config.getvalue("loadgroup"):
            _name_groups(items)


def _name_groups(items: list[pytest.Item]) -> None:
    """Tests marked `xdist_group(name)` go to one worker, so that what they share (a module's
    demo runs, a session's report) is made once. pytest-xdist 3.8 tells its scheduler the group
    by ending the test's id in "@name", written to `item._nodeid`, which pytest 9 no longer
    reads (the id is `item._id` now): without this every worker that got one of the tests made
    the shared runs again. Harmless once xdist writes the id itself (the name is then there)."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # another pytest: its own way, or xdist's, holds
        return
    for item in items:
        names = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run PostgreSQL tests")
    return url


# Migrating a database costs more than most tests, so a test that asks for `database` starts
# from one migrated per session (per xdist worker). On SQLite it gets a copy of the file. On
# PostgreSQL, creating a database from a template (it copies the catalogs through the WAL) and
# dropping it cost the server about a second per test, more than most tests themselves; so the
# worker keeps one migrated database and empties it before each test: connections a test left
# behind ended, every row deleted (foreign-key triggers off for the transaction, as all rows go;
# TRUNCATE makes new files for every table and took ten times as long), every sequence restarted.
# The migrations insert no rows, so each test still starts from exactly what `upgrade` makes. A
# test that changed the schema (renamed a table, migrated down and up) leaves it different; the
# next test notices and gets a fresh copy of the template instead. The shared database commits
# without waiting for the disk (synchronous_commit off; only a crash of the server, which no test
# causes, could tell the difference): on a busy disk that wait was most of what the PostgreSQL
# tests spent. A test that asks only for `database_url` (to migrate it itself) still gets a new,
# empty database.


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to the end on an event loop of its own: the session's templates are made
    while a test's loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


def _migrate(url: str) -> None:
    async def run() -> None:
        db = Database(url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    run_apart(run())


async def _admin(statement: str) -> None:
    admin = await asyncpg.connect(_postgres_url().replace("+asyncpg", ""))
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def sqlite_address(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this process's SQLite tests find their migrated database (see `database`)."""
    return tmp_path_factory.mktemp("shared") / "lotgenoot.db"


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "lotgenoot.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """The name of a migrated PostgreSQL database that tests' databases are created from."""
    name = f"lotgenoot_template_{uuid.uuid4().hex[:12]}"
    run_apart(_admin(f'CREATE DATABASE "{name}"'))
    try:
        _migrate(_postgres_url().rsplit("/", 1)[0] + f"/{name}")
        yield name
    finally:
        run_apart(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Before each test on the shared database: end the connections a test left behind, then (when the
# schema is as migrated) delete every row, foreign keys unchecked as all rows go, and restart
# every sequence a test drew from (serial and identity columns), in one round trip. setval on the
# sequences in use, not ALTER SEQUENCE RESTART on all of them: the ALTERs were 90 of the 100 ms
# this took before every PostgreSQL test.
_EMPTY_POSTGRES = """
DO $$
DECLARE name text; first bigint;
BEGIN
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid();
    SET LOCAL session_replication_role = replica;
    FOR name IN SELECT tablename FROM pg_tables
                WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
        EXECUTE format('DELETE FROM %I', name);
    END LOOP;
    FOR name, first IN SELECT sequencename, start_value FROM pg_sequences
                       WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
        PERFORM setval(format('%I', name)::regclass, first, false);
    END LOOP;
END $$;
"""

# What a test could change of the schema: relations and their columns, constraints, indexes,
# types, sequences, functions, triggers, schemas and the migration the database is at.
_SCHEMA = """
SELECT md5(string_agg(entry, E'\\n' ORDER BY entry)) FROM (
    SELECT concat_ws(' ', c.relname, c.relkind, a.attnum, a.attname,
                      format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid)) AS entry
    FROM pg_class c
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(' ', conrelid::regclass, conname, pg_get_constraintdef(oid))
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT pg_get_indexdef(oid) FROM pg_class
        WHERE relkind = 'i' AND relnamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(' ', t.typname, e.enumlabel) FROM pg_type t
        LEFT JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(' ', sequencename, start_value, increment_by, data_type)
        FROM pg_sequences WHERE schemaname = 'public'
    UNION ALL SELECT concat_ws(' ', proname, md5(prosrc)) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(' ', tgrelid::regclass, tgname) FROM pg_trigger
        WHERE NOT tgisinternal
    UNION ALL SELECT nspname::text FROM pg_namespace
        WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
    UNION ALL SELECT version_num FROM alembic_version
) AS schema
"""


@dataclass(frozen=True)
class SharedPostgres:
    """This worker's migrated PostgreSQL database, and the fingerprint of its schema as made."""

    url: str
    template: str
    schema: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[1]


async def _schema_of(url: str) -> str:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return str(await connection.fetchval(_SCHEMA))
    finally:
        await connection.close()


async def _copy_template(name: str, template: str) -> None:
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    await _admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


@pytest.fixture(scope="session")
def shared_postgres(migrated_postgres_template: str) -> Iterator[SharedPostgres]:
    name = f"lotgenoot_shared_{uuid.uuid4().hex[:12]}"
    run_apart(_copy_template(name, migrated_postgres_template))
    try:
        url = _postgres_url().rsplit("/", 1)[0] + f"/{name}"
        yield SharedPostgres(url, migrated_postgres_template, run_apart(_schema_of(url)))
    finally:
        run_apart(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _emptied(shared: SharedPostgres) -> str:
    """The shared database with no rows, or made again from the template if its schema changed."""
    connection = await asyncpg.connect(shared.url.replace("+asyncpg", ""))
    try:
        try:
            unchanged = await connection.fetchval(_SCHEMA) == shared.schema
        except asyncpg.PostgresError:  # e.g. alembic_version renamed or dropped
            unchanged = False
        if unchanged:
            await connection.execute(_EMPTY_POSTGRES)
            return shared.url
    finally:
        await connection.close()
    await _admin(f'DROP DATABASE IF EXISTS "{shared.name}" WITH (FORCE)')
    await _copy_template(shared.name, shared.template)
    return shared.url


@pytest_asyncio.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database, once on SQLite and once on PostgreSQL (when configured): migrated when the
    test also asks for `database`, empty otherwise.

    Every test that touches the database runs on both engines; a test narrows that with
    `@pytest.mark.parametrize("database_url", [...], indirect=True)`. The journeys through the
    sandbox (tests/e2e) run on SQLite unless they say otherwise: see tests/e2e/conftest.py.
    """
    async for url in database_on(request, tmp_path):
        yield url


async def database_on(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The database of `request.param` ("sqlite" or "postgresql") for one test."""
    migrated = "database" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "lotgenoot.db"
        if migrated:
            path = request.getfixturevalue("sqlite_address")
            for left in path.parent.glob(f"{path.name}*"):  # the file, its -wal and -shm
                left.unlink()
            shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    server_url = _postgres_url()
    if migrated:
        yield await _emptied(request.getfixturevalue("shared_postgres"))
        return
    name = f"lotgenoot_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# SQLAlchemy compiles each statement once per engine (its cache is keyed by the engine's
# dialect), and a test makes a few dozen of them: with an engine of its own every test compiled
# them all again, a tenth of what the tests on a database spent. So a process keeps one engine
# per database address; a test gets it with its connections closed (`dispose`), and SQLite tests
# share one file address per process (tests run one at a time there), copied fresh each time.
_ENGINES: dict[str, AsyncEngine] = {}


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A database migrated to head, with no rows (see above)."""
    db = Database(database_url, engine=_ENGINES.get(database_url))
    _ENGINES[database_url] = db.engine
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A frozen clock on a Monday morning in Amsterdam (08:00 UTC = 09:00 CET)."""
    return FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
