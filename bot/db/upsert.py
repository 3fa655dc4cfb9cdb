"""INSERT … ON CONFLICT DO NOTHING, spelled for whichever engine the session is on."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from bot.db.base import table_of


async def insert_if_absent(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict_columns: list[str],
) -> bool:
    """Insert a row unless one with the same `conflict_columns` exists; True when inserted.

    The statement is built once per shape and run on the table, not the mapped class: these
    inserts are on every update's path, and building a statement and passing it through the
    ORM cost more than running it.
    """
    dialect = session.get_bind().dialect.name
    statement = _insert_ignoring(table_of(model), dialect, tuple(conflict_columns))
    result = await session.execute(statement, values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_all_if_absent(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: list[dict[str, Any]],
    conflict_columns: list[str],
) -> None:
    """`insert_if_absent` for many rows of one shape, in one executemany."""
    if rows:
        dialect = session.get_bind().dialect.name
        statement = _insert_ignoring(table_of(model), dialect, tuple(conflict_columns))
        await session.execute(statement, rows)


@cache
def _insert_ignoring(table: Table, dialect: str, conflict_columns: tuple[str, ...]) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
