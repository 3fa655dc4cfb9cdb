"""Writing intended messages into the outbox, idempotently."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.upsert import insert_if_absent
from bot.outbox.messages import OutgoingMessage


async def enqueue(session: AsyncSession, message: OutgoingMessage, now: datetime) -> bool:
    """Add `message` unless its intent is already in the outbox; True when it was added.

    A message for a chat that blocked the bot is kept as cancelled: the intention is part of
    the trial's record (intention to treat), the attempt is not made.
    """
    unreachable = await session.scalar(
        select(UnreachableChat.reason).where(UnreachableChat.chat_id == message.chat_id)
    )
    values = {
        "intent_key": message.intent_key,
        "chat_id": message.chat_id,
        "chat_type": message.chat_type,
        "method": message.method,
        "payload": message.payload(),
        "kind": message.kind,
        "participant_id": message.participant_id,
        "status": OutboxStatus.PENDING if unreachable is None else OutboxStatus.CANCELLED,
        "last_error": None if unreachable is None else f"unreachable: {unreachable}",
        "not_before": message.not_before or now,
        "attempts": 0,
        "created_at": now,
    }
    return await insert_if_absent(session, OutboxMessage, values, ["intent_key"])
