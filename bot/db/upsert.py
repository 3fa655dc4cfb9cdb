"""INSERT … ON CONFLICT DO NOTHING, spelled for whichever engine the session is on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_if_absent(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict_columns: list[str],
) -> bool:
    """Insert a row unless one with the same `conflict_columns` exists; True when inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
