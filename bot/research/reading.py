"""Every research table read in one snapshot, as of the data date, in pages parsed by Arrow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
from sqlalchemy import Select, Text, bindparam, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.engine import Database
from bot.research.frames import frame, parsed
from bot.research.lines import MODELS, csv_line, filtered, lines_query, table_key
from bot.research.reflected import group_frames
from experiments.outputs import RawTrial, cut_at

_SLICE = 50_000  # rows per page: bigger texts grow glibc's heap in pieces it cannot give back


async def read_trial(database: Database, as_of: datetime) -> RawTrial:
    """Every research table in one transaction, so the tables agree with each other, as they
    stood at `as_of` (the data date: later rows left out, later changes undone)."""
    frames: dict[str, pd.DataFrame] = {}
    async with database.snapshot() as session:
        connection = await session.connection()
        await connection.execute(select(literal(1)))  # opens the snapshot's transaction
        for table in MODELS:
            # In slices of lines, parsed by Arrow: never a million rows of Python values at once.
            paged = database.dialect == "sqlite" and table_key(table) is not None
            pages = (_pages if paged else _lines)(connection, table)
            frames[table] = frame([parsed(page, table, keyed=paged) async for page in pages], table)
            # Arrow's allocator keeps what the parsing freed for later; hand it back, or the
            # next table's parsing adds to it (a million events: 40 MB less at the peak)
            pa.default_memory_pool().release_unused()
        frames.update(await session.run_sync(group_frames))
    return cut_at(RawTrial(as_of=as_of, frames=frames))


async def _driver(connection: AsyncConnection) -> Any:
    """The DB-API driver's own connection (aiosqlite's or asyncpg's), inside the transaction:
    SQLAlchemy's per-row result handling cost as much as SQLite's own work."""
    return (await connection.get_raw_connection()).driver_connection


async def _pages(connection: AsyncConnection, table: str) -> AsyncIterator[str]:
    """SQLite: the table's lines, a page of them joined into one text by SQLite itself (keyset
    pagination on the integer key), so not even a Python string per row is made."""
    compiled = _pages_query(table).compile(dialect=connection.dialect)
    driver = await _driver(connection)
    after = -(2**63)
    while True:
        values = compiled.construct_params({"after": after})
        parameters = [values[name] for name in compiled.positiontup or ()]
        cursor = await driver.execute(str(compiled), parameters)
        try:
            count, last, text = await cursor.fetchone()
        finally:
            await cursor.close()
        if not count:
            return
        yield text
        if count < _SLICE:
            return
        after = last


async def _lines(connection: AsyncConnection, table: str) -> AsyncIterator[str]:
    """The table's lines in slices, from a server-side cursor (asyncpg) or aiosqlite's."""
    query = lines_query(table, connection.dialect.name)
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = await _driver(connection)
    if connection.dialect.name == "postgresql":
        cursor = await driver.cursor(sql)
        while batch := await cursor.fetch(_SLICE):
            yield "\n".join([record[0] for record in batch])
        return
    cursor = await driver.execute(sql)  # aiosqlite: SQLite runs in its worker thread
    try:
        while batch := await cursor.fetchmany(_SLICE):
            yield "\n".join([row[0] for row in batch])
    finally:
        await cursor.close()


def _pages_query(table: str) -> Select[Any]:
    """SQLite: the next page of lines (after the key `after`) as one text, with its row count
    and last key. Each line starts with its key, so that the page's order can be checked."""
    key = table_key(table)
    line = type_coerce(csv_line(table, "sqlite", key), Text)
    inner = filtered(select(key.label("k"), line.label("line")), table)
    page = inner.where(key > bindparam("after")).order_by(key).limit(_SLICE).subquery()
    return select(func.count(), func.max(page.c.k), func.group_concat(page.c.line, "\n"))
