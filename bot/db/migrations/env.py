"""Alembic environment: runs on a connection handed in by bot.db.migrate, or opens its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

# Registers the trial's, the groups' (with their check-in weeks and opt-in ingredients'), the
# registrations', the inbox's, the follow-up's, the registry imports' and the micro-randomized
# decisions' tables.
from bot.db import (  # noqa: F401
    calls,
    delivery,
    group_weeks,
    groups,
    lasting,
    linkage,
    micro,
    offers,
    registration,
    study,
    tickets,
    together,
)
from bot.db.base import Base
from bot.db.engine import create_engine

target_metadata = Base.metadata


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run_on)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    asyncio.run(_run_with_own_engine(context.config.get_main_option("sqlalchemy.url") or ""))


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
