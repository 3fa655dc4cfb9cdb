"""The migrations at head create exactly the schema the models describe: every table, column,
type, index and constraint, on both engines."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import bot.db.delivery
import bot.db.groups
import bot.db.lasting
import bot.db.linkage
import bot.db.micro
import bot.db.offers
import bot.db.study
import bot.db.together
from bot.db.base import Base
from bot.db.engine import Database

ALEMBIC_VERSION = "alembic_version"


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrations_create_the_schema_the_models_describe(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert differences == []
    assert tables == {*Base.metadata.tables, ALEMBIC_VERSION}
    assert bot.db.groups.PeerGroup.__tablename__ in tables
