"""Migration 0005 creates exactly the tables the group models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.db import groups
from bot.db.engine import Database
from bot.db.models import Base

GROUP_TABLES = {table.name for table in Base.metadata.sorted_tables} & {
    model.__tablename__
    for model in (
        groups.PoolEntry,
        groups.PeerGroup,
        groups.GroupMember,
        groups.FormationDecision,
        groups.ModerationAction,
        groups.GroupReport,
        groups.FloodWindow,
    )
}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, Base.metadata)
        if GROUP_TABLES & set(_tables_named(difference))
    ]


def _tables_named(difference: Any) -> list[str]:
    """Table names mentioned anywhere in one autogenerate difference."""
    found = []
    for part in difference if isinstance(difference, list | tuple) else [difference]:
        for candidate in (part, getattr(part, "table", None)):
            name = getattr(candidate, "name", None)
            if isinstance(name, str):
                found.append(name)
        if isinstance(part, str):
            found.append(part)
    return found


async def test_migration_matches_the_group_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert len(GROUP_TABLES) == 7
    assert differences == []
