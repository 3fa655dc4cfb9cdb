"""Writing intended messages and calls into the outbox, idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.delivery import OutboxMessage, OutboxStatus, UnreachableChat
from bot.db.upsert import insert_if_absent
from bot.outbox.messages import LANE_GRACE, Outgoing, OutgoingCall, OutgoingMessage


async def enqueue(
    session: AsyncSession,
    message: Outgoing,
    now: datetime,
    *,
    chat_is_talking: bool = False,
) -> bool:
    """Add `message` unless its intent is already in the outbox; True when it was added.

    A message for a chat that blocked the bot is kept as cancelled: the intention is part of
    the trial's record (intention to treat), the attempt is not made. `chat_is_talking` says
    the person is writing to the bot right now, so there is no block to look up. A call
    (`OutgoingCall`) is never held back by a blocked chat: only messages are.
    """
    unreachable = (
        None
        if chat_is_talking or isinstance(message, OutgoingCall)
        else await session.scalar(
            select(UnreachableChat.reason).where(UnreachableChat.chat_id == message.chat_id)
        )
    )
    values = _row(message, now, unreachable)
    return await insert_if_absent(session, OutboxMessage, values, ["intent_key"])


async def enqueue_many(
    session: AsyncSession, messages: Sequence[OutgoingMessage], now: datetime
) -> int:
    """`enqueue` for many messages in a few statements (scans, broadcasts); how many were added.

    One statement per message costs about a millisecond each through SQLAlchemy's async
    drivers; a scan that enqueues thousands of nudges should not spend seconds on it.
    """
    if not messages:
        return 0
    unreachable: dict[int, str] = {}
    chat_ids = sorted({message.chat_id for message in messages})
    for start in range(0, len(chat_ids), 500):  # keeps under every engine's parameter limit
        rows = await session.execute(
            select(UnreachableChat.chat_id, UnreachableChat.reason).where(
                UnreachableChat.chat_id.in_(chat_ids[start : start + 500])
            )
        )
        unreachable.update({chat_id: reason for chat_id, reason in rows})
    rows_to_add = [_row(message, now, unreachable.get(message.chat_id)) for message in messages]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["intent_key"])
        .returning(OutboxMessage.id)
    )
    added = await session.execute(statement, rows_to_add)
    return len(added.all())


def _row(message: Outgoing, now: datetime, unreachable: str | None) -> dict[str, Any]:
    not_before = message.not_before or now
    return {
        "intent_key": message.intent_key,
        "chat_id": message.chat_id,
        "chat_type": message.chat_type,
        "method": message.method,
        "payload": message.payload(),
        "kind": message.kind,
        "participant_id": message.participant_id,
        "status": OutboxStatus.PENDING if unreachable is None else OutboxStatus.CANCELLED,
        "last_error": None if unreachable is None else f"unreachable: {unreachable}",
        "not_before": not_before,
        "priority": int(message.lane),
        "rank_at": not_before + LANE_GRACE[message.lane],
        "attempts": 0,
        "created_at": now,
    }
