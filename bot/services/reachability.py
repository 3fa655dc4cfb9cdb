"""A participant who blocks the bot is lost to follow-up until they write again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import Participant
from bot.outbox.store import mark_reachable


async def participant_unreachable(session: AsyncSession, chat_id: int, now: datetime) -> None:
    """Record when Telegram first refused to deliver to this participant."""
    await session.execute(
        update(Participant)
        .where(Participant.telegram_user_id == chat_id, Participant.unreachable_since.is_(None))
        .values(unreachable_since=now)
    )


async def person_wrote(session: AsyncSession, user_id: int) -> None:
    """Writing to the bot again undoes a block: messages may flow once more.

    The sender remembers an unreachable participant's chat whenever it marks them unreachable,
    so a chat it does not remember has nothing to undo (one statement on every message).
    """
    if await mark_reachable(session, user_id):
        await session.execute(
            update(Participant)
            .where(Participant.telegram_user_id == user_id)
            .values(unreachable_since=None)
        )
