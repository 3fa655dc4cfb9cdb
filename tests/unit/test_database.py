from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from bot.db.delivery import ProcessedUpdate
from bot.db.engine import Database
from bot.db.migrate import (
    DatabaseBehind,
    current_revision,
    downgrade,
    ensure_up_to_date,
    head_revision,
    upgrade,
)
from tests.conftest import ENGINES

pytestmark = pytest.mark.parametrize("database_url", ENGINES, indirect=True)


async def test_fresh_database_is_reported_behind_with_the_fix(database_url: str) -> None:
    database = Database(database_url)
    try:
        with pytest.raises(DatabaseBehind, match="lotgenoot db upgrade"):
            await ensure_up_to_date(database)
    finally:
        await database.dispose()


async def test_upgrade_brings_the_database_to_head(database: Database) -> None:
    assert await current_revision(database) == head_revision(database.url)
    await ensure_up_to_date(database)


async def test_times_come_back_timezone_aware_utc(database: Database) -> None:
    amsterdam_winter = timezone(timedelta(hours=1))
    moment = datetime(2026, 1, 5, 23, 0, tzinfo=amsterdam_winter)
    async with database.transaction() as session:
        session.add(ProcessedUpdate(update_id=1, received_at=moment))
    async with database.transaction() as session:
        stored = (await session.execute(select(ProcessedUpdate.received_at))).scalar_one()
    assert stored == moment
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)


async def test_naive_times_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        async with database.transaction() as session:
            session.add(ProcessedUpdate(update_id=2, received_at=datetime(2026, 1, 5)))
            await session.flush()


async def test_failed_use_case_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            session.add(ProcessedUpdate(update_id=3, received_at=datetime.now(UTC)))
            await session.flush()
            raise RuntimeError("the use case failed halfway")
    async with database.transaction() as session:
        count = (await session.execute(text("SELECT count(*) FROM processed_updates"))).scalar()
    assert count == 0


async def test_sqlite_runs_in_wal_mode(database: Database) -> None:
    if database.dialect != "sqlite":
        pytest.skip("WAL is SQLite's")
    async with database.engine.connect() as connection:
        mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
    assert mode == "wal"


async def test_snapshot_reads_one_moment_without_blocking_writers(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        session.add(ProcessedUpdate(update_id=10, received_at=now))
    async with database.snapshot() as reader:
        before = (await reader.execute(text("SELECT count(*) FROM processed_updates"))).scalar()
        async with database.transaction() as writer:  # would wait 15 s if the reader held a lock
            writer.add(ProcessedUpdate(update_id=11, received_at=now))
        during = (await reader.execute(text("SELECT count(*) FROM processed_updates"))).scalar()
    assert before == during == 1


async def test_migrating_down_past_0006_restores_last_activity_from_the_events(
    database: Database,
) -> None:
    async with database.transaction() as session:
        for statement in (
            "INSERT INTO sites (id, name, created_at) VALUES (1, 'Zaandam', '2026-01-01 00:00:00')",
            "INSERT INTO participants (id, telegram_user_id, site_id, language, consent_version,"
            " consented_at, step, status) VALUES (1, 11, 1, 'nl', 'v1', '2026-01-05 08:00:00',"
            " 'done', 'active'), (2, 12, 1, 'nl', 'v1', '2026-01-06 08:00:00', 'done', 'active')",
            "INSERT INTO events (participant_id, kind, detail, occurred_at, source, dedupe_key)"
            " VALUES (1, 'applied', '{}', '2026-01-09 10:00:00', 'telegram', 'a'),"
            " (1, 'applied', '{}', '2026-01-07 10:00:00', 'telegram', 'b')",
        ):
            await session.execute(text(statement))
    await downgrade(database, "0005")
    async with database.snapshot() as session:
        rows = await session.execute(
            text("SELECT id, last_activity_at FROM participants ORDER BY id")
        )
        last_activity = {id_: str(moment)[:16] for id_, moment in rows}
    assert last_activity == {1: "2026-01-09 10:00", 2: "2026-01-06 08:00"}
    await upgrade(database)
    assert await current_revision(database) == head_revision(database.url)
