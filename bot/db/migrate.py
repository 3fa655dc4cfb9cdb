"""Alembic, driven from code: upgrade to head, and tell whether a database is behind."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.db.engine import Database

SCRIPT_LOCATION = "bot.db:migrations"


class DatabaseBehind(Exception):
    """The schema is older than this code; `lotgenoot db upgrade` fixes it."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def upgrade(database: Database, revision: str = "head") -> None:
    """Apply migrations on the database's own connection (works inside a running event loop)."""
    await _run_command(database, command.upgrade, revision)


async def downgrade(database: Database, revision: str) -> None:
    """Undo migrations down to `revision` (rolling a release back)."""
    await _run_command(database, command.downgrade, revision)


async def _run_command(
    database: Database, alembic_command: Callable[[Config, str], None], revision: str
) -> None:
    config = alembic_config(database.url)

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        alembic_command(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(_run)


async def current_revision(database: Database) -> str | None:
    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(_read)


async def ensure_up_to_date(database: Database) -> None:
    """Raise DatabaseBehind, naming the fix, unless the schema is at this code's head."""
    current = await current_revision(database)
    head = head_revision(database.url)
    if current != head:
        state = "has no tables yet" if current is None else f"is at revision {current}"
        raise DatabaseBehind(
            f"the database {state}, this Lotgenoot needs {head}: run `lotgenoot db upgrade`"
        )
