"""Remembering which Telegram updates were handled, so a re-delivered one is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import ProcessedUpdate
from bot.db.upsert import insert_if_absent

KEEP_PROCESSED_UPDATES = timedelta(days=7)


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """True the first time `update_id` is seen, False for a re-delivery."""
    return await insert_if_absent(
        session, ProcessedUpdate, {"update_id": update_id, "received_at": now}, ["update_id"]
    )


async def forget_old_updates(session: AsyncSession, now: datetime) -> int:
    """Telegram re-delivers for at most a day; a week of ids is plenty."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < now - KEEP_PROCESSED_UPDATES)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
